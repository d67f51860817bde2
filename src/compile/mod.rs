//! Compiling a module: its defined functions are split into partitions, each translated into one
//! LLVM module and compiled to a relocatable object on a pool of worker threads (each with its
//! own LLVM context and target machine). Symbols are named from a per-compilation prefix so
//! objects of many modules can live in one JIT.

pub mod abi;
mod call;
mod control;
mod exception;
mod memory;
mod numeric;
pub(crate) mod osr;
mod simd;
pub mod support;
mod table;
mod translate;
mod variable;

use crate::codegen;
use crate::error::{Error, Result};
use crate::module::types::{FuncType, ValType};
use crate::module::ModuleInfo;
use crate::vm::VMOffsets;
use inkwell::context::Context;
use inkwell::module::Module;
use inkwell::values::FunctionValue;
use inkwell::OptimizationLevel;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
pub use support::{decode_supported, direct_callees};

/// Which kind of code a compilation produces (see DESIGN.md, "Tiers").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    /// Optimised mode: the whole module at once, calls between its functions direct.
    WholeModule,
    /// Lift-off's first tier: unoptimised; calls to defined functions go through the instance's
    /// function references (the PLT) so that the tier-up worker can swap their code; function
    /// entries and loop headers count into the module's hotness counters.
    Baseline,
    /// Lift-off's second tier: optimised; direct calls within the batch compiled together,
    /// through the PLT to everything else.
    TierUp,
}

/// What translating any function of a module needs to know about the module.
pub struct ModuleEnv<'a> {
    pub info: &'a ModuleInfo,
    pub offsets: VMOffsets,
    /// Prefix of every symbol this compilation defines.
    pub prefix: String,
    pub tier: CodeKind,
    /// For [`CodeKind::TierUp`]: which defined functions this compilation contains.
    pub batch: Vec<bool>,
    /// Whether compiled code checks the epoch (`Config::epoch_interruption`).
    pub epoch_interruption: bool,
}

impl ModuleEnv<'_> {
    /// Whether a call from this compilation to function `index` may be a direct call.
    pub fn calls_directly(&self, index: u32) -> bool {
        let Some(defined) = index.checked_sub(self.info.num_imported_functions) else {
            return false;
        };
        match self.tier {
            CodeKind::WholeModule => true,
            CodeKind::Baseline => false,
            CodeKind::TierUp => self.batch.get(defined as usize).copied().unwrap_or(false),
        }
    }

    pub fn function_symbol(&self, index: u32) -> String {
        function_symbol(&self.prefix, index)
    }

    /// The array trampoline symbol for type-section entry `type_index`.
    pub fn trampoline_symbol(&self, type_index: u32) -> String {
        trampoline_symbol(&self.prefix, type_index)
    }

    /// The LLVM function for defined function `index` in `module`, declared if not yet there.
    pub fn declare_function<'c>(
        &self,
        ctx: &'c Context,
        module: &Module<'c>,
        index: u32,
    ) -> Result<FunctionValue<'c>> {
        let name = self.function_symbol(index);
        if let Some(f) = module.get_function(&name) {
            return Ok(f);
        }
        let f = module.add_function(
            &name,
            abi::function_type(ctx, self.info.function_type(index))?,
            None,
        );
        f.set_call_conventions(abi::WASM_CC);
        abi::add_function_attributes(ctx, f, true);
        Ok(f)
    }

    /// For each type-section entry, the first entry with the same signature: the one whose
    /// trampoline serves it (one hash lookup per entry: a module may have a million types).
    pub fn canonical_types(info: &ModuleInfo) -> Vec<u32> {
        let mut first: HashMap<(&[ValType], &[ValType]), u32> = HashMap::new();
        (0..info.types.len() as u32)
            .map(|i| {
                let ty = &info.types[i as usize];
                *first.entry((&ty.params, &ty.results)).or_insert(i)
            })
            .collect()
    }
}

