//! Lift-off mode: lazily compiled baseline code, hotness counters, and the background worker that
//! recompiles the hottest functions optimised and swaps them in (see DESIGN.md, "Tiers").
//!
//! Every instance calls a defined function through its own `VMFuncRef` (the PLT of the vmctx).
//! A function's reference first points at its lazy-compilation stub (`codegen::lazy_stub`); the
//! first call compiles baseline code (no IR optimisation, fast instruction selection) and every
//! registered instance's reference is switched to it. Baseline code counts function entries and
//! loop iterations into the module's counters; the engine's tier-up worker repeatedly takes the
//! hottest functions that still run baseline code, compiles them together with the optimising
//! pipeline, and switches the references again. A switch is one atomic store per instance:
//! calls already running finish in the code they started in, and old code stays loaded as long
//! as the module, so nothing can still run freed code.
//!
//! Tiering knows a module only through [`TieredModule`], which the compiled artifact
//! (`artifact::Module`) implements: this file names no artifact type.

use crate::codegen::lazy_stub::LazyStubs;
use crate::codegen::LoadedObjects;
use crate::compile::{CodeKind, CompileOptions};
use crate::error::Result;
use crate::module::ModuleInfo;
use crate::vm::VMFuncRef;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::time::Duration;

/// What tiering needs of a lift-off module.
pub trait TieredModule: Send + Sync {
    /// The module's tier state.
    fn tier_state(&self) -> &TierState;
    /// The module's description.
    fn info(&self) -> &ModuleInfo;
    /// The module's binary.
    fn bytes(&self) -> &[u8];
    /// The engine's tier queue.
    fn tier_queue(&self) -> &Arc<TierQueue>;
    /// The optimisation level of optimised code (the engine's setting).
    fn opt_level(&self) -> u32;
    /// Whether code checks the epoch (the engine's setting).
    fn epoch_interruption(&self) -> bool;
    /// How many threads compilation may use (the engine's setting).
    fn compile_threads(&self) -> usize;
    /// Compiles defined functions `defined` (and the on-stack-replacement entries of
    /// `options.osr`) as `tier` code and loads it.
    fn compile_tier(
        &self,
        defined: &[u32],
        tier: CodeKind,
        options: CompileOptions,
    ) -> Result<TierCode>;
}

/// On-stack-replacement entries that failed to compile, in this process (their loops stay in
/// baseline code; a testing aid: none should).
static OSR_FAILURES: AtomicU32 = AtomicU32::new(0);

/// How many on-stack-replacement entries have failed to compile in this process.
pub fn osr_failures() -> u32 {
    OSR_FAILURES.load(Ordering::Relaxed)
}

/// Code [`TieredModule::compile_tier`] compiled and loaded.
pub struct TierCode {
    /// The addresses of the functions asked for, in order.
    pub functions: Vec<usize>,
    /// The addresses of the on-stack-replacement entries asked for, in order.
    pub osr: Vec<usize>,
    /// The objects that hold them.
    pub objects: LoadedObjects,
}

/// A shared lift-off module.
type ModuleRef = Arc<dyn TieredModule>;

/// Which code a defined function runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuncTier {
    /// Not compiled yet: its references point at its lazy stub.
    NotCompiled,
    Baseline,
    Optimized,
}

/// How many of a module's defined functions run on each tier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TierCounts {
    pub not_compiled: usize,
    pub baseline: usize,
    pub optimized: usize,
}

/// The lift-off state of one module, shared by all its instances.
pub struct TierState {
    /// Hotness counters baseline code increments, one per defined function (the vmctx points
    /// here).
    pub counters: Box<[AtomicU32]>,
    stubs: LazyStubs,
    inner: Mutex<TierInner>,
    /// Signalled whenever code is installed.
    changed: Condvar,
    /// Serialises lazy compilations of this module.
    lazy: Mutex<()>,
    /// The module this state belongs to (set once it is shared, [`TierState::set_owner`]).
    owner: OnceLock<Weak<dyn TieredModule>>,
    /// How many times baseline code continued in an on-stack-replacement entry.
    osr_taken: AtomicU32,
    /// When the state was made (`WASMO_COMPILE_TRACE` times on-stack replacement from it).
    created: std::time::Instant,
}

/// An on-stack-replacement entry of one loop (`compile::osr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Osr {
    /// Queued for, or in, compilation.
    Requested,
    Ready(usize),
    Failed,
}

/// A registered instance's function references.
struct FuncRefs(*const VMFuncRef);

// SAFETY: the references are only written atomically (their `code` field), and an instance
// unregisters before its references are freed.
unsafe impl Send for FuncRefs {}

