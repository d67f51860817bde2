//! Compiling a module: its defined functions are split into partitions, each translated into one
//! LLVM module and compiled to a relocatable object on a pool of worker threads (each with its
//! own LLVM context and target machine). Symbols are named from a per-compilation prefix so
//! objects of many modules can live in one JIT.

pub mod abi;
mod call;
mod control;
mod memory;
mod numeric;
mod simd;
mod support;
mod table;
mod translate;
mod variable;

use crate::codegen;
use crate::error::{Error, Result};
use crate::module::types::FuncType;
use crate::module::ModuleInfo;
use crate::runtime::vmcontext::VMOffsets;
use inkwell::context::Context;
use inkwell::module::Module;
use inkwell::values::FunctionValue;
use inkwell::OptimizationLevel;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
pub use support::{check_body, check_module_supported, direct_callees};

/// Which kind of code a compilation produces (see DESIGN.md, "Tiers").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    /// Optimised mode: the whole module at once, calls between its functions direct.
    Aot,
    /// Lift-off's first tier: unoptimised; calls to defined functions go through the instance's
    /// function references (the PLT) so that the tier-up worker can swap their code; function
    /// entries and loop headers count into the module's hotness counters.
    Baseline,
    /// Lift-off's second tier: optimised; direct calls within the batch compiled together,
    /// through the PLT to everything else.
    Optimized,
}

/// What translating any function of a module needs to know about the module.
pub struct ModuleEnv<'a> {
    pub info: &'a ModuleInfo,
    pub offsets: VMOffsets,
    /// Prefix of every symbol this compilation defines.
    pub prefix: String,
    pub tier: Tier,
    /// For [`Tier::Optimized`]: which defined functions this compilation contains.
    pub batch: Vec<bool>,
}

impl ModuleEnv<'_> {
    /// Whether a call from this compilation to function `index` may be a direct call.
    pub fn calls_directly(&self, index: u32) -> bool {
        let Some(defined) = index.checked_sub(self.info.num_imported_functions) else {
            return false;
        };
        match self.tier {
            Tier::Aot => true,
            Tier::Baseline => false,
            Tier::Optimized => self.batch.get(defined as usize).copied().unwrap_or(false),
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
        abi::add_function_attributes(ctx, f);
        Ok(f)
    }

    /// For each type-section entry, the first entry with the same signature: the one whose
    /// trampoline serves it.
    pub fn canonical_types(info: &ModuleInfo) -> Vec<u32> {
        (0..info.types.len())
            .map(|i| info.types.iter().position(|t| *t == info.types[i]).unwrap() as u32)
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
}

/// Compiles every defined function of `info` (whose bodies are in `bytes`) in optimised mode.
pub fn compile_module(
    info: &ModuleInfo,
    bytes: &[u8],
    prefix: String,
    options: CompileOptions,
) -> Result<CompiledCode> {
    let all: Vec<u32> = (0..info.bodies.len() as u32).collect();
    compile_functions(info, bytes, prefix, &all, Tier::Aot, true, options)
}

/// Compiles the defined functions `defined` (indices among the defined functions) as `tier`
/// code, and the array trampolines if `with_trampolines`.
pub fn compile_functions(
    info: &ModuleInfo,
    bytes: &[u8],
    prefix: String,
    defined: &[u32],
    tier: Tier,
    with_trampolines: bool,
    options: CompileOptions,
) -> Result<CompiledCode> {
    let mut batch = Vec::new();
    if tier == Tier::Optimized {
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
    };
    let mut partitions = partition(info, defined, options.threads);
    if partitions.is_empty() && with_trampolines {
        partitions.push(Vec::new());
    }
    let objects: Mutex<Vec<Option<Vec<u8>>>> = Mutex::new(vec![None; partitions.len()]);
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    let next = AtomicUsize::new(0);
    let workers = if options.machine.is_some() {
        1
    } else {
        options.threads.clamp(1, partitions.len().max(1))
    };
    let level = options.opt_level;
    let run = |given: Option<&inkwell::targets::TargetMachine>| {
        let own;
        let machine = match given {
            Some(m) => m,
            None => match codegen::target_machine(opt_level(level)) {
                Ok(m) => {
                    own = m;
                    &own
                }
                Err(e) => {
                    first_error.lock().unwrap().get_or_insert(e);
                    return;
                }
            },
        };
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= partitions.len() || first_error.lock().unwrap().is_some() {
                return;
            }
            match compile_partition(
                &env,
                bytes,
                &partitions[i],
                with_trampolines && i == 0,
                machine,
                level,
            ) {
                Ok(object) => objects.lock().unwrap()[i] = Some(object),
                Err(e) => {
                    first_error.lock().unwrap().get_or_insert(e);
                    return;
                }
            }
        }
    };
    if workers == 1 {
        run(options.machine);
    } else {
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| run(None));
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

/// LLVM's optimisation level for ours.
pub fn opt_level(level: u32) -> OptimizationLevel {
    match level {
        0 => OptimizationLevel::None,
        1 => OptimizationLevel::Less,
        2 => OptimizationLevel::Default,
        _ => OptimizationLevel::Aggressive,
    }
}

/// Splits `defined` into runs of similar total body size: a few per worker, so that workers
/// stay busy while each LLVM module stays large enough to be efficient.
fn partition(info: &ModuleInfo, defined: &[u32], threads: usize) -> Vec<Vec<u32>> {
    let n = defined.len();
    if n == 0 {
        return Vec::new();
    }
    let wanted = (threads.max(1) * 4).min(n.div_ceil(16)).max(1);
    let size = |d: u32| info.bodies[d as usize].len();
    let total: usize = defined.iter().map(|&d| size(d)).sum();
    let target = total.div_ceil(wanted).max(1);
    let mut parts = Vec::new();
    let mut current = Vec::new();
    let mut bytes = 0;
    for &d in defined {
        bytes += size(d);
        current.push(d);
        if bytes >= target && parts.len() + 1 < wanted {
            parts.push(std::mem::take(&mut current));
            bytes = 0;
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    parts
}

fn compile_partition(
    env: &ModuleEnv<'_>,
    bytes: &[u8],
    defined: &[u32],
    with_trampolines: bool,
    machine: &inkwell::targets::TargetMachine,
    opt_level: u32,
) -> Result<Vec<u8>> {
    let ctx = Context::create();
    let module = ctx.create_module(&env.prefix);
    let imported = env.info.num_imported_functions;
    let debug = translate::DebugInfo::new(&module);
    for &i in defined {
        let i = i as usize;
        let range = env.info.bodies[i].clone();
        let reader = wasmparser::BinaryReader::new(&bytes[range.clone()], range.start as u64);
        let body = wasmparser::FunctionBody::new(reader);
        translate::FuncTranslator::translate(
            &ctx,
            &module,
            env,
            imported + i as u32,
            body,
            &debug,
        )?;
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
    codegen::emit_object(&module, machine, codegen::pipeline(opt_level))
}