/// The symbol of function `index` (in the function index space) in a compilation with `prefix`.
pub fn function_symbol(prefix: &str, index: u32) -> String {
    format!("{prefix}_f{index}")
}

/// The symbol of the array trampoline for type-section entry `type_index`.
pub fn trampoline_symbol(prefix: &str, type_index: u32) -> String {
    format!("{prefix}_t{type_index}")
}

/// The machine code of a module.
pub struct CompiledCode {
    pub objects: Vec<Vec<u8>>,
    pub prefix: String,
}

/// How to compile.
#[derive(Debug, Clone, Copy)]
pub struct CompileOptions<'m> {
    pub opt_level: u32,
    pub threads: usize,
    /// A target machine (for `opt_level`) to compile with on the calling thread, instead of
    /// one made per worker: creating one costs more than compiling a small function.
    pub machine: Option<&'m inkwell::targets::TargetMachine>,
    /// With `machine`, for baseline code: a target machine for [`Grade::Loops`].
    pub loop_machine: Option<&'m inkwell::targets::TargetMachine>,
    /// With `machine` and `loop_machine`, for baseline code: a second pair (fast grade,
    /// [`Grade::Loops`]) for a helper thread. A batch of baseline code is then split into up to
    /// two partitions per grade that the calling thread and the helper compile side by side
    /// (a first call waits for its batch, and the second core is otherwise idle then).
    pub helper: Option<[&'m inkwell::targets::TargetMachine; 2]>,
    /// Compile epoch checks (`Config::epoch_interruption`).
    pub epoch_interruption: bool,
    /// For [`CodeKind::TierUp`]: on-stack-replacement entries to compile too, as (defined
    /// function, loop index) (`osr.rs`).
    pub osr: &'m [(u32, u32)],
}

/// The largest body that gets [`Grade::Loops`] baseline code: that grade costs about four times
/// as much per byte as the fast one (and more than linearly in size), so the bound caps what a
/// first call can cost (DESIGN.md, "Tiers"). Larger functions get the fast grade.
pub const LOOP_BASELINE_MAX_BYTES: usize = 4096;

/// [`LOOP_BASELINE_MAX_BYTES`], or `WASMO_BASELINE_LOOP_MAX_BYTES` for studies (0: every
/// function gets the fast grade, and with it on-stack-replacement checks).
fn loop_baseline_max_bytes() -> usize {
    static MAX: once_cell::sync::Lazy<usize> = once_cell::sync::Lazy::new(|| {
        std::env::var("WASMO_BASELINE_LOOP_MAX_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(LOOP_BASELINE_MAX_BYTES)
    });
    *MAX
}

/// How a group of functions is compiled: its pass pipeline and code-generation level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    /// Our optimisation level; 0 is what baseline code without loops gets (mem2reg, fast
    /// instruction selection).
    Opt(u32),
    /// Baseline code of a function with a loop: without on-stack replacement a call stays in
    /// the code it started in, so a loop in its first call runs in baseline code to the end.
    /// A few cheap passes and LLVM's `Less` code generator (DESIGN.md, "Tiers").
    Loops,
}

impl Grade {
    fn pipeline(self) -> codegen::Pipeline {
        match self {
            Grade::Opt(level) => codegen::pipeline(level),
            Grade::Loops => codegen::loop_baseline_pipeline(),
        }
    }

    fn codegen(self) -> OptimizationLevel {
        match self {
            Grade::Opt(level) => codegen::codegen_level(level),
            Grade::Loops => codegen::loop_baseline_codegen(),
        }
    }
}

/// Compiles every defined function of `info` (whose bodies are in `bytes`) in optimised mode.
pub fn compile_module(
    info: &ModuleInfo,
    bytes: &[u8],
    prefix: String,
    options: CompileOptions,
) -> Result<CompiledCode> {
    let all: Vec<u32> = (0..info.bodies.len() as u32).collect();
    compile_functions(
        info,
        bytes,
        prefix,
        &all,
        CodeKind::WholeModule,
        true,
        options,
    )
}

