//! LLVM: target machines and pass pipelines, object emission, and the ORC LLJIT that loads object
//! code and resolves its symbols. Knows nothing of wasm operators: the translator in `compile/`
//! builds the IR, this module turns IR into machine code in memory.

pub mod elf;
pub mod entry_asm;
pub mod gdb_jit;
pub mod image;
mod jit;
pub mod lazy_stub;
pub mod lines;
mod memory_manager;
mod relax;
pub mod stack_align;
pub mod version_loops;

pub use jit::{Jit, LoadedObjects};

use crate::error::{Error, Result};
use inkwell::module::Module;
use inkwell::passes::PassBuilderOptions;
use inkwell::targets::{
    CodeModel, FileType, InitializationConfig, RelocMode, Target, TargetMachine, TargetTriple,
};
use inkwell::OptimizationLevel;
use once_cell::sync::Lazy;
use std::collections::HashMap;

/// The machine code is generated for: the host's triple, CPU and features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetConfig {
    pub triple: String,
    pub cpu: String,
    pub features: String,
}

/// The host's, or with the developer switch `WASMO_CPU=NAME[,FEATURES]` LLVM's CPU `NAME` with
/// only `FEATURES` (LLVM's spelling: `+ssse3,+sse4.1`): `WASMO_CPU=x86-64` makes the code of an
/// x86-64 without SSSE3, SSE4.1 or FMA, so tests run the lowerings for such CPUs (the translator
/// asks [`TargetConfig::has_feature`]). Code for features the host lacks would fault.
static TARGET: Lazy<TargetConfig> = Lazy::new(|| {
    Target::initialize_native(&InitializationConfig::default())
        .expect("LLVM supports the host target");
    set_llvm_options();
    let (cpu, features) = match std::env::var("WASMO_CPU") {
        Ok(cpu) => {
            let (name, features) = cpu.split_once(',').unwrap_or((&cpu, ""));
            (name.to_string(), features.to_string())
        }
        Err(_) => (
            TargetMachine::get_host_cpu_name().to_string(),
            TargetMachine::get_host_cpu_features().to_string(),
        ),
    };
    TargetConfig {
        triple: TargetMachine::get_default_triple()
            .as_str()
            .to_string_lossy()
            .into_owned(),
        cpu,
        features,
    }
});

/// LLVM options (process-wide). For unroll-and-jam, which x86 leaves off (only the loop
/// unrollers read these): allowed, with outer-loop counts from a partial-unrolling budget of 600
/// instructions (the CPU model's default is its loop buffer, about 50), cut down until the
/// jammed inner loop stays under 200 instructions. On `matmul` that jams 8 rows of the j loop.
/// And the older, variable-location-based tracking of debug values in code generation: Wasmo's
/// debug info is line tables only (trap offsets), with no variables to track, and LLVM 16's
/// default (instruction referencing) still analyses every machine function's register values
/// for them, about 5% of O2 code generation (`llc -time-passes` on a SQLite partition: "Live
/// DEBUG_VALUE analysis" 93 -> 20 ms of 1.9 s; the object file is byte for byte the same).
/// And one iteration per InstCombine run instead of iterating to a fixpoint, which is what
/// LLVM itself made the default after release 16 (reviews.llvm.org/D154579): the pipelines run
/// InstCombine several times, and the extra iteration of each mostly only confirmed there was
/// nothing left; on the blur simd128 kernel it was 30 of 81 million instructions of InstCombine
/// (callgrind), and the kernels' optimised IR comes out the same (docs/DESIGN.md, "The
/// optimised pipeline").
/// A developer switch, `WASMO_LLVM_OPTIONS`, appends more (space-separated) for studies.
fn set_llvm_options() {
    let mut args: Vec<std::ffi::CString> = [
        "wasmo",
        "-allow-unroll-and-jam",
        "-unroll-partial-threshold=600",
        "-unroll-and-jam-threshold=200",
        "-experimental-debug-variable-locations=false",
        "-instcombine-max-iterations=1",
    ]
    .iter()
    .map(|a| std::ffi::CString::new(*a).unwrap())
    .collect();
    if let Ok(more) = std::env::var("WASMO_LLVM_OPTIONS") {
        args.extend(
            more.split_whitespace()
                .filter_map(|a| std::ffi::CString::new(a).ok()),
        );
    }
    let argv: Vec<*const std::ffi::c_char> = args.iter().map(|a| a.as_ptr()).collect();
    // SAFETY: the strings are NUL-terminated and outlive the call; LLVM copies what it keeps.
    unsafe {
        llvm_sys::support::LLVMParseCommandLineOptions(
            argv.len() as i32,
            argv.as_ptr(),
            std::ptr::null(),
        )
    };
}

