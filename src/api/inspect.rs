//! What a module or a serialised module holds, for tools that show it (`wasmo inspect`): the
//! module's shape without compiling it, and an artifact's header.

use super::{Engine, Error, ExportType, ExternType, ImportType, Module, Result};
use crate::artifact::serialize::{check_compatible, read_artifact, Body};
use crate::module::ModuleInfo;

pub use crate::artifact::serialize::{ArtifactHeader, BUILD_ID};

/// The target triple code is compiled for on this machine.
pub fn host_triple() -> &'static str {
    &crate::codegen::host().triple
}

/// A module's shape: its counts, sizes, imports and exports.
#[derive(Debug, Clone)]
pub struct ModuleSummary {
    /// Functions in the function index space (imported and defined).
    pub functions: usize,
    /// Imported functions (the first in the index space).
    pub imported_functions: usize,
    /// Functions the module defines (with a body).
    pub defined_functions: usize,
    /// Bytes of function bodies.
    pub code_bytes: usize,
    /// Bytes of data in data segments.
    pub data_bytes: usize,
    /// Data segments.
    pub data_segments: usize,
    /// Memories, imported and defined.
    pub memories: usize,
    /// Tables, imported and defined.
    pub tables: usize,
    /// Globals, imported and defined.
    pub globals: usize,
    /// Element segments.
    pub element_segments: usize,
    /// The start function's index.
    pub start: Option<u32>,
    /// The imports, in order.
    pub imports: Vec<ImportType>,
    /// Each export with its type.
    pub exports: Vec<(ExportType, ExternType)>,
}

impl ModuleSummary {
    /// Decodes and validates `wasm` with `engine`'s features, without compiling it.
    pub fn decode(engine: &Engine, wasm: &[u8]) -> Result<ModuleSummary> {
        let info = ModuleInfo::decode_with_features(wasm, engine.config().features)?;
        Ok(ModuleSummary::of(&info))
    }

    fn of(info: &ModuleInfo) -> ModuleSummary {
        ModuleSummary {
            functions: info.functions.len(),
            imported_functions: info.num_imported_functions as usize,
            defined_functions: info.bodies.len(),
            code_bytes: info.bodies.iter().map(|b| b.len()).sum(),
            data_bytes: info.data.iter().map(|d| d.range.len()).sum(),
            data_segments: info.data.len(),
            memories: info.memories.len(),
            tables: info.tables.len(),
            globals: info.globals.len(),
            element_segments: info.elements.len(),
            start: info.start,
            imports: info.imports.clone(),
            exports: info
                .exports
                .iter()
                .map(|e| (e.clone(), info.export_type(e)))
                .collect(),
        }
    }
}

/// A serialised module ([`Module::serialize`]), read but not loaded.
pub struct ArtifactSummary<'a> {
    /// What built it, for which target and CPU, in which mode.
    pub header: ArtifactHeader,
    /// The module's wasm binary, kept in the artifact.
    pub wasm: &'a [u8],
    /// The form and size of its code.
    pub code: CodeForm,
}

/// How a module's optimised code is held, and its size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeForm {
    /// Relocatable objects as LLVM emitted them (code compiled in this process), loaded by the
    /// JIT.
    Objects {
        /// How many objects.
        count: usize,
        /// Their total size.
        bytes: usize,
    },
    /// One linked image (a serialised module's code), mapped.
    Image {
        /// Its size.
        bytes: usize,
    },
}

impl<'a> ArtifactSummary<'a> {
    /// Reads the artifact `bytes`; an error if it is not one or is damaged.
    pub fn read(bytes: &'a [u8]) -> Result<ArtifactSummary<'a>> {
        let artifact = read_artifact(bytes)?;
        let code = match &artifact.body {
            Body::Objects { objects, .. } => CodeForm::Objects {
                count: objects.len(),
                bytes: objects.iter().map(|o| o.len()).sum(),
            },
            Body::Image { info, .. } => CodeForm::Image {
                bytes: info.layout.len,
            },
        };
        Ok(ArtifactSummary {
            code,
            header: artifact.header,
            wasm: artifact.wasm,
        })
    }

    /// Whether [`Module::deserialize`] could load it here (this build, target and CPU), or why
    /// not.
    pub fn loadable(&self) -> std::result::Result<(), Error> {
        check_compatible(&self.header)
    }
}

impl Module {
    /// The module's shape (as [`ModuleSummary::decode`]).
    pub fn summary(&self) -> ModuleSummary {
        ModuleSummary::of(self.0.info())
    }

    /// Whether the module runs lift-off code (baseline code tiered up in the background) or
    /// optimised code only (optimised mode, and every deserialised module).
    pub fn code_mode(&self) -> super::Mode {
        match self.0.code().tier() {
            Some(_) => super::Mode::Liftoff,
            None => super::Mode::Optimized,
        }
    }

    /// For optimised code: its form and size.
    pub fn object_code(&self) -> Option<CodeForm> {
        use crate::artifact::{Code, Source};
        match &self.0.code().code {
            Code::Optimized {
                source: Source::Objects(compiled),
                ..
            } => Some(CodeForm::Objects {
                count: compiled.objects.len(),
                bytes: compiled.objects.iter().map(|o| o.len()).sum(),
            }),
            Code::Optimized {
                source: Source::Image(image),
                ..
            } => Some(CodeForm::Image {
                bytes: image.info.layout.len,
            }),
            Code::Liftoff(_) => None,
        }
    }
}
