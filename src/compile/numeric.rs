//! Numeric operators: constants, integer and float arithmetic, comparisons, conversions, sign
//! extension, saturating and trapping float-to-int. Wasm's semantics where LLVM's differ:
//! division and trapping conversions check explicitly (LLVM treats those cases as undefined),
//! shift counts are masked, `min`/`max` propagate NaN and order -0 below +0.

use super::translate::FuncTranslator;
use crate::error::Result;
use crate::vm::TrapCode;
use inkwell::types::{BasicTypeEnum, FloatType, IntType};
use inkwell::values::{BasicValueEnum, FloatValue, IntValue};
use inkwell::{FloatPredicate, IntPredicate};

type R = Result<()>;

#[derive(Clone, Copy)]
enum Int {
    I32,
    I64,
}

#[derive(Clone, Copy)]
enum Float {
    F32,
    F64,
}

impl<'c> FuncTranslator<'c, '_> {
    fn int_type(&self, t: Int) -> IntType<'c> {
        match t {
            Int::I32 => self.ctx.i32_type(),
            Int::I64 => self.ctx.i64_type(),
        }
    }

    fn float_type(&self, t: Float) -> FloatType<'c> {
        match t {
            Float::F32 => self.ctx.f32_type(),
            Float::F64 => self.ctx.f64_type(),
        }
    }

    /// Calls an overloaded LLVM intrinsic.
    pub(super) fn intrinsic(
        &self,
        name: &str,
        types: &[BasicTypeEnum<'c>],
        args: &[inkwell::values::BasicMetadataValueEnum<'c>],
    ) -> Result<BasicValueEnum<'c>> {
        let f = inkwell::intrinsics::Intrinsic::find(name)
            .unwrap_or_else(|| panic!("LLVM intrinsic {name} exists"))
            .get_declaration(self.module, types)
            .unwrap_or_else(|| panic!("LLVM intrinsic {name} declares"));
        Ok(self
            .b
            .build_call(f, args, name)?
            .try_as_basic_value()
            .basic()
            .unwrap())
    }

    /// A float operation the optimiser may not simplify away. LLVM folds `x * 1`, `x - 0`,
    /// `x / -1`, `-0 - x`, `demote(promote(x))`... to `x` or `-x`, returning a signalling NaN
    /// operand unchanged where wasm arithmetic produces a quiet NaN. The constrained intrinsics
    /// with exception behaviour "maytrap" forbid exactly those folds (they would lose the invalid
    /// exception a signalling NaN raises) yet still lower to the plain instructions and may be
    /// deleted when unused; "round.tonearest" is wasm's only rounding mode. The O2 pipeline turns
    /// those no fold can remove back into plain instructions for its loop passes
    /// (`codegen/relax.rs`).
    pub(super) fn constrained<V: Into<inkwell::values::BasicMetadataValueEnum<'c>> + Copy>(
        &self,
        op: &str,
        types: &[BasicTypeEnum<'c>],
        args: &[V],
        rounding: bool,
    ) -> Result<BasicValueEnum<'c>> {
        let mut all: Vec<inkwell::values::BasicMetadataValueEnum<'c>> =
            args.iter().map(|&a| a.into()).collect();
        if rounding {
            all.push(self.ctx.metadata_string("round.tonearest").into());
        }
        all.push(self.ctx.metadata_string("fpexcept.maytrap").into());
        self.intrinsic(&format!("llvm.experimental.constrained.{op}"), types, &all)
    }

    /// Wasm's `add`, `sub`, `mul` and `div` (`op` is `fadd`...), see [`Self::constrained`].
    fn float_arith(&mut self, op: &str) -> R {
        self.float_binary(|t, x, y| t.constrained(op, &[x.get_type().into()], &[x, y], true))
    }

    fn int_binary(
        &mut self,
        f: impl FnOnce(&Self, IntValue<'c>, IntValue<'c>) -> Result<IntValue<'c>>,
    ) -> R {
        let y = self.pop_int();
        let x = self.pop_int();
        let r = f(self, x, y)?;
        self.push(r);
        Ok(())
    }

    fn int_unary(
        &mut self,
        f: impl FnOnce(&Self, IntValue<'c>) -> Result<BasicValueEnum<'c>>,
    ) -> R {
        let x = self.pop_int();
        let r = f(self, x)?;
        self.push(r);
        Ok(())
    }

    fn int_compare(&mut self, pred: IntPredicate) -> R {
        let y = self.pop_int();
        let x = self.pop_int();
        let c = self.b.build_int_compare(pred, x, y, "cmp")?;
        let r = self.b.build_int_z_extend(c, self.ctx.i32_type(), "cmp")?;
        self.push(r);
        Ok(())
    }

    fn int_eqz(&mut self) -> R {
        let x = self.pop_int();
        let c = self
            .b
            .build_int_compare(IntPredicate::EQ, x, x.get_type().const_zero(), "eqz")?;
        let r = self.b.build_int_z_extend(c, self.ctx.i32_type(), "eqz")?;
        self.push(r);
        Ok(())
    }

    fn float_binary(
        &mut self,
        f: impl FnOnce(&Self, FloatValue<'c>, FloatValue<'c>) -> Result<BasicValueEnum<'c>>,
    ) -> R {
        let y = self.pop_float();
        let x = self.pop_float();
        let r = f(self, x, y)?;
        self.push(r);
        Ok(())
    }

    fn float_unary_intrinsic(&mut self, name: &str) -> R {
        let x = self.pop_float();
        let r = self.intrinsic(name, &[x.get_type().into()], &[x.into()])?;
        self.push(r);
        Ok(())
    }

    fn float_compare(&mut self, pred: FloatPredicate) -> R {
        let y = self.pop_float();
        let x = self.pop_float();
        // A comparison with a constant NaN has a known answer (only `ne` is true). It is given
        // here because LLVM 16's fast instruction selector (lift-off's baseline tier) folds
        // `fcmp une NaN, x` to an i1 true it materialises as 0xff, and the zext below then
        // yields 255, not 1 (found by the fuzzer: a br_table took the wrong target).
        let is_nan = |v: FloatValue<'c>| {
            use inkwell::values::AsValueRef;
            // Only a ConstantFP has a value to read (`get_constant` on another constant, such as
            // a lane extracted from a constant vector, reads garbage).
            // SAFETY: a plain query of a live value.
            let fp = !unsafe { llvm_sys::core::LLVMIsAConstantFP(v.as_value_ref()) }.is_null();
            fp && v.get_constant().is_some_and(|(f, _)| f.is_nan())
        };
        if is_nan(x) || is_nan(y) {
            let known = (pred == FloatPredicate::UNE) as u64;
            self.push(self.ctx.i32_type().const_int(known, false));
            return Ok(());
        }
        let c = self.b.build_float_compare(pred, x, y, "fcmp")?;
        let r = self.b.build_int_z_extend(c, self.ctx.i32_type(), "fcmp")?;
        self.push(r);
        Ok(())
    }

    fn shift(&mut self, op: fn(&Self, IntValue<'c>, IntValue<'c>) -> Result<IntValue<'c>>) -> R {
        self.int_binary(|t, x, y| {
            let mask = x
                .get_type()
                .const_int(x.get_type().get_bit_width() as u64 - 1, false);
            let y = t.b.build_and(y, mask, "count")?;
            op(t, x, y)
        })
    }

    fn rotate(&mut self, name: &str) -> R {
        let y = self.pop_int();
        let x = self.pop_int();
        let r = self.intrinsic(
            name,
            &[x.get_type().into()],
            &[x.into(), x.into(), y.into()],
        )?;
        self.push(r);
        Ok(())
    }

    fn bit_count(&mut self, name: &str, with_flag: bool) -> R {
        let x = self.pop_int();
        let mut args = vec![x.into()];
        if with_flag {
            args.push(self.ctx.bool_type().const_zero().into());
        }
        let r = self.intrinsic(name, &[x.get_type().into()], &args)?;
        self.push(r);
        Ok(())
    }

    fn divide(&mut self, signed: bool, remainder: bool) -> R {
        let y = self.pop_int();
        let x = self.pop_int();
        let ty = x.get_type();
        let zero = self
            .b
            .build_int_compare(IntPredicate::EQ, y, ty.const_zero(), "div0")?;
        self.trap_if(zero, TrapCode::IntegerDivideByZero)?;
        let bits = ty.get_bit_width();
        let min = ty.const_int(1u64 << (bits - 1), false);
        let minus_one = ty.const_all_ones();
        let r = match (signed, remainder) {
            (false, false) => self.b.build_int_unsigned_div(x, y, "div")?,
            (false, true) => self.b.build_int_unsigned_rem(x, y, "rem")?,
            (true, false) => {
                let x_min = self.b.build_int_compare(IntPredicate::EQ, x, min, "xmin")?;
                let y_m1 = self
                    .b
                    .build_int_compare(IntPredicate::EQ, y, minus_one, "ym1")?;
                let overflow = self.b.build_and(x_min, y_m1, "overflow")?;
                self.trap_if(overflow, TrapCode::IntegerOverflow)?;
                self.b.build_int_signed_div(x, y, "div")?
            }
            (true, true) => {
                // x rem -1 is 0 for every x; dividing by 1 instead avoids the MIN/-1 fault.
                let y_m1 = self
                    .b
                    .build_int_compare(IntPredicate::EQ, y, minus_one, "ym1")?;
                let y = self
                    .b
                    .build_select(y_m1, ty.const_int(1, false), y, "divisor")?
                    .into_int_value();
                self.b.build_int_signed_rem(x, y, "rem")?
            }
        };
        self.push(r);
        Ok(())
    }

    /// Wasm's `min`/`max`: NaN if either operand is NaN, and -0 < +0.
    fn min_max(&mut self, min: bool) -> R {
        self.float_binary(|t, x, y| {
            let int_ty = t.int_of_width(x.get_type().get_bit_width());
            let uno = t.b.build_float_compare(FloatPredicate::UNO, x, y, "uno")?;
            let eq = t.b.build_float_compare(FloatPredicate::OEQ, x, y, "eq")?;
            let pred = if min {
                FloatPredicate::OLT
            } else {
                FloatPredicate::OGT
            };
            let pick = t.b.build_float_compare(pred, x, y, "pick")?;
            let chosen = t.b.build_select(pick, x, y, "chosen")?;
            // Equal operands differ at most in the sign of zero: OR the bits for min, AND for max.
            let xb = t.b.build_bit_cast(x, int_ty, "xb")?.into_int_value();
            let yb = t.b.build_bit_cast(y, int_ty, "yb")?.into_int_value();
            let zb = if min {
                t.b.build_or(xb, yb, "zb")?
            } else {
                t.b.build_and(xb, yb, "zb")?
            };
            let z = t.b.build_bit_cast(zb, x.get_type(), "z")?;
            let ordered = t.b.build_select(eq, z, chosen, "ordered")?;
            // A quiet NaN from whichever operand is NaN (x + y quiets a signalling one).
            let nan = t.constrained("fadd", &[x.get_type().into()], &[x, y], true)?;
            Ok(t.b.build_select(uno, nan, ordered, "minmax")?)
        })
    }

    /// Trapping float-to-int: NaN traps as an invalid conversion, values outside the
    /// target's range (bounds exclusive, exactly representable in the source type) as overflow.
    fn trunc(&mut self, to: Int, signed: bool) -> R {
        let x = self.pop_float();
        let fty = x.get_type();
        let is_f32 = fty.get_bit_width() == 32;
        let (lo, hi): (f64, f64) = match (to, signed, is_f32) {
            (Int::I32, true, true) => (-2147483904.0, 2147483648.0),
            (Int::I32, true, false) => (-2147483649.0, 2147483648.0),
            (Int::I32, false, _) => (-1.0, 4294967296.0),
            (Int::I64, true, true) => (-9223373136366403584.0, 9223372036854775808.0),
            (Int::I64, true, false) => (-9223372036854777856.0, 9223372036854775808.0),
            (Int::I64, false, _) => (-1.0, 18446744073709551616.0),
        };
        let nan = self
            .b
            .build_float_compare(FloatPredicate::UNO, x, x, "nan")?;
        self.trap_if(nan, TrapCode::InvalidConversionToInteger)?;
        let above =
            self.b
                .build_float_compare(FloatPredicate::OGT, x, fty.const_float(lo), "above")?;
        let below =
            self.b
                .build_float_compare(FloatPredicate::OLT, x, fty.const_float(hi), "below")?;
        let in_range = self.b.build_and(above, below, "in_range")?;
        let out = self.b.build_not(in_range, "out")?;
        self.trap_if(out, TrapCode::IntegerOverflow)?;
        let ity = self.int_type(to);
        let r = if signed {
            self.b.build_float_to_signed_int(x, ity, "trunc")?
        } else {
            self.b.build_float_to_unsigned_int(x, ity, "trunc")?
        };
        self.push(r);
        Ok(())
    }

    fn trunc_sat(&mut self, to: Int, signed: bool) -> R {
        let x = self.pop_float();
        let ity = self.int_type(to);
        let name = if signed {
            "llvm.fptosi.sat"
        } else {
            "llvm.fptoui.sat"
        };
        let r = self.intrinsic(name, &[ity.into(), x.get_type().into()], &[x.into()])?;
        self.push(r);
        Ok(())
    }

    fn convert(&mut self, to: Float, signed: bool) -> R {
        let x = self.pop_int();
        let fty = self.float_type(to);
        let r = if signed {
            self.b.build_signed_int_to_float(x, fty, "convert")?
        } else {
            self.b.build_unsigned_int_to_float(x, fty, "convert")?
        };
        self.push(r);
        Ok(())
    }

    fn reinterpret(&mut self, to: BasicTypeEnum<'c>) -> R {
        let x = self.pop();
        let r = self.b.build_bit_cast(x, to, "reinterpret")?;
        self.push(r);
        Ok(())
    }

    fn extend_from(&mut self, bits: u32) -> R {
        let x = self.pop_int();
        let narrow = self
            .b
            .build_int_truncate(x, self.int_of_width(bits), "narrow")?;
        let r = self.b.build_int_s_extend(narrow, x.get_type(), "extend")?;
        self.push(r);
        Ok(())
    }

    // ---- constants ------------------------------------------------------------------------------

    pub(super) fn visit_i32_const(&mut self, value: i32) -> R {
        let v = self.ctx.i32_type().const_int(value as u32 as u64, false);
        self.push(v);
        Ok(())
    }
    pub(super) fn visit_i64_const(&mut self, value: i64) -> R {
        let v = self.ctx.i64_type().const_int(value as u64, false);
        self.push(v);
        Ok(())
    }
    pub(super) fn visit_f32_const(&mut self, value: wasmparser::Ieee32) -> R {
        let bits = self.ctx.i32_type().const_int(value.bits() as u64, false);
        let v = self.b.build_bit_cast(bits, self.ctx.f32_type(), "f32")?;
        self.push(v);
        Ok(())
    }
    pub(super) fn visit_f64_const(&mut self, value: wasmparser::Ieee64) -> R {
        let bits = self.ctx.i64_type().const_int(value.bits(), false);
        let v = self.b.build_bit_cast(bits, self.ctx.f64_type(), "f64")?;
        self.push(v);
        Ok(())
    }
}

