//! Decoding and validation: turns wasm bytes into a validated [`ModuleInfo`] with wasmparser.
//! Everything later stages need to know about a module's shape lives here; this module knows
//! nothing of LLVM or C.

pub mod cache;
pub mod const_expr;
pub mod serialize;
pub mod types;

use crate::engine::Engine;
use crate::error::{Error, Result};
use const_expr::ConstExpr;
use std::ops::Range;
use std::sync::Arc;
use types::{ExternKind, ExternType, FuncType, GlobalType, MemoryType, TableType, ValType};
use wasmparser::{
    CompositeInnerType, FuncToValidate, FuncValidatorAllocations, Parser, Payload, TypeRef,
    ValidPayload, Validator, WasmFeatures,
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
    /// The type section (function types only).
    pub types: Vec<FuncType>,
    /// The type index of every function.
    pub functions: Vec<u32>,
    pub tables: Vec<TableType>,
    pub memories: Vec<MemoryType>,
    pub globals: Vec<GlobalType>,
    /// Initialisers of the defined globals.
    pub global_inits: Vec<ConstExpr>,
    pub imports: Vec<Import>,
    pub exports: Vec<Export>,
    pub num_imported_functions: u32,
    pub num_imported_tables: u32,
    pub num_imported_memories: u32,
    pub num_imported_globals: u32,
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
        Self::decode_checked(bytes, features, 1, false)
    }

    /// Like [`ModuleInfo::decode_with_features`], validating function bodies on up to `threads`
    /// threads (each body is independent once the module's sections are known), and with
    /// `check_supported` refusing in the same pass what the translator does not implement
    /// ([`crate::compile::validate_supported`]). Of several failing bodies, the first one's error
    /// is reported.
    pub fn decode_checked(
        bytes: &[u8],
        features: WasmFeatures,
        threads: usize,
        check_supported: bool,
    ) -> Result<ModuleInfo> {
        let mut info = ModuleInfo::default();
        let mut validator = Validator::new_with_features(features);
        // The parser decodes by the features too (a memory limit is a u64 only with memory64).
        let mut parser = Parser::new(0);
        parser.set_features(features);
        let mut bodies = Vec::new();
        for payload in parser.parse_all(bytes) {
            let payload = payload?;
            match validator.payload(&payload)? {
                ValidPayload::Func(func, body) => bodies.push((func, body)),
                ValidPayload::Parser(_) => {
                    return Err(Error::unsupported("nested module", "component-model"))
                }
                ValidPayload::Ok | ValidPayload::End(_) => {}
            }
            info.record(payload)?;
        }
        // Validates a run of bodies starting at index `start`; the first error with its index.
        let validate_run =
            |start: usize, run: Vec<(FuncToValidate<_>, wasmparser::FunctionBody<'_>)>| {
                let mut allocs = FuncValidatorAllocations::default();
                for (k, (func, body)) in run.into_iter().enumerate() {
                    let mut v = func.into_validator(std::mem::take(&mut allocs));
                    let result = if check_supported {
                        crate::compile::validate_supported(&mut v, &body, features)
                    } else {
                        v.validate(&body).map_err(Error::from)
                    };
                    if let Err(e) = result {
                        return Some((start + k, e));
                    }
                    allocs = v.into_allocations();
                }
                None
            };
        let workers = threads.clamp(1, bodies.len().div_ceil(64).max(1));
        let first_error = if workers == 1 {
            validate_run(0, bodies)
        } else {
            // Runs of 32 bodies, taken in order by whichever worker is free.
            let mut runs = Vec::new();
            let mut start = 0;
            let mut rest = bodies.into_iter().peekable();
            while rest.peek().is_some() {
                let run: Vec<_> = rest.by_ref().take(32).collect();
                let len = run.len();
                runs.push((start, run));
                start += len;
            }
            runs.reverse();
            let runs = std::sync::Mutex::new(runs);
            let errors = std::sync::Mutex::new(Vec::new());
            std::thread::scope(|scope| {
                for _ in 0..workers {
                    scope.spawn(|| loop {
                        let next = runs.lock().unwrap_or_else(|e| e.into_inner()).pop();
                        let Some((start, run)) = next else {
                            return;
                        };
                        if let Some(e) = validate_run(start, run) {
                            errors.lock().unwrap_or_else(|e| e.into_inner()).push(e);
                        }
                    });
                }
            });
            errors
                .into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .into_iter()
                .min_by_key(|(i, _)| *i)
        };
        match first_error {
            Some((_, e)) => Err(e),
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
                    let global = global?;
                    self.globals.push(GlobalType::from_wasmparser(&global.ty)?);
                    self.global_inits
                        .push(ConstExpr::decode(&global.init_expr)?);
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
            Payload::ElementSection(reader) => {
                for element in reader {
                    self.elements.push(Self::element(element?)?);
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

    fn element(element: wasmparser::Element<'_>) -> Result<ElementSegment> {
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
                    .map(|f| Ok(ConstExpr(vec![const_expr::ConstOp::RefFunc(f?)])))
                    .collect::<Result<Vec<_>>>()?;
                (ValType::FuncRef, items)
            }
            wasmparser::ElementItems::Expressions(ty, exprs) => {
                let items = exprs
                    .into_iter()
                    .map(|e| ConstExpr::decode(&e?))
                    .collect::<Result<Vec<_>>>()?;
                (ValType::from_ref_type(ty)?, items)
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

/// A validated, compiled module, ready to instantiate in any store of its engine. Cloning
/// shares it.
#[derive(Clone)]
pub struct Module {
    inner: Arc<ModuleInner>,
}

struct ModuleInner {
    engine: Engine,
    info: ModuleInfo,
    bytes: Arc<[u8]>,
    code: LoadedCode,
    from_cache: bool,
}

/// A module's machine code, loaded in the engine's JIT.
pub struct LoadedCode {
    objects: Option<crate::codegen::LoadedObjects>,
    /// Address of each defined function (optimised mode; empty in lift-off mode, where the
    /// tier state knows each function's current code).
    pub functions: Vec<usize>,
    /// Address of the array trampoline of each type-section entry (0 if none).
    pub trampolines: Vec<usize>,
    pub id: u64,
    /// Lift-off mode: the tiers of the functions, their counters and lazy stubs.
    pub tier: Option<crate::tier::TierState>,
    /// Optimised mode: the relocatable objects as LLVM emitted them, for serialisation.
    pub compiled: Option<crate::compile::CompiledCode>,
}

/// The prefix of every symbol of the module with id `id`: fixed width, so that deserialising
/// can rename an artifact's symbols for its new id in place.
pub fn symbol_prefix(id: u64) -> String {
    format!("wasmo_m{id:016x}")
}

/// A module that does not keep it alive (the tier-up worker's list).
#[derive(Clone)]
pub struct WeakModule(std::sync::Weak<ModuleInner>);

impl WeakModule {
    pub fn upgrade(&self) -> Option<Module> {
        self.0.upgrade().map(|inner| Module { inner })
    }

    pub fn alive(&self) -> bool {
        self.0.strong_count() > 0
    }
}

/// Code loaded for some of a module's functions: the objects, each function's address, and
/// each type-section entry's trampoline address (0 if not in these objects).
struct Loaded {
    objects: crate::codegen::LoadedObjects,
    functions: Vec<usize>,
    trampolines: Vec<usize>,
}

impl Module {
    /// Decodes, validates and compiles `bytes` for `engine` (or loads them from the engine's
    /// code cache, see `cache`).
    pub fn new(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        let cache = engine.config().cache_dir.clone();
        if let Some(dir) = &cache {
            if let Some(mut module) = cache::load(dir, engine, bytes) {
                if let Some(inner) = Arc::get_mut(&mut module.inner) {
                    inner.from_cache = true;
                }
                return Ok(module);
            }
        }
        let module = Self::compile_new(engine, bytes)?;
        if let (Some(dir), None) = (&cache, &module.inner.code.tier) {
            cache::store(dir, &module);
        }
        Ok(module)
    }

    /// Whether this module's code came from the code cache.
    pub fn from_cache(&self) -> bool {
        self.inner.from_cache
    }

    fn compile_new(engine: &Engine, bytes: &[u8]) -> Result<Module> {
        let liftoff = engine.config().mode == crate::engine::Mode::Liftoff;
        let start = std::time::Instant::now();
        let phase = |name: &str| {
            if *crate::compile::TRACE {
                eprintln!(
                    "wasmo: {name} done at {:.1} ms",
                    start.elapsed().as_secs_f64() * 1e3
                );
            }
        };
        // Lift-off mode compiles lazily, so it checks up front (with validation, in parallel)
        // that the translator implements everything the bodies use.
        let info = ModuleInfo::decode_checked(
            bytes,
            engine.config().features,
            engine.config().threads(),
            liftoff,
        )?;
        phase("decoding and validation");
        let bytes: Arc<[u8]> = Arc::from(bytes);
        let code = if liftoff {
            Self::compile_liftoff(engine, &info, &bytes)?
        } else {
            Self::compile(engine, &info, &bytes)?
        };
        phase("compilation");
        let module = Module::from_parts(engine, info, bytes, code);
        phase("host stubs and trampolines");
        if let Some(tier) = &module.inner.code.tier {
            tier.set_context(Arc::as_ptr(&module.inner) as usize);
            engine.tier_queue().add(&module);
        }
        Ok(module)
    }

    /// A module from its parts (a lift-off module still has to be given to the tier-up worker).
    fn from_parts(
        engine: &Engine,
        info: ModuleInfo,
        bytes: Arc<[u8]>,
        mut code: LoadedCode,
    ) -> Module {
        let imported: Vec<FuncType> = info
            .imports
            .iter()
            .filter_map(|i| match &i.ty {
                ExternType::Func(ty) => Some(ty.clone()),
                _ => None,
            })
            .collect();
        // Host stubs for the imports, ready for the host functions made for them; a lift-off
        // module's trampolines come from the engine too, its exports' ones now, others when a
        // host first calls them (`Store::enter_wasm`). On failure each is tried again, and its
        // error reported, when it is needed.
        let exported: Vec<FuncType> = match code.tier {
            Some(_) => info
                .exports
                .iter()
                .filter(|e| e.kind == ExternKind::Func)
                .map(|e| info.func_type(info.functions[e.index as usize]).clone())
                .collect(),
            None => Vec::new(),
        };
        let _ = engine.prepare_entries(&imported, &exported);
        if code.tier.is_some() {
            for (t, tramp) in code.trampolines.iter_mut().enumerate() {
                if *tramp == 0 {
                    *tramp = engine.trampoline_if_compiled(&info.types[t]).unwrap_or(0);
                }
            }
        }
        Module {
            inner: Arc::new(ModuleInner {
                engine: engine.clone(),
                info,
                bytes,
                code,
                from_cache: false,
            }),
        }
    }

    /// The module whose context word (see `tier`) is `context`.
    ///
    /// # Safety
    /// `context` must come from a module that is still alive.
    pub(crate) unsafe fn from_context(context: usize) -> Module {
        let ptr = context as *const ModuleInner;
        // SAFETY: the caller guarantees a live module; we take one more strong reference.
        unsafe {
            Arc::increment_strong_count(ptr);
            Module {
                inner: Arc::from_raw(ptr),
            }
        }
    }

    /// Optimised mode: every function compiled once, optimised.
    fn compile(engine: &Engine, info: &ModuleInfo, bytes: &[u8]) -> Result<LoadedCode> {
        use crate::compile::{compile_module, CompileOptions};
        let id = engine.next_id();
        let options = CompileOptions {
            opt_level: engine.config().opt_level,
            threads: engine.config().threads(),
            machine: None,
        };
        let compiled = compile_module(info, bytes, symbol_prefix(id), options)?;
        Self::load_aot(engine, info, id, compiled)
    }

    /// Loads a whole module's optimised code (compiled now, or deserialised).
    fn load_aot(
        engine: &Engine,
        info: &ModuleInfo,
        id: u64,
        compiled: crate::compile::CompiledCode,
    ) -> Result<LoadedCode> {
        let all: Vec<u32> = (0..info.bodies.len() as u32).collect();
        let loaded = Self::load(engine, info, id, &compiled, &all)?;
        Ok(LoadedCode {
            objects: Some(loaded.objects),
            functions: loaded.functions,
            trampolines: loaded.trampolines,
            id,
            tier: None,
            compiled: Some(compiled),
        })
    }

    /// Lift-off mode: the functions' baseline code lazily on first call (or all of it now, in
    /// parallel, when the engine is not lazy). The trampolines come from the engine
    /// (`Module::from_parts`).
    fn compile_liftoff(engine: &Engine, info: &ModuleInfo, bytes: &[u8]) -> Result<LoadedCode> {
        use crate::compile::{compile_functions, CompileOptions, Tier};
        let id = engine.next_id();
        crate::compile::check_module_supported(info)?;
        let lazy = engine.config().lazy;
        let all: Vec<u32> = (0..info.bodies.len() as u32).collect();
        let defined: &[u32] = if lazy { &[] } else { &all };
        let options = CompileOptions {
            opt_level: 0,
            threads: engine.config().threads(),
            machine: None,
        };
        let compiled = compile_functions(
            info,
            bytes,
            symbol_prefix(id),
            defined,
            Tier::Baseline,
            false,
            options,
        )?;
        let loaded = Self::load(engine, info, id, &compiled, defined)?;
        let (objects, baseline) = if lazy {
            (Some(loaded.objects), None)
        } else {
            (None, Some((loaded.functions, loaded.objects)))
        };
        Ok(LoadedCode {
            objects,
            functions: Vec::new(),
            trampolines: loaded.trampolines,
            id,
            tier: Some(crate::tier::TierState::new(info.bodies.len(), baseline)?),
            compiled: None,
        })
    }

    /// Compiles defined functions `defined` as `tier` code and loads it (lift-off mode); returns
    /// their addresses.
    pub(crate) fn compile_tier(
        &self,
        defined: &[u32],
        tier: crate::compile::Tier,
        options: crate::compile::CompileOptions,
    ) -> Result<(Vec<usize>, crate::codegen::LoadedObjects)> {
        let info = &self.inner.info;
        let engine = &self.inner.engine;
        let id = self.inner.code.id;
        let prefix = format!("{}_{}", symbol_prefix(id), engine.next_id());
        let compiled = crate::compile::compile_functions(
            info,
            &self.inner.bytes,
            prefix,
            defined,
            tier,
            false,
            options,
        )?;
        let loaded = Self::load(engine, info, id, &compiled, defined)?;
        Ok((loaded.functions, loaded.objects))
    }

    pub(crate) fn downgrade(&self) -> WeakModule {
        WeakModule(Arc::downgrade(&self.inner))
    }

    /// Loads compiled objects into the engine's JIT and registers functions `defined` in the
    /// code map (for backtraces).
    fn load(
        engine: &Engine,
        info: &ModuleInfo,
        id: u64,
        compiled: &crate::compile::CompiledCode,
        defined: &[u32],
    ) -> Result<Loaded> {
        use crate::compile::ModuleEnv;
        let mut sizes = std::collections::HashMap::new();
        for object in &compiled.objects {
            sizes.extend(crate::codegen::symbol_sizes(object)?);
        }
        let jit = engine.jit();
        let objects = jit.load(&compiled.objects)?;
        let imported = info.num_imported_functions;
        let mut functions = Vec::with_capacity(defined.len());
        let mut ranges = Vec::new();
        let mut addresses = std::collections::HashMap::new();
        for &i in defined {
            let symbol = crate::compile::function_symbol(&compiled.prefix, imported + i);
            let addr = match jit.lookup(&symbol) {
                Ok(addr) => addr,
                Err(e) => {
                    jit.unload(objects);
                    return Err(e);
                }
            };
            functions.push(addr);
            let size = sizes.get(&symbol).copied().unwrap_or(1) as usize;
            let start = info.bodies[i as usize].start;
            let frame = crate::runtime::trap::FrameInfo {
                func_index: imported + i,
                func_start: start,
                module_offset: start,
                module_id: id,
            };
            ranges.push((addr, size, frame));
            addresses.insert(symbol, addr);
        }
        let lines = Self::line_rows(&compiled.objects, &addresses);
        crate::runtime::code_map::register(ranges, lines);
        let canonical = ModuleEnv::canonical_types(info);
        let mut trampolines = Vec::with_capacity(canonical.len());
        for &c in &canonical {
            let symbol = crate::compile::trampoline_symbol(&compiled.prefix, c);
            trampolines.push(if sizes.contains_key(&symbol) {
                jit.lookup(&symbol)?
            } else {
                0
            });
        }
        Ok(Loaded {
            objects,
            functions,
            trampolines,
        })
    }

    /// The line rows of the objects at their loaded addresses: (address, wasm module offset).
    /// A section's load address is that of a function in it minus the function's offset there;
    /// rows of sections without such a function are left out.
    fn line_rows(
        objects: &[Vec<u8>],
        addresses: &std::collections::HashMap<String, usize>,
    ) -> Vec<(usize, u32)> {
        let mut rows = Vec::new();
        for object in objects {
            let table = crate::codegen::lines::read(object);
            let mut bases = std::collections::HashMap::new();
            for (name, &(section, value)) in &table.symbols {
                if let Some(&addr) = addresses.get(name) {
                    bases.insert(section, addr.wrapping_sub(value as usize));
                }
            }
            rows.extend(table.rows.iter().filter_map(|&(section, offset, line)| {
                Some((bases.get(&section)?.wrapping_add(offset as usize), line))
            }));
        }
        rows
    }

    pub fn info(&self) -> &ModuleInfo {
        &self.inner.info
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub fn bytes(&self) -> &[u8] {
        &self.inner.bytes
    }

    pub fn code(&self) -> &LoadedCode {
        &self.inner.code
    }
}

impl Drop for ModuleInner {
    fn drop(&mut self) {
        crate::runtime::code_map::unregister(self.code.functions.iter().copied());
        if let Some(objects) = self.code.objects.take() {
            self.engine.jit().unload(objects);
        }
        if let Some(tier) = &self.code.tier {
            let (objects, registered) = tier.take_code();
            crate::runtime::code_map::unregister(registered);
            for o in objects {
                self.engine.jit().unload(o);
            }
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
        for threads in [2, 4] {
            let parallel =
                ModuleInfo::decode_checked(&bytes, features(), threads, false).unwrap_err();
            assert_eq!(parallel.message(), sequential.message());
        }
        // The support check runs in the same pass, on every body.
        let bad = wat::parse_str("(module (func) (func) (func (return_call 0)))").unwrap();
        for threads in [1, 2] {
            ModuleInfo::decode_checked(&bad, features(), threads, false).unwrap();
            let e = ModuleInfo::decode_checked(&bad, features(), threads, true).unwrap_err();
            assert!(e.message().contains("tail-call"), "{e}");
        }
    }

    #[test]
    fn gc_types_are_unsupported_not_misread() {
        let err = decode("(module (type (struct)))").unwrap_err();
        assert!(err.message().starts_with("unsupported:"), "{err}");
    }
}