impl TargetConfig {
    /// Whether the target has CPU feature `name` (LLVM's spelling, e.g. `ssse3`).
    pub fn has_feature(&self, name: &str) -> bool {
        self.features
            .split(',')
            .any(|f| f.strip_prefix('+') == Some(name))
    }
}

/// The host target, initialising LLVM on first use.
pub fn host() -> &'static TargetConfig {
    &TARGET
}

/// A target machine for the host: position-independent code (so objects can be serialised and
/// loaded anywhere) at the given code-generation level.
pub fn target_machine(opt: OptimizationLevel) -> Result<TargetMachine> {
    let config = host();
    let triple = TargetTriple::create(&config.triple);
    let target = Target::from_triple(&triple).map_err(|e| Error::new(e.to_string()))?;
    target
        .create_target_machine(
            &triple,
            &config.cpu,
            &config.features,
            opt,
            RelocMode::PIC,
            CodeModel::Small,
        )
        .ok_or_else(|| Error::new("LLVM could not create a target machine for the host"))
}

/// A pass pipeline: `early` runs first; when there is a `late` half, the float arithmetic that
/// no fold can remove is relaxed to plain instructions (see `relax.rs`) and then `late` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pipeline {
    pub early: &'static str,
    pub late: Option<&'static str>,
}

/// The new-pass-manager pipeline for an optimisation level: O0 only promotes locals to registers
/// (the baseline tier), O1 and O3 are LLVM's own pipelines, and O2, the default, is Wasmo's tuned
/// pipeline (see [`Tuning`]). `WASMO_LLVM_PASSES` replaces the pipeline of every level but O0.
pub fn pipeline(opt_level: u32) -> Pipeline {
    let whole = |early| Pipeline { early, late: None };
    match (opt_level, &KNOBS.passes) {
        (0, _) => whole("function(mem2reg)"),
        (_, Some(passes)) => whole(passes),
        (1, None) => whole("default<O1>"),
        (2, None) => Pipeline {
            early: &KNOBS.o2.0,
            late: KNOBS.o2.1.as_deref(),
        },
        (_, None) => whole("default<O3>"),
    }
}

/// The choices in Wasmo's O2 pipeline. It is LLVM 16's `default<O2>` (as `opt-16
/// -print-pipeline-passes` prints it) without what cannot apply to wasm (coroutines, OpenMP,
/// library-call shrink-wrapping, profile and assumption passes), with each choice below a switch.
/// docs/DESIGN.md "The optimised pipeline" gives the measurements behind the defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    /// The CGSCC inliner (calls within one compiled object only; other calls go through the vmctx).
    pub inline: bool,
    /// GVN and merged-load/store motion (early-CSE runs either way).
    pub gvn: bool,
    /// Loop-invariant code motion (hoists invariant loads, such as the memory base, out of loops).
    pub licm: bool,
    /// The loop vectoriser.
    pub loop_vectorize: bool,
    /// The SLP (straight-line) vectoriser.
    pub slp: bool,
    /// Partial and runtime loop unrolling (full unrolling of constant-trip loops stays).
    pub unroll: bool,
    /// Plain float arithmetic in the late half: the pipeline runs in two halves and float
    /// operations no fold can remove are relaxed between them (see `relax.rs`).
    pub plain_float: bool,
    /// Unroll-and-jam of loop nests (after the vectorisers; needs `plain_float` to apply to
    /// float code). Its thresholds are LLVM options, set once in [`host`].
    pub unroll_and_jam: bool,
}