/// Integer operators that exist for both widths.
macro_rules! int_ops {
    ($($eqz:ident $eq:ident $ne:ident $lt_s:ident $lt_u:ident $gt_s:ident $gt_u:ident $le_s:ident
       $le_u:ident $ge_s:ident $ge_u:ident $clz:ident $ctz:ident $popcnt:ident $add:ident $sub:ident
       $mul:ident $div_s:ident $div_u:ident $rem_s:ident $rem_u:ident $and:ident $or:ident
       $xor:ident $shl:ident $shr_s:ident $shr_u:ident $rotl:ident $rotr:ident;)*) => {
        impl FuncTranslator<'_, '_> {
            $(
                pub(super) fn $eqz(&mut self) -> R { self.int_eqz() }
                pub(super) fn $eq(&mut self) -> R { self.int_compare(IntPredicate::EQ) }
                pub(super) fn $ne(&mut self) -> R { self.int_compare(IntPredicate::NE) }
                pub(super) fn $lt_s(&mut self) -> R { self.int_compare(IntPredicate::SLT) }
                pub(super) fn $lt_u(&mut self) -> R { self.int_compare(IntPredicate::ULT) }
                pub(super) fn $gt_s(&mut self) -> R { self.int_compare(IntPredicate::SGT) }
                pub(super) fn $gt_u(&mut self) -> R { self.int_compare(IntPredicate::UGT) }
                pub(super) fn $le_s(&mut self) -> R { self.int_compare(IntPredicate::SLE) }
                pub(super) fn $le_u(&mut self) -> R { self.int_compare(IntPredicate::ULE) }
                pub(super) fn $ge_s(&mut self) -> R { self.int_compare(IntPredicate::SGE) }
                pub(super) fn $ge_u(&mut self) -> R { self.int_compare(IntPredicate::UGE) }
                pub(super) fn $clz(&mut self) -> R { self.bit_count("llvm.ctlz", true) }
                pub(super) fn $ctz(&mut self) -> R { self.bit_count("llvm.cttz", true) }
                pub(super) fn $popcnt(&mut self) -> R { self.bit_count("llvm.ctpop", false) }
                pub(super) fn $add(&mut self) -> R { self.int_binary(|t, x, y| Ok(t.b.build_int_add(x, y, "add")?)) }
                pub(super) fn $sub(&mut self) -> R { self.int_binary(|t, x, y| Ok(t.b.build_int_sub(x, y, "sub")?)) }
                pub(super) fn $mul(&mut self) -> R { self.int_binary(|t, x, y| Ok(t.b.build_int_mul(x, y, "mul")?)) }
                pub(super) fn $div_s(&mut self) -> R { self.divide(true, false) }
                pub(super) fn $div_u(&mut self) -> R { self.divide(false, false) }
                pub(super) fn $rem_s(&mut self) -> R { self.divide(true, true) }
                pub(super) fn $rem_u(&mut self) -> R { self.divide(false, true) }
                pub(super) fn $and(&mut self) -> R { self.int_binary(|t, x, y| Ok(t.b.build_and(x, y, "and")?)) }
                pub(super) fn $or(&mut self) -> R { self.int_binary(|t, x, y| Ok(t.b.build_or(x, y, "or")?)) }
                pub(super) fn $xor(&mut self) -> R { self.int_binary(|t, x, y| Ok(t.b.build_xor(x, y, "xor")?)) }
                pub(super) fn $shl(&mut self) -> R { self.shift(|t, x, y| Ok(t.b.build_left_shift(x, y, "shl")?)) }
                pub(super) fn $shr_s(&mut self) -> R { self.shift(|t, x, y| Ok(t.b.build_right_shift(x, y, true, "shr")?)) }
                pub(super) fn $shr_u(&mut self) -> R { self.shift(|t, x, y| Ok(t.b.build_right_shift(x, y, false, "shr")?)) }
                pub(super) fn $rotl(&mut self) -> R { self.rotate("llvm.fshl") }
                pub(super) fn $rotr(&mut self) -> R { self.rotate("llvm.fshr") }
            )*
        }
    };
}

