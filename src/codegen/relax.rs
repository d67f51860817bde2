//! Plain float arithmetic for the late, loop-optimising half of the O2 pipeline.
//!
//! The translator emits wasm's `add`, `sub`, `mul` and `div` on floats as LLVM's constrained
//! intrinsics (see `compile/numeric.rs`): with plain `fadd`... LLVM folds `x * 1.0`, `x - 0.0`,
//! `x / -1.0`, `-0.0 - x`... to `x` or `-x`, which returns a signalling NaN operand unchanged
//! where wasm produces a quiet one. But the constrained intrinsics are opaque calls to LLVM's
//! loop passes: the loop vectoriser and unroll-and-jam refuse a loop that contains one, so a
//! dense double-precision kernel stays scalar and latency-bound.
//!
//! Those folds need an operand that is one of the constants ±0.0, ±1.0 (or NaN, undef, an
//! expression). Relaxed SIMD's fused multiply-add (`relaxed_madd`) is constrained too: LLVM
//! turns `fma(x, 1.0, z)` into `x + z` and that into `x` when `z` is -0.0; it relaxes to
//! `llvm.fma` on the same condition, for all three operands. The early half of the pipeline (inlining, SCCP, GVN, instcombine) is where values
//! become known constants, so after it [`relax_float_arithmetic`] turns each constrained operation
//! whose operands cannot trigger such a fold back into the plain instruction, and the late half
//! (loop vectoriser, unroll-and-jam, the last instcombine) sees ordinary float code. An operation
//! stays constrained when an operand is such a constant, a `select` with such a constant among
//! its choices (instcombine folds an operation through a select's choices), or a `phi` of
//! constants only, one of them such (see [`may_fold`]). The late half does not propagate
//! constants into these operations any more; it runs no inliner, SCCP or GVN.
//!
//! Plain operations carry no fast-math flags: LLVM never reassociates them or fuses a multiply
//! and an add, so every result is still the IEEE one wasm specifies.

use inkwell::module::Module;
use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::LLVMTypeKind;

/// The arithmetic operations that may be relaxed, by constrained intrinsic name prefix.
const OPS: [(&str, Op); 5] = [
    ("llvm.experimental.constrained.fadd.", Op::Add),
    ("llvm.experimental.constrained.fsub.", Op::Sub),
    ("llvm.experimental.constrained.fmul.", Op::Mul),
    ("llvm.experimental.constrained.fdiv.", Op::Div),
    ("llvm.experimental.constrained.fma.", Op::Fma),
];

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    /// `llvm.fma`, three operands.
    Fma,
}

impl Op {
    fn operands(self) -> u32 {
        if self == Op::Fma {
            3
        } else {
            2
        }
    }
}

/// Replaces every constrained `fadd`/`fsub`/`fmul`/`fdiv`/`fma` in `module` that no fold can
/// turn into an operand by the plain instruction or `llvm.fma` (keeping its debug location);
/// returns how many.
pub fn relax_float_arithmetic(module: &Module) -> usize {
    let mut relaxed = 0;
    // SAFETY: walks and edits the instructions of a module this thread owns; an instruction is
    // erased only after its successor was read and its uses were replaced.
    unsafe {
        let module = module.as_mut_ptr();
        let builder = LLVMCreateBuilderInContext(LLVMGetModuleContext(module));
        let mut f = LLVMGetFirstFunction(module);
        while !f.is_null() {
            let mut bb = LLVMGetFirstBasicBlock(f);
            while !bb.is_null() {
                let mut inst = LLVMGetFirstInstruction(bb);
                while !inst.is_null() {
                    let next = LLVMGetNextInstruction(inst);
                    if let Some(op) = relaxable(inst) {
                        replace(module, builder, inst, op);
                        relaxed += 1;
                    }
                    inst = next;
                }
                bb = LLVMGetNextBasicBlock(bb);
            }
            f = LLVMGetNextFunction(f);
        }
        LLVMDisposeBuilder(builder);
    }
    relaxed
}

/// The operation `inst` performs if it is a constrained one whose operands are safe to relax.
unsafe fn relaxable(inst: LLVMValueRef) -> Option<Op> {
    if LLVMIsACallInst(inst).is_null() {
        return None;
    }
    let callee = LLVMGetCalledValue(inst);
    if callee.is_null() || LLVMIsAFunction(callee).is_null() {
        return None;
    }
    let mut len = 0;
    let name = LLVMGetValueName2(callee, &mut len);
    let name = std::slice::from_raw_parts(name.cast::<u8>(), len);
    let op = OPS
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix.as_bytes()))?
        .1;
    (0..op.operands())
        .all(|i| !may_fold(LLVMGetOperand(inst, i)))
        .then_some(op)
}

