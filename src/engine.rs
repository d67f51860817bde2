//! The engine: process-wide compilation settings, the JIT that holds all machine code, the
//! engine-wide signature registry (`call_indirect` compares these ids), and the cache of host
//! stubs (one per signature) that let wasm call host functions.

use crate::codegen::{self, Jit, LoadedObjects};
use crate::compile::abi;
use crate::error::{Error, Result};
use crate::module::types::{FuncType, ValType};
use crate::vm::VMStoreContext;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// How an engine compiles functions (see DESIGN.md, "Tiers").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every function compiled once through the optimising pipeline.
    Optimized,
    /// A fast unoptimised first tier, recompiled optimised in the background.
    Liftoff,
}

/// Engine settings, filled through `wasm_config_t` and the `wasmo_config_*` setters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub mode: Mode,
    /// LLVM optimisation level for the optimised tier, 0..=3.
    pub opt_level: u32,
    /// Compile worker threads; 0 means one per available core.
    pub compile_threads: u32,
    /// Lift-off mode: compile each function's baseline code on its first call (true), or all
    /// of them when the module is created.
    pub lazy: bool,
    /// The on-disk code cache's directory (`module::cache`), None for no cache (the default).
    pub cache_dir: Option<std::path::PathBuf>,
    /// The proposals modules may use: validation rejects anything else. Defaults to
    /// [`crate::module::features`] (Wasm 3.0); `WasmFeatures::WASM2` makes the engine check
    /// modules exactly as Wasm 2.0 does (one memory, 32-bit limits, single-byte memory indices).
    pub features: wasmparser::WasmFeatures,
    /// Epoch interruption: compiled code checks the engine's epoch against its store's
    /// deadline at every function entry (for free: through the stack check, see
    /// `VMStoreContext`) and on every loop's back-edge, and traps with "interrupted" once the
    /// deadline is reached ([`Engine::increment_epoch`], `Store::set_epoch_deadline`). Off by
    /// default: then no check is compiled at all.
    pub epoch_interruption: bool,
}

impl Default for Config {
    /// The defaults, then whatever the environment sets: `WASMO_MODE=opt|liftoff`,
    /// `WASMO_THREADS=N`, `WASMO_OPT_LEVEL=0..3`, `WASMO_LAZY=0|1`, `WASMO_EPOCH_INTERRUPTION=0|1`
    /// (so unmodified wasm.h programs can choose). A malformed variable is ignored with a warning on stderr.
    fn default() -> Self {
        let mut config = Config::builtin();
        config.apply_env(|name| std::env::var(name).ok());
        config
    }
}

impl Config {
    pub const MAX_OPT_LEVEL: u32 = 3;

    /// The defaults, before the environment: lift-off mode (lazy baseline code, tier-up at
    /// O2; see docs/DESIGN.md, "Tiers", for why), one compile thread per core, no code cache,
    /// Wasm 3.0's features.
    pub fn builtin() -> Config {
        Config {
            mode: Mode::Liftoff,
            opt_level: 2,
            compile_threads: 0,
            lazy: true,
            cache_dir: None,
            features: crate::module::features(),
            epoch_interruption: false,
        }
    }