impl Tuning {
    /// Wasmo's choice.
    pub const DEFAULT: Tuning = Tuning {
        inline: true,
        gvn: true,
        licm: true,
        loop_vectorize: true,
        slp: false,
        unroll: false,
        plain_float: true,
        unroll_and_jam: true,
    };

    /// The pass pipeline text, in one piece or (with `plain_float`) as its early and late halves.
    pub fn pipeline(&self) -> (String, Option<String>) {
        let cfg = "simplifycfg<bonus-inst-threshold=1;no-forward-switch-cond;switch-range-to-icmp;\
                   no-switch-to-lookup;keep-loops;no-hoist-common-insts;no-sink-common-insts>";
        let cfg_hoist = "simplifycfg<bonus-inst-threshold=1;no-forward-switch-cond;\
                         switch-range-to-icmp;no-switch-to-lookup;keep-loops;hoist-common-insts;\
                         sink-common-insts>";
        let cfg_late =
            "simplifycfg<bonus-inst-threshold=1;forward-switch-cond;switch-range-to-icmp;\
                        switch-to-lookup;no-keep-loops;hoist-common-insts;sink-common-insts>";
        fn on(yes: bool, text: &str) -> &str {
            if yes {
                text
            } else {
                ""
            }
        }
        let loop_passes = if self.licm {
            "loop-mssa(loop-instsimplify,loop-simplifycfg,licm<no-allowspeculation>,loop-rotate,\
             licm<allowspeculation>,simple-loop-unswitch<no-nontrivial;trivial>),"
        } else {
            "loop-mssa(loop-instsimplify,loop-simplifycfg,loop-rotate),"
        };
        let licm = on(self.licm, "loop-mssa(licm<allowspeculation>),");
        let gvn = on(self.gvn, "mldst-motion<no-split-footer-bb>,gvn<>,");
        let simplify = format!(
            "sroa<modify-cfg>,early-cse<memssa>,jump-threading,correlated-propagation,{cfg},\
             instcombine,{cfg},reassociate,{loop_passes}{cfg},instcombine,\
             loop(loop-idiom,indvars,loop-deletion,loop-unroll-full),sroa<modify-cfg>,\
             vector-combine,{gvn}sccp,bdce,instcombine,jump-threading,correlated-propagation,adce,\
             memcpyopt,dse,{licm}{cfg_hoist},instcombine"
        );
        let middle = if self.inline {
            format!("cgscc(devirt<4>(inline,function-attrs,function<eager-inv>({simplify}))),")
        } else {
            format!("function<eager-inv>({simplify}),")
        };
        let vectorize = on(
            self.loop_vectorize,
            "loop-vectorize<no-interleave-forced-only;no-vectorize-forced-only>,loop-load-elim,",
        );
        let slp = on(self.slp, "slp-vectorizer,");
        let unroll = on(self.unroll, "loop-unroll<O2>,");
        let jam = on(self.unroll_and_jam, "loop(loop-unroll-and-jam),");
        let early = format!(
            "function<eager-inv>({cfg},sroa<modify-cfg>,early-cse<>),ipsccp,globalopt,\
             function<eager-inv>(instcombine,{cfg}),{middle}deadargelim,globaldce"
        );
        let late = format!(
            "function<eager-inv>(float2int,loop(loop-rotate,loop-deletion),{vectorize}instcombine,\
             {cfg_late},{slp}vector-combine,instcombine,{jam}{unroll}sroa<preserve-cfg>,instcombine,\
             {licm}instsimplify,div-rem-pairs,{cfg}),globaldce"
        );
        if self.plain_float {
            (early, Some(late))
        } else {
            (format!("{early},{late}"), None)
        }
    }
}

