//! Wasm code runs on an 8-byte aligned stack; a function realigns it only where it calls code
//! that needs the C convention's 16 bytes.
//!
//! Every wasm function and call between them uses `tailcc`, whose callee pops its
//! stack-argument area. With LLVM's usual 16-byte stack alignment, x86-64 rounds that area so
//! that with the return address it is a multiple of 16: a callee with no stack argument at all
//! pops 8 bytes (`ret 8`) and its caller re-reserves them after every call (`sub rsp, 8`). On
//! AMD Zen 4 that pair made `fib` 27 % slower than the same code with `ret` (74.5 against
//! 58.5 ms for fib(37), hand-edited assembly of the compiled function). So every object is
//! compiled with the module flag `override-stack-alignment` = 8: a callee pops exactly its
//! stack arguments, none for most signatures, and LLVM keeps no alignment of its own beyond 8.
//!
//! What still needs 16 bytes is C code: the Rust builtins, libm and libc routines the code
//! generator may call (`memset` from a loop idiom, `ceilf` on a CPU without SSE4.1, `fma`
//! without FMA), the personality routine. After the pass pipeline, [`align_foreign_calls`]
//! gives every function containing such a call LLVM's `alignstack(16)`, so its prologue
//! realigns its frame (`and rsp, -16`; frames keep their frame pointer, so the epilogue and
//! the unwinder find everything through rbp). The C builtins that nearly every function calls
//! on a cold path (the trap, the throw) realign their own frames
//! (`force_align_arg_pointer` in `runtime/*.c`; their declarations carry [`ALIGNS_ITS_STACK`]), so a function
//! whose only foreign call is a trap stays free of the realignment. Stack objects that need 16
//! bytes (v128 spills) make LLVM realign on its own. The hand-assembled entries
//! (`entry_asm`, `lazy_stub`) follow the same rules.

use inkwell::attributes::AttributeLoc;
use inkwell::module::{FlagBehavior, Module};
use inkwell::values::AsValueRef;
use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMAttributeFunctionIndex, LLVMOpcode};

/// The string attribute of a declared C function that realigns its own stack frame, so code
/// may call it on an 8-byte aligned stack.
pub const ALIGNS_ITS_STACK: &str = "wasmo-aligns-stack";

/// LLVM's `tailcc` (`CallingConv::Tail`), wasm's convention (`compile::abi::WASM_CC`): its
/// callees keep this module's alignment rules.
pub const TAILCC: u32 = 18;

/// The stack alignment wasm code keeps, in bytes.
pub const WASM_STACK_ALIGN: u32 = 8;

/// Marks `module` so its code keeps [`WASM_STACK_ALIGN`]. Must be set before anything asks the
/// target machine for the module's subtarget (the pass pipeline does): the machine caches one
/// subtarget per CPU and feature string, with the first module's stack alignment.
pub fn set_stack_alignment(module: &Module) {
    if module.get_flag("override-stack-alignment").is_some() {
        return;
    }
    let i32t = module.get_context().i32_type();
    module.add_basic_value_flag(
        "override-stack-alignment",
        FlagBehavior::Error,
        i32t.const_int(WASM_STACK_ALIGN as u64, false),
    );
}

/// The operations LLVM may lower to a call of a C library routine (after the
/// `experimental.constrained.` prefix, up to the type suffix).
const MAY_BE_LIBCALLS: &[&str] = &[
    "memcpy",
    "memmove",
    "memset",
    "ceil",
    "floor",
    "trunc",
    "nearbyint",
    "rint",
    "round",
    "roundeven",
    "lround",
    "llround",
    "lrint",
    "llrint",
    "fma",
    "fmuladd",
    "minnum",
    "maxnum",
    "minimum",
    "maximum",
    "pow",
    "powi",
    "exp",
    "exp2",
    "log",
    "log2",
    "log10",
    "sin",
    "cos",
    "frem",
];

/// Whether a call of `name` (with calling convention `cc`; `aligns` if the callee is declared
/// [`ALIGNS_ITS_STACK`]) needs a 16-byte aligned stack.
fn needs_aligned_stack(name: &str, cc: u32, aligns: bool) -> bool {
    if cc == TAILCC || aligns {
        return false;
    }
    if let Some(intrinsic) = name.strip_prefix("llvm.") {
        if intrinsic.starts_with("x86.") {
            return false;
        }
        let op = intrinsic
            .strip_prefix("experimental.constrained.")
            .unwrap_or(intrinsic);
        let op = op.split('.').next().unwrap_or(op);
        return MAY_BE_LIBCALLS.contains(&op);
    }
    true
}

/// Gives `alignstack(16)` to every function of `module` that calls code needing a 16-byte
/// aligned stack (see the module documentation). Returns how many it marked.
pub fn align_foreign_calls(module: &Module) -> usize {
    let ctx = module.get_context();
    let kind = inkwell::attributes::Attribute::get_named_enum_kind_id("alignstack");
    let mut marked = 0;
    let mut f = module.get_first_function();
    while let Some(func) = f {
        f = func.get_next_function();
        if func.count_basic_blocks() == 0 {
            continue;
        }
        // SAFETY: walks the instructions of a function of `module`, which is alive and not
        // being changed; names are borrowed only while read.
        let foreign = unsafe { calls_foreign(func.as_value_ref()) };
        if foreign {
            func.add_attribute(AttributeLoc::Function, ctx.create_enum_attribute(kind, 16));
            marked += 1;
        }
    }
    marked
}

