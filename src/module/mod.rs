//! Decoding and validation: turns wasm bytes into a validated [`ModuleInfo`] with wasmparser.
//! Everything later stages need to know about a module's shape lives here; this module knows
//! nothing of LLVM or C.

pub mod types;

use crate::engine::Engine;
use crate::error::{Error, Result};
use std::sync::Arc;
use types::{ExternKind, ExternType, FuncType, GlobalType, MemoryType, TableType};
use wasmparser::{
    CompositeInnerType, FuncValidatorAllocations, Parser, Payload, TypeRef, ValidPayload,
    Validator, WasmFeatures,
};

/// The proposals Wasmo accepts: all of Wasm 2.0 plus the Wasm 3.0 additions wasmparser validates.
pub fn features() -> WasmFeatures {
    WasmFeatures::WASM3
}

/// One import: where it comes from and what it must be.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub module: String,
    pub name: String,
    pub ty: ExternType,
}

/// One export: its name and the index it exposes in the space of its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    pub name: String,
    pub kind: ExternKind,
    pub index: u32,
}

/// The validated shape of a module. Index spaces (functions, tables, memories, globals) list
/// imported entities first, as in the spec.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModuleInfo {
    /// The type section (function types only).
    pub types: Vec<FuncType>,
    /// The type index of every function.
    pub functions: Vec<u32>,
    pub tables: Vec<TableType>,
    pub memories: Vec<MemoryType>,
    pub globals: Vec<GlobalType>,
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
    pub num_imported_functions: u32,
    pub num_imported_tables: u32,
    pub num_imported_memories: u32,
    pub num_imported_globals: u32,
    pub start: Option<u32>,
}

impl ModuleInfo {
    /// Decodes and fully validates `bytes`, including every function body.
    pub fn decode(bytes: &[u8]) -> Result<ModuleInfo> {
        let mut info = ModuleInfo::default();
        let mut validator = Validator::new_with_features(features());
        let mut allocs = FuncValidatorAllocations::default();
        for payload in Parser::new(0).parse_all(bytes) {
            let payload = payload?;
            match validator.payload(&payload)? {
                ValidPayload::Func(func, body) => {
                    let mut v = func.into_validator(std::mem::take(&mut allocs));
                    v.validate(&body)?;
                    allocs = v.into_allocations();
                }
                ValidPayload::Parser(_) => {
                    return Err(Error::unsupported("nested module", "component-model"))
                }
                ValidPayload::Ok | ValidPayload::End(_) => {}
            }
            info.record(payload)?;
        }
        Ok(info)
    }

    /// Validates `bytes` without keeping anything.
    pub fn validate(bytes: &[u8]) -> Result<()> {
        Validator::new_with_features(features())
            .validate_all(bytes)
            .map(drop)
            .map_err(Error::from)
    }

    /// Takes what a validated payload tells about the module's shape.
    fn record(&mut self, payload: Payload<'_>) -> Result<()> {
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader {
                    for sub in group?.into_types() {
                        match &sub.composite_type.inner {
                            CompositeInnerType::Func(f) if !sub.composite_type.shared => {
                                self.types.push(FuncType::from_wasmparser(f)?)
                            }
                            _ => return Err(Error::unsupported("non-function type", "gc")),
                        }
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let ty = self.import_type(import.ty)?;
                    self.imports.push(Import {
                        module: import.module.to_string(),
                        name: import.name.to_string(),
                        ty,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    self.functions.push(ty?);
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    self.tables.push(TableType::from_wasmparser(&table?.ty)?);
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    self.memories.push(MemoryType::from_wasmparser(&memory?)?);
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    self.globals.push(GlobalType::from_wasmparser(&global?.ty)?);
                }
            }
            Payload::TagSection(_) => {
                return Err(Error::unsupported("tag section", "exception-handling"))
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    let kind = match export.kind {
                        wasmparser::ExternalKind::Func | wasmparser::ExternalKind::FuncExact => {
                            ExternKind::Func
                        }
                        wasmparser::ExternalKind::Table => ExternKind::Table,
                        wasmparser::ExternalKind::Memory => ExternKind::Memory,
                        wasmparser::ExternalKind::Global => ExternKind::Global,
                        wasmparser::ExternalKind::Tag => {
                            return Err(Error::unsupported("tag export", "exception-handling"))
                        }
                    };
                    self.exports.push(Export {
                        name: export.name.to_string(),
                        kind,
                        index: export.index,
                    });
                }
            }
            Payload::StartSection { func, .. } => self.start = Some(func),
            _ => {}
        }
        Ok(())
    }