struct TierInner {
    tiers: Vec<FuncTier>,
    /// The best code of each defined function, 0 while not compiled.
    code: Vec<usize>,
    objects: Vec<LoadedObjects>,
    /// Start addresses registered in the code map, unregistered with the module.
    registered: Vec<usize>,
    instances: Vec<FuncRefs>,
    /// A caller of [`TierState::wait`] wants every compiled function optimised now.
    wait_all: bool,
    /// The worker is compiling a batch of this module.
    busy: bool,
    /// Functions whose optimised compilation failed: they stay on baseline code.
    failed: Vec<bool>,
    /// On-stack-replacement entries by (defined function, loop index), and those queued.
    osr: std::collections::HashMap<(u32, u32), Osr>,
    osr_queue: Vec<(u32, u32)>,
    /// When each loop without an entry was first checked.
    osr_first_check: std::collections::HashMap<(u32, u32), std::time::Instant>,
    /// Defined functions with an entry queued or being compiled.
    osr_pending: std::collections::HashSet<u32>,
}

impl TierState {
    /// The state of a module with `count` defined functions, with baseline code for all of them
    /// (`baseline`) or none yet.
    /// `raise` is the address of the `RaisePending` builtin, which the lazy stubs call when
    /// the resolver fails.
    pub fn new(
        count: usize,
        baseline: Option<(Vec<usize>, LoadedObjects)>,
        raise: usize,
    ) -> Result<TierState> {
        let stubs = LazyStubs::new(count, lazy_resolve, raise)?;
        let mut inner = TierInner {
            tiers: vec![FuncTier::NotCompiled; count],
            code: vec![0; count],
            objects: Vec::new(),
            registered: Vec::new(),
            instances: Vec::new(),
            wait_all: false,
            busy: false,
            failed: vec![false; count],
            osr: std::collections::HashMap::new(),
            osr_queue: Vec::new(),
            osr_first_check: std::collections::HashMap::new(),
            osr_pending: std::collections::HashSet::new(),
        };
        if let Some((code, objects)) = baseline {
            inner.registered.extend(&code);
            inner.code = code;
            inner.tiers = vec![FuncTier::Baseline; count];
            inner.objects.push(objects);
        }
        Ok(TierState {
            counters: (0..count).map(|_| AtomicU32::new(0)).collect(),
            stubs,
            inner: Mutex::new(inner),
            changed: Condvar::new(),
            lazy: Mutex::new(()),
            owner: OnceLock::new(),
            osr_taken: AtomicU32::new(0),
            created: std::time::Instant::now(),
        })
    }

    /// Names the module this state belongs to, once it is shared (so its address, which the
    /// lazy stubs pass to the resolver as their context word, no longer changes).
    pub fn set_owner(&self, owner: Weak<dyn TieredModule>) {
        let _ = self.owner.set(owner);
        self.stubs.set_context(self as *const TierState as usize);
    }

    fn lock(&self) -> MutexGuard<'_, TierInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Points an instance's function references at the current code (or the lazy stubs) and
    /// keeps them up to date from now on, until [`TierState::unregister`].
    pub fn register(&self, refs: &[VMFuncRef]) {
        let mut inner = self.lock();
        for (i, r) in refs.iter().enumerate() {
            r.code.store(self.current(&inner, i), Ordering::Release);
        }
        inner.instances.push(FuncRefs(refs.as_ptr()));
    }

    pub fn unregister(&self, refs: &[VMFuncRef]) {
        self.lock().instances.retain(|r| r.0 != refs.as_ptr());
    }

    fn current(&self, inner: &TierInner, i: usize) -> usize {
        match inner.code[i] {
            0 => self.stubs.entry(i as u32),
            code => code,
        }
    }

    /// Makes `code[k]` the code of defined function `defined[k]` for every instance (also
    /// code loaded from the code cache's tier-up record).
    pub fn install(&self, defined: &[u32], code: &[usize], objects: LoadedObjects, tier: FuncTier) {
        let mut inner = self.lock();
        for (&d, &c) in defined.iter().zip(code) {
            let d = d as usize;
            inner.code[d] = c;
            inner.tiers[d] = tier;
            inner.registered.push(c);
            for refs in &inner.instances {
                // SAFETY: registered references stay alive until unregistered (under the lock).
                unsafe { (*refs.0.add(d)).code.store(c, Ordering::Release) };
            }
        }
        inner.objects.push(objects);
        drop(inner);
        self.changed.notify_all();
    }

    pub fn counts(&self) -> TierCounts {
        let inner = self.lock();
        let mut counts = TierCounts::default();
        for t in &inner.tiers {
            match t {
                FuncTier::NotCompiled => counts.not_compiled += 1,
                FuncTier::Baseline => counts.baseline += 1,
                FuncTier::Optimized => counts.optimized += 1,
            }
        }
        counts
    }

    /// The tier of defined function `index`.
    pub fn tier_of(&self, index: u32) -> FuncTier {
        self.lock().tiers[index as usize]
    }

    /// Blocks until every function with baseline code has its optimised code (returns at once
    /// if the engine's worker was stopped).
    pub fn wait(&self, queue: &Arc<TierQueue>) {
        if queue.stopped() {
            return;
        }
        let mut inner = self.lock();
        inner.wait_all = true;
        queue.wake();
        while inner.busy || inner.pending() {
            inner = self.changed.wait(inner).unwrap_or_else(|e| e.into_inner());
        }
        inner.wait_all = false;
    }