/// Developer switches for studying the pipeline with the benchmark suite, read once from the
/// environment; they are not a user setting. `WASMO_LLVM_INLINE`, `_GVN`, `_LICM`, `_VECTORIZE`,
/// `_SLP`, `_UNROLL`, `_PLAIN_FLOAT`, `_UNROLL_AND_JAM` (0 or 1) flip one [`Tuning`] choice of the
/// O2 pipeline; `WASMO_LLVM_PASSES` replaces the whole pipeline at O1-O3 (in one piece, float
/// arithmetic constrained throughout); `WASMO_LLVM_DEBUG` makes LLVM list the passes it runs;
/// `WASMO_LLVM_OPTIONS` is read with the other LLVM options (see `set_llvm_options`).
struct Knobs {
    /// The O2 pipeline's text: whole, or its early and late halves.
    o2: (String, Option<String>),
    passes: Option<String>,
    /// `WASMO_BASELINE_LOOP_PASSES`: the pipeline of baseline code with loops (studies).
    loop_passes: Option<String>,
    /// `WASMO_BASELINE_LOOP_CODEGEN=0..3`: its code-generation level (studies).
    loop_codegen: Option<u32>,
    /// Loop versioning (`version_loops`) between the O2 pipeline's halves, on by default;
    /// `WASMO_LLVM_VERSION_LOOPS=0` turns it off (DESIGN.md, "Traps").
    version_loops: bool,
}

/// LLVM's code-generation level for our optimisation level `level` (0..=3).
pub fn codegen_level(level: u32) -> OptimizationLevel {
    match level {
        0 => OptimizationLevel::None,
        1 => OptimizationLevel::Less,
        2 => OptimizationLevel::Default,
        _ => OptimizationLevel::Aggressive,
    }
}

/// The pipeline of baseline code for functions with loops: promotion to registers, then the
/// cheapest passes that remove what the one-pass translator leaves behind (repeated vmctx and
/// memory-base loads, constant address arithmetic, empty blocks). docs/DESIGN.md "Tiers" has
/// the measurements.
pub fn loop_baseline_pipeline() -> Pipeline {
    Pipeline {
        early: KNOBS
            .loop_passes
            .as_deref()
            .unwrap_or("function(mem2reg,early-cse,instcombine,simplifycfg)"),
        late: None,
    }
}

/// The code-generation level of baseline code with loops: LLVM's `Less`, the first level with
/// the SelectionDAG instruction selector and the greedy register allocator.
pub fn loop_baseline_codegen() -> OptimizationLevel {
    codegen_level(KNOBS.loop_codegen.unwrap_or(1))
}

static KNOBS: Lazy<Knobs> = Lazy::new(|| {
    let flag =
        |name: &str, default: bool| match std::env::var(format!("WASMO_LLVM_{name}")).as_deref() {
            Ok("0") => false,
            Ok("1") => true,
            _ => default,
        };
    let d = Tuning::DEFAULT;
    let tuning = Tuning {
        inline: flag("INLINE", d.inline),
        gvn: flag("GVN", d.gvn),
        licm: flag("LICM", d.licm),
        loop_vectorize: flag("VECTORIZE", d.loop_vectorize),
        slp: flag("SLP", d.slp),
        unroll: flag("UNROLL", d.unroll),
        plain_float: flag("PLAIN_FLOAT", d.plain_float),
        unroll_and_jam: flag("UNROLL_AND_JAM", d.unroll_and_jam),
    };
    Knobs {
        o2: tuning.pipeline(),
        passes: std::env::var("WASMO_LLVM_PASSES").ok(),
        loop_passes: std::env::var("WASMO_BASELINE_LOOP_PASSES").ok(),
        loop_codegen: std::env::var("WASMO_BASELINE_LOOP_CODEGEN")
            .ok()
            .and_then(|v| v.parse().ok()),
        version_loops: flag("VERSION_LOOPS", true),
    }
});

