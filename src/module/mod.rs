//! Decoding and validation: turns wasm bytes into a validated [`ModuleInfo`] with wasmparser.
//! Everything later stages need to know about a module's shape lives here; this module knows
//! nothing of LLVM or C.

pub mod const_expr;
pub mod types;
pub mod validate;

use crate::error::{Error, Result};
use const_expr::ConstExpr;
use std::ops::Range;

use types::{ExternKind, ExternType, FuncType, GlobalType, MemoryType, TableType, TypeId, ValType};
use wasmparser::{
    CompositeInnerType, FuncToValidate, FuncValidatorAllocations, Parser, Payload, TypeRef,
    ValidPayload, Validator, WasmFeatures,
};

/// The proposals Wasmo accepts: all of Wasm 2.0 plus the Wasm 3.0 additions wasmparser validates,
/// and the legacy exception-handling instructions (`try`, `catch`, `rethrow`, `delegate`) that
/// toolchains still emit.
pub fn features() -> WasmFeatures {
    WasmFeatures::WASM3 | WasmFeatures::LEGACY_EXCEPTIONS
}

/// Validates one function body with the validator it is given (see [`ModuleInfo::decode_with`]).
pub type BodyValidator = dyn Fn(
        &mut wasmparser::FuncValidator<wasmparser::ValidatorResources>,
        &wasmparser::FunctionBody<'_>,
    ) -> Result<()>
    + Sync;

/// Function bodies waiting for validation, in runs of consecutive bodies, shared by the thread
/// decoding the module and its helpers (`ModuleInfo::decode_with`).
#[derive(Default)]
struct BodyQueue<'a> {
    state: std::sync::Mutex<QueueState<'a>>,
    ready: std::sync::Condvar,
}

type BodyRun<'a> = Vec<(
    FuncToValidate<wasmparser::ValidatorResources>,
    wasmparser::FunctionBody<'a>,
)>;

#[derive(Default)]
struct QueueState<'a> {
    /// Runs not yet taken, each with the index of its first body, oldest first.
    runs: std::collections::VecDeque<(usize, BodyRun<'a>)>,
    /// No more runs will come.
    closed: bool,
    /// The lowest-indexed failing body found so far, with its error.
    error: Option<(usize, Error)>,
}

impl<'a> BodyQueue<'a> {
    /// Bodies per run: few enough lock round trips, small enough runs to share the work out.
    const RUN: usize = 32;

    fn lock(&self) -> std::sync::MutexGuard<'_, QueueState<'a>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, start: usize, run: BodyRun<'a>) {
        self.lock().runs.push_back((start, run));
        self.ready.notify_one();
    }

    /// No more runs; with `abandon` (decoding failed) the waiting ones are dropped too.
    fn close(&self, abandon: bool) {
        let mut state = self.lock();
        state.closed = true;
        if abandon {
            state.runs.clear();
        }
        drop(state);
        self.ready.notify_all();
    }

    /// Validates runs until the queue is closed and empty, reusing one set of validator
    /// allocations for all of them. A run that starts past a body already known to fail is
    /// skipped: it cannot hold the first failure.
    fn work(&self, validate: &BodyValidator) {
        let mut allocs = FuncValidatorAllocations::default();
        let mut scratch = validate::Scratch::default();
        loop {
            let mut state = self.lock();
            let (start, run) = loop {
                if let Some(next) = state.runs.pop_front() {
                    break next;
                }
                if state.closed {
                    return;
                }
                state = self.ready.wait(state).unwrap_or_else(|e| e.into_inner());
            };
            if state.error.as_ref().is_some_and(|(i, _)| *i < start) {
                continue;
            }
            drop(state);
            for (k, (func, body)) in run.into_iter().enumerate() {
                let fast = validate::validate(&func, body.as_bytes(), &mut scratch).is_ok();
                if fast && !validate::crosscheck() {
                    continue;
                }
                let mut v = func.into_validator(std::mem::take(&mut allocs));
                let result = validate(&mut v, &body);
                if fast && result.is_err() {
                    eprintln!(
                        "wasmo: WASMO_VALIDATE_CROSSCHECK: the fast path accepted the invalid \
                         body of function {}",
                        start + k
                    );
                    std::process::abort();
                }
                if let Err(e) = result {
                    let mut state = self.lock();
                    if state.error.as_ref().is_none_or(|(i, _)| start + k < *i) {
                        state.error = Some((start + k, e));
                    }
                    break;
                }
                allocs = v.into_allocations();
            }
        }
    }

    fn first_error(self) -> Option<Error> {
        let state = self.state.into_inner().unwrap_or_else(|e| e.into_inner());
        state.error.map(|(_, e)| e)
    }
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