/// Whether function `f` has a call or invoke needing an aligned stack.
///
/// # Safety
/// `f` is a live function with a body.
unsafe fn calls_foreign(f: LLVMValueRef) -> bool {
    unsafe {
        let mut bb = LLVMGetFirstBasicBlock(f);
        while !bb.is_null() {
            let mut inst = LLVMGetFirstInstruction(bb);
            while !inst.is_null() {
                let op = LLVMGetInstructionOpcode(inst);
                if matches!(op, LLVMOpcode::LLVMCall | LLVMOpcode::LLVMInvoke) {
                    let cc = LLVMGetInstructionCallConv(inst);
                    let callee = LLVMGetCalledValue(inst);
                    let (name, aligns) = if LLVMIsAFunction(callee).is_null() {
                        // An indirect call: only wasm's convention is known to be safe.
                        ("", false)
                    } else {
                        let mut len = 0;
                        let p = LLVMGetValueName2(callee, &mut len);
                        let key = ALIGNS_ITS_STACK;
                        let attr = LLVMGetStringAttributeAtIndex(
                            callee,
                            LLVMAttributeFunctionIndex,
                            key.as_ptr().cast(),
                            key.len() as u32,
                        );
                        let name = std::str::from_utf8(std::slice::from_raw_parts(p.cast(), len))
                            .unwrap_or("");
                        (name, !attr.is_null())
                    };
                    if needs_aligned_stack(name, cc, aligns) {
                        return true;
                    }
                }
                inst = LLVMGetNextInstruction(inst);
            }
            bb = LLVMGetNextBasicBlock(bb);
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkwell::context::Context;

    /// A callee without stack arguments returns with a plain `ret`, its callers re-reserve
    /// nothing, and only the function calling a Rust builtin realigns.
    #[test]
    fn calls_pop_exactly_their_arguments_and_only_c_callers_realign() {
        let ir = r#"
declare void @wasmo_builtin_trap(i32) #1
declare i64 @wasmo_builtin_memory_grow(ptr, i32, i64)
define tailcc i32 @leaf(ptr %v, i32 %x) #0 {
  %c = icmp eq i32 %x, 7
  br i1 %c, label %t, label %ok
t:
  call void @wasmo_builtin_trap(i32 1)
  unreachable
ok:
  %r = add i32 %x, 1
  ret i32 %r
}
define tailcc i32 @caller(ptr %v, i32 %x) #0 {
  %a = call tailcc i32 @leaf(ptr %v, i32 %x)
  %b = call tailcc i32 @leaf(ptr %v, i32 %a)
  ret i32 %b
}
define tailcc i64 @grows(ptr %v, i64 %d) #0 {
  %g = call i64 @wasmo_builtin_memory_grow(ptr %v, i32 0, i64 %d)
  ret i64 %g
}
attributes #0 = { noinline "frame-pointer"="all" }
attributes #1 = { cold noreturn "wasmo-aligns-stack" }
"#;
        let ctx = Context::create();
        let buffer = inkwell::memory_buffer::MemoryBuffer::create_from_memory_range_copy(
            ir.as_bytes(),
            "stack_align",
        );
        let module = ctx.create_module_from_ir(buffer).unwrap();
        let machine = super::super::target_machine(inkwell::OptimizationLevel::Default).unwrap();
        let object = super::super::emit_object(&module, &machine, super::super::pipeline(0))
            .expect("compiles");
        let marked: Vec<String> = ["leaf", "caller", "grows"]
            .into_iter()
            .filter(|n| {
                let f = module.get_function(n).unwrap();
                let kind = inkwell::attributes::Attribute::get_named_enum_kind_id("alignstack");
                f.get_enum_attribute(AttributeLoc::Function, kind).is_some()
            })
            .map(String::from)
            .collect();
        assert_eq!(marked, ["grows"]);
        // The object's code: no `ret imm16` (0xc2) after any function's `pop rbp` (0x5d), and
        // no `sub rsp, 8` (48 83 ec 08) re-reserving a popped area.
        assert!(!object.windows(2).any(|w| w == [0x5d, 0xc2]));
        assert!(!object.windows(4).any(|w| w == [0x48, 0x83, 0xec, 0x08]));
        assert!(object.windows(2).any(|w| w == [0x5d, 0xc3]));
        // `grows` realigns: and rsp, -16.
        assert!(object.windows(4).any(|w| w == [0x48, 0x83, 0xe4, 0xf0]));
    }

    #[test]
    fn only_c_calls_that_need_alignment_are_foreign() {
        assert!(!needs_aligned_stack("wasmo_m0_f1", TAILCC, false));
        assert!(!needs_aligned_stack("", TAILCC, false));
        assert!(needs_aligned_stack("", 0, false));
        assert!(!needs_aligned_stack("wasmo_builtin_trap", 0, true));
        assert!(needs_aligned_stack("wasmo_builtin_memory_grow", 0, false));
        assert!(!needs_aligned_stack("llvm.frameaddress.p0", 0, false));
        assert!(!needs_aligned_stack("llvm.x86.sse41.round.ps", 0, false));
        assert!(!needs_aligned_stack(
            "llvm.experimental.constrained.fadd.f64",
            0,
            false
        ));
        assert!(needs_aligned_stack(
            "llvm.experimental.constrained.ceil.f32",
            0,
            false
        ));
        assert!(needs_aligned_stack("llvm.memset.p0.i64", 0, false));
        assert!(needs_aligned_stack("llvm.fma.v4f32", 0, false));
        assert!(needs_aligned_stack("llvm.trunc.f64", 0, false));
        assert!(!needs_aligned_stack("llvm.fptosi.sat.i32.f32", 0, false));
    }
}