    /// What the worker should compile next (None if nothing): the on-stack-replacement entries
    /// asked for, and the hottest functions ([`HOT`]) still on baseline code, at most
    /// [`BATCH_BYTES`] of wasm (everything when a caller waits). A function with an entry in the
    /// batch waits for the next one: its long-running activation needs the entry, and the rest
    /// of the program the other functions.
    fn take_batch(&self, bodies: &[std::ops::Range<usize>]) -> Option<Batch> {
        let mut inner = self.lock();
        if inner.busy {
            return None;
        }
        let osr = std::mem::take(&mut inner.osr_queue);
        let looping = inner.looping();
        let hot = |i: u32| self.counters[i as usize].load(Ordering::Relaxed) >= HOT;
        let mut candidates: Vec<u32> = (0..inner.tiers.len() as u32)
            .filter(|&i| inner.tiers[i as usize] == FuncTier::Baseline && !inner.failed[i as usize])
            .filter(|&i| inner.wait_all || hot(i))
            .filter(|&i| inner.wait_all || !osr.iter().any(|&(d, _)| d == i))
            .filter(|&i| inner.wait_all || !looping.contains(&i))
            .collect();
        if candidates.is_empty() && osr.is_empty() {
            return None;
        }
        candidates
            .sort_by_key(|&i| std::cmp::Reverse(self.counters[i as usize].load(Ordering::Relaxed)));
        if !inner.wait_all {
            let mut bytes: usize = osr.iter().map(|&(d, _)| bodies[d as usize].len()).sum();
            let keep = candidates
                .iter()
                .take_while(|&&i| {
                    let first = bytes == 0;
                    bytes += bodies[i as usize].len();
                    first || bytes <= BATCH_BYTES
                })
                .count();
            candidates.truncate(keep);
        }
        inner.busy = true;
        Some(Batch {
            defined: candidates,
            osr,
        })
    }

    /// Baseline code at the header of loop `loop_index` of defined function `defined`, whose
    /// activation has passed `iterations` loop headers, asks for an on-stack-replacement entry
    /// (the `OsrEntry` builtin): its address once compiled, else 0; a loop that has kept
    /// running (see below) is queued for the worker, once.
    pub fn osr_entry(&self, defined: u32, loop_index: u32, iterations: u32) -> usize {
        if !crate::compile::osr::enabled() {
            return 0;
        }
        let key = (defined, loop_index);
        let mut inner = self.lock();
        if crate::compile::osr::eager() {
            return self.osr_entry_now(inner, key, iterations);
        }
        match inner.osr.get(&key).copied() {
            Some(Osr::Ready(code)) => {
                drop(inner);
                self.osr_taken.fetch_add(1, Ordering::Relaxed);
                self.trace_osr("entered", key, iterations);
                code
            }
            Some(_) => 0,
            None => {
                // Only a loop that has been running for [`OSR_AFTER`] since its first check (a
                // loop that ends sooner would have ended before its entry is compiled, and the
                // compile would delay the one that matters), and one entry of a function at a
                // time: once one is entered, the activation's other loops need none.
                let now = std::time::Instant::now();
                let first = *inner.osr_first_check.entry(key).or_insert(now);
                if now.duration_since(first) < OSR_AFTER || !inner.osr_pending.insert(defined) {
                    return 0;
                }
                inner.osr.insert(key, Osr::Requested);
                inner.osr_queue.push(key);
                drop(inner);
                self.trace_osr("asked for", key, iterations);
                // The caller's instance keeps the module alive: this is never its last reference.
                if let Some(module) = self.owner.get().and_then(Weak::upgrade) {
                    module.tier_queue().wake();
                }
                0
            }
        }
    }