/// Whether operand `v` could let LLVM fold the operation to (the negation of) the other operand.
/// A `phi` with such a constant among other, non-constant incoming values (a reduction's `0.0`
/// start) is no risk: LLVM folds an operation through a phi only when its other operand is a
/// constant, which is checked itself, or when every incoming value folds to one common value.
/// A `phi` of constants alone is: simplifycfg in the late half may still turn it into a select.
unsafe fn may_fold(v: LLVMValueRef) -> bool {
    if !LLVMIsAConstant(v).is_null() {
        return risky_constant(v);
    }
    if !LLVMIsASelectInst(v).is_null() {
        return risky_constant_choice(LLVMGetOperand(v, 1))
            || risky_constant_choice(LLVMGetOperand(v, 2));
    }
    if !LLVMIsAPHINode(v).is_null() {
        let n = LLVMCountIncoming(v);
        let incoming = |i| LLVMGetIncomingValue(v, i);
        return (0..n).all(|i| !LLVMIsAConstant(incoming(i)).is_null())
            && (0..n).any(|i| risky_constant(incoming(i)));
    }
    false
}

unsafe fn risky_constant_choice(v: LLVMValueRef) -> bool {
    !LLVMIsAConstant(v).is_null() && risky_constant(v)
}

/// A constant is harmless only when it is a float (or a vector of floats) that is finite and
/// neither ±0.0 nor ±1.0; undef, poison and constant expressions count as risky.
unsafe fn risky_constant(c: LLVMValueRef) -> bool {
    let ty = LLVMTypeOf(c);
    if LLVMGetTypeKind(ty) == LLVMTypeKind::LLVMVectorTypeKind {
        let lanes = LLVMGetVectorSize(ty);
        return (0..lanes).any(|i| {
            let lane = LLVMGetAggregateElement(c, i);
            lane.is_null() || risky_scalar(lane)
        });
    }
    risky_scalar(c)
}

unsafe fn risky_scalar(c: LLVMValueRef) -> bool {
    if LLVMIsAConstantFP(c).is_null() {
        return true;
    }
    let mut lossy = 0;
    let x = LLVMConstRealGetDouble(c, &mut lossy);
    !x.is_finite() || x == 0.0 || x.abs() == 1.0
}

/// Replaces the call `inst` by the plain instruction (or `llvm.fma`) for `op` on the same
/// operands.
unsafe fn replace(module: LLVMModuleRef, builder: LLVMBuilderRef, inst: LLVMValueRef, op: Op) {
    let (x, y) = (LLVMGetOperand(inst, 0), LLVMGetOperand(inst, 1));
    LLVMPositionBuilderBefore(builder, inst);
    let name = c"".as_ptr();
    let plain = match op {
        Op::Add => LLVMBuildFAdd(builder, x, y, name),
        Op::Sub => LLVMBuildFSub(builder, x, y, name),
        Op::Mul => LLVMBuildFMul(builder, x, y, name),
        Op::Div => LLVMBuildFDiv(builder, x, y, name),
        Op::Fma => {
            let fma = "llvm.fma";
            let id = LLVMLookupIntrinsicID(fma.as_ptr().cast(), fma.len());
            let mut ty = LLVMTypeOf(x);
            let f = LLVMGetIntrinsicDeclaration(module, id, &mut ty, 1);
            let fty = LLVMIntrinsicGetType(LLVMGetModuleContext(module), id, &mut ty, 1);
            let mut args = [x, y, LLVMGetOperand(inst, 2)];
            LLVMBuildCall2(builder, fty, f, args.as_mut_ptr(), 3, name)
        }
    };
    // Kind 0 is `dbg`: the location maps machine code back to the wasm offset.
    let location = LLVMGetMetadata(inst, 0);
    if !location.is_null() {
        LLVMSetMetadata(plain, 0, location);
    }
    LLVMReplaceAllUsesWith(inst, plain);
    LLVMInstructionEraseFromParent(inst);
}

#[cfg(test)]
mod tests {
    use super::*;
    use inkwell::context::Context;
    use inkwell::memory_buffer::MemoryBuffer;

