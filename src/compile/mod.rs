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

/// What translating any function of a module needs to know about the module.
pub struct ModuleEnv<'a> {
    pub info: &'a ModuleInfo,
    pub offsets: VMOffsets,
    /// Prefix of every symbol this compilation defines.
    pub prefix: String,
}

impl ModuleEnv<'_> {
    pub fn function_symbol(&self, index: u32) -> String {
        format!("{}_f{index}", self.prefix)
    }

    /// The array trampoline symbol for type-section entry `type_index`.
    pub fn trampoline_symbol(&self, type_index: u32) -> String {
        format!("{}_t{type_index}", self.prefix)
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

/// The machine code of a module.
pub struct CompiledCode {
    pub objects: Vec<Vec<u8>>,
    pub prefix: String,
}

/// How to compile.
#[derive(Debug, Clone, Copy)]
pub struct CompileOptions {
    pub opt_level: u32,
    pub threads: usize,
}

/// Compiles every defined function of `info` (whose bodies are in `bytes`).
pub fn compile_module(
    info: &ModuleInfo,
    bytes: &[u8],
    prefix: String,
    options: CompileOptions,
) -> Result<CompiledCode> {
    let env = ModuleEnv {
        info,
        offsets: VMOffsets::new(info),
        prefix,
    };
    let partitions = partition(info, options.threads);
    let objects: Mutex<Vec<Option<Vec<u8>>>> = Mutex::new(vec![None; partitions.len()]);
    let first_error: Mutex<Option<Error>> = Mutex::new(None);
    let next = AtomicUsize::new(0);
    let workers = options.threads.clamp(1, partitions.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let machine = match codegen::target_machine(opt_level(options.opt_level)) {
                    Ok(m) => m,
                    Err(e) => {
                        first_error.lock().unwrap().get_or_insert(e);
                        return;
                    }
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
                        i == 0,
                        &machine,
                        options.opt_level,
                    ) {
                        Ok(object) => objects.lock().unwrap()[i] = Some(object),
                        Err(e) => {
                            first_error.lock().unwrap().get_or_insert(e);
                            return;
                        }
                    }
                }
            });
        }
    });
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

fn opt_level(level: u32) -> OptimizationLevel {
    match level {
        0 => OptimizationLevel::None,
        1 => OptimizationLevel::Less,
        2 => OptimizationLevel::Default,
        _ => OptimizationLevel::Aggressive,
    }
}

/// Splits the defined functions into contiguous runs of similar total body size: a few per
/// worker, so that workers stay busy while each LLVM module stays large enough to be efficient.
fn partition(info: &ModuleInfo, threads: usize) -> Vec<std::ops::Range<usize>> {
    let n = info.bodies.len();
    let wanted = (threads.max(1) * 4).min(n.div_ceil(16)).max(1);
    let total: usize = info.bodies.iter().map(|b| b.len()).sum();
    let target = total.div_ceil(wanted).max(1);
    let mut parts = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, body) in info.bodies.iter().enumerate() {
        size += body.len();
        if size >= target && parts.len() + 1 < wanted {
            parts.push(start..i + 1);
            start = i + 1;
            size = 0;
        }
    }
    if start < n || parts.is_empty() {
        parts.push(start..n);
    }
    parts
}

fn compile_partition(
    env: &ModuleEnv<'_>,
    bytes: &[u8],
    defined: &std::ops::Range<usize>,
    with_trampolines: bool,
    machine: &inkwell::targets::TargetMachine,
    opt_level: u32,
) -> Result<Vec<u8>> {
    let ctx = Context::create();
    let module = ctx.create_module(&env.prefix);
    let imported = env.info.num_imported_functions;
    let debug = translate::DebugInfo::new(&module);
    for i in defined.clone() {
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