    /// Converts an import's type and adds the entity to its index space.
    fn import_type(&mut self, ty: TypeRef) -> Result<ExternType> {
        Ok(match ty {
            TypeRef::Func(index) | TypeRef::FuncExact(index) => {
                self.functions.push(index);
                self.num_imported_functions += 1;
                ExternType::Func(self.func_type(index).clone())
            }
            TypeRef::Table(t) => {
                let t = TableType::from_wasmparser(&t)?;
                self.tables.push(t);
                self.num_imported_tables += 1;
                ExternType::Table(t)
            }
            TypeRef::Memory(m) => {
                let m = MemoryType::from_wasmparser(&m)?;
                self.memories.push(m);
                self.num_imported_memories += 1;
                ExternType::Memory(m)
            }
            TypeRef::Global(g) => {
                let g = GlobalType::from_wasmparser(&g)?;
                self.globals.push(g);
                self.num_imported_globals += 1;
                ExternType::Global(g)
            }
            TypeRef::Tag(_) => return Err(Error::unsupported("tag import", "exception-handling")),
        })
    }

    /// The signature at type index `index`.
    pub fn func_type(&self, index: u32) -> &FuncType {
        &self.types[index as usize]
    }

    /// The signature of function `func` (in the function index space).
    pub fn function_type(&self, func: u32) -> &FuncType {
        self.func_type(self.functions[func as usize])
    }

    /// The type of an export.
    pub fn export_type(&self, export: &Export) -> ExternType {
        let i = export.index as usize;
        match export.kind {
            ExternKind::Func => ExternType::Func(self.function_type(export.index).clone()),
            ExternKind::Table => ExternType::Table(self.tables[i]),
            ExternKind::Memory => ExternType::Memory(self.memories[i]),
            ExternKind::Global => ExternType::Global(self.globals[i]),
        }
    }
}

/// A validated module, ready to instantiate in any store of its engine. Cloning shares it.
#[derive(Clone)]
pub struct Module {
    inner: Arc<ModuleInner>,
}

struct ModuleInner {
    engine: Engine,
    info: ModuleInfo,
}

impl Module {
    /// Decodes and validates `bytes` for `engine`.
    pub fn new(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        let info = ModuleInfo::decode(bytes)?;
        Ok(Module {
            inner: Arc::new(ModuleInner {
                engine: engine.clone(),
                info,
            }),
        })
    }

    pub fn info(&self) -> &ModuleInfo {
        &self.inner.info
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }
}

#[cfg(test)]
mod tests {
    use super::types::{Limits, ValType};
    use super::*;

    fn decode(wat: &str) -> Result<ModuleInfo> {
        ModuleInfo::decode(&wat::parse_str(wat).unwrap())
    }

    #[test]
    fn imports_and_exports_in_index_order() {
        let info = decode(
            r#"(module
                (import "env" "f" (func (param i32) (result i64)))
                (import "env" "m" (memory 1 2))
                (global (export "g") (mut f32) (f32.const 1))
                (table (export "t") 3 funcref)
                (func (export "h") (result i32) i32.const 7)
                (func $init)
                (export "f2" (func 0))
                (start $init))"#,
        )
        .unwrap();
        assert_eq!(info.num_imported_functions, 1);
        assert_eq!(info.functions.len(), 3);
        assert_eq!(
            info.imports[1].ty,
            ExternType::Memory(MemoryType {
                limits: Limits {
                    min: 1,
                    max: Some(2)
                },
                memory64: false,
                shared: false,
            })
        );
        let names: Vec<_> = info.exports.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["g", "t", "h", "f2"]);
        assert_eq!(
            info.export_type(&info.exports[3]),
            ExternType::Func(FuncType::new(vec![ValType::I32], vec![ValType::I64]))
        );
        assert_eq!(info.start, Some(2));
    }

    #[test]
    fn invalid_body_reports_offset() {
        let err = decode("(module (func (result i32) i64.const 0))").unwrap_err();
        assert!(err.message().contains("type mismatch"), "{err}");
        assert!(err.message().contains("at offset 0x"), "{err}");
    }

    #[test]
    fn truncated_and_malformed_bytes_are_errors() {
        let bytes = wat::parse_str("(module (func (export \"f\")))").unwrap();
        // A prefix ending exactly between sections is a valid (smaller) module; any other prefix
        // is malformed. Decoding and validation must agree and never panic.
        let mut rejected = 0;
        for len in 0..bytes.len() {
            let decoded = ModuleInfo::decode(&bytes[..len]);
            assert_eq!(
                decoded.is_ok(),
                ModuleInfo::validate(&bytes[..len]).is_ok(),
                "{len}"
            );
            rejected += decoded.is_err() as usize;
        }
        assert!(
            rejected >= bytes.len() - 5,
            "{rejected} of {} rejected",
            bytes.len()
        );
        assert!(ModuleInfo::decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(ModuleInfo::decode(b"\0asm\x02\0\0\0").is_err());
        assert!(ModuleInfo::decode(b"not wasm at all").is_err());
    }

    #[test]
    fn gc_types_are_unsupported_not_misread() {
        let err = decode("(module (type (struct)))").unwrap_err();
        assert!(err.message().starts_with("unsupported:"), "{err}");
    }
}