/// The string attribute of a function that makes tail calls (`return_call`): it keeps the
/// `disable-tail-calls` attribute every generated function has while the optimiser runs, so
/// tail-call elimination turns none of its ordinary calls into jumps or loops (runaway
/// recursion must still exhaust the stack), and loses it just before code generation, which
/// then compiles its calls marked `tail` (in tail position, `tailcc`) as guaranteed tail calls.
pub const TAIL_CALLS: &str = "wasmo-tail-calls";

/// Lets code generation compile the `tail` calls of the functions marked [`TAIL_CALLS`].
fn enable_marked_tail_calls(module: &Module) {
    let mut f = module.get_first_function();
    while let Some(func) = f {
        if func
            .get_string_attribute(inkwell::attributes::AttributeLoc::Function, TAIL_CALLS)
            .is_some()
        {
            func.remove_string_attribute(
                inkwell::attributes::AttributeLoc::Function,
                "disable-tail-calls",
            );
        }
        f = func.get_next_function();
    }
}

thread_local! {
    /// How long this thread's last [`emit_object`] spent in the IR passes and in code
    /// generation (for `WASMO_COMPILE_TRACE`).
    pub static LAST_EMIT_TIMES: std::cell::Cell<(std::time::Duration, std::time::Duration)> =
        const { std::cell::Cell::new((std::time::Duration::ZERO, std::time::Duration::ZERO)) };
}

/// The function `exit` must run before LLVM's static destructors (the tier-up layer's: it
/// stops the compiler threads), set once with [`run_at_exit_before_llvm`].
static AT_EXIT: once_cell::sync::OnceCell<extern "C" fn()> = once_cell::sync::OnceCell::new();

/// Makes `exit` run `f` before LLVM's static destructors. LLVM registers a function-local
/// static's destructor when a compile first uses it (the instruction selector's value-type
/// lists on the process's first SelectionDAG compile, for instance), and `exit` runs the
/// `atexit` list in reverse order of registration, so `f` is registered now and again after
/// each of the process's first compiles, on whatever thread they ran ([`emit_object`]):
/// registered after the statics a compile built, it runs before their destructors (DESIGN.md,
/// "Tiers").
pub fn run_at_exit_before_llvm(f: extern "C" fn()) {
    if AT_EXIT.set(f).is_ok() {
        // SAFETY: registers a plain function.
        unsafe { libc::atexit(f) };
    }
}

/// After a compile: registers the [`run_at_exit_before_llvm`] function again, for the first 64
/// compiles of the process (statics are first used by the first compiles of each kind; every
/// extra entry costs `exit` one idle call).
fn register_at_exit_again() {
    static AGAIN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    if let Some(&f) = AT_EXIT.get() {
        if AGAIN.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < 64 {
            // SAFETY: registers a plain function.
            unsafe { libc::atexit(f) };
        }
    }
}

/// Optimises `module` with `pipeline` and emits it as a relocatable object file.
pub fn emit_object(
    module: &Module,
    machine: &TargetMachine,
    pipeline: Pipeline,
) -> Result<Vec<u8>> {
    if cfg!(debug_assertions) {
        module
            .verify()
            .map_err(|e| Error::new(format!("internal error: invalid LLVM IR: {e}")))?;
    }
    stack_align::set_stack_alignment(module);
    dump_ir(module, "pre");
    // The pass builder's tuning switches are not used: LLVM 16's C API left the SLP vectoriser
    // on with them off, so Wasmo's pipeline names its passes itself.
    let run = |passes: &str| {
        let options = PassBuilderOptions::create();
        options.set_debug_logging(std::env::var_os("WASMO_LLVM_DEBUG").is_some());
        module
            .run_passes(passes, machine, options)
            .map_err(|e| Error::new(format!("LLVM pass pipeline failed: {e}")))
    };
    let started = std::time::Instant::now();
    run(pipeline.early)?;
    if let Some(late) = pipeline.late {
        relax::relax_float_arithmetic(module);
        if KNOBS.version_loops {
            version_loops::version_loops(module, machine)?;
        }
        run(late)?;
    }
    enable_marked_tail_calls(module);
    stack_align::align_foreign_calls(module);
    dump_ir(module, "post");
    let optimised = started.elapsed();
    let buffer = machine
        .write_to_memory_buffer(module, FileType::Object)
        .map_err(|e| Error::new(format!("LLVM code generation failed: {e}")))?;
    LAST_EMIT_TIMES.with(|t| t.set((optimised, started.elapsed() - optimised)));
    register_at_exit_again();
    Ok(buffer.as_slice().to_vec())
}

