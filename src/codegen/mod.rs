//! LLVM: target machines and pass pipelines, object emission, and the ORC LLJIT that loads object
//! code and resolves its symbols. Knows nothing of wasm operators: the translator in `compile/`
//! builds the IR, this module turns IR into machine code in memory.

mod jit;
pub mod lazy_stub;
pub mod lines;
mod memory_manager;

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

static TARGET: Lazy<TargetConfig> = Lazy::new(|| {
    Target::initialize_native(&InitializationConfig::default())
        .expect("LLVM supports the host target");
    TargetConfig {
        triple: TargetMachine::get_default_triple()
            .as_str()
            .to_string_lossy()
            .into_owned(),
        cpu: TargetMachine::get_host_cpu_name().to_string(),
        features: TargetMachine::get_host_cpu_features().to_string(),
    }
});

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

/// The new-pass-manager pipeline for an optimisation level.
pub fn pipeline(opt_level: u32) -> &'static str {
    match opt_level {
        0 => "function(mem2reg)",
        1 => "default<O1>",
        2 => "default<O2>",
        _ => "default<O3>",
    }
}

/// Optimises `module` with `passes` and emits it as a relocatable object file.
pub fn emit_object(module: &Module, machine: &TargetMachine, passes: &str) -> Result<Vec<u8>> {
    if cfg!(debug_assertions) {
        module
            .verify()
            .map_err(|e| Error::new(format!("internal error: invalid LLVM IR: {e}")))?;
    }
    let options = PassBuilderOptions::create();
    options.set_loop_unrolling(false);
    module
        .run_passes(passes, machine, options)
        .map_err(|e| Error::new(format!("LLVM pass pipeline failed: {e}")))?;
    let buffer = machine
        .write_to_memory_buffer(module, FileType::Object)
        .map_err(|e| Error::new(format!("LLVM code generation failed: {e}")))?;
    Ok(buffer.as_slice().to_vec())
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
}