/// The grade of defined function `defined`'s baseline code.
pub fn baseline_grade(info: &ModuleInfo, bytes: &[u8], defined: u32) -> Grade {
    let range = info.bodies[defined as usize].clone();
    if range.len() > loop_baseline_max_bytes() {
        return Grade::Opt(0);
    }
    let reader = wasmparser::BinaryReader::new(&bytes[range.clone()], range.start as u64);
    if support::has_loop(&wasmparser::FunctionBody::new(reader)) {
        Grade::Loops
    } else {
        Grade::Opt(0)
    }
}

/// Compiles the defined functions `defined` (indices among the defined functions) as `tier`
/// code, and the array trampolines if `with_trampolines`.
pub fn compile_functions(
    info: &ModuleInfo,
    bytes: &[u8],
    prefix: String,
    defined: &[u32],
    tier: CodeKind,
    with_trampolines: bool,
    options: CompileOptions,
) -> Result<CompiledCode> {
    let mut batch = Vec::new();
    if tier == CodeKind::TierUp {
        batch = vec![false; info.bodies.len()];
        for &d in defined {
            batch[d as usize] = true;
        }
    }
    let env = ModuleEnv {
        info,
        offsets: VMOffsets::new(info),
        prefix,
        tier,
        batch,
        epoch_interruption: options.epoch_interruption,
    };
    let size = |d: u32| info.bodies[d as usize].len();
    let mut partitions: Vec<(Grade, Vec<u32>)> = if tier == CodeKind::Baseline {
        let (loops, straight): (Vec<u32>, Vec<u32>) = defined
            .iter()
            .partition(|&&d| baseline_grade(info, bytes, d) == Grade::Loops);
        let tag = |grade, part: Vec<Vec<u32>>| part.into_iter().map(move |p| (grade, p));
        let split = |list: &[u32]| {
            if options.helper.is_some() {
                halves(list, size)
            } else {
                partition(list, size, options.threads)
            }
        };
        let mut all: Vec<_> = tag(Grade::Loops, split(&loops))
            .chain(tag(Grade::Opt(0), split(&straight)))
            .collect();
        all.sort_by_key(|(_, p)| std::cmp::Reverse(p.iter().map(|&d| size(d)).sum::<usize>()));
        all
    } else {
        let grade = Grade::Opt(options.opt_level);
        partition(defined, size, options.threads)
            .into_iter()
            .map(|p| (grade, p))
            .collect()
    };
    if partitions.is_empty() && (with_trampolines || !options.osr.is_empty()) {
        partitions.push((Grade::Opt(options.opt_level), Vec::new()));
    }
    let objects: Mutex<Vec<Option<Vec<u8>>>> = Mutex::new(vec![None; partitions.len()]);
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    let next = AtomicUsize::new(0);
    let workers = if options.machine.is_some() {
        if options.helper.is_some() && partitions.len() > 1 {
            2
        } else {
            1
        }
    } else {
        options.threads.clamp(1, partitions.len().max(1))
    };
    // Each worker makes the target machines it needs, one per code-generation level.
    let run = |given: [Option<&inkwell::targets::TargetMachine>; 2]| {
        let mut own: [Option<inkwell::targets::TargetMachine>; 2] = [None, None];
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= partitions.len() || first_error.lock().unwrap().is_some() {
                return;
            }
            let (grade, part) = &partitions[i];
            let slot = usize::from(*grade == Grade::Loops);
            if given[slot].is_none() && own[slot].is_none() {
                match codegen::target_machine(grade.codegen()) {
                    Ok(m) => own[slot] = Some(m),
                    Err(e) => {
                        first_error.lock().unwrap().get_or_insert(e);
                        return;
                    }
                }
            }
            let Some(machine) = given[slot].or(own[slot].as_ref()) else {
                return;
            };
            let start = std::time::Instant::now();
            let compiled = compile_partition(
                &env,
                bytes,
                part,
                with_trampolines && i == 0,
                if i == 0 { options.osr } else { &[] },
                machine,
                *grade,
            );
            if *TRACE {
                trace_partition(info, *grade, part, start.elapsed());
            }
            match compiled {
                Ok(object) => objects.lock().unwrap()[i] = Some(object),
                Err(e) => {
                    first_error.lock().unwrap().get_or_insert(e);
                    return;
                }
            }
        }
    };
    if workers == 1 {
        run([options.machine, options.loop_machine]);
    } else if let Some([machine, loop_machine]) = options.helper {
        let helper = HelperMachines([machine, loop_machine]);
        std::thread::scope(|scope| {
            let run = &run;
            let spawned = std::thread::Builder::new()
                .name("wasmo-lazy-helper".into())
                .spawn_scoped(scope, move || {
                    let [machine, loop_machine] = helper.take();
                    run([Some(machine), Some(loop_machine)])
                });
            // Without the helper, this thread compiles every partition itself.
            run([options.machine, options.loop_machine]);
            drop(spawned);
        });
    } else {
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| run([None, None]));
            }
        });
    }
    if let Some(e) = first_error.into_inner().unwrap() {
        return Err(e);
    }
    let objects = objects
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|o| o.expect("compiled"))
        .collect();
    Ok(CompiledCode {
        objects,
        prefix: env.prefix,
    })
}