    /// [`TierState::osr_entry`] when eager (`compile::osr::eager`): the first ask of a loop
    /// queues it and waits for the worker to compile it.
    fn osr_entry_now(
        &self,
        mut inner: MutexGuard<'_, TierInner>,
        key: (u32, u32),
        iterations: u32,
    ) -> usize {
        let Some(module) = self.owner.get().and_then(Weak::upgrade) else {
            return 0;
        };
        if let std::collections::hash_map::Entry::Vacant(e) = inner.osr.entry(key) {
            e.insert(Osr::Requested);
            inner.osr_queue.push(key);
            self.trace_osr("asked for", key, iterations);
            module.tier_queue().wake();
        }
        loop {
            match inner.osr.get(&key).copied() {
                Some(Osr::Ready(code)) => {
                    drop(inner);
                    self.osr_taken.fetch_add(1, Ordering::Relaxed);
                    return code;
                }
                Some(Osr::Requested) if !module.tier_queue().stopped() => {
                    inner = self
                        .changed
                        .wait_timeout(inner, Duration::from_millis(10))
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
                _ => return 0,
            }
        }
    }

    fn trace_osr(&self, what: &str, (defined, loop_index): (u32, u32), iterations: u32) {
        if *crate::compile::TRACE {
            eprintln!(
                "wasmo: on-stack replacement {what} at {:.1} ms: defined function {defined}, loop {loop_index}, after {iterations} iterations",
                self.created.elapsed().as_secs_f64() * 1e3
            );
        }
    }

    /// How many times baseline code has continued in an on-stack-replacement entry.
    pub fn osr_count(&self) -> u32 {
        self.osr_taken.load(Ordering::Relaxed)
    }

    /// Makes compiled on-stack-replacement entries available (`code` None: they failed).
    fn install_osr(&self, osr: &[(u32, u32)], code: Option<&[usize]>) {
        let mut inner = self.lock();
        for (k, &key) in osr.iter().enumerate() {
            let entry = match code {
                Some(code) => {
                    inner.registered.push(code[k]);
                    Osr::Ready(code[k])
                }
                None => {
                    OSR_FAILURES.fetch_add(1, Ordering::Relaxed);
                    Osr::Failed
                }
            };
            inner.osr.insert(key, entry);
            inner.osr_pending.remove(&key.0);
            // The function's other loops start timing again: the activation that asked enters
            // this entry at its next check, and only one still running elsewhere needs another.
            inner.osr_first_check.retain(|&(d, _), _| d != key.0);
        }
        drop(inner);
        self.changed.notify_all();
    }

    fn finish_batch(&self, failed: Option<&[u32]>) {
        let mut inner = self.lock();
        for &i in failed.unwrap_or(&[]) {
            inner.failed[i as usize] = true;
        }
        inner.busy = false;
        drop(inner);
        self.changed.notify_all();
    }

    /// Everything to unload with the module: its code objects and code-map entries.
    pub fn take_code(&self) -> (Vec<LoadedObjects>, Vec<usize>) {
        let mut inner = self.lock();
        (
            std::mem::take(&mut inner.objects),
            std::mem::take(&mut inner.registered),
        )
    }
}

impl TierInner {
    /// The defined functions with an activation that may be about to ask for an
    /// on-stack-replacement entry: a loop of theirs was first checked less than [`OSR_AFTER`]
    /// ago, plus as long again (a loop checks every 1024 iterations, not at once). The entry
    /// will be what that activation needs, not the function's ordinary optimised code, which
    /// waits for a later batch; a function whose loops end sooner waits at most that long.
    fn looping(&self) -> std::collections::HashSet<u32> {
        let now = std::time::Instant::now();
        self.osr_first_check
            .iter()
            .filter(|(_, &first)| now.duration_since(first) < 2 * OSR_AFTER)
            .map(|(&(d, _), _)| d)
            .collect()
    }