/// Makes `ctx` drop the names the translator gives instructions and blocks (`%addr`, `%ok`):
/// naming costs LLVM a symbol-table entry and a uniquing search per value, about 4% of the
/// instructions of a baseline compile (callgrind of biome's first call). Kept with
/// `WASMO_DUMP_IR`, whose files are read by people. Function names are global and stay.
pub fn discard_value_names(ctx: &inkwell::context::Context) {
    if std::env::var_os("WASMO_DUMP_IR").is_none() {
        // SAFETY: `ctx` is a live context; the setting only affects names given later.
        unsafe { llvm_sys::core::LLVMContextSetDiscardValueNames(ctx.raw(), 1) };
    }
}

/// A developer aid: with `WASMO_DUMP_IR=DIR`, every LLVM module is written to
/// `DIR/<module>.<stage>.ll` before (`pre`) and after (`post`) the pass pipeline, to be studied with
/// `opt-16` and `llc-16`.
fn dump_ir(module: &Module, stage: &str) {
    let Some(dir) = std::env::var_os("WASMO_DUMP_IR") else {
        return;
    };
    let name = module.get_name().to_string_lossy().replace('/', "_");
    let path = std::path::Path::new(&dir).join(format!("{name}.{stage}.ll"));
    if let Err(e) = module.print_to_file(&path) {
        eprintln!("wasmo: WASMO_DUMP_IR: cannot write {}: {e}", path.display());
    }
}