/// `WASMO_COMPILE_TRACE=1`, a developer aid: where start-up time goes, on stderr: the phases of
/// `Module::new` (decoding and validation, compilation, host stubs and trampolines), one line per
/// compiled partition (its grade, functions, bytes, largest body, estimated cost and the time it
/// took: the data behind [`compile_cost`]; in lift-off mode also each first call's lazy
/// compilation and each tier-up batch), and each instantiation's time.
pub(crate) static TRACE: once_cell::sync::Lazy<bool> =
    once_cell::sync::Lazy::new(|| std::env::var_os("WASMO_COMPILE_TRACE").is_some());

fn trace_partition(info: &ModuleInfo, grade: Grade, part: &[u32], took: std::time::Duration) {
    let sizes = part.iter().map(|&d| info.bodies[d as usize].len());
    eprintln!(
        "wasmo: {grade:?} partition of {} functions, {} bytes, largest {} bytes, cost {}: {:.1} ms",
        part.len(),
        sizes.clone().sum::<usize>(),
        sizes.clone().max().unwrap_or(0),
        sizes.map(compile_cost).sum::<u64>(),
        took.as_secs_f64() * 1e3
    );
}

/// An estimate of LLVM's work on a function body of `len` bytes: linear, plus a quadratic term
/// that dominates from [`COST_KNEE`] bytes on, since several passes and the register allocator
/// grow faster than linearly on giant functions (Go's and Rust's large modules have bodies of
/// hundreds of KB).
fn compile_cost(len: usize) -> u64 {
    let len = len as u64;
    len + len * len / COST_KNEE
}
const COST_KNEE: u64 = 64 * 1024;

/// A pair of target machines handed to a helper thread (`CompileOptions::helper`).
struct HelperMachines<'m>([&'m inkwell::targets::TargetMachine; 2]);

// SAFETY: an LLVM target machine may be used from any thread, by one thread at a time;
// `compile_functions` hands the pair to its helper thread alone, and the caller of
// `compile_functions` does not use it until the call returns.
unsafe impl Send for HelperMachines<'_> {}

impl<'m> HelperMachines<'m> {
    /// The pair (a method, so that a closure captures the whole `Send` wrapper).
    fn take(self) -> [&'m inkwell::targets::TargetMachine; 2] {
        self.0
    }
}

/// The smallest list of baseline functions (total wasm bytes) that `halves` splits, and so
/// the smallest lazy batch the lazy-compilation thread gives a helper for: about 10 ms of
/// fast-grade compilation, against the helper's costs (a thread, an LLVM module's set-up,
/// and on its first use its target machine's).
pub const SPLIT_MIN_BYTES: usize = 2048;