/// Where an element segment goes.
#[derive(Debug, Clone, PartialEq)]
pub enum ElementMode {
    Passive,
    Active { table: u32, offset: ConstExpr },
    Declared,
}

/// An element segment: references, each given by a constant expression.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementSegment {
    pub mode: ElementMode,
    pub ty: ValType,
    pub items: Vec<ConstExpr>,
}

/// Where a data segment goes.
#[derive(Debug, Clone, PartialEq)]
pub enum DataMode {
    Passive,
    Active { memory: u32, offset: ConstExpr },
}

/// A data segment: its bytes are `range` of the module's binary.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSegment {
    pub mode: DataMode,
    pub range: Range<usize>,
}

/// The validated shape of a module. Index spaces (functions, tables, memories, globals) list
/// imported entities first, as in the spec.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModuleInfo {
    /// The type section (function types only), each in its defining form (see [`TypeId`]).
    pub types: Vec<FuncType>,
    /// The process-wide id of each type section entry.
    pub type_ids: Vec<TypeId>,
    /// The type index of every function.
    pub functions: Vec<u32>,
    pub tables: Vec<TableType>,
    /// The initialiser of each defined table's elements, where it has one (3.0: a table of a
    /// non-nullable type must); the others start null.
    pub table_inits: Vec<Option<ConstExpr>>,
    pub memories: Vec<MemoryType>,
    pub globals: Vec<GlobalType>,
    /// The type index of every tag (imported ones first).
    pub tags: Vec<u32>,
    /// Initialisers of the defined globals.
    pub global_inits: Vec<ConstExpr>,
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
    pub num_imported_functions: u32,
    pub num_imported_tables: u32,
    pub num_imported_memories: u32,
    pub num_imported_globals: u32,
    pub num_imported_tags: u32,
    pub start: Option<u32>,
    pub elements: Vec<ElementSegment>,
    pub data: Vec<DataSegment>,
    /// The byte range of each defined function's body (locals and code) in the binary.
    pub bodies: Vec<Range<usize>>,
}

impl ModuleInfo {
    /// Decodes and fully validates `bytes`, including every function body.
    pub fn decode(bytes: &[u8]) -> Result<ModuleInfo> {
        Self::decode_with_features(bytes, features())
    }

    /// Like [`ModuleInfo::decode`], accepting only the proposals in `features`.
    pub fn decode_with_features(bytes: &[u8], features: WasmFeatures) -> Result<ModuleInfo> {
        let validate: &BodyValidator = &|v, body| v.validate(body).map_err(Error::from);
        Self::decode_with(bytes, features, 1, validate)
    }

    /// Like [`ModuleInfo::decode_with_features`], validating function bodies with `validate`
    /// (which may refuse more than the validator, in the same pass: `compile::support`) on up
    /// to `threads` threads. Bodies are validated while the rest of the module is still being
    /// decoded: from the code section on, this thread hands runs of bodies to `threads - 1`
    /// helpers, decodes what follows (a Go module's 10⁵ data segments take as long as a third
    /// of its bodies), then validates with them. A decoding error is reported before any body's;
    /// of several failing bodies, the first one's error.
    pub fn decode_with(
        bytes: &[u8],
        features: WasmFeatures,
        threads: usize,
        validate: &BodyValidator,
    ) -> Result<ModuleInfo> {
        let mut info = ModuleInfo::default();
        let mut validator = Validator::new_with_features(features);
        // The parser decodes by the features too (a memory limit is a u64 only with memory64).
        let mut parser = Parser::new(0);
        parser.set_features(features);
        let queue = BodyQueue::default();
        std::thread::scope(|scope| {
            let decoded = (|| -> Result<()> {
                let mut run = Vec::new();
                let mut start = 0;
                for payload in parser.parse_all(bytes) {
                    let payload = payload?;
                    match validator.payload(&payload)? {
                        ValidPayload::Func(func, body) => {
                            run.push((func, body));
                            if run.len() == BodyQueue::RUN {
                                queue.push(start, std::mem::take(&mut run));
                                start += BodyQueue::RUN;
                            }
                        }
                        ValidPayload::Parser(_) => {
                            return Err(Error::unsupported("nested module", "component-model"))
                        }
                        ValidPayload::Ok | ValidPayload::End(_) => {}
                    }
                    if let Payload::CodeSectionStart { count, .. } = payload {
                        // A helper for every 64 bodies, up to `threads - 1`.
                        let helpers = (threads.max(1) - 1).min(count as usize / 64);
                        for _ in 0..helpers {
                            scope.spawn(|| queue.work(validate));
                        }
                    }
                    info.record(payload)?;
                }
                if !run.is_empty() {
                    queue.push(start, run);
                }
                Ok(())
            })();
            queue.close(decoded.is_err());
            decoded?;
            queue.work(validate);
            Ok::<(), Error>(())
        })?;
        // The helpers have finished: the scope joined them.
        match queue.first_error() {
            Some(e) => Err(e),
            None => Ok(info),
        }
    }