    fn module<'c>(ctx: &'c Context, ir: &str) -> Module<'c> {
        let buffer = MemoryBuffer::create_from_memory_range_copy(ir.as_bytes(), "test");
        ctx.create_module_from_ir(buffer).unwrap()
    }

    #[test]
    fn relaxes_only_operations_no_fold_can_remove() {
        let ctx = Context::create();
        let m = module(
            &ctx,
            r#"
declare double @llvm.experimental.constrained.fmul.f64(double, double, metadata, metadata)
declare double @llvm.experimental.constrained.fadd.f64(double, double, metadata, metadata)
declare <2 x double> @llvm.experimental.constrained.fsub.v2f64(<2 x double>, <2 x double>, metadata, metadata)
define double @f(double %x, double %y, i1 %c, <2 x double> %v) {
  %plain = call double @llvm.experimental.constrained.fmul.f64(double %x, double %y, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  %half = call double @llvm.experimental.constrained.fmul.f64(double %plain, double 0.5, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  %one = call double @llvm.experimental.constrained.fmul.f64(double %half, double 1.0, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  %s = select i1 %c, double -1.0, double %y
  br label %next
next:
  %p = phi double [ 0.0, %0 ], [ %x, %next ]
  %k = phi double [ 1.0, %0 ], [ 2.0, %next ]
  %sel = call double @llvm.experimental.constrained.fmul.f64(double %one, double %s, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  %zero = call double @llvm.experimental.constrained.fadd.f64(double %sel, double -0.0, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  %vz = call <2 x double> @llvm.experimental.constrained.fsub.v2f64(<2 x double> %v, <2 x double> <double 2.0, double 0.0>, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  %vp = call <2 x double> @llvm.experimental.constrained.fsub.v2f64(<2 x double> %vz, <2 x double> <double 2.0, double 3.0>, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  %e = extractelement <2 x double> %vp, i32 0
  %r = call double @llvm.experimental.constrained.fadd.f64(double %zero, double %e, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  %q = call double @llvm.experimental.constrained.fadd.f64(double %r, double %p, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  %u = call double @llvm.experimental.constrained.fmul.f64(double %q, double %k, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  br i1 %c, label %next, label %out
out:
  ret double %u
}
"#,
        );
        assert_eq!(relax_float_arithmetic(&m), 5);
        m.verify().unwrap();
        let text = m.print_to_string().to_string();
        // Relaxed: x*y, *0.5, the vector minus <2, 3>, the adds of non-constants and of a phi.
        assert_eq!(text.matches(" = fmul double").count(), 2, "{text}");
        assert_eq!(text.matches(" = fsub <2 x double>").count(), 1, "{text}");
        assert_eq!(text.matches(" = fadd double").count(), 2, "{text}");
        // Kept: *1.0, * (select of -1.0), + -0.0, * (phi of 1.0 and 2.0), the vector minus <2, 0>.
        assert_eq!(
            text.matches("call double @llvm.experimental").count(),
            4,
            "{text}"
        );
        assert_eq!(
            text.matches("call <2 x double> @llvm.experimental").count(),
            1
        );
    }

    #[test]
    fn relaxes_fused_multiply_adds_on_all_three_operands() {
        let ctx = Context::create();
        let m = module(
            &ctx,
            r#"
declare <4 x float> @llvm.experimental.constrained.fma.v4f32(<4 x float>, <4 x float>, <4 x float>, metadata, metadata)
define <4 x float> @f(<4 x float> %x, <4 x float> %y, <4 x float> %z) {
  %a = call <4 x float> @llvm.experimental.constrained.fma.v4f32(<4 x float> %x, <4 x float> %y, <4 x float> %z, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  %b = call <4 x float> @llvm.experimental.constrained.fma.v4f32(<4 x float> %a, <4 x float> <float 1.0, float 1.0, float 1.0, float 1.0>, <4 x float> %z, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  %c = call <4 x float> @llvm.experimental.constrained.fma.v4f32(<4 x float> %b, <4 x float> %y, <4 x float> <float -0.0, float 2.0, float 2.0, float 2.0>, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  %d = call <4 x float> @llvm.experimental.constrained.fma.v4f32(<4 x float> %c, <4 x float> %y, <4 x float> <float 2.0, float 3.0, float 2.0, float 2.0>, metadata !"round.tonearest", metadata !"fpexcept.maytrap")
  ret <4 x float> %d
}
"#,
        );
        assert_eq!(relax_float_arithmetic(&m), 2);
        m.verify().unwrap();
        let text = m.print_to_string().to_string();
        // Relaxed: x*y+z and the one with a harmless constant; kept: *1.0 and + -0.0.
        assert_eq!(
            text.matches("call <4 x float> @llvm.fma.v4f32(").count(),
            2,
            "{text}"
        );
        assert_eq!(
            text.matches("call <4 x float> @llvm.experimental").count(),
            2,
            "{text}"
        );
    }
}