/// Baseline partitions of a batch for two threads: `defined` whole, or from
/// [`SPLIT_MIN_BYTES`] on, split into two of about equal cost (the costliest function first,
/// each to the lighter half), each half in `defined`'s order.
fn halves(defined: &[u32], size: impl Fn(u32) -> usize) -> Vec<Vec<u32>> {
    let total: usize = defined.iter().map(|&d| size(d)).sum();
    if defined.is_empty() {
        return Vec::new();
    }
    if defined.len() < 2 || total < SPLIT_MIN_BYTES {
        return vec![defined.to_vec()];
    }
    let mut order: Vec<usize> = (0..defined.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(compile_cost(size(defined[i]))));
    let mut cost = [0u64; 2];
    let mut half = vec![0usize; defined.len()];
    for i in order {
        let lighter = usize::from(cost[1] < cost[0]);
        cost[lighter] += compile_cost(size(defined[i]));
        half[i] = lighter;
    }
    (0..2)
        .map(|h| {
            (0..defined.len())
                .filter(|&i| half[i] == h)
                .map(|i| defined[i])
                .collect()
        })
        .collect()
}

/// Splits `defined` into runs of neighbouring functions (neighbours tend to call each other, and
/// calls within a partition are direct and can be inlined) of similar estimated cost: a few per
/// worker, so that workers stay busy while each LLVM module stays large enough to be efficient.
/// A function costing more than a share on its own gets its own partition. The partitions come
/// costliest first, so that the largest ones start early and the small ones fill in at the end.
fn partition(defined: &[u32], size: impl Fn(u32) -> usize, threads: usize) -> Vec<Vec<u32>> {
    let n = defined.len();
    if n == 0 {
        return Vec::new();
    }
    let wanted = (threads.max(1) * 4).min(n.div_ceil(16)).max(1) as u64;
    let cost = |d: u32| compile_cost(size(d));
    let total: u64 = defined.iter().map(|&d| cost(d)).sum();
    let target = total.div_ceil(wanted).max(1);
    let mut parts: Vec<(u64, Vec<u32>)> = Vec::new();
    let mut current = Vec::new();
    let mut sum = 0;
    for &d in defined {
        let c = cost(d);
        if c >= target && !current.is_empty() {
            parts.push((sum, std::mem::take(&mut current)));
            sum = 0;
        }
        sum += c;
        current.push(d);
        if sum >= target {
            parts.push((sum, std::mem::take(&mut current)));
            sum = 0;
        }
    }
    if !current.is_empty() {
        parts.push((sum, current));
    }
    parts.sort_by_key(|p| std::cmp::Reverse(p.0));
    parts.into_iter().map(|(_, p)| p).collect()
}

/// Lists the memories whose accesses loop versioning may make plain (`codegen::version_loops`):
/// those that are not shared, whose base never moves and whose length changes only through
/// calls, and the out-of-bounds trap's code, whose branches (a 64-bit memory's bounds checks)
/// the plain copy drops.
fn list_heaps<'c>(ctx: &'c Context, module: &Module<'c>, env: &ModuleEnv<'_>) {
    let i64t = ctx.i64_type();
    let code = ctx.metadata_node(&[i64t
        .const_int(crate::vm::TrapCode::MemoryOutOfBounds as u64, false)
        .into()]);
    let _ = module.add_global_metadata(codegen::version_loops::OUT_OF_BOUNDS_METADATA, &code);
    for (i, memory) in env.info.memories.iter().enumerate() {
        if memory.shared {
            continue;
        }
        let i = i as u32;
        let node = ctx.metadata_node(&[
            i64t.const_int(env.offsets.memory_base(i) as u64, false)
                .into(),
            i64t.const_int(env.offsets.memory(i) as u64, false).into(),
            i64t.const_int(crate::vm::VMMemory::LENGTH as u64, false)
                .into(),
        ]);
        // Fails only for a node that is not metadata.
        let _ = module.add_global_metadata(codegen::version_loops::HEAP_METADATA, &node);
    }
}