    /// Decodes `bytes` without validating them: only for modules known to be valid (a
    /// serialised module, whose checksum vouches for the bytes a validated module was made from).
    pub fn decode_trusted(bytes: &[u8]) -> Result<ModuleInfo> {
        let mut info = ModuleInfo::default();
        let mut parser = Parser::new(0);
        parser.set_features(WasmFeatures::all());
        for payload in parser.parse_all(bytes) {
            info.record(payload?)?;
        }
        Ok(info)
    }

    /// Takes what a validated payload tells about the module's shape.
    fn record(&mut self, payload: Payload<'_>) -> Result<()> {
        match payload {
            Payload::TypeSection(reader) => {
                for group in reader {
                    let group = group?;
                    // Wasmo's type ids are 3.0's (iso-recursive) type equivalence for final
                    // function types without supertypes, in groups of any size; subtyping
                    // between declared types and the GC proposal's struct and array types
                    // would link and call_indirect wrongly, so they are refused.
                    let before = self.type_ids.len();
                    let mut members = Vec::with_capacity(group.types().len());
                    for sub in group.into_types() {
                        if !sub.is_final || !sub.supertype_idxs.is_empty() {
                            return Err(Error::unsupported("non-final or sub type", "gc"));
                        }
                        match &sub.composite_type.inner {
                            CompositeInnerType::Func(f) if !sub.composite_type.shared => {
                                members
                                    .push(FuncType::from_wasmparser(f, &self.type_ids[..before])?);
                            }
                            _ => return Err(Error::unsupported("non-function type", "gc")),
                        }
                    }
                    let ids = TypeId::of_group(&members);
                    self.type_ids.extend(&ids);
                    self.types
                        .extend(ids.iter().map(|id| (*id.func_type()).clone()));
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
                    let table = table?;
                    self.tables
                        .push(TableType::from_wasmparser(&table.ty, &self.type_ids)?);
                    self.table_inits.push(match table.init {
                        wasmparser::TableInit::RefNull => None,
                        wasmparser::TableInit::Expr(e) => Some(ConstExpr::decode(&e)?),
                    });
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    self.memories.push(MemoryType::from_wasmparser(&memory?)?);
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let global = global?;
                    self.globals
                        .push(GlobalType::from_wasmparser(&global.ty, &self.type_ids)?);
                    self.global_inits
                        .push(ConstExpr::decode(&global.init_expr)?);
                }
            }
            Payload::TagSection(reader) => {
                for tag in reader {
                    self.tags.push(tag?.func_type_idx);
                }
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
                        wasmparser::ExternalKind::Tag => ExternKind::Tag,
                    };
                    self.exports.push(Export {
                        name: export.name.to_string(),
                        kind,
                        index: export.index,
                    });
                }
            }
            Payload::StartSection { func, .. } => self.start = Some(func),
            Payload::ElementSection(reader) => {
                for element in reader {
                    let element = self.element(element?)?;
                    self.elements.push(element);
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data?;
                    let mode = match data.kind {
                        wasmparser::DataKind::Passive => DataMode::Passive,
                        wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => DataMode::Active {
                            memory: memory_index,
                            offset: ConstExpr::decode(&offset_expr)?,
                        },
                    };
                    let end = data.range.end as usize;
                    self.data.push(DataSegment {
                        mode,
                        range: end - data.data.len()..end,
                    });
                }
            }
            Payload::CodeSectionEntry(body) => {
                let r = body.range();
                self.bodies.push(r.start as usize..r.end as usize)
            }
            _ => {}
        }
        Ok(())
    }

    fn element(&self, element: wasmparser::Element<'_>) -> Result<ElementSegment> {
        let mode = match element.kind {
            wasmparser::ElementKind::Passive => ElementMode::Passive,
            wasmparser::ElementKind::Declared => ElementMode::Declared,
            wasmparser::ElementKind::Active {
                table_index,
                offset_expr,
            } => ElementMode::Active {
                table: table_index.unwrap_or(0),
                offset: ConstExpr::decode(&offset_expr)?,
            },
        };
        let (ty, items) = match element.items {
            wasmparser::ElementItems::Functions(funcs) => {
                let items = funcs
                    .into_iter()
                    .map(|f| Ok(ConstExpr::one(const_expr::ConstOp::RefFunc(f?))))
                    .collect::<Result<Vec<_>>>()?;
                (ValType::FUNCREF, items)
            }
            wasmparser::ElementItems::Expressions(ty, exprs) => {
                let items = exprs
                    .into_iter()
                    .map(|e| ConstExpr::decode(&e?))
                    .collect::<Result<Vec<_>>>()?;
                (
                    ValType::Ref(types::RefType::from_wasmparser(ty, &self.type_ids)?),
                    items,
                )
            }
        };
        Ok(ElementSegment { mode, ty, items })
    }

    /// Converts an import's type and adds the entity to its index space.
    fn import_type(&mut self, ty: TypeRef) -> Result<ExternType> {
        Ok(match ty {
            TypeRef::Func(index) | TypeRef::FuncExact(index) => {
                self.functions.push(index);
                self.num_imported_functions += 1;
                ExternType::Func(self.type_at(index).clone())
            }
            TypeRef::Table(t) => {
                let t = TableType::from_wasmparser(&t, &self.type_ids)?;
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
                let g = GlobalType::from_wasmparser(&g, &self.type_ids)?;
                self.globals.push(g);
                self.num_imported_globals += 1;
                ExternType::Global(g)
            }
            TypeRef::Tag(t) => {
                self.tags.push(t.func_type_idx);
                self.num_imported_tags += 1;
                ExternType::Tag(self.type_at(t.func_type_idx).clone())
            }
        })
    }

    /// The signature at type index `index`.
    pub fn type_at(&self, index: u32) -> &FuncType {
        &self.types[index as usize]
    }

    /// The process-wide id of type index `index`.
    pub fn type_id_at(&self, index: u32) -> TypeId {
        self.type_ids[index as usize]
    }

    /// The process-wide id of function `func`'s type.
    pub fn function_type_id(&self, func: u32) -> TypeId {
        self.type_id_at(self.functions[func as usize])
    }

    /// The signature of function `func` (in the function index space).
    pub fn function_type(&self, func: u32) -> &FuncType {
        self.type_at(self.functions[func as usize])
    }

    /// The type of an export.
    pub fn export_type(&self, export: &Export) -> ExternType {
        let i = export.index as usize;
        match export.kind {
            ExternKind::Func => ExternType::Func(self.function_type(export.index).clone()),
            ExternKind::Table => ExternType::Table(self.tables[i]),
            ExternKind::Memory => ExternType::Memory(self.memories[i]),
            ExternKind::Global => ExternType::Global(self.globals[i]),
            ExternKind::Tag => ExternType::Tag(self.type_at(self.tags[i]).clone()),
        }
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
                Validator::new_with_features(features())
                    .validate_all(&bytes[..len])
                    .is_ok(),
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
    fn wasm2_features_reject_wasm3_modules() {
        // Two memories (multi-memory) and a 64-bit limit encoding (memory64) are Wasm 3.0.
        let two_memories = wat::parse_str("(module (memory 1) (memory 1))").unwrap();
        assert!(ModuleInfo::decode(&two_memories).is_ok());
        assert!(ModuleInfo::decode_with_features(&two_memories, WasmFeatures::WASM2).is_err());
        let overlong_limit = b"\0asm\x01\0\0\0\x05\x08\x01\x00\x82\x80\x80\x80\x80\x00";
        assert!(ModuleInfo::decode(overlong_limit).is_ok());
        assert!(ModuleInfo::decode_with_features(overlong_limit, WasmFeatures::WASM2).is_err());
    }

    #[test]
    fn parallel_validation_reports_the_first_invalid_body() {
        let mut wat = String::from("(module");
        for i in 0..300 {
            let body = match i {
                150 => "i64.const 1",
                180 => "f32.const 1",
                _ => "i32.const 1",
            };
            wat.push_str(&format!(" (func (result i32) {body})"));
        }
        wat.push(')');
        let bytes = wat::parse_str(&wat).unwrap();
        let sequential = ModuleInfo::decode(&bytes).unwrap_err();
        assert!(
            sequential.message().contains("expected i32, found i64"),
            "{sequential}"
        );
        let validate: &BodyValidator = &|v, body| v.validate(body).map_err(Error::from);
        for threads in [2, 4] {
            let parallel =
                ModuleInfo::decode_with(&bytes, features(), threads, validate).unwrap_err();
            assert_eq!(parallel.message(), sequential.message());
        }
    }

    #[test]
    fn a_decoding_error_after_the_code_section_comes_before_body_errors() {
        // Bodies are validated while the data section is still being decoded; a malformed
        // data section is still the error reported, with or without helpers.
        let mut wat = String::from("(module (memory 1)");
        for i in 0..300 {
            let body = if i == 7 { "i64.const 1" } else { "i32.const 1" };
            wat.push_str(&format!(" (func (result i32) {body})"));
        }
        wat.push_str(" (data (i32.const 0) \"abcd\"))");
        let mut bytes = wat::parse_str(&wat).unwrap();
        // The data section is last; cut its final byte (a segment's bytes run past its end).
        let len = bytes.len();
        bytes.truncate(len - 1);
        let validate: &BodyValidator = &|v, body| v.validate(body).map_err(Error::from);
        for threads in [1, 2, 4] {
            let err = ModuleInfo::decode_with(&bytes, features(), threads, validate).unwrap_err();
            assert!(!err.message().contains("type mismatch"), "{threads}: {err}");
        }
        // Complete, the module's first error is the body's.
        let bytes = wat::parse_str(&wat).unwrap();
        for threads in [1, 2] {
            let err = ModuleInfo::decode_with(&bytes, features(), threads, validate).unwrap_err();
            assert!(err.message().contains("type mismatch"), "{threads}: {err}");
        }
    }

    #[test]
    fn constant_expressions_keep_their_operators() {
        let info = decode(
            r#"(module (global i32 (i32.const 7)) (global i32 (i32.add (i32.const 1) (i32.const 2)))
                 (memory 1) (data (i32.const 16) "x"))"#,
        )
        .unwrap();
        use const_expr::ConstOp;
        assert_eq!(info.global_inits[0].ops(), &[ConstOp::I32(7)]);
        assert_eq!(
            info.global_inits[1].ops(),
            &[ConstOp::I32(1), ConstOp::I32(2), ConstOp::I32Add]
        );
        let DataMode::Active { offset, .. } = &info.data[0].mode else {
            panic!("active segment")
        };
        assert_eq!(offset.ops(), &[ConstOp::I32(16)]);
    }

    #[test]
    fn gc_types_are_unsupported_not_misread() {
        let err = decode("(module (type (struct)))").unwrap_err();
        assert!(err.message().starts_with("unsupported:"), "{err}");
        let err = decode("(module (rec (type (func)) (type (struct))))").unwrap_err();
        assert!(err.message().starts_with("unsupported:"), "{err}");
        let err = decode("(module (type (sub (func))))").unwrap_err();
        assert!(err.message().starts_with("unsupported:"), "{err}");
    }

    #[test]
    fn a_recursion_group_costs_linear_time() {
        // One group of 200,000 `(func)` types (a module may have up to a million): registering
        // and comparing it must not hash the whole group per member.
        let n = 200_000;
        let wasm = wat::parse_str(format!("(module (rec {}))", "(type (func))".repeat(n))).unwrap();
        let a = ModuleInfo::decode(&wasm).unwrap();
        let b = ModuleInfo::decode(&wasm).unwrap();
        assert_eq!(a.type_ids.len(), n);
        assert_eq!(a.type_ids, b.type_ids);
        assert_eq!(a.types[n - 1], b.types[n - 1]);
        assert_ne!(a.type_ids[0], a.type_ids[1]);
        assert_eq!(TypeId::of(&a.types[12345]), a.type_ids[12345]);
    }

    #[test]
    fn recursion_groups_of_function_types() {
        let a = decode(
            "(module (rec (type $f (func (param (ref null $g)))) (type $g (func (result (ref $f)))))
                     (type (func)) (rec) (rec (type (func)) (type (func))))",
        )
        .unwrap();
        assert_eq!(a.type_ids.len(), 5);
        // Every type differs from every other, the three `(func)`s included.
        let mut ids = a.type_ids.clone();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 5);
        // The same group in another module is the same pair of types.
        let b = decode("(module (type (func)) (rec (type (func)) (type (func))))").unwrap();
        assert_eq!(b.type_ids[0], a.type_ids[2]);
        assert_eq!(b.type_ids[1..], a.type_ids[3..]);
        assert_eq!(b.types[2], a.types[4]);
        assert_ne!(b.types[1], b.types[2]);
        // References into the group resolve to its members' ids.
        let f = &a.types[0];
        let param = f.params_of(a.type_ids[0]).next().unwrap();
        assert_eq!(
            param,
            ValType::Ref(types::RefType {
                nullable: true,
                heap: types::HeapType::Concrete(a.type_ids[1])
            })
        );
    }
}