    /// Applies the `WASMO_*` variables `var` returns (`WASMO_CACHE_DIR` sets the code cache's
    /// directory; empty means none).
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) {
        let warn = |name: &str, value: &str| {
            eprintln!("wasmo: ignoring {name}={value:?} (not a valid value)");
        };
        if let Some(v) = var("WASMO_MODE") {
            match v.as_str() {
                "opt" | "optimized" | "optimised" => self.mode = Mode::Optimized,
                "liftoff" | "lift-off" => self.mode = Mode::Liftoff,
                _ => warn("WASMO_MODE", &v),
            }
        }
        if let Some(v) = var("WASMO_THREADS") {
            match v.parse::<u32>() {
                Ok(n) if n <= 1024 => self.compile_threads = n,
                _ => warn("WASMO_THREADS", &v),
            }
        }
        if let Some(v) = var("WASMO_OPT_LEVEL") {
            match v.parse::<u32>() {
                Ok(n) if n <= Self::MAX_OPT_LEVEL => self.opt_level = n,
                _ => warn("WASMO_OPT_LEVEL", &v),
            }
        }
        if let Some(v) = var("WASMO_CACHE_DIR") {
            self.cache_dir = (!v.is_empty()).then(|| v.into());
        }
        if let Some(v) = var("WASMO_LAZY") {
            match v.as_str() {
                "1" | "true" | "yes" => self.lazy = true,
                "0" | "false" | "no" => self.lazy = false,
                _ => warn("WASMO_LAZY", &v),
            }
        }
        if let Some(v) = var("WASMO_EPOCH_INTERRUPTION") {
            match v.as_str() {
                "1" | "true" | "yes" => self.epoch_interruption = true,
                "0" | "false" | "no" => self.epoch_interruption = false,
                _ => warn("WASMO_EPOCH_INTERRUPTION", &v),
            }
        }
    }

    /// The number of compile threads to use.
    pub fn threads(&self) -> usize {
        match self.compile_threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n as usize,
        }
    }
}

/// A shareable engine. Cloning shares the same engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