    /// Whether some function still waits for its optimised code.
    fn pending(&self) -> bool {
        self.tiers
            .iter()
            .zip(&self.failed)
            .any(|(&t, &failed)| t == FuncTier::Baseline && !failed)
    }
}

/// Entries plus loop iterations after which a function is worth optimising (unless a caller
/// waits for everything): code that ran a few times costs less on baseline code than
/// compiling it optimised, and on two cores the compile competes with the program.
const HOT: u32 = 1000;

/// Wasm code of one tier-up batch (unless a caller waits for all): small batches keep the first
/// optimised code of the hottest functions coming quickly.
const BATCH_BYTES: usize = 32 * 1024;

/// What one tier-up compilation makes: optimised code of `defined`, and on-stack-replacement
/// entries `osr` (defined function, loop index).
struct Batch {
    defined: Vec<u32>,
    osr: Vec<(u32, u32)>,
}

/// How long after its first check a loop that is still running gets an on-stack-replacement
/// entry (`compile::osr`): about what compiling one costs, so that a loop that ends sooner
/// costs the worker nothing and one that does not waits at most about twice as long as it had
/// to.
const OSR_AFTER: Duration = Duration::from_millis(1);

/// Called by the lazy stubs (`codegen::lazy_stub`) on the first call of defined function
/// `index` through an instance's references, with the module's context word: compiles the
/// function's baseline code and returns it, or parks a trap and returns 0.
extern "C" fn lazy_resolve(context: usize, index: u32) -> usize {
    // SAFETY: the stubs carry their tier state's address; a stub runs only while an instance
    // of the module, which keeps the module (and so its tier state) alive, calls it.
    let tier = unsafe { &*(context as *const TierState) };
    let Some(module) = tier.owner.get().and_then(Weak::upgrade) else {
        crate::vm::trap_code::park(Box::new(String::from(
            "lazy compilation: the module is gone",
        )));
        return 0;
    };
    match compile_lazily(&module, index) {
        Ok(code) => code,
        Err(e) => {
            crate::vm::trap_code::park(Box::new(format!(
                "lazy compilation of function {} failed: {e}",
                module.info().num_imported_functions + index
            )));
            0
        }
    }
}

fn compile_lazily(module: &ModuleRef, index: u32) -> Result<usize> {
    let tier = module.tier_state();
    let _one_at_a_time = tier.lazy.lock().unwrap_or_else(|e| e.into_inner());
    let batch = {
        let inner = tier.lock();
        if inner.code[index as usize] != 0 {
            return Ok(inner.code[index as usize]);
        }
        lazy_batch(module, &inner, index)
    };
    // LLVM runs on the engine's lazy-compilation thread: the caller's stack is wasm's, which
    // may be nearly used up, and that thread keeps one target machine for every compilation.
    let code = module.tier_queue().compile_lazily(module, batch.clone())?;
    tier.install(&batch, &code.functions, code.objects, FuncTier::Baseline);
    Ok(code.functions[0])
}

/// What to compile when defined function `index` is first called: it, and the functions it
/// calls directly that have no code yet, breadth first, up to [`LAZY_BATCH`] functions or
/// [`LAZY_BATCH_BYTES`] of wasm. They are likely to run next, and one compilation of several
/// small functions costs little more than one of a single function (LLVM's per-module set-up
/// dominates at this size).
fn lazy_batch(module: &ModuleRef, inner: &TierInner, index: u32) -> Vec<u32> {
    let info = module.info();
    let imported = info.num_imported_functions;
    let mut batch = vec![index];
    let mut bytes = info.bodies[index as usize].len();
    let mut next = 0;
    while next < batch.len() && batch.len() < LAZY_BATCH {
        let range = info.bodies[batch[next] as usize].clone();
        next += 1;
        let reader =
            wasmparser::BinaryReader::new(&module.bytes()[range.clone()], range.start as u64);
        let Ok(callees) = crate::compile::direct_callees(&wasmparser::FunctionBody::new(reader))
        else {
            continue;
        };
        for callee in callees {
            let Some(d) = callee.checked_sub(imported) else {
                continue;
            };
            let size = info.bodies[d as usize].len();
            if inner.code[d as usize] == 0
                && !batch.contains(&d)
                && batch.len() < LAZY_BATCH
                && bytes + size <= LAZY_BATCH_BYTES
            {
                batch.push(d);
                bytes += size;
            }
        }
    }
    batch
}

const LAZY_BATCH: usize = 16;
/// Modules from this size up get the warm-up. Set when validation ran at ~150 MB/s on both cores;
/// with the fast validation path (~300 MB/s) it still pays on sqlite's 0.7 MB: first result
/// 10.9-13.3 ms with it against 11.6-13.5 without, 6 alternating runs of `build/bench/driver-wasmo`.
const WARM_UP_MIN_BYTES: usize = 256 * 1024;
const LAZY_BATCH_BYTES: usize = 16 * 1024;

/// The lazy-compilation thread: compiles one batch at a time with its own two target machines
/// (one for baseline code with loops, one for the rest).
fn lazy_compiler(jobs: std::sync::mpsc::Receiver<LazyJob>) {
    let machines = baseline_machines();
    if WARM_UP.swap(false, Ordering::SeqCst) {
        if let Ok((machine, loop_machine)) = &machines {
            warm_up(machine, loop_machine);
        }
    }
    // The helper's pair (`CompileOptions::helper`), made for the first batch that can use it.
    let mut helper = None;
    while let Ok(job) = jobs.recv() {
        let result = match &machines {
            Ok((machine, loop_machine)) => {
                let epochs = job.module.epoch_interruption();
                let mut options = baseline_options(machine, loop_machine, epochs);
                let bodies = &job.module.info().bodies;
                let bytes: usize = job.defined.iter().map(|&d| bodies[d as usize].len()).sum();
                if job.module.compile_threads() > 1 && bytes >= crate::compile::SPLIT_MIN_BYTES {
                    if helper.is_none() {
                        helper = baseline_machines().ok();
                    }
                    options.helper = helper.as_ref().map(|(m, l)| [m, l]);
                }
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    job.module
                        .compile_tier(&job.defined, CodeKind::Baseline, options)
                }))
                .unwrap_or_else(|_| Err(crate::error::Error::new("the compiler panicked")))
            }
            Err(e) => Err(e.clone()),
        };
        // The caller holds the module too: this thread never drops the last reference.
        drop(job.module);
        let _ = job.reply.send(result);
    }
}

/// A target machine for each baseline grade: the fast grade's, and [`Grade::Loops`]'.
///
/// [`Grade::Loops`]: crate::compile::Grade::Loops
fn baseline_machines() -> Result<(
    inkwell::targets::TargetMachine,
    inkwell::targets::TargetMachine,
)> {
    Ok((
        crate::codegen::target_machine(crate::codegen::codegen_level(0))?,
        crate::codegen::target_machine(crate::codegen::loop_baseline_codegen())?,
    ))
}

/// How the lazy-compilation thread compiles baseline code: on itself, with its machines.
fn baseline_options<'a>(
    machine: &'a inkwell::targets::TargetMachine,
    loop_machine: &'a inkwell::targets::TargetMachine,
    epoch_interruption: bool,
) -> CompileOptions<'a> {
    CompileOptions {
        opt_level: 0,
        threads: 1,
        machine: Some(machine),
        loop_machine: Some(loop_machine),
        helper: None,
        epoch_interruption,
        osr: &[],
    }
}

