//! The compiled artifact: a [`Module`] is a validated module's description (`module::ModuleInfo`)
//! with its machine code loaded in the engine's JIT, in one of the two compile modes ([`Code`]).
//! Here too: building one (`Module::new`, which asks `compile::support` whether the module is
//! supported, then compiles it or hands it to lift-off tiering), loading code and registering it
//! in the process-wide code map for backtraces (`code_map`), serialisation (`serialize`) and the
//! on-disk code cache (`cache`).

pub mod cache;
pub mod code_map;
pub mod perf_map;
pub mod serialize;

/// `WASMO_COMPILE_TRACE` (see `compile::TRACE`), for the layers above.
pub(crate) use crate::compile::TRACE;

use crate::codegen::LoadedObjects;
use crate::compile::{CodeKind, CompileOptions, CompiledCode};
use crate::engine::Engine;
use crate::error::Result;
use crate::module::types::{ExternKind, ExternType, FuncType};
use crate::module::ModuleInfo;
use crate::tier::{TierCounts, TierQueue, TierState, TieredModule};
use std::sync::Arc;

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
    /// Lift-off with a code cache: the optimised code tier-up made for this module (and what
    /// the cache held of it), as relocatable objects under [`cache::tier_prefix`], written to the
    /// cache's tier-up record after every batch (`cache::store_tier_record`).
    tier_record: std::sync::Mutex<Vec<Vec<u8>>>,
}

/// A module's machine code, loaded in the engine's JIT.
pub struct LoadedCode {
    /// Identifies this code in the code map (frames' `module_id`) and in its symbols.
    pub id: u64,
    /// Address of the array trampoline of each type-section entry (0 if none).
    pub trampolines: Vec<usize>,
    /// The objects loaded with the module: all of an optimised module's code; a lift-off
    /// module's trampolines (its functions' code is in its tier state).
    objects: Option<LoadedObjects>,
    /// The code in its compile mode.
    pub code: Code,
}

/// Where an optimised module's code came from.
pub enum Source {
    /// Compiled in this process: the relocatable objects as LLVM emitted them, loaded in the
    /// engine's JIT.
    Objects(CompiledCode),
    /// Deserialised: a code image (`serialize`), mapped.
    Image(LoadedImage),
}

/// A serialised module's code image, loaded.
pub struct LoadedImage {
    /// The memory holding it (from a file: the whole file), unmapped with the module.
    pub mapping: crate::codegen::image::Mapping,
    /// Where in `mapping` the image starts, and its address.
    pub at: usize,
    pub base: usize,
    pub info: serialize::ImageInfo,
    /// Its writable part as written (before loading filled in addresses), for serialising.
    pub data: Vec<u8>,
    /// The optimisation level it was compiled at.
    pub opt_level: u8,
}

/// A module's functions' code, in one of the two compile modes (`engine::Mode`).
pub enum Code {
    /// Every function compiled once, optimised.
    Optimized {
        /// Address of each defined function.
        functions: Vec<usize>,
        /// Where the code came from, kept for serialisation.
        source: Source,
    },
    /// Lift-off: the functions' tiers, their counters and lazy stubs.
    Liftoff(TierState),
}

impl LoadedCode {
    /// The tier state of a lift-off module.
    pub fn tier(&self) -> Option<&TierState> {
        match &self.code {
            Code::Liftoff(tier) => Some(tier),
            Code::Optimized { .. } => None,
        }
    }

    /// The address defined function `defined` starts at when instantiated: optimised code, or
    /// 0 in lift-off mode (whose tier state fills in every instance's references).
    pub fn initial_function(&self, defined: usize) -> usize {
        match &self.code {
            Code::Optimized { functions, .. } => functions[defined],
            Code::Liftoff(_) => 0,
        }
    }

    /// How many of the `defined` functions run on each tier (all optimised in optimised mode).
    pub fn tier_counts(&self, defined: usize) -> TierCounts {
        match &self.code {
            Code::Liftoff(tier) => tier.counts(),
            Code::Optimized { .. } => TierCounts {
                optimized: defined,
                ..TierCounts::default()
            },
        }
    }