/// The sizes of the defined function symbols in an object file, by name.
pub fn symbol_sizes(object: &[u8]) -> Result<HashMap<String, u64>> {
    use llvm_sys::object::*;
    let mut sizes = HashMap::new();
    // SAFETY: the buffer wraps `object` without copying and outlives the binary built from it;
    // every LLVM handle is disposed before returning.
    unsafe {
        let buffer = llvm_sys::core::LLVMCreateMemoryBufferWithMemoryRange(
            object.as_ptr().cast(),
            object.len(),
            c"object".as_ptr(),
            0,
        );
        let mut err = std::ptr::null_mut();
        let binary = LLVMCreateBinary(buffer, std::ptr::null_mut(), &mut err);
        if binary.is_null() {
            let message = if err.is_null() {
                "unknown error".to_string()
            } else {
                let m = std::ffi::CStr::from_ptr(err).to_string_lossy().into_owned();
                llvm_sys::core::LLVMDisposeMessage(err);
                m
            };
            llvm_sys::core::LLVMDisposeMemoryBuffer(buffer);
            return Err(Error::new(format!("cannot read object code: {message}")));
        }
        let it = LLVMObjectFileCopySymbolIterator(binary);
        while LLVMObjectFileIsSymbolIteratorAtEnd(binary, it) == 0 {
            let name = std::ffi::CStr::from_ptr(LLVMGetSymbolName(it));
            let size = LLVMGetSymbolSize(it);
            if size > 0 {
                sizes.insert(name.to_string_lossy().into_owned(), size);
            }
            LLVMMoveToNextSymbol(it);
        }
        LLVMDisposeSymbolIterator(it);
        LLVMDisposeBinary(binary);
        llvm_sys::core::LLVMDisposeMemoryBuffer(buffer);
    }
    Ok(sizes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkwell::context::Context;

    #[test]
    fn features_are_matched_by_exact_name() {
        let t = TargetConfig {
            triple: "x86_64-pc-linux-gnu".into(),
            cpu: "x".into(),
            features: "+sse2,-avx512f,+ssse3".into(),
        };
        assert!(t.has_feature("ssse3"));
        assert!(t.has_feature("sse2"));
        assert!(!t.has_feature("sse3"));
        assert!(!t.has_feature("avx512f"));
    }

    #[test]
    fn emit_load_and_call_a_function() {
        let context = Context::create();
        let module = context.create_module("smoke");
        let i32t = context.i32_type();
        let f = module.add_function(
            "wasmo_smoke_add",
            i32t.fn_type(&[i32t.into(), i32t.into()], false),
            None,
        );
        let builder = context.create_builder();
        builder.position_at_end(context.append_basic_block(f, "entry"));
        let a = f.get_nth_param(0).unwrap().into_int_value();
        let b = f.get_nth_param(1).unwrap().into_int_value();
        builder
            .build_return(Some(&builder.build_int_add(a, b, "sum").unwrap()))
            .unwrap();

        let machine = target_machine(OptimizationLevel::Default).unwrap();
        let object = emit_object(&module, &machine, pipeline(2)).unwrap();
        assert!(symbol_sizes(&object).unwrap()["wasmo_smoke_add"] > 0);

        let jit = Jit::new(&[]).unwrap();
        let loaded = jit.load(&[object]).unwrap();
        let addr = jit.lookup("wasmo_smoke_add").unwrap();
        // SAFETY: the symbol is the function built above, with this signature.
        let add: extern "C" fn(i32, i32) -> i32 = unsafe { std::mem::transmute(addr) };
        assert_eq!(add(40, 2), 42);
        jit.unload(loaded);
    }

    #[test]
    fn every_tuning_of_the_o2_pipeline_parses_and_runs() {
        let context = Context::create();
        let module = context.create_module("tuning");
        let i64t = context.i64_type();
        let f = module.add_function("wasmo_tuning", i64t.fn_type(&[i64t.into()], false), None);
        let builder = context.create_builder();
        builder.position_at_end(context.append_basic_block(f, "entry"));
        let x = f.get_nth_param(0).unwrap().into_int_value();
        builder
            .build_return(Some(&builder.build_int_mul(x, x, "sq").unwrap()))
            .unwrap();
        let machine = target_machine(OptimizationLevel::Default).unwrap();
        for bits in 0..256u32 {
            let on = |i: u32| bits & (1 << i) != 0;
            let tuning = Tuning {
                inline: on(0),
                gvn: on(1),
                licm: on(2),
                loop_vectorize: on(3),
                slp: on(4),
                unroll: on(5),
                plain_float: on(6),
                unroll_and_jam: on(7),
            };
            let (early, late) = tuning.pipeline();
            assert_eq!(late.is_some(), tuning.plain_float);
            let text = format!("{early},{}", late.as_deref().unwrap_or(""));
            assert_eq!(text.contains("slp-vectorizer"), tuning.slp);
            assert_eq!(text.contains("gvn<>"), tuning.gvn);
            assert_eq!(text.contains("loop-unroll-and-jam"), tuning.unroll_and_jam);
            for passes in std::iter::once(&early).chain(&late) {
                let options = PassBuilderOptions::create();
                module
                    .run_passes(passes, &machine, options)
                    .unwrap_or_else(|e| panic!("{tuning:?}: {e}"));
            }
        }
        let (early, late) = Tuning::DEFAULT.pipeline();
        let late = late.expect("the default relaxes float arithmetic");
        for text in [&early, &late] {
            assert!(!text.contains("slp-vectorizer"));
            assert!(!text.contains("loop-unroll<"));
        }
        // Constants are propagated before float arithmetic is relaxed, never after.
        for pass in ["inline", "sccp", "gvn<>"] {
            assert!(early.contains(pass) && !late.contains(pass), "{pass}");
        }
    }
}