/// Whether the next lazy-compilation thread to start compiles [`WARM_UP_WASM`] first (see
/// [`TierQueue::prepare_lazy_compiler`]); once per process.
static WARM_UP: AtomicBool = AtomicBool::new(false);

/// A function with a call and no loop, `(func (param i32) (result i32) (call 0 (i32.sub
/// (local.get 0) (i32.const 1))))`: compiling its baseline code once makes LLVM initialise
/// what every compilation needs. (One with a loop would warm the heavier loop pipeline too,
/// but took 4.5-6.6 ms against validation's 4-5 ms on SQLite, and the first call gained less.)
const WARM_UP_WASM: &[u8] = &[
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, // magic, version
    1, 6, 1, 0x60, 1, 0x7f, 1, 0x7f, // type 0: (i32) -> i32
    3, 2, 1, 0, // function 0 of type 0
    10, 11, 1, 9, 0, // code: one body of 9 bytes, no locals
    0x20, 0, 0x41, 1, 0x6b, 0x10, 0, 0x0b, // local.get 0 i32.const 1 i32.sub call 0 end
];

/// Compiles [`WARM_UP_WASM`]'s baseline code and throws it away: a process's first compilation
/// pays LLVM's one-time set-up (lazily built statics, its code's first page faults), about 2 ms
/// here, which this moves off the first call of the module being validated meanwhile.
fn warm_up(
    machine: &inkwell::targets::TargetMachine,
    loop_machine: &inkwell::targets::TargetMachine,
) {
    let Ok(info) = crate::compile::decode_supported(WARM_UP_WASM, crate::module::features(), 1)
    else {
        return;
    };
    let options = baseline_options(machine, loop_machine, false);
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::compile::compile_functions(
            &info,
            WARM_UP_WASM,
            "wasmo_warm_up".into(),
            &[0],
            CodeKind::Baseline,
            false,
            options,
        )
    }));
}

/// The engine's list of lift-off modules and its tier-up worker thread.
pub struct TierQueue {
    modules: Mutex<Vec<Weak<dyn TieredModule>>>,
    wake: Condvar,
    stop: AtomicBool,
    worker: Mutex<Option<Thread>>,
    /// The lazy-compilation thread: its job queue and thread.
    lazy: Mutex<Option<(std::sync::mpsc::Sender<LazyJob>, Thread)>>,
}

/// A worker thread, and the process that started it: after `fork()` the child has only the
/// forking thread, so a thread its parent started is not there to compile, to wake or to join
/// (the child starts its own when it needs one).
struct Thread {
    handle: std::thread::JoinHandle<()>,
    pid: u32,
}

impl Thread {
    fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> std::io::Result<Thread> {
        let handle = std::thread::Builder::new().name(name.into()).spawn(f)?;
        let pid = std::process::id();
        Ok(Thread { handle, pid })
    }

    /// Whether the thread belongs to this process (false in a child forked after it started).
    fn here(&self) -> bool {
        self.pid == std::process::id()
    }

    /// Waits for the thread unless it is the calling one; forgets a thread of another process
    /// (joining or detaching a thread that does not exist here would hang or worse).
    fn join(self) {
        if self.here() {
            join_unless_current(self.handle);
        } else {
            std::mem::forget(self.handle);
        }
    }

    /// The thread, if it belongs to this process; otherwise it is forgotten and None.
    fn keep_if_here(thread: Option<Thread>) -> Option<Thread> {
        match thread {
            Some(t) if t.here() => Some(t),
            Some(t) => {
                std::mem::forget(t.handle);
                None
            }
            None => None,
        }
    }
}

/// One function to compile lazily, and where to send its code.
struct LazyJob {
    module: ModuleRef,
    defined: Vec<u32>,
    reply: std::sync::mpsc::SyncSender<Result<TierCode>>,
}

/// Every engine's queue, so that process exit can stop the workers first: a worker still
/// inside LLVM while `exit` runs LLVM's static destructors crashes the process.
///
/// `exit` runs the exiting thread's thread-local destructors first, then the `atexit` list in
/// reverse order of registration. LLVM registers destructors of function-local statics (for
/// instance `SDNode::getValueTypeList`'s type set, used by every SelectionDAG compile) when a
/// compile first uses them, which is after any `atexit` handler registered when the engine was
/// made; those run before that handler, while a tier-up worker may still use them (issue 14,
/// finding 3). So the workers are stopped by a thread-local destructor of the main thread, which
/// `exit` (and returning from `main`) runs before any of them. An `atexit` handler stays as the
/// fallback for a process that exits from another thread.
static QUEUES: Mutex<Vec<std::sync::Weak<TierQueue>>> = Mutex::new(Vec::new());