    /// Blocks until every function that runs baseline code has its optimised code (returns at
    /// once in optimised mode, or when `queue`'s worker has stopped).
    pub fn wait_for_tier_up(&self, queue: &Arc<TierQueue>) {
        if let Code::Liftoff(tier) = &self.code {
            tier.wait(queue);
        }
    }
}

/// The prefix of every symbol of the module with id `id`: fixed width, so that deserialising
/// can rename an artifact's symbols for its new id in place.
pub fn symbol_prefix(id: u64) -> String {
    format!("wasmo_m{id:016x}")
}

/// The prefix of the symbols of batch `batch` of module `id`'s lift-off code: fixed width, so
/// that the code cache's tier-up record can rename it (`cache::tier_prefix`).
pub fn batch_prefix(id: u64, batch: u64) -> String {
    format!("{}_{batch:016x}", symbol_prefix(id))
}

/// Code loaded for some of a module's functions: the objects, each function's address, and
/// each type-section entry's trampoline address (0 if not in these objects).
struct Loaded {
    objects: LoadedObjects,
    functions: Vec<usize>,
    /// The on-stack-replacement entries asked for, in order.
    osr: Vec<usize>,
    trampolines: Vec<usize>,
}

/// From this size on, a new module's copy of its bytes is made on a thread of its own while
/// they are validated: first touches of fresh memory cost about 0.75 ms per MB on this project's
/// VMs (page faults, not the copy: 1.8 ms for 14 MB into touched memory), which was 13 ms of
/// esbuild's (14 MB) and 47 ms of biome's (45 MB) `wasm_module_new` when done after validation.
const PARALLEL_COPY_MIN_BYTES: usize = 1 << 20;

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
        if let (Some(dir), Code::Optimized { .. }) = (&cache, &module.inner.code.code) {
            cache::store(dir, &module);
        }
        Ok(module)
    }

    /// Whether `engine` would create a module from `bytes` (the support policy's answer, the
    /// same in both compile modes), without compiling anything.
    pub fn validate(engine: &Engine, bytes: &[u8]) -> Result<()> {
        let config = engine.config();
        crate::compile::decode_supported(bytes, config.features, config.threads()).map(drop)
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
        if liftoff {
            engine.tier_queue().prepare_lazy_compiler(bytes.len());
        }
        // One support policy for both modes, checked with validation (in parallel), while the
        // module's own copy of the bytes is made (see `PARALLEL_COPY_MIN_BYTES`).
        let (info, copied) = std::thread::scope(|s| {
            let copy = (bytes.len() >= PARALLEL_COPY_MIN_BYTES)
                .then(|| {
                    std::thread::Builder::new()
                        .name("wasmo-copy".into())
                        .spawn_scoped(s, || Arc::<[u8]>::from(bytes))
                        .ok()
                })
                .flatten();
            let info = crate::compile::decode_supported(
                bytes,
                engine.config().features,
                engine.config().threads(),
            );
            (info, copy.and_then(|c| c.join().ok()))
        });
        let info = info?;
        let bytes: Arc<[u8]> = copied.unwrap_or_else(|| Arc::from(bytes));
        phase("decoding, validation and copying the bytes");
        let code = if liftoff {
            Self::compile_liftoff(engine, &info, &bytes)?
        } else {
            Self::compile(engine, &info, &bytes)?
        };
        phase("compilation");
        let module = Module::from_parts(engine, info, bytes, code);
        phase("host stubs and trampolines");
        if let Code::Liftoff(tier) = &module.inner.code.code {
            let weak: std::sync::Weak<dyn TieredModule> = Arc::downgrade(&module.inner) as _;
            tier.set_owner(weak.clone());
            if let Some(dir) = &engine.config().cache_dir {
                cache::load_tier_record(dir, &module);
                phase("optimised code from the code cache's tier-up record");
            }
            engine.tier_queue().add(weak);
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
        let liftoff = matches!(code.code, Code::Liftoff(_));
        let exported: Vec<FuncType> = match liftoff {
            true => info
                .exports
                .iter()
                .filter(|e| e.kind == ExternKind::Func)
                .map(|e| info.type_at(info.functions[e.index as usize]).clone())
                .collect(),
            false => Vec::new(),
        };
        let _ = engine.prepare_entries(&imported, &exported);
        if liftoff {
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
                tier_record: Default::default(),
            }),
        }
    }

    /// Optimised mode: every function compiled once, optimised.
    fn compile(engine: &Engine, info: &ModuleInfo, bytes: &[u8]) -> Result<LoadedCode> {
        use crate::compile::compile_module;
        let id = engine.next_id();
        let options = CompileOptions {
            opt_level: engine.config().opt_level,
            threads: engine.config().threads(),
            machine: None,
            loop_machine: None,
            helper: None,
            epoch_interruption: engine.config().epoch_interruption,
            osr: &[],
        };
        let compiled = compile_module(info, bytes, symbol_prefix(id), options)?;
        Self::load_aot(engine, info, bytes, id, compiled)
    }

    /// Loads a whole module's optimised code (compiled now, or deserialised).
    fn load_aot(
        engine: &Engine,
        info: &ModuleInfo,
        bytes: &[u8],
        id: u64,
        compiled: CompiledCode,
    ) -> Result<LoadedCode> {
        let all: Vec<u32> = (0..info.bodies.len() as u32).collect();
        let loaded = Self::load(engine, info, bytes, id, &compiled, &all, &[])?;
        Ok(LoadedCode {
            id,
            trampolines: loaded.trampolines,
            objects: Some(loaded.objects),
            code: Code::Optimized {
                functions: loaded.functions,
                source: Source::Objects(compiled),
            },
        })
    }

    /// The code of a deserialised module, from its loaded image: registered in the code map.
    fn image_code(
        engine: &Engine,
        info: &ModuleInfo,
        wasm: &[u8],
        image: LoadedImage,
    ) -> LoadedCode {
        let id = engine.next_id();
        let base = image.base;
        let imported = info.num_imported_functions;
        let functions: Vec<usize> = image
            .info
            .functions
            .iter()
            .map(|f| base + f.offset as usize)
            .collect();
        let lines: Arc<[u8]> = Arc::from(&image.info.lines[..]);
        if perf_map::enabled() {
            perf_map::record(
                wasm,
                id,
                image.info.functions.iter().enumerate().map(|(i, f)| {
                    (
                        base + f.offset as usize,
                        f.size as usize,
                        imported + i as u32,
                    )
                }),
            );
        }
        code_map::register_encoded(
            image.info.functions.iter().enumerate().map(|(i, f)| {
                let start = info.bodies[i].start;
                let frame = code_map::FrameInfo {
                    func_index: imported + i as u32,
                    func_start: start,
                    module_offset: start,
                    module_id: id,
                };
                let rows = f.lines.0 as usize..(f.lines.0 + f.lines.1) as usize;
                (base + f.offset as usize, f.size as usize, frame, rows)
            }),
            lines,
        );
        let trampolines = image
            .info
            .trampolines
            .iter()
            .map(|&t| match t {
                serialize::NONE => 0,
                t => base + t as usize,
            })
            .collect();
        LoadedCode {
            id,
            trampolines,
            objects: None,
            code: Code::Optimized {
                functions,
                source: Source::Image(image),
            },
        }
    }

    /// Lift-off mode: the functions' baseline code lazily on first call (or all of it now, in
    /// parallel, when the engine is not lazy). The trampolines come from the engine
    /// (`Module::from_parts`).
    fn compile_liftoff(engine: &Engine, info: &ModuleInfo, bytes: &[u8]) -> Result<LoadedCode> {
        use crate::compile::compile_functions;
        let id = engine.next_id();
        let lazy = engine.config().lazy;
        let all: Vec<u32> = (0..info.bodies.len() as u32).collect();
        let defined: &[u32] = if lazy { &[] } else { &all };
        let options = CompileOptions {
            opt_level: 0,
            threads: engine.config().threads(),
            machine: None,
            loop_machine: None,
            helper: None,
            epoch_interruption: engine.config().epoch_interruption,
            osr: &[],
        };
        let compiled = compile_functions(
            info,
            bytes,
            symbol_prefix(id),
            defined,
            CodeKind::Baseline,
            false,
            options,
        )?;
        let loaded = Self::load(engine, info, bytes, id, &compiled, defined, &[])?;
        let (objects, baseline) = if lazy {
            (Some(loaded.objects), None)
        } else {
            (None, Some((loaded.functions, loaded.objects)))
        };
        Ok(LoadedCode {
            id,
            trampolines: loaded.trampolines,
            objects,
            code: Code::Liftoff(TierState::new(
                info.bodies.len(),
                baseline,
                engine.builtin_address(crate::vm::Builtin::RaisePending),
            )?),
        })
    }

    /// Loads compiled objects into the engine's JIT and registers functions `defined` (and the
    /// on-stack-replacement entries `osr`, as (defined function, loop)) in the code map (for
    /// backtraces).
    fn load(
        engine: &Engine,
        info: &ModuleInfo,
        wasm: &[u8],
        id: u64,
        compiled: &CompiledCode,
        defined: &[u32],
        osr: &[(u32, u32)],
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
        let mut osr_entries = Vec::with_capacity(osr.len());
        let mut ranges = Vec::new();
        let mut addresses = std::collections::HashMap::new();
        let symbols = defined
            .iter()
            .map(|&i| {
                (
                    i,
                    crate::compile::function_symbol(&compiled.prefix, imported + i),
                    false,
                )
            })
            .chain(osr.iter().map(|&(i, k)| {
                let symbol = crate::compile::osr::entry_symbol(&compiled.prefix, imported + i, k);
                (i, symbol, true)
            }));
        for (i, symbol, is_osr) in symbols {
            let addr = match jit.lookup(&symbol) {
                Ok(addr) => addr,
                Err(e) => {
                    jit.unload(objects);
                    return Err(e);
                }
            };
            if is_osr {
                osr_entries.push(addr);
            } else {
                functions.push(addr);
            }
            let size = sizes.get(&symbol).copied().unwrap_or(1) as usize;
            let start = info.bodies[i as usize].start;
            let frame = crate::artifact::code_map::FrameInfo {
                func_index: imported + i,
                func_start: start,
                module_offset: start,
                module_id: id,
            };
            ranges.push((addr, size, frame, is_osr));
            addresses.insert(symbol, addr);
        }
        let lines = Self::line_rows(&compiled.objects, &addresses);
        if perf_map::enabled() {
            perf_map::record(
                wasm,
                id,
                ranges
                    .iter()
                    .map(|(a, size, f, _)| (*a, *size, f.func_index)),
            );
        }
        code_map::register(ranges, lines);
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
            osr: osr_entries,
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

impl TieredModule for ModuleInner {
    fn tier_state(&self) -> &TierState {
        self.code.tier().expect("only lift-off modules are tiered")
    }

    fn info(&self) -> &ModuleInfo {
        &self.info
    }

    fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn tier_queue(&self) -> &Arc<TierQueue> {
        self.engine.tier_queue()
    }

    fn opt_level(&self) -> u32 {
        self.engine.config().opt_level
    }

    fn epoch_interruption(&self) -> bool {
        self.engine.config().epoch_interruption
    }

    fn compile_threads(&self) -> usize {
        self.engine.config().threads()
    }

    fn compile_tier(
        &self,
        defined: &[u32],
        tier: CodeKind,
        options: CompileOptions,
    ) -> Result<crate::tier::TierCode> {
        let (info, engine, id) = (&self.info, &self.engine, self.code.id);
        let prefix = batch_prefix(id, engine.next_id());
        let compiled = crate::compile::compile_functions(
            info,
            &self.bytes,
            prefix,
            defined,
            tier,
            false,
            options,
        )?;
        let loaded = Module::load(
            engine,
            info,
            &self.bytes,
            id,
            &compiled,
            defined,
            options.osr,
        )?;
        if tier == CodeKind::TierUp && !defined.is_empty() {
            if let Some(dir) = &engine.config().cache_dir {
                cache::store_tier_record(dir, self, &compiled);
            }
        }
        Ok(crate::tier::TierCode {
            functions: loaded.functions,
            osr: loaded.osr,
            objects: loaded.objects,
        })
    }
}

impl Drop for ModuleInner {
    fn drop(&mut self) {
        if let Some(objects) = self.code.objects.take() {
            self.engine.jit().unload(objects);
        }
        match &self.code.code {
            Code::Optimized { functions, .. } => code_map::unregister(functions.iter().copied()),
            Code::Liftoff(tier) => {
                let (objects, registered) = tier.take_code();
                code_map::unregister(registered);
                for o in objects {
                    self.engine.jit().unload(o);
                }
            }
        }
    }
}