struct EngineInner {
    config: Config,
    jit: Jit,
    /// Every builtin's symbol and address.
    builtins: Vec<(&'static str, usize)>,
    host_stubs: Mutex<HashMap<FuncType, usize>>,
    /// Array trampolines by signature, for lift-off modules (optimised code carries its own).
    trampolines: Mutex<HashMap<FuncType, usize>>,
    stub_objects: Mutex<Vec<LoadedObjects>>,
    /// The hand-assembled stubs and trampolines (`codegen::entry_asm`).
    entry_code: Mutex<Vec<crate::codegen::entry_asm::EntryCode>>,
    next_id: AtomicU64,
    tier_queue: Arc<crate::tier::TierQueue>,
    /// The epoch (`Config::epoch_interruption`): stores' code compares it with their deadline.
    epoch: AtomicU64,
    /// With epoch interruption: the addresses of the live stores' `VMStoreContext`s, whose stack
    /// limits `increment_epoch` poisons when it reaches their deadlines.
    epoch_stores: Mutex<Vec<usize>>,
}

impl Engine {
    /// An engine whose JIT resolves the builtins with `builtins` (every `vm::Builtin`'s symbol
    /// and address). `Engine::new` (in `runtime::builtins`, which defines the builtins) passes
    /// the runtime's table.
    pub(crate) fn with_builtins(config: Config, builtins: Vec<(&'static str, usize)>) -> Self {
        let jit =
            Jit::new(&builtins).unwrap_or_else(|e| panic!("wasmo: cannot start the LLVM JIT: {e}"));
        Engine {
            inner: Arc::new(EngineInner {
                config,
                jit,
                builtins,
                host_stubs: Mutex::new(HashMap::new()),
                trampolines: Mutex::new(HashMap::new()),
                stub_objects: Mutex::new(Vec::new()),
                entry_code: Mutex::new(Vec::new()),
                next_id: AtomicU64::new(0),
                epoch: AtomicU64::new(0),
                epoch_stores: Mutex::new(Vec::new()),
                tier_queue: crate::tier::TierQueue::new(),
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The address of `builtin`'s definition.
    pub fn builtin_address(&self, builtin: crate::vm::Builtin) -> usize {
        let symbol = builtin.symbol();
        self.inner
            .builtins
            .iter()
            .find(|(s, _)| *s == symbol)
            .map_or(0, |&(_, address)| address)
    }

    /// The address of each of `names` in this process, for loaded code images: a runtime
    /// builtin's, or a symbol the process defines (libm functions LLVM's lowering calls), as the
    /// JIT resolves them.
    pub fn resolve_symbols(&self, names: &[String]) -> Result<Vec<usize>> {
        names
            .iter()
            .map(|name| {
                if let Some(&(_, address)) = self.inner.builtins.iter().find(|(s, _)| s == name) {
                    return Ok(address);
                }
                let c = std::ffi::CString::new(name.as_str()).ok();
                // SAFETY: dlsym with a NUL-terminated name only looks the symbol up.
                let address = c.map_or(std::ptr::null_mut(), |c| unsafe {
                    libc::dlsym(libc::RTLD_DEFAULT, c.as_ptr())
                });
                if address.is_null() {
                    return Err(Error::new(format!(
                        "serialized module needs symbol `{name}`, which this process lacks"
                    )));
                }
                Ok(address as usize)
            })
            .collect()
    }

    pub fn jit(&self) -> &Jit {
        &self.inner.jit
    }

    /// Stops the tier-up worker, waiting for the batch it is compiling. Call before the last
    /// use of the engine when the process may exit soon after: a worker still inside LLVM when
    /// `exit` runs LLVM's static destructors would crash the process. Lift-off modules keep
    /// running the code they have (lazy compilation still works); no more tiering up.
    pub fn stop_tier_up(&self) {
        self.inner.tier_queue.stop();
    }

    /// The lift-off modules and the tier-up worker.
    pub fn tier_queue(&self) -> &Arc<crate::tier::TierQueue> {
        &self.inner.tier_queue
    }

    /// Whether two handles name the same engine.
    pub fn same(&self, other: &Engine) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }

    /// Advances the epoch by one: code running in a store whose deadline this reaches traps
    /// with "interrupted" at its next check (with
    /// `Config::epoch_interruption`). Safe from any thread, also while wasm runs.
    pub fn increment_epoch(&self) {
        self.inner.epoch.fetch_add(1, Ordering::SeqCst);
        let stores = self
            .inner
            .epoch_stores
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for &context in stores.iter() {
            // SAFETY: a store unregisters its context (under this lock) before freeing it.
            unsafe { &*(context as *const VMStoreContext) }.poison_if_reached();
        }
    }

    /// The current epoch.
    pub fn epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::SeqCst)
    }

    /// With epoch interruption: makes `increment_epoch` poison the stack limit of the store
    /// whose context this is once it reaches the store's deadline. The context must stay at
    /// its address until [`Engine::unregister_epoch_store`].
    pub(crate) fn register_epoch_store(&self, context: &VMStoreContext) {
        if self.inner.config.epoch_interruption {
            let mut stores = self
                .inner
                .epoch_stores
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            stores.push(context as *const VMStoreContext as usize);
        }
    }

    /// Forgets a context [`Engine::register_epoch_store`] registered (nothing if it did not).
    pub(crate) fn unregister_epoch_store(&self, context: &VMStoreContext) {
        if !self.inner.config.epoch_interruption {
            return;
        }
        let address = context as *const VMStoreContext as usize;
        let mut stores = self
            .inner
            .epoch_stores
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(i) = stores.iter().position(|&c| c == address) {
            stores.swap_remove(i);
        }
    }

    /// The address of the epoch counter, which compiled code reads (through its store context).
    pub(crate) fn epoch_address(&self) -> usize {
        &self.inner.epoch as *const AtomicU64 as usize
    }

    /// A fresh id, unique in this engine (symbol prefixes of compiled modules).
    pub fn next_id(&self) -> u64 {
        self.inner.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The host stub for signature `ty`, compiled on first use.
    pub fn host_stub(&self, ty: &FuncType) -> Result<usize> {
        self.prepare_entries(std::slice::from_ref(ty), &[])?;
        let stubs = self
            .inner
            .host_stubs
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        Ok(stubs[ty])
    }

    /// The array trampoline for signature `ty` (host-to-wasm calls), compiled on first use.
    pub fn trampoline(&self, ty: &FuncType) -> Result<usize> {
        self.prepare_entries(&[], std::slice::from_ref(ty))?;
        let trampolines = self
            .inner
            .trampolines
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        Ok(trampolines[ty])
    }

    /// The array trampoline for `ty` if the engine has compiled one.
    pub fn trampoline_if_compiled(&self, ty: &FuncType) -> Option<usize> {
        let trampolines = self
            .inner
            .trampolines
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        trampolines.get(ty).copied()
    }

    /// Compiles the host stubs of the signatures in `stubs` and the array trampolines of those
    /// in `trampolines` that the engine has none of yet, all in one LLVM module: LLVM's fixed
    /// cost per compiled object (pass and code-generator set-up, 2-3 ms) dwarfs a stub's own.
    /// A new module asks for its imports' stubs (so that the host functions made for them,
    /// `wasm_func_new` one at a time, find them ready; measured on swc.wasm's 10 import
    /// signatures: 30 ms of instantiation in ten objects, 3 ms in one) and, in lift-off mode,
    /// its exports' trampolines.
    pub fn prepare_entries(&self, stubs: &[FuncType], trampolines: &[FuncType]) -> Result<()> {
        let mut stub_map = self
            .inner
            .host_stubs
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let mut trampoline_map = self
            .inner
            .trampolines
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let missing = |types: &'_ [FuncType], have: &HashMap<FuncType, usize>| {
            let mut seen = std::collections::HashSet::new();
            let mut missing: Vec<FuncType> = Vec::new();
            for ty in types {
                if !have.contains_key(ty) && seen.insert(ty) {
                    missing.push(ty.clone());
                }
            }
            missing
        };
        let mut new_stubs = missing(stubs, &stub_map);
        let mut new_trampolines = missing(trampolines, &trampoline_map);
        // Signatures `codegen::entry_asm` covers (one result at most, no v128 on the stack) get
        // hand-assembled entries; LLVM compiles the rest.
        if cfg!(target_arch = "x86_64") {
            use crate::codegen::entry_asm;
            let classes = |types: &[ValType]| -> Vec<entry_asm::Class> {
                types
                    .iter()
                    .map(|t| match t {
                        ValType::I32 => entry_asm::Class::I32,
                        ValType::I64 | ValType::Ref(_) => entry_asm::Class::I64,
                        ValType::F32 => entry_asm::Class::F32,
                        ValType::F64 => entry_asm::Class::F64,
                        ValType::V128 => entry_asm::Class::V128,
                    })
                    .collect()
            };
            let host_call = self.builtin_address(crate::vm::Builtin::HostCall);
            let raise = self.builtin_address(crate::vm::Builtin::RaisePending);
            let mut code = Vec::new();
            let mut made: Vec<(bool, FuncType)> = Vec::new();
            for (is_stub, list) in [(true, &mut new_stubs), (false, &mut new_trampolines)] {
                list.retain(|ty| {
                    let (p, r) = (classes(&ty.params), classes(&ty.results));
                    let entry = match is_stub {
                        true => entry_asm::host_stub(&p, &r, host_call, raise),
                        false => entry_asm::trampoline(&p, &r),
                    };
                    match entry {
                        Some(c) => {
                            code.push(c);
                            made.push((is_stub, ty.clone()));
                            false
                        }
                        None => true,
                    }
                });
            }
            if !code.is_empty() {
                let stubs: Vec<bool> = made.iter().map(|(is_stub, _)| *is_stub).collect();
                let (mapped, addrs) = entry_asm::EntryCode::map(&code, &stubs)?;
                self.inner
                    .entry_code
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(mapped);
                for ((is_stub, ty), addr) in made.into_iter().zip(addrs) {
                    match is_stub {
                        true => stub_map.insert(ty, addr),
                        false => trampoline_map.insert(ty, addr),
                    };
                }
            }
        }
        if new_stubs.is_empty() && new_trampolines.is_empty() {
            return Ok(());
        }
        let engine = Arc::as_ptr(&self.inner) as usize;
        let serial = stub_map.len() + trampoline_map.len();
        let stub_names: Vec<String> = (0..new_stubs.len())
            .map(|i| format!("wasmo_e{engine:x}_stub{}", serial + i))
            .collect();
        let trampoline_names: Vec<String> = (0..new_trampolines.len())
            .map(|i| format!("wasmo_e{engine:x}_tramp{}", serial + i))
            .collect();
        let context = inkwell::context::Context::create();
        let module = context.create_module(&format!("wasmo_e{engine:x}_entries{serial}"));
        for (name, ty) in stub_names.iter().zip(&new_stubs) {
            abi::define_host_stub(&context, &module, name, ty)?;
        }
        for (name, ty) in trampoline_names.iter().zip(&new_trampolines) {
            abi::define_array_trampoline(&context, &module, name, ty)?;
        }
        // Stubs and trampolines are straight-line code around one call, so they are compiled
        // like baseline code: on sqlite's 15 import signatures, O2 (IR pipeline and code
        // generator) took 23-26 ms, the O2 code generator alone about 20 ms, and this 4 ms.
        let machine = codegen::target_machine(inkwell::OptimizationLevel::None)?;
        let object = codegen::emit_object(&module, &machine, codegen::pipeline(0))?;
        let loaded = self.inner.jit.load(&[object])?;
        let mut addrs = Vec::with_capacity(stub_names.len() + trampoline_names.len());
        for name in stub_names.iter().chain(&trampoline_names) {
            match self.inner.jit.lookup(name) {
                Ok(addr) => addrs.push(addr),
                Err(e) => {
                    self.inner.jit.unload(loaded);
                    return Err(e);
                }
            }
        }
        self.inner
            .stub_objects
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(loaded);
        let mut addrs = addrs.into_iter();
        for ty in new_stubs {
            stub_map.insert(ty, addrs.next().expect("one address per stub"));
        }
        for ty in new_trampolines {
            trampoline_map.insert(ty, addrs.next().expect("one address per trampoline"));
        }
        Ok(())
    }
}

impl Drop for EngineInner {
    fn drop(&mut self) {
        self.tier_queue.stop();
        let objects = std::mem::take(
            self.stub_objects
                .get_mut()
                .unwrap_or_else(|e| e.into_inner()),
        );
        for loaded in objects {
            self.jit.unload(loaded);
        }
    }
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new(Config::default())
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("config", &self.inner.config)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_variables_set_the_engine() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let mut c = Config::builtin();
        assert_eq!(c.mode, Mode::Liftoff, "the default mode");
        c.apply_env(vars(&[("WASMO_MODE", "opt")]));
        assert_eq!(c.mode, Mode::Optimized);
        c.apply_env(vars(&[
            ("WASMO_MODE", "liftoff"),
            ("WASMO_THREADS", "3"),
            ("WASMO_OPT_LEVEL", "1"),
            ("WASMO_LAZY", "0"),
            ("WASMO_CACHE_DIR", "/tmp/x"),
        ]));
        assert_eq!(c.cache_dir.as_deref(), Some(std::path::Path::new("/tmp/x")));
        assert_eq!(
            (c.mode, c.compile_threads, c.opt_level, c.lazy),
            (Mode::Liftoff, 3, 1, false)
        );
        // Malformed values change nothing.
        c.apply_env(vars(&[
            ("WASMO_MODE", "fast"),
            ("WASMO_THREADS", "-1"),
            ("WASMO_OPT_LEVEL", "9"),
            ("WASMO_LAZY", "maybe"),
        ]));
        assert_eq!(
            (c.mode, c.compile_threads, c.opt_level, c.lazy),
            (Mode::Liftoff, 3, 1, false)
        );
        c.apply_env(vars(&[("WASMO_MODE", "opt")]));
        assert_eq!(c.mode, Mode::Optimized);
    }
}