extern "C" {
    /// glibc's registration of a thread-local destructor (what Rust's `thread_local!` uses).
    fn __cxa_thread_atexit_impl(
        dtor: unsafe extern "C" fn(*mut libc::c_void),
        obj: *mut libc::c_void,
        dso_symbol: *mut libc::c_void,
    ) -> libc::c_int;
    /// This shared object's handle (from the C runtime's start files).
    static __dso_handle: *mut libc::c_void;
}

unsafe extern "C" fn stop_all_workers_at_main_exit(_: *mut libc::c_void) {
    stop_all_workers();
}

/// Waits for `handle`'s thread unless it is the calling one. Compares pthread ids, not
/// `std::thread::current()`, which may be gone while thread-local destructors run at exit.
fn join_unless_current(handle: std::thread::JoinHandle<()>) {
    use std::os::unix::thread::JoinHandleExt;
    // SAFETY: plain call.
    if handle.as_pthread_t() != unsafe { libc::pthread_self() } {
        let _ = handle.join();
    }
}

/// Registers `stop_all_workers` as a thread-local destructor of the main thread, once, if this
/// is the main thread: when the main thread returns from `main` or calls `exit`, it runs before
/// any static destructor.
fn stop_workers_when_main_exits() {
    static REGISTERED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    // SAFETY: plain system calls.
    let main_thread = unsafe { libc::gettid() == libc::getpid() };
    if !main_thread || REGISTERED.swap(true, Ordering::SeqCst) {
        return;
    }
    // SAFETY: registers a plain function with no object, for this shared object (glibc keeps it
    // loaded while the destructor is pending).
    unsafe {
        __cxa_thread_atexit_impl(
            stop_all_workers_at_main_exit,
            std::ptr::null_mut(),
            std::ptr::addr_of!(__dso_handle) as *mut libc::c_void,
        );
    }
}

extern "C" fn stop_all_workers() {
    let queues: Vec<Arc<TierQueue>> = QUEUES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .filter_map(|q| q.upgrade())
        .collect();
    for q in queues {
        q.stop();
    }
}

impl TierQueue {
    pub fn new() -> Arc<TierQueue> {
        let queue = Arc::new(TierQueue {
            modules: Mutex::new(Vec::new()),
            wake: Condvar::new(),
            stop: AtomicBool::new(false),
            worker: Mutex::new(None),
            lazy: Mutex::new(None),
        });
        // Registered with `atexit` now and again after the first compiles (see there).
        crate::codegen::run_at_exit_before_llvm(stop_all_workers);
        stop_workers_when_main_exits();
        let mut queues = QUEUES.lock().unwrap_or_else(|e| e.into_inner());
        queues.retain(|q| q.strong_count() > 0);
        queues.push(Arc::downgrade(&queue));
        queue
    }

    /// Adds a lift-off module, starting the worker on first use.
    pub fn add(self: &Arc<Self>, module: Weak<dyn TieredModule>) {
        // The engine may have been made on another thread.
        stop_workers_when_main_exits();
        self.modules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(module);
        self.start_worker();
    }

    /// Starts the tier-up worker unless this process has it.
    fn start_worker(self: &Arc<Self>) {
        let mut worker = self.worker.lock().unwrap_or_else(|e| e.into_inner());
        *worker = Thread::keep_if_here(worker.take());
        if worker.is_none() {
            let queue = self.clone();
            *worker = Thread::spawn("wasmo-tier-up", move || queue.run()).ok();
        }
    }

    /// Wakes the worker (started again in a forked child, which does not have its parent's).
    pub fn wake(self: &Arc<Self>) {
        self.start_worker();
        self.wake.notify_all();
    }

    /// Compiles the baseline code of defined functions `defined` on the lazy-compilation
    /// thread (started on first use) and waits for it.
    fn compile_lazily(&self, module: &ModuleRef, defined: Vec<u32>) -> Result<TierCode> {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        let job = LazyJob {
            module: module.clone(),
            defined,
            reply,
        };
        {
            let mut lazy = self.lazy.lock().unwrap_or_else(|e| e.into_inner());
            Self::start_lazy(&mut lazy)?;
            let (tx, _) = lazy.as_ref().expect("started");
            tx.send(job)
                .map_err(|_| crate::error::Error::new("the lazy compiler has stopped"))?;
        }
        answer
            .recv()
            .unwrap_or_else(|_| Err(crate::error::Error::new("the lazy compiler has stopped")))
    }

    /// Starts the lazy-compilation thread unless it runs: called when a lift-off module starts
    /// decoding, so that the thread's set-up (its target machines, LLVM's first use) overlaps
    /// validation instead of delaying the first call. A failure to start is left for the first
    /// compile to report.
    pub fn prepare_lazy_compiler(&self, wasm_bytes: usize) {
        let mut lazy = self.lazy.lock().unwrap_or_else(|e| e.into_inner());
        // A module whose validation outlasts LLVM's set-up gets a warmed-up compiler; for a
        // small one, the warm-up would only delay the first call's own compilation.
        if lazy.is_none() && wasm_bytes >= WARM_UP_MIN_BYTES {
            static ONCE: std::sync::Once = std::sync::Once::new();
            ONCE.call_once(|| WARM_UP.store(true, Ordering::SeqCst));
        }
        let _ = Self::start_lazy(&mut lazy);
    }