int_ops! {
    visit_i32_eqz visit_i32_eq visit_i32_ne visit_i32_lt_s visit_i32_lt_u visit_i32_gt_s
    visit_i32_gt_u visit_i32_le_s visit_i32_le_u visit_i32_ge_s visit_i32_ge_u visit_i32_clz
    visit_i32_ctz visit_i32_popcnt visit_i32_add visit_i32_sub visit_i32_mul visit_i32_div_s
    visit_i32_div_u visit_i32_rem_s visit_i32_rem_u visit_i32_and visit_i32_or visit_i32_xor
    visit_i32_shl visit_i32_shr_s visit_i32_shr_u visit_i32_rotl visit_i32_rotr;
    visit_i64_eqz visit_i64_eq visit_i64_ne visit_i64_lt_s visit_i64_lt_u visit_i64_gt_s
    visit_i64_gt_u visit_i64_le_s visit_i64_le_u visit_i64_ge_s visit_i64_ge_u visit_i64_clz
    visit_i64_ctz visit_i64_popcnt visit_i64_add visit_i64_sub visit_i64_mul visit_i64_div_s
    visit_i64_div_u visit_i64_rem_s visit_i64_rem_u visit_i64_and visit_i64_or visit_i64_xor
    visit_i64_shl visit_i64_shr_s visit_i64_shr_u visit_i64_rotl visit_i64_rotr;
}