fn compile_partition(
    env: &ModuleEnv<'_>,
    bytes: &[u8],
    defined: &[u32],
    with_trampolines: bool,
    osr: &[(u32, u32)],
    machine: &inkwell::targets::TargetMachine,
    grade: Grade,
) -> Result<Vec<u8>> {
    let ctx = Context::create();
    codegen::discard_value_names(&ctx);
    let first = defined
        .first()
        .map_or(0, |&d| d + env.info.num_imported_functions);
    let module = ctx.create_module(&format!("{}_f{first}", env.prefix));
    let imported = env.info.num_imported_functions;
    let debug = translate::DebugInfo::new(&module);
    let started = std::time::Instant::now();
    let functions = defined.iter().map(|&d| {
        let osr_checks = osr::checks_in(grade);
        let fast = env.tier == CodeKind::Baseline && grade == Grade::Opt(0);
        (d, translate::Translation::Function { osr_checks, fast })
    });
    let entries = osr
        .iter()
        .map(|&(d, loop_index)| (d, translate::Translation::OsrEntry { loop_index }));
    for (d, what) in functions.chain(entries) {
        let range = env.info.bodies[d as usize].clone();
        let reader = wasmparser::BinaryReader::new(&bytes[range.clone()], range.start as u64);
        let body = wasmparser::FunctionBody::new(reader);
        translate::FuncTranslator::translate(&ctx, &module, env, imported + d, body, &debug, what)?;
    }
    if with_trampolines {
        let canonical = ModuleEnv::canonical_types(env.info);
        for (i, &c) in canonical.iter().enumerate() {
            if c == i as u32 {
                let ty: &FuncType = &env.info.types[i];
                abi::define_array_trampoline(&ctx, &module, &env.trampoline_symbol(i as u32), ty)?;
            }
        }
    }
    debug.finalize();
    list_heaps(&ctx, &module, env);
    // On-stack-replacement entries are the translator's least travelled path: a fault in them
    // would crash LLVM in the background (verified in release builds too, which costs little
    // next to their O2 compile); a failed entry only leaves its loop in baseline code.
    if !osr.is_empty() && !cfg!(debug_assertions) {
        module
            .verify()
            .map_err(|e| Error::new(format!("internal error: invalid LLVM IR: {e}")))?;
    }
    let translated = started.elapsed();
    let object = codegen::emit_object(&module, machine, grade.pipeline());
    if *TRACE && started.elapsed().as_millis() >= 100 {
        let (passes, codegen) = codegen::LAST_EMIT_TIMES.with(|t| t.get());
        eprintln!(
            "wasmo:   (translation {:.1} ms, IR passes {:.1} ms, code generation {:.1} ms)",
            translated.as_secs_f64() * 1e3,
            passes.as_secs_f64() * 1e3,
            codegen.as_secs_f64() * 1e3
        );
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_of_one_signature_share_a_trampoline_in_linear_time() {
        // 300,000 type-section entries alternating between two signatures (a module may have a
        // million): one hash lookup each.
        let n = 300_000;
        let types = "(type (func)) (type (func (param i32)))".repeat(n / 2);
        let wasm = wat::parse_str(format!("(module {types})")).unwrap();
        let info = ModuleInfo::decode(&wasm).unwrap();
        let canonical = ModuleEnv::canonical_types(&info);
        assert_eq!(canonical.len(), n);
        assert!(canonical
            .iter()
            .enumerate()
            .all(|(i, &c)| c == (i % 2) as u32));
    }

    fn check_cover(parts: &[Vec<u32>], defined: &[u32]) {
        let mut all: Vec<u32> = parts.iter().flatten().copied().collect();
        all.sort_unstable();
        assert_eq!(all, defined);
        for p in parts {
            assert!(!p.is_empty());
            assert!(
                p.windows(2).all(|w| w[1] == w[0] + 1),
                "a run of neighbours: {p:?}"
            );
        }
    }

    #[test]
    fn partitions_cover_every_function_once_in_runs() {
        let defined: Vec<u32> = (0..1000).collect();
        let size = |d: u32| 100 + (d as usize * 37) % 900;
        for threads in [1, 2, 3, 8] {
            let parts = partition(&defined, size, threads);
            check_cover(&parts, &defined);
            assert!(parts.len() >= threads * 4 - 1 && parts.len() <= threads * 4 + 1);
        }
        assert!(partition(&[], size, 2).is_empty());
        assert_eq!(partition(&[7], size, 2), vec![vec![7]]);
    }

    #[test]
    fn halves_balance_a_large_batch_and_keep_a_small_one_whole() {
        let sizes = [4860usize, 3242, 300, 200, 150, 124];
        let size = |d: u32| sizes[d as usize];
        let defined: Vec<u32> = (0..sizes.len() as u32).collect();
        let parts = halves(&defined, size);
        assert_eq!(parts, vec![vec![0], vec![1, 2, 3, 4, 5]]);
        let cost = |p: &Vec<u32>| p.iter().map(|&d| compile_cost(size(d))).sum::<u64>();
        assert!(cost(&parts[0]).abs_diff(cost(&parts[1])) <= compile_cost(sizes[0]));
        // Below the threshold, or a single function: one partition.
        assert_eq!(halves(&[3, 4, 5], size), vec![vec![3, 4, 5]]);
        assert_eq!(halves(&[0], size), vec![vec![0]]);
        assert!(halves(&[], size).is_empty());
        // Equal sizes alternate, each half in order.
        let parts = halves(&[10, 11, 12, 13], |_| 1000);
        assert_eq!(parts, vec![vec![10, 12], vec![11, 13]]);
    }

    #[test]
    fn a_baseline_batch_with_a_helper_compiles_every_function() {
        // Four straight functions of about 1 KB each: two halves, one on the helper thread.
        let body = "(drop (i32.add (local.get 0) (i32.const 1)))".repeat(150);
        let funcs = format!("(func (param i32) {body})").repeat(4);
        let bytes = wat::parse_str(format!("(module {funcs})")).unwrap();
        let info = support::decode_supported(&bytes, crate::module::features(), 1).unwrap();
        let total: usize = info.bodies.iter().map(|b| b.len()).sum();
        assert!(total >= SPLIT_MIN_BYTES);
        let machines: Vec<_> = (0..2)
            .flat_map(|_| {
                [
                    codegen::target_machine(codegen::codegen_level(0)).unwrap(),
                    codegen::target_machine(codegen::loop_baseline_codegen()).unwrap(),
                ]
            })
            .collect();
        let compiled = compile_functions(
            &info,
            &bytes,
            "wasmo_test_helper".into(),
            &[0, 1, 2, 3],
            CodeKind::Baseline,
            false,
            CompileOptions {
                opt_level: 0,
                threads: 1,
                machine: Some(&machines[0]),
                loop_machine: Some(&machines[1]),
                helper: Some([&machines[2], &machines[3]]),
                epoch_interruption: false,
                osr: &[],
            },
        )
        .unwrap();
        assert_eq!(compiled.objects.len(), 2, "one object per half");
        let mut symbols: Vec<String> = compiled
            .objects
            .iter()
            .flat_map(|o| codegen::symbol_sizes(o).unwrap().into_keys())
            .collect();
        symbols.sort();
        let wanted: Vec<String> = (0..4)
            .map(|f| function_symbol("wasmo_test_helper", f))
            .collect();
        assert_eq!(symbols, wanted);
    }

    #[test]
    fn small_functions_with_loops_get_the_loop_grade() {
        let big_loop = format!(
            "(func (loop (br_if 0 (i32.eqz (i32.const 0)))) {})",
            "(drop (i32.const 1))".repeat(LOOP_BASELINE_MAX_BYTES / 3)
        );
        let wat = format!(
            "(module (func $straight (result i32) (i32.add (i32.const 1) (i32.const 2)))
                     (func $looping (local i32)
                       (block (loop (local.set 0 (i32.add (local.get 0) (i32.const 1)))
                                    (br_if 0 (i32.lt_u (local.get 0) (i32.const 9))))))
                     (func $nested (block (if (i32.const 1) (then (loop)))))
                     {big_loop})"
        );
        let bytes = wat::parse_str(&wat).unwrap();
        let info = support::decode_supported(&bytes, crate::module::features(), 1).unwrap();
        assert!(info.bodies[3].len() > LOOP_BASELINE_MAX_BYTES);
        let grades: Vec<Grade> = (0..4).map(|d| baseline_grade(&info, &bytes, d)).collect();
        assert_eq!(
            grades,
            [Grade::Opt(0), Grade::Loops, Grade::Loops, Grade::Opt(0)]
        );
        // Both grades in one baseline compilation, each its own object.
        let compiled = compile_functions(
            &info,
            &bytes,
            "wasmo_test_grades".into(),
            &[0, 1, 2, 3],
            CodeKind::Baseline,
            false,
            CompileOptions {
                opt_level: 0,
                threads: 1,
                machine: None,
                loop_machine: None,
                helper: None,
                epoch_interruption: false,
                osr: &[],
            },
        )
        .unwrap();
        let grades = if osr::enabled() { 1 } else { 2 };
        assert!(
            compiled.objects.len() >= grades,
            "one object per grade at least"
        );
    }

    #[test]
    fn osr_entries_compile_with_their_batch_and_a_missing_loop_is_an_error() {
        let bytes = wat::parse_str(
            "(module (func (param i32) (result i32) (local i64)
               (i32.const 5)
               (loop (param i32) (result i32)
                 (local.set 1 (i64.add (local.get 1) (i64.const 1)))
                 (br_if 0 (i32.add (i32.const 1)) (local.get 0)))
               (i32.add (local.get 0))))",
        )
        .unwrap();
        let info = support::decode_supported(&bytes, crate::module::features(), 1).unwrap();
        let compile = |osr: &[(u32, u32)]| {
            compile_functions(
                &info,
                &bytes,
                "wasmo_test_osr".into(),
                &[],
                CodeKind::TierUp,
                false,
                CompileOptions {
                    opt_level: 2,
                    threads: 1,
                    machine: None,
                    loop_machine: None,
                    helper: None,
                    epoch_interruption: false,
                    osr,
                },
            )
        };
        let compiled = compile(&[(0, 0)]).unwrap();
        let symbol = osr::entry_symbol("wasmo_test_osr", 0, 0);
        let symbols = codegen::symbol_sizes(&compiled.objects[0]).unwrap();
        assert!(symbols.contains_key(&symbol), "{symbols:?}");
        let e = compile(&[(0, 1)]).err().expect("function 0 has one loop");
        assert!(e.to_string().contains("no loop 1"), "{e}");
    }

    #[test]
    fn giant_functions_get_their_own_partition_and_go_first() {
        let defined: Vec<u32> = (0..400).collect();
        // Two 200 KB bodies among 1 KB ones: each costs more than a share of the whole.
        let size = |d: u32| if d == 100 || d == 300 { 200_000 } else { 1_000 };
        let parts = partition(&defined, size, 2);
        check_cover(&parts, &defined);
        assert!(parts.contains(&vec![100]) && parts.contains(&vec![300]));
        assert!(parts[0] == vec![100] || parts[0] == vec![300]);
        assert!(parts[1] == vec![100] || parts[1] == vec![300]);
        let costs: Vec<u64> = parts
            .iter()
            .map(|p| p.iter().map(|&d| compile_cost(size(d))).sum())
            .collect();
        assert!(
            costs.windows(2).all(|w| w[0] >= w[1]),
            "costliest first: {costs:?}"
        );
    }
}