    fn start_lazy(lazy: &mut Option<(std::sync::mpsc::Sender<LazyJob>, Thread)>) -> Result<()> {
        if let Some((tx, thread)) = lazy.take() {
            // A forked child's queue leads to no thread: it starts its own.
            if let Some(thread) = Thread::keep_if_here(Some(thread)) {
                *lazy = Some((tx, thread));
            } else {
                std::mem::forget(tx);
            }
        }
        if lazy.is_none() {
            let (tx, rx) = std::sync::mpsc::channel::<LazyJob>();
            let thread = Thread::spawn("wasmo-lazy", move || lazy_compiler(rx))
                .map_err(|e| crate::error::Error::new(format!("cannot start a thread: {e}")))?;
            *lazy = Some((tx, thread));
        }
        Ok(())
    }

    pub fn stopped(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    /// Stops the worker and the lazy-compilation thread (and waits for them unless this is one
    /// of them).
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        self.wake.notify_all();
        let lazy = self.lazy.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some((tx, thread)) = lazy {
            if thread.here() {
                drop(tx);
            } else {
                std::mem::forget(tx);
            }
            thread.join();
        }
        let thread = self.worker.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(thread) = thread {
            thread.join();
        }
    }

    fn run(&self) {
        // One target machine for every batch, made on the first (a machine costs about 1.5 ms
        // to make and set up for its first function, more than a small batch's compile):
        // (its opt level, the machine or why none could be made).
        let mut machine: Option<(u32, Result<inkwell::targets::TargetMachine>)> = None;
        while !self.stop.load(Ordering::SeqCst) {
            let modules: Vec<ModuleRef> = {
                let mut list = self.modules.lock().unwrap_or_else(|e| e.into_inner());
                list.retain(|w| w.strong_count() > 0);
                list.iter().filter_map(Weak::upgrade).collect()
            };
            let mut worked = false;
            for module in &modules {
                if self.stop.load(Ordering::SeqCst) {
                    break;
                }
                let tier = module.tier_state();
                let Some(batch) = tier.take_batch(&module.info().bodies) else {
                    continue;
                };
                worked = true;
                let level = module.opt_level();
                if machine
                    .as_ref()
                    .is_none_or(|(made_for, _)| *made_for != level)
                {
                    let made = crate::codegen::target_machine(crate::codegen::codegen_level(level));
                    machine = Some((level, made));
                }
                let tm = machine.as_ref().and_then(|(_, m)| m.as_ref().ok());
                let options = CompileOptions {
                    opt_level: level,
                    threads: 1,
                    machine: tm,
                    loop_machine: tm,
                    helper: None,
                    epoch_interruption: module.epoch_interruption(),
                    osr: &batch.osr,
                };
                // A failure leaves the functions on their baseline code for good.
                let compiled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    module.compile_tier(&batch.defined, CodeKind::TierUp, options)
                }))
                .unwrap_or_else(|_| Err(crate::error::Error::new("the compiler panicked")));
                match compiled {
                    Ok(code) => {
                        tier.install_osr(&batch.osr, Some(&code.osr));
                        tier.install(
                            &batch.defined,
                            &code.functions,
                            code.objects,
                            FuncTier::Optimized,
                        );
                        tier.finish_batch(None);
                    }
                    Err(_) => {
                        // With entries in it the fault may be theirs: the functions are taken
                        // again without them, and only fail for good on their own.
                        tier.install_osr(&batch.osr, None);
                        let failed = batch.osr.is_empty().then_some(&batch.defined[..]);
                        tier.finish_batch(failed);
                    }
                }
            }
            drop(modules);
            if !worked {
                let list = self.modules.lock().unwrap_or_else(|e| e.into_inner());
                if self.stop.load(Ordering::SeqCst) {
                    break;
                }
                // Counters accumulate between rounds, so the next batch is the hottest.
                let _ = self.wake.wait_timeout(list, Duration::from_millis(5));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_warm_up_module_compiles() {
        let info =
            crate::compile::decode_supported(super::WARM_UP_WASM, crate::module::features(), 1)
                .expect("the warm-up module is valid");
        let machine = crate::codegen::target_machine(crate::codegen::codegen_level(0)).unwrap();
        let options = crate::compile::CompileOptions {
            opt_level: 0,
            threads: 1,
            machine: Some(&machine),
            loop_machine: Some(&machine),
            helper: None,
            epoch_interruption: false,
            osr: &[],
        };
        let compiled = crate::compile::compile_functions(
            &info,
            super::WARM_UP_WASM,
            "wasmo_warm_up_test".into(),
            &[0],
            crate::compile::CodeKind::Baseline,
            false,
            options,
        );
        assert!(compiled.is_ok());
    }
}