/// Float operators that exist for both widths.
macro_rules! float_ops {
    ($($eq:ident $ne:ident $lt:ident $gt:ident $le:ident $ge:ident $abs:ident $neg:ident
       $ceil:ident $floor:ident $trunc:ident $nearest:ident $sqrt:ident $add:ident $sub:ident
       $mul:ident $div:ident $min:ident $max:ident $copysign:ident;)*) => {
        impl FuncTranslator<'_, '_> {
            $(
                pub(super) fn $eq(&mut self) -> R { self.float_compare(FloatPredicate::OEQ) }
                pub(super) fn $ne(&mut self) -> R { self.float_compare(FloatPredicate::UNE) }
                pub(super) fn $lt(&mut self) -> R { self.float_compare(FloatPredicate::OLT) }
                pub(super) fn $gt(&mut self) -> R { self.float_compare(FloatPredicate::OGT) }
                pub(super) fn $le(&mut self) -> R { self.float_compare(FloatPredicate::OLE) }
                pub(super) fn $ge(&mut self) -> R { self.float_compare(FloatPredicate::OGE) }
                pub(super) fn $abs(&mut self) -> R { self.float_unary_intrinsic("llvm.fabs") }
                pub(super) fn $neg(&mut self) -> R {
                    let x = self.pop_float();
                    let r = self.b.build_float_neg(x, "neg")?;
                    self.push(r);
                    Ok(())
                }
                pub(super) fn $ceil(&mut self) -> R { self.float_unary_intrinsic("llvm.ceil") }
                pub(super) fn $floor(&mut self) -> R { self.float_unary_intrinsic("llvm.floor") }
                pub(super) fn $trunc(&mut self) -> R { self.float_unary_intrinsic("llvm.trunc") }
                pub(super) fn $nearest(&mut self) -> R { self.float_unary_intrinsic("llvm.roundeven") }
                pub(super) fn $sqrt(&mut self) -> R { self.float_unary_intrinsic("llvm.sqrt") }
                pub(super) fn $add(&mut self) -> R { self.float_arith("fadd") }
                pub(super) fn $sub(&mut self) -> R { self.float_arith("fsub") }
                pub(super) fn $mul(&mut self) -> R { self.float_arith("fmul") }
                pub(super) fn $div(&mut self) -> R { self.float_arith("fdiv") }
                pub(super) fn $min(&mut self) -> R { self.min_max(true) }
                pub(super) fn $max(&mut self) -> R { self.min_max(false) }
                pub(super) fn $copysign(&mut self) -> R {
                    self.float_binary(|t, x, y| t.intrinsic("llvm.copysign", &[x.get_type().into()], &[x.into(), y.into()]))
                }
            )*
        }
    };
}

float_ops! {
    visit_f32_eq visit_f32_ne visit_f32_lt visit_f32_gt visit_f32_le visit_f32_ge visit_f32_abs
    visit_f32_neg visit_f32_ceil visit_f32_floor visit_f32_trunc visit_f32_nearest visit_f32_sqrt
    visit_f32_add visit_f32_sub visit_f32_mul visit_f32_div visit_f32_min visit_f32_max
    visit_f32_copysign;
    visit_f64_eq visit_f64_ne visit_f64_lt visit_f64_gt visit_f64_le visit_f64_ge visit_f64_abs
    visit_f64_neg visit_f64_ceil visit_f64_floor visit_f64_trunc visit_f64_nearest visit_f64_sqrt
    visit_f64_add visit_f64_sub visit_f64_mul visit_f64_div visit_f64_min visit_f64_max
    visit_f64_copysign;
}

/// Conversions, one line each.
impl FuncTranslator<'_, '_> {
    pub(super) fn visit_i32_wrap_i64(&mut self) -> R {
        self.int_unary(|t, x| Ok(t.b.build_int_truncate(x, t.ctx.i32_type(), "wrap")?.into()))
    }
    pub(super) fn visit_i64_extend_i32_s(&mut self) -> R {
        self.int_unary(|t, x| Ok(t.b.build_int_s_extend(x, t.ctx.i64_type(), "ext")?.into()))
    }
    pub(super) fn visit_i64_extend_i32_u(&mut self) -> R {
        self.int_unary(|t, x| Ok(t.b.build_int_z_extend(x, t.ctx.i64_type(), "ext")?.into()))
    }
    pub(super) fn visit_i32_trunc_f32_s(&mut self) -> R {
        self.trunc(Int::I32, true)
    }
    pub(super) fn visit_i32_trunc_f32_u(&mut self) -> R {
        self.trunc(Int::I32, false)
    }
    pub(super) fn visit_i32_trunc_f64_s(&mut self) -> R {
        self.trunc(Int::I32, true)
    }
    pub(super) fn visit_i32_trunc_f64_u(&mut self) -> R {
        self.trunc(Int::I32, false)
    }
    pub(super) fn visit_i64_trunc_f32_s(&mut self) -> R {
        self.trunc(Int::I64, true)
    }
    pub(super) fn visit_i64_trunc_f32_u(&mut self) -> R {
        self.trunc(Int::I64, false)
    }
    pub(super) fn visit_i64_trunc_f64_s(&mut self) -> R {
        self.trunc(Int::I64, true)
    }
    pub(super) fn visit_i64_trunc_f64_u(&mut self) -> R {
        self.trunc(Int::I64, false)
    }
    pub(super) fn visit_i32_trunc_sat_f32_s(&mut self) -> R {
        self.trunc_sat(Int::I32, true)
    }
    pub(super) fn visit_i32_trunc_sat_f32_u(&mut self) -> R {
        self.trunc_sat(Int::I32, false)
    }
    pub(super) fn visit_i32_trunc_sat_f64_s(&mut self) -> R {
        self.trunc_sat(Int::I32, true)
    }
    pub(super) fn visit_i32_trunc_sat_f64_u(&mut self) -> R {
        self.trunc_sat(Int::I32, false)
    }
    pub(super) fn visit_i64_trunc_sat_f32_s(&mut self) -> R {
        self.trunc_sat(Int::I64, true)
    }
    pub(super) fn visit_i64_trunc_sat_f32_u(&mut self) -> R {
        self.trunc_sat(Int::I64, false)
    }
    pub(super) fn visit_i64_trunc_sat_f64_s(&mut self) -> R {
        self.trunc_sat(Int::I64, true)
    }
    pub(super) fn visit_i64_trunc_sat_f64_u(&mut self) -> R {
        self.trunc_sat(Int::I64, false)
    }
    pub(super) fn visit_f32_convert_i32_s(&mut self) -> R {
        self.convert(Float::F32, true)
    }
    pub(super) fn visit_f32_convert_i32_u(&mut self) -> R {
        self.convert(Float::F32, false)
    }
    pub(super) fn visit_f32_convert_i64_s(&mut self) -> R {
        self.convert(Float::F32, true)
    }
    pub(super) fn visit_f32_convert_i64_u(&mut self) -> R {
        self.convert(Float::F32, false)
    }
    pub(super) fn visit_f64_convert_i32_s(&mut self) -> R {
        self.convert(Float::F64, true)
    }
    pub(super) fn visit_f64_convert_i32_u(&mut self) -> R {
        self.convert(Float::F64, false)
    }
    pub(super) fn visit_f64_convert_i64_s(&mut self) -> R {
        self.convert(Float::F64, true)
    }
    pub(super) fn visit_f64_convert_i64_u(&mut self) -> R {
        self.convert(Float::F64, false)
    }
    pub(super) fn visit_f32_demote_f64(&mut self) -> R {
        let x = self.pop_float();
        let types = [self.ctx.f32_type().into(), self.ctx.f64_type().into()];
        let r = self.constrained("fptrunc", &types, &[x], true)?;
        self.push(r);
        Ok(())
    }
    pub(super) fn visit_f64_promote_f32(&mut self) -> R {
        let x = self.pop_float();
        let types = [self.ctx.f64_type().into(), self.ctx.f32_type().into()];
        let r = self.constrained("fpext", &types, &[x], false)?;
        self.push(r);
        Ok(())
    }
    pub(super) fn visit_i32_reinterpret_f32(&mut self) -> R {
        self.reinterpret(self.ctx.i32_type().into())
    }
    pub(super) fn visit_i64_reinterpret_f64(&mut self) -> R {
        self.reinterpret(self.ctx.i64_type().into())
    }
    pub(super) fn visit_f32_reinterpret_i32(&mut self) -> R {
        self.reinterpret(self.ctx.f32_type().into())
    }
    pub(super) fn visit_f64_reinterpret_i64(&mut self) -> R {
        self.reinterpret(self.ctx.f64_type().into())
    }
    pub(super) fn visit_i32_extend8_s(&mut self) -> R {
        self.extend_from(8)
    }
    pub(super) fn visit_i32_extend16_s(&mut self) -> R {
        self.extend_from(16)
    }
    pub(super) fn visit_i64_extend8_s(&mut self) -> R {
        self.extend_from(8)
    }
    pub(super) fn visit_i64_extend16_s(&mut self) -> R {
        self.extend_from(16)
    }
    pub(super) fn visit_i64_extend32_s(&mut self) -> R {
        self.extend_from(32)
    }
}
