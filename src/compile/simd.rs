//! SIMD operators: Wasm 2.0's fixed-width `v128`, lowered to LLVM vector IR.
//!
//! A `v128` lives on the operand stack, in locals, phis and signatures as one LLVM type
//! (`abi::v128_type`, `<4 x i32>`); each operator bitcasts its operands to the lane shape it
//! works on (`<16 x i8>`, `<8 x i16>`, `<4 x i32>`, `<2 x i64>`, `<4 x float>`, `<2 x double>`)
//! and its result back. Bitcasts between vector types of one size cost nothing.
//!
//! Where wasm's semantics differ from LLVM's plain instructions the lowering says so:
//! - float `min`/`max` propagate NaN and order -0 below +0, like the scalar operators;
//! - float arithmetic, demote and promote use the constrained intrinsics so signalling NaNs come
//!   out quiet (see `numeric.rs`);
//! - `swizzle` gives 0 for lane indices >= 16: indices are saturated into 0x80.. (which
//!   `pshufb` maps to 0) and the x86 `pshufb` instruction does the lookup, since LLVM IR has no
//!   shuffle with a run-time mask;
//! - narrowing saturates, shift counts are taken modulo the lane width, conversions saturate
//!   (`llvm.fpto[su]i.sat`), and `q15mulr_sat_s` saturates its one overflowing case.
//!
//! Everything else maps to LLVM's generic vector operations, which the x86 backend selects as
//! single SSE4.1/AVX2 instructions (`pavgb`, `pmaddwd`, `pmovmskb`, `pminsd`, `roundps`, ...).
//!
//! The relaxed-SIMD operators (Wasm 3.0) each give one fixed result of those the spec allows,
//! the one of x86's own instruction (`pshufb`, `cvttps2dq`, `minps`, `blendv`, `pmulhrsw`,
//! `pmaddubsw`, a fused multiply-add; see "relaxed SIMD" below and DESIGN.md), the same in every
//! tier, at every opt level and on every x86-64 CPU.

use super::abi;
use super::translate::FuncTranslator;
use crate::error::{Error, Result};
use inkwell::types::{BasicTypeEnum, VectorType};
use inkwell::values::{BasicValue, BasicValueEnum, IntValue, VectorValue};
use inkwell::{FloatPredicate as F, IntPredicate as I};
use wasmparser::{MemArg, Operator as O};

type R = Result<()>;

/// Whether the target has CPU feature `name` (LLVM's spelling).
fn has_feature(name: &str) -> bool {
    crate::codegen::host().has_feature(name)
}

/// The lane shapes of a `v128`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    I8x16,
    I16x8,
    I32x4,
    I64x2,
    F32x4,
    F64x2,
}

use Shape::*;

impl Shape {
    fn lanes(self) -> u32 {
        match self {
            I8x16 => 16,
            I16x8 => 8,
            I32x4 | F32x4 => 4,
            I64x2 | F64x2 => 2,
        }
    }

    fn bits(self) -> u32 {
        128 / self.lanes()
    }

    /// The integer shape with lanes half as wide (and twice as many).
    fn narrower(self) -> Shape {
        match self {
            I16x8 => I8x16,
            I32x4 | F32x4 => I16x8,
            I64x2 | F64x2 => I32x4,
            I8x16 => unreachable!("no shape narrower than i8x16"),
        }
    }
}

impl<'c> FuncTranslator<'c, '_> {
    // ---- types, casts and constants -------------------------------------------------------------

    /// `<n x iBITS>`.
    fn ivec(&self, bits: u32, n: u32) -> VectorType<'c> {
        self.int_of_width(bits).vec_type(n)
    }

    /// The vector type of a shape.
    fn vty(&self, s: Shape) -> VectorType<'c> {
        match s {
            F32x4 => self.ctx.f32_type().vec_type(4),
            F64x2 => self.ctx.f64_type().vec_type(2),
            _ => self.ivec(s.bits(), s.lanes()),
        }
    }

    /// The integer vector type with the same lanes as `s` (what comparisons produce).
    fn int_vty(&self, s: Shape) -> VectorType<'c> {
        self.ivec(s.bits(), s.lanes())
    }

    fn cast(&self, v: impl BasicValue<'c>, to: VectorType<'c>) -> Result<VectorValue<'c>> {
        Ok(self.b.build_bit_cast(v, to, "cast")?.into_vector_value())
    }

    /// Pops a `v128` viewed as shape `s`.
    fn pop_v(&mut self, s: Shape) -> Result<VectorValue<'c>> {
        let v = self.pop();
        self.cast(v, self.vty(s))
    }

    /// Pushes a 128-bit vector of any shape as a `v128`.
    fn push_v(&mut self, v: VectorValue<'c>) -> R {
        let v = self.cast(v, abi::v128_type(self.ctx))?;
        self.push(v);
        Ok(())
    }

    /// A constant `<lanes x i32>` shuffle mask.
    fn mask(&self, lanes: impl IntoIterator<Item = u32>) -> VectorValue<'c> {
        let i32t = self.ctx.i32_type();
        let values: Vec<IntValue<'c>> = lanes
            .into_iter()
            .map(|l| i32t.const_int(l as u64, false))
            .collect();
        VectorType::const_vector(&values)
    }

    /// A constant integer vector of shape `s` with every lane `value` (truncated to the lane).
    fn splat_const(&self, s: Shape, value: i64) -> VectorValue<'c> {
        let lane = self.int_of_width(s.bits()).const_int(value as u64, false);
        VectorType::const_vector(&vec![lane; s.lanes() as usize])
    }

    fn shuffle(
        &self,
        a: VectorValue<'c>,
        b: VectorValue<'c>,
        lanes: impl IntoIterator<Item = u32>,
    ) -> Result<VectorValue<'c>> {
        Ok(self
            .b
            .build_shuffle_vector(a, b, self.mask(lanes), "shuffle")?)
    }

    /// The low or high half of a vector's lanes.
    fn half(&self, v: VectorValue<'c>, high: bool) -> Result<VectorValue<'c>> {
        let n = v.get_type().get_size();
        let start = if high { n / 2 } else { 0 };
        self.shuffle(v, v, start..start + n / 2)
    }

    /// `a`'s lanes followed by `b`'s (same types), twice as many lanes.
    fn concat(&self, a: VectorValue<'c>, b: VectorValue<'c>) -> Result<VectorValue<'c>> {
        let n = a.get_type().get_size();
        self.shuffle(a, b, 0..2 * n)
    }

    /// A vector of shape `s` with every lane `scalar` (already of the lane type).
    fn splat(&self, s: Shape, scalar: BasicValueEnum<'c>) -> Result<VectorValue<'c>> {
        let zero = self.ctx.i32_type().const_zero();
        let one = self
            .b
            .build_insert_element(self.vty(s).get_undef(), scalar, zero, "splat")?;
        self.shuffle(one, one, std::iter::repeat_n(0, s.lanes() as usize))
    }

    fn lane_index(&self, lane: u8) -> IntValue<'c> {
        self.ctx.i32_type().const_int(lane as u64, false)
    }

    /// A wasm i32 operand narrowed to the integer lane of `s` (i8/i16 lanes keep the low bits).
    fn to_lane(&self, s: Shape, v: IntValue<'c>) -> Result<IntValue<'c>> {
        Ok(match s.bits() {
            8 | 16 => self
                .b
                .build_int_truncate(v, self.int_of_width(s.bits()), "lane")?,
            _ => v,
        })
    }

    /// Calls an LLVM intrinsic overloaded on vector type(s), returning a vector.
    fn vintrinsic(
        &self,
        name: &str,
        types: &[VectorType<'c>],
        args: &[VectorValue<'c>],
    ) -> Result<VectorValue<'c>> {
        let types: Vec<BasicTypeEnum<'c>> = types.iter().map(|&t| t.into()).collect();
        let args: Vec<inkwell::values::BasicMetadataValueEnum<'c>> =
            args.iter().map(|&a| a.into()).collect();
        Ok(self.intrinsic(name, &types, &args)?.into_vector_value())
    }

    // ---- operator shapes ------------------------------------------------------------------------

    fn unop(
        &mut self,
        s: Shape,
        f: impl FnOnce(&Self, VectorValue<'c>) -> Result<VectorValue<'c>>,
    ) -> R {
        let x = self.pop_v(s)?;
        let r = f(self, x)?;
        self.push_v(r)
    }

    fn binop(
        &mut self,
        s: Shape,
        f: impl FnOnce(&Self, VectorValue<'c>, VectorValue<'c>) -> Result<VectorValue<'c>>,
    ) -> R {
        let y = self.pop_v(s)?;
        let x = self.pop_v(s)?;
        let r = f(self, x, y)?;
        self.push_v(r)
    }

    fn unop_intrinsic(&mut self, s: Shape, name: &str) -> R {
        self.unop(s, |t, x| t.vintrinsic(name, &[t.vty(s)], &[x]))
    }

    fn binop_intrinsic(&mut self, s: Shape, name: &str) -> R {
        self.binop(s, |t, x, y| t.vintrinsic(name, &[t.vty(s)], &[x, y]))
    }

    fn icmp(&mut self, s: Shape, pred: I) -> R {
        self.binop(s, |t, x, y| {
            let c = t.b.build_int_compare(pred, x, y, "cmp")?;
            Ok(t.b.build_int_s_extend(c, t.vty(s), "mask")?)
        })
    }

    fn fcmp(&mut self, s: Shape, pred: F) -> R {
        self.binop(s, |t, x, y| {
            let c = t.b.build_float_compare(pred, x, y, "fcmp")?;
            Ok(t.b.build_int_s_extend(c, t.int_vty(s), "mask")?)
        })
    }

    fn int_arith(
        &mut self,
        s: Shape,
        op: fn(&Self, VectorValue<'c>, VectorValue<'c>) -> Result<VectorValue<'c>>,
    ) -> R {
        self.binop(s, op)
    }

    /// Shifts by an i32 count taken modulo the lane width.
    fn lane_shift(&mut self, s: Shape, kind: Shift) -> R {
        let count = self.pop_int();
        let x = self.pop_v(s)?;
        let count = self
            .b
            .build_and(count, self.i32_const(s.bits() - 1), "count")?;
        let lane = self.int_of_width(s.bits());
        let count = match s.bits() {
            8 | 16 => self.b.build_int_truncate(count, lane, "count")?,
            64 => self.b.build_int_z_extend(count, lane, "count")?,
            _ => count,
        };
        let counts = self.splat(s, count.into())?;
        let r = match kind {
            Shift::Left => self.b.build_left_shift(x, counts, "shl")?,
            Shift::Signed => self.b.build_right_shift(x, counts, true, "shr")?,
            Shift::Unsigned => self.b.build_right_shift(x, counts, false, "shr")?,
        };
        self.push_v(r)
    }

    /// The integer with one bit per lane of `s` (a `<lanes x i1>` bitcast).
    fn mask_int(&self, s: Shape) -> inkwell::types::IntType<'c> {
        match s.lanes() {
            16 => self.ctx.i16_type(),
            8 => self.ctx.i8_type(),
            n => self
                .ctx
                .custom_width_int_type(std::num::NonZeroU32::new(n).unwrap())
                .expect("a valid integer width"),
        }
    }

    /// `all_true`: every lane non-zero.
    fn all_true(&mut self, s: Shape) -> R {
        let x = self.pop_v(s)?;
        let zero = self.vty(s).const_zero();
        let nonzero = self.b.build_int_compare(I::NE, x, zero, "nonzero")?;
        let bits = self.b.build_bit_cast(nonzero, self.mask_int(s), "bits")?;
        let bits = bits.into_int_value();
        let all = self
            .b
            .build_int_compare(I::EQ, bits, bits.get_type().const_all_ones(), "all")?;
        let r = self
            .b
            .build_int_z_extend(all, self.ctx.i32_type(), "all_true")?;
        self.push(r);
        Ok(())
    }

    /// `bitmask`: the lanes' sign bits as an i32.
    fn bitmask(&mut self, s: Shape) -> R {
        let x = self.pop_v(s)?;
        let zero = self.vty(s).const_zero();
        let negative = self.b.build_int_compare(I::SLT, x, zero, "negative")?;
        let bits = self.b.build_bit_cast(negative, self.mask_int(s), "bits")?;
        let r = self
            .b
            .build_int_z_extend(bits.into_int_value(), self.ctx.i32_type(), "bitmask")?;
        self.push(r);
        Ok(())
    }

    /// Narrows two vectors of shape `from` into one with lanes half as wide, saturating to the
    /// signed or unsigned range of the narrow lane (inputs are signed).
    fn narrow(&mut self, from: Shape, signed: bool) -> R {
        let b = self.pop_v(from)?;
        let a = self.pop_v(from)?;
        let nb = from.bits() / 2;
        let (lo, hi) = if signed {
            (-(1i64 << (nb - 1)), (1i64 << (nb - 1)) - 1)
        } else {
            (0, (1i64 << nb) - 1)
        };
        let narrow_ty = self.ivec(nb, from.lanes());
        let mut halves = Vec::with_capacity(2);
        for v in [a, b] {
            let v = self.vintrinsic(
                "llvm.smax",
                &[self.vty(from)],
                &[v, self.splat_const(from, lo)],
            )?;
            let v = self.vintrinsic(
                "llvm.smin",
                &[self.vty(from)],
                &[v, self.splat_const(from, hi)],
            )?;
            halves.push(self.b.build_int_truncate(v, narrow_ty, "narrow")?);
        }
        let r = self.concat(halves[0], halves[1])?;
        self.push_v(r)
    }

    /// Extends `v`'s lanes to shape `to`.
    fn extend_to(
        &self,
        v: VectorValue<'c>,
        to: VectorType<'c>,
        signed: bool,
    ) -> Result<VectorValue<'c>> {
        Ok(if signed {
            self.b.build_int_s_extend(v, to, "ext")?
        } else {
            self.b.build_int_z_extend(v, to, "ext")?
        })
    }

    /// `extend_low`/`extend_high`: half of the narrower shape's lanes, widened to `to`.
    fn extend(&mut self, to: Shape, high: bool, signed: bool) -> R {
        let x = self.pop_v(to.narrower())?;
        let half = self.half(x, high)?;
        let r = self.extend_to(half, self.vty(to), signed)?;
        self.push_v(r)
    }

    /// `extmul_low`/`extmul_high`: the widened halves multiplied.
    fn extmul(&mut self, to: Shape, high: bool, signed: bool) -> R {
        let y = self.pop_v(to.narrower())?;
        let x = self.pop_v(to.narrower())?;
        let x = self.half(x, high)?;
        let y = self.half(y, high)?;
        let x = self.extend_to(x, self.vty(to), signed)?;
        let y = self.extend_to(y, self.vty(to), signed)?;
        let r = self.b.build_int_mul(x, y, "extmul")?;
        self.push_v(r)
    }

    /// Even and odd lanes of `v`, as two vectors of half the lanes.
    fn evens_odds(&self, v: VectorValue<'c>) -> Result<(VectorValue<'c>, VectorValue<'c>)> {
        let n = v.get_type().get_size();
        let evens = self.shuffle(v, v, (0..n).step_by(2))?;
        let odds = self.shuffle(v, v, (1..n).step_by(2))?;
        Ok((evens, odds))
    }

    /// `extadd_pairwise`: adjacent lane pairs, widened to `to` and added.
    fn extadd_pairwise(&mut self, to: Shape, signed: bool) -> R {
        let x = self.pop_v(to.narrower())?;
        let (evens, odds) = self.evens_odds(x)?;
        let evens = self.extend_to(evens, self.vty(to), signed)?;
        let odds = self.extend_to(odds, self.vty(to), signed)?;
        let r = self.b.build_int_add(evens, odds, "pairwise")?;
        self.push_v(r)
    }

    /// `i32x4.dot_i16x8_s`: products of signed i16 lanes, adjacent pairs added (wrapping).
    fn dot(&mut self) -> R {
        let y = self.pop_v(I16x8)?;
        let x = self.pop_v(I16x8)?;
        let wide = self.ivec(32, 8);
        let x = self.b.build_int_s_extend(x, wide, "x")?;
        let y = self.b.build_int_s_extend(y, wide, "y")?;
        let products = self.b.build_int_mul(x, y, "products")?;
        let (evens, odds) = self.evens_odds(products)?;
        let r = self.b.build_int_add(evens, odds, "dot")?;
        self.push_v(r)
    }

    /// `avgr_u`: `(x + y + 1) / 2` computed without overflow.
    fn avgr_u(&mut self, s: Shape) -> R {
        self.binop(s, |t, x, y| {
            let wide = t.ivec(s.bits() * 2, s.lanes());
            let x = t.b.build_int_z_extend(x, wide, "x")?;
            let y = t.b.build_int_z_extend(y, wide, "y")?;
            let one = VectorType::const_vector(&vec![
                t.int_of_width(s.bits() * 2)
                    .const_int(1, false);
                s.lanes() as usize
            ]);
            let sum = t.b.build_int_add(x, y, "sum")?;
            let sum = t.b.build_int_add(sum, one, "sum")?;
            let avg = t.b.build_right_shift(sum, one, false, "avg")?;
            Ok(t.b.build_int_truncate(avg, t.vty(s), "avgr")?)
        })
    }

    /// `(x * y + 0x4000) >> 15` of i16 lanes, as `<8 x i32>` (only `-0x8000 * -0x8000` leaves
    /// the i16 range: 0x8000).
    fn q15_product(&self, x: VectorValue<'c>, y: VectorValue<'c>) -> Result<VectorValue<'c>> {
        let wide = self.ivec(32, 8);
        let x = self.b.build_int_s_extend(x, wide, "x")?;
        let y = self.b.build_int_s_extend(y, wide, "y")?;
        let p = self.b.build_int_mul(x, y, "p")?;
        let p = self
            .b
            .build_int_add(p, self.splat_const_wide(0x4000), "p")?;
        Ok(self
            .b
            .build_right_shift(p, self.splat_const_wide(15), true, "p")?)
    }

    /// `i16x8.q15mulr_sat_s`: `(x * y + 0x4000) >> 15`, saturated.
    fn q15mulr(&mut self) -> R {
        self.binop(I16x8, |t, x, y| {
            let wide = t.ivec(32, 8);
            let p = t.q15_product(x, y)?;
            let p = t.vintrinsic("llvm.smin", &[wide], &[p, t.splat_const_wide(0x7fff)])?;
            let p = t.vintrinsic("llvm.smax", &[wide], &[p, t.splat_const_wide(-0x8000)])?;
            Ok(t.b.build_int_truncate(p, t.vty(I16x8), "q15")?)
        })
    }

    // ---- floats -----------------------------------------------------------------------------------

    /// `add`/`sub`/`mul`/`div` (`op` is `fadd`...) through the constrained intrinsics.
    fn float_arith_v(&mut self, s: Shape, op: &str) -> R {
        self.binop(s, |t, x, y| {
            Ok(t.constrained(op, &[t.vty(s).into()], &[x, y], true)?
                .into_vector_value())
        })
    }

    /// Wasm's `min`/`max` per lane: NaN if either lane is NaN, and -0 < +0.
    fn float_min_max(&mut self, s: Shape, min: bool) -> R {
        self.binop(s, |t, x, y| {
            let ity = t.int_vty(s);
            let uno = t.b.build_float_compare(F::UNO, x, y, "uno")?;
            let eq = t.b.build_float_compare(F::OEQ, x, y, "eq")?;
            let pick =
                t.b.build_float_compare(if min { F::OLT } else { F::OGT }, x, y, "pick")?;
            let chosen = t.b.build_select(pick, x, y, "chosen")?;
            let xb = t.cast(x, ity)?;
            let yb = t.cast(y, ity)?;
            let zb = if min {
                t.b.build_or(xb, yb, "zb")?
            } else {
                t.b.build_and(xb, yb, "zb")?
            };
            let z = t.cast(zb, t.vty(s))?;
            let ordered =
                t.b.build_select(eq, z, chosen.into_vector_value(), "ordered")?;
            let nan = t.constrained("fadd", &[t.vty(s).into()], &[x, y], true)?;
            Ok(t.b
                .build_select(
                    uno,
                    nan.into_vector_value(),
                    ordered.into_vector_value(),
                    "minmax",
                )?
                .into_vector_value())
        })
    }

    /// `pmin` (`y < x ? y : x`) and `pmax` (`x < y ? y : x`).
    fn pseudo_min_max(&mut self, s: Shape, min: bool) -> R {
        self.binop(s, |t, x, y| {
            let take_y = if min {
                t.b.build_float_compare(F::OLT, y, x, "lt")?
            } else {
                t.b.build_float_compare(F::OLT, x, y, "lt")?
            };
            Ok(t.b
                .build_select(take_y, y, x, "pminmax")?
                .into_vector_value())
        })
    }

    fn trunc_sat_v(&mut self, from: Shape, signed: bool) -> R {
        let x = self.pop_v(from)?;
        let name = if signed {
            "llvm.fptosi.sat"
        } else {
            "llvm.fptoui.sat"
        };
        let to = self.ivec(32, from.lanes());
        let r = self.vintrinsic(name, &[to, self.vty(from)], &[x])?;
        let r = if from.lanes() == 2 {
            self.concat(r, to.const_zero())?
        } else {
            r
        };
        self.push_v(r)
    }

    fn convert_v(&mut self, to: Shape, signed: bool) -> R {
        let x = self.pop_v(I32x4)?;
        let x = if to == F64x2 { self.half(x, false)? } else { x };
        let r = if signed {
            self.b
                .build_signed_int_to_float(x, self.vty(to), "convert")?
        } else {
            // Not `uitofp`: LLVM 16's InstCombine folds `icmp slt (bitcast (uitofp X)), 0` to
            // false even when the bitcast splits each float into narrower lanes (whose sign bits
            // are mantissa bits), so `i16x8.bitmask (f32x4.convert_i32x4_u ..)` gave 0 at O2
            // (found by the fuzzer). The value is the high and low 16 bits converted signed, as
            // hi * 65536 + lo: both exact, one rounding in the add, so correctly rounded.
            let n = x.get_type().get_size() as usize;
            let i32s = |c: u64| {
                VectorType::const_vector(&vec![self.ctx.i32_type().const_int(c, false); n])
            };
            let hi = self.b.build_right_shift(x, i32s(16), false, "hi")?;
            let lo = self.b.build_and(x, i32s(0xffff), "lo")?;
            let fty = self.vty(to);
            let hi = self.b.build_signed_int_to_float(hi, fty, "hi")?;
            let lo = self.b.build_signed_int_to_float(lo, fty, "lo")?;
            let elem = fty.get_element_type().into_float_type();
            let k = VectorType::const_vector(&vec![elem.const_float(65536.0); n]);
            let hi = self.b.build_float_mul(hi, k, "hi")?;
            self.b.build_float_add(hi, lo, "convert")?
        };
        self.push_v(r)
    }

    fn demote(&mut self) -> R {
        let x = self.pop_v(F64x2)?;
        let narrow = self.ctx.f32_type().vec_type(2);
        let r = self
            .constrained(
                "fptrunc",
                &[narrow.into(), self.vty(F64x2).into()],
                &[x],
                true,
            )?
            .into_vector_value();
        let r = self.concat(r, narrow.const_zero())?;
        self.push_v(r)
    }

    fn promote(&mut self) -> R {
        let x = self.pop_v(F32x4)?;
        let low = self.half(x, false)?;
        let r = self
            .constrained(
                "fpext",
                &[self.vty(F64x2).into(), low.get_type().into()],
                &[low],
                false,
            )?
            .into_vector_value();
        self.push_v(r)
    }

    // ---- lanes ------------------------------------------------------------------------------------

    fn extract_lane(&mut self, s: Shape, lane: u8, signed: Option<bool>) -> R {
        let x = self.pop_v(s)?;
        let v = self
            .b
            .build_extract_element(x, self.lane_index(lane), "lane")?;
        let v = match signed {
            Some(true) => self
                .b
                .build_int_s_extend(v.into_int_value(), self.ctx.i32_type(), "lane")?
                .into(),
            Some(false) => self
                .b
                .build_int_z_extend(v.into_int_value(), self.ctx.i32_type(), "lane")?
                .into(),
            None => v,
        };
        self.push(v);
        Ok(())
    }

    fn replace_lane(&mut self, s: Shape, lane: u8) -> R {
        let v = self.pop();
        let x = self.pop_v(s)?;
        let v: BasicValueEnum<'c> = if v.is_int_value() {
            self.to_lane(s, v.into_int_value())?.into()
        } else {
            v
        };
        let r = self
            .b
            .build_insert_element(x, v, self.lane_index(lane), "replace")?;
        self.push_v(r)
    }

    fn splat_op(&mut self, s: Shape) -> R {
        let v = self.pop();
        let v: BasicValueEnum<'c> = if v.is_int_value() {
            self.to_lane(s, v.into_int_value())?.into()
        } else {
            v
        };
        let r = self.splat(s, v)?;
        self.push_v(r)
    }

    fn shuffle_op(&mut self, lanes: [u8; 16]) -> R {
        let b = self.pop_v(I8x16)?;
        let a = self.pop_v(I8x16)?;
        let r = self.shuffle(a, b, lanes.iter().map(|&l| l as u32))?;
        self.push_v(r)
    }

    /// `swizzle`: `a[idx[i]]`, 0 where `idx[i] >= 16`. Adding 0x70 with unsigned saturation
    /// keeps 0..15 in the low nibble and sets the top bit of every index >= 16, which `pshufb`
    /// turns into 0.
    fn swizzle(&mut self) -> R {
        let idx = self.pop_v(I8x16)?;
        let a = self.pop_v(I8x16)?;
        let idx = self.vintrinsic(
            "llvm.uadd.sat",
            &[self.vty(I8x16)],
            &[idx, self.splat_const(I8x16, 0x70)],
        )?;
        let r = self.pshufb(a, idx)?;
        self.push_v(r)
    }

    /// What x86's `pshufb` computes: `a[idx[i] & 15]`, or 0 where `idx[i]`'s top bit is set.
    fn pshufb(&self, a: VectorValue<'c>, idx: VectorValue<'c>) -> Result<VectorValue<'c>> {
        if has_feature("ssse3") {
            self.vintrinsic("llvm.x86.ssse3.pshuf.b.128", &[], &[a, idx])
        } else {
            self.swizzle_by_lane(a, idx)
        }
    }

    /// `pshufb` without `pshufb` (x86-64 CPUs before SSSE3): lane by lane (top bit of the index
    /// set: the lane is 0, else the index's low four bits pick the lane).
    fn swizzle_by_lane(&self, a: VectorValue<'c>, idx: VectorValue<'c>) -> Result<VectorValue<'c>> {
        let i8t = self.ctx.i8_type();
        let mut r = self.vty(I8x16).const_zero();
        for lane in 0..16 {
            let i = self
                .b
                .build_extract_element(idx, self.lane_index(lane), "i")?
                .into_int_value();
            let low = self.b.build_and(i, i8t.const_int(15, false), "low")?;
            let v = self.b.build_extract_element(a, low, "v")?.into_int_value();
            let in_range =
                self.b
                    .build_int_compare(I::ULT, i, i8t.const_int(0x80, false), "in_range")?;
            let v = self.b.build_select(in_range, v, i8t.const_zero(), "lane")?;
            r = self
                .b
                .build_insert_element(r, v, self.lane_index(lane), "swizzle")?;
        }
        Ok(r)
    }

    // ---- memory -----------------------------------------------------------------------------------

    fn load_v128(&mut self, m: MemArg) -> R {
        let v = self.heap_load(&m, abi::v128_type(self.ctx).into())?;
        self.push(v);
        Ok(())
    }

    /// `load8x8_s` and friends: 64 bits loaded as lanes of `to`'s narrower shape, extended.
    fn load_extend(&mut self, m: MemArg, to: Shape, signed: bool) -> R {
        let narrow = self.ivec(to.bits() / 2, to.lanes());
        let v = self.heap_load(&m, narrow.into())?.into_vector_value();
        let r = self.extend_to(v, self.vty(to), signed)?;
        self.push_v(r)
    }

    fn load_splat(&mut self, m: MemArg, s: Shape) -> R {
        let v = self.heap_load(&m, self.int_of_width(s.bits()).into())?;
        let r = self.splat(s, v)?;
        self.push_v(r)
    }

    fn load_zero(&mut self, m: MemArg, s: Shape) -> R {
        let v = self.heap_load(&m, self.int_of_width(s.bits()).into())?;
        let r =
            self.b
                .build_insert_element(self.vty(s).const_zero(), v, self.lane_index(0), "zero")?;
        self.push_v(r)
    }

    fn load_lane(&mut self, m: MemArg, s: Shape, lane: u8) -> R {
        let x = self.pop_v(s)?;
        let v = self.heap_load(&m, self.int_of_width(s.bits()).into())?;
        let r = self
            .b
            .build_insert_element(x, v, self.lane_index(lane), "lane")?;
        self.push_v(r)
    }

    fn store_lane(&mut self, m: MemArg, s: Shape, lane: u8) -> R {
        let x = self.pop_v(s)?;
        let v = self
            .b
            .build_extract_element(x, self.lane_index(lane), "lane")?;
        self.heap_store(&m, v)
    }

    fn v128_const(&mut self, value: wasmparser::V128) -> R {
        let bytes = value.bytes();
        let i64t = self.ctx.i64_type();
        let lo = u64::from_le_bytes(bytes[..8].try_into().unwrap());
        let hi = u64::from_le_bytes(bytes[8..].try_into().unwrap());
        let v = VectorType::const_vector(&[i64t.const_int(lo, false), i64t.const_int(hi, false)]);
        self.push_v(v)
    }

    // ---- relaxed SIMD -----------------------------------------------------------------------------
    //
    // Each relaxed operator gives one fixed result of those the spec allows: the one x86-64 computes
    // fastest (DESIGN.md, "Relaxed SIMD", says which and why). The result is the same in every
    // tier, at every opt level and on every x86-64 CPU: it is computed by x86 intrinsics, which
    // have their instruction's exact semantics, or by generic operations without poison. An
    // intrinsic past SSE2 is used only when the target has its feature (LLVM cannot select it
    // otherwise), with a generic lowering of the same result for CPUs without it.

    /// A constant float vector of shape `s` with every lane `value`.
    fn splat_float(&self, s: Shape, value: f64) -> VectorValue<'c> {
        let lane = self
            .vty(s)
            .get_element_type()
            .into_float_type()
            .const_float(value);
        VectorType::const_vector(&vec![lane; s.lanes() as usize])
    }

    /// `i8x16.relaxed_swizzle` as `pshufb`: `a[idx & 15]`, 0 where `idx >= 128`.
    fn relaxed_swizzle(&mut self) -> R {
        let idx = self.pop_v(I8x16)?;
        let a = self.pop_v(I8x16)?;
        let r = self.pshufb(a, idx)?;
        self.push_v(r)
    }

    /// `i32x4.relaxed_trunc_f32x4_s` and `_f64x2_s_zero` as `cvttps2dq`/`cvttpd2dq`: INT32_MIN
    /// for NaN and out-of-range lanes (the latter zeroes the two upper lanes).
    fn relaxed_trunc_s(&mut self, from: Shape) -> R {
        let x = self.pop_v(from)?;
        let name = if from == F32x4 {
            "llvm.x86.sse2.cvttps2dq"
        } else {
            "llvm.x86.sse2.cvttpd2dq"
        };
        let r = self.vintrinsic(name, &[], &[x])?;
        self.push_v(r)
    }

    /// `i32x4.relaxed_trunc_f32x4_u` and `_f64x2_u_zero`: saturating, like `trunc_sat_u` (0 for
    /// NaN and negative lanes, UINT32_MAX above), in 10 and 8 vector instructions (LLVM 16 lowers
    /// `llvm.fptoui.sat` of vectors one lane at a time: 32 instructions for f32x4).
    fn relaxed_trunc_u(&mut self, from: Shape) -> R {
        let x = self.pop_v(from)?;
        let (max, min, cvtt) = if from == F32x4 {
            (
                "llvm.x86.sse.max.ps",
                "llvm.x86.sse.min.ps",
                "llvm.x86.sse2.cvttps2dq",
            )
        } else {
            (
                "llvm.x86.sse2.max.pd",
                "llvm.x86.sse2.min.pd",
                "llvm.x86.sse2.cvttpd2dq",
            )
        };
        let i32x4 = self.vty(I32x4);
        let two31 = self.splat_float(from, 2147483648.0);
        // `maxps` gives its second operand where either is NaN: NaN and negative lanes become 0.
        let x = self.vintrinsic(max, &[], &[x, self.vty(from).const_zero()])?;
        // `cvtt` converts lanes below 2^31 exactly and gives INT32_MIN for the others; those
        // convert as x - 2^31 (exact there), which added to INT32_MIN makes the result.
        let (low, high) = if from == F32x4 {
            // Lanes >= 2^32 (x - 2^31 >= 2^31, which converts to INT32_MIN) are flipped to
            // 0x7fffffff: with INT32_MIN that makes UINT32_MAX.
            let y = self.b.build_float_sub(x, two31, "y")?;
            let big = self.b.build_float_compare(F::OGE, y, two31, "big")?;
            let big = self.b.build_int_s_extend(big, i32x4, "big")?;
            let high = self.vintrinsic(cvtt, &[], &[y])?;
            let high = self.b.build_xor(high, big, "high")?;
            (self.vintrinsic(cvtt, &[], &[x])?, high)
        } else {
            // UINT32_MAX is a double: lanes are clamped to it first.
            let x = self.vintrinsic(min, &[], &[x, self.splat_float(F64x2, 4294967295.0)])?;
            let y = self.b.build_float_sub(x, two31, "y")?;
            let high = self.vintrinsic(cvtt, &[], &[y])?;
            (self.vintrinsic(cvtt, &[], &[x])?, high)
        };
        // Below 2^31, x - 2^31 converts to a lane <= 0: clamped to 0, it adds nothing.
        let high = self.vintrinsic("llvm.smax", &[i32x4], &[high, i32x4.const_zero()])?;
        let r = self.b.build_int_add(low, high, "trunc")?;
        self.push_v(r)
    }

    /// `relaxed_madd` (`a * b + c`) and `relaxed_nmadd` (`-a * b + c`), fused: one rounding.
    /// Constrained like wasm's other float arithmetic (so no fold hands back a signalling NaN;
    /// `codegen/relax.rs` relaxes it for the loop passes); CPUs without FMA call libm's `fma`.
    fn relaxed_madd(&mut self, s: Shape, negate: bool) -> R {
        let c = self.pop_v(s)?;
        let b = self.pop_v(s)?;
        let a = self.pop_v(s)?;
        let a = if negate {
            self.b.build_float_neg(a, "neg")?
        } else {
            a
        };
        let r = self
            .constrained("fma", &[self.vty(s).into()], &[a, b, c], true)?
            .into_vector_value();
        self.push_v(r)
    }

    /// `relaxed_laneselect` as `blendv`: each lane from `a` where the mask lane's top bit is set,
    /// from `b` where it is clear (i16 lanes: the mask is widened from its top bit first).
    fn relaxed_laneselect(&mut self, s: Shape) -> R {
        let m = self.pop_v(s)?;
        let b = self.pop_v(s)?;
        let a = self.pop_v(s)?;
        let r = if has_feature("sse4.1") {
            let (name, ty) = match s {
                I32x4 => ("llvm.x86.sse41.blendvps", self.vty(F32x4)),
                I64x2 => ("llvm.x86.sse41.blendvpd", self.vty(F64x2)),
                _ => ("llvm.x86.sse41.pblendvb", self.vty(I8x16)),
            };
            let m = if s == I16x8 {
                let fifteen = self.splat_const(I16x8, 15);
                self.b.build_right_shift(m, fifteen, true, "mask")?
            } else {
                m
            };
            let (b, a, m) = (self.cast(b, ty)?, self.cast(a, ty)?, self.cast(m, ty)?);
            self.vintrinsic(name, &[], &[b, a, m])?
        } else {
            let top = self
                .b
                .build_int_compare(I::SLT, m, self.vty(s).const_zero(), "top")?;
            self.b
                .build_select(top, a, b, "laneselect")?
                .into_vector_value()
        };
        self.push_v(r)
    }

    /// `relaxed_min`/`relaxed_max` as `minps`/`maxps` (`a < b ? a : b`, `a > b ? a : b`): the
    /// second operand where either is NaN or both are zeroes.
    fn relaxed_min_max(&mut self, s: Shape, min: bool) -> R {
        let name = match (s, min) {
            (F32x4, true) => "llvm.x86.sse.min.ps",
            (F32x4, false) => "llvm.x86.sse.max.ps",
            (_, true) => "llvm.x86.sse2.min.pd",
            (_, false) => "llvm.x86.sse2.max.pd",
        };
        self.binop(s, |t, x, y| t.vintrinsic(name, &[], &[x, y]))
    }

    /// `i16x8.relaxed_q15mulr_s` as `pmulhrsw`: `(x * y + 0x4000) >> 15`, where only
    /// `-0x8000 * -0x8000` overflows, to -0x8000.
    fn relaxed_q15mulr(&mut self) -> R {
        self.binop(I16x8, |t, x, y| {
            if has_feature("ssse3") {
                t.vintrinsic("llvm.x86.ssse3.pmul.hr.sw.128", &[], &[x, y])
            } else {
                let p = t.q15_product(x, y)?;
                Ok(t.b.build_int_truncate(p, t.vty(I16x8), "q15")?)
            }
        })
    }

    /// The relaxed dot product's first step as `pmaddubsw b, a`: `b`'s bytes unsigned times
    /// `a`'s signed, adjacent products added with signed saturation, as `<8 x i16>`.
    fn dot_i8x16_i7x16(&self, a: VectorValue<'c>, b: VectorValue<'c>) -> Result<VectorValue<'c>> {
        if has_feature("ssse3") {
            return self.vintrinsic("llvm.x86.ssse3.pmadd.ub.sw.128", &[], &[b, a]);
        }
        // Each product, -128 * 255 ..= 127 * 255, fits in i16.
        let wide = self.ivec(16, 16);
        let a = self.b.build_int_s_extend(a, wide, "a")?;
        let b = self.b.build_int_z_extend(b, wide, "b")?;
        let products = self.b.build_int_mul(a, b, "products")?;
        let (evens, odds) = self.evens_odds(products)?;
        self.vintrinsic("llvm.sadd.sat", &[self.vty(I16x8)], &[evens, odds])
    }

    /// `i16x8.relaxed_dot_i8x16_i7x16_s`: see [`Self::dot_i8x16_i7x16`].
    fn relaxed_dot(&mut self) -> R {
        self.binop(I8x16, |t, a, b| t.dot_i8x16_i7x16(a, b))
    }

    /// `i32x4.relaxed_dot_i8x16_i7x16_add_s`: the i16 dot product's adjacent lanes added
    /// (`pmaddwd` by 1) and then `c` (wrapping).
    fn relaxed_dot_add(&mut self) -> R {
        let c = self.pop_v(I32x4)?;
        let b = self.pop_v(I8x16)?;
        let a = self.pop_v(I8x16)?;
        let d = self.dot_i8x16_i7x16(a, b)?;
        let pairs = self.vintrinsic(
            "llvm.x86.sse2.pmadd.wd",
            &[],
            &[d, self.splat_const(I16x8, 1)],
        )?;
        let r = self.b.build_int_add(pairs, c, "dot")?;
        self.push_v(r)
    }

    /// Translates one SIMD operator.
    fn simd(&mut self, op: O<'_>) -> R {
        match op {
            O::V128Load { memarg } => self.load_v128(memarg),
            O::V128Load8x8S { memarg } => self.load_extend(memarg, I16x8, true),
            O::V128Load8x8U { memarg } => self.load_extend(memarg, I16x8, false),
            O::V128Load16x4S { memarg } => self.load_extend(memarg, I32x4, true),
            O::V128Load16x4U { memarg } => self.load_extend(memarg, I32x4, false),
            O::V128Load32x2S { memarg } => self.load_extend(memarg, I64x2, true),
            O::V128Load32x2U { memarg } => self.load_extend(memarg, I64x2, false),
            O::V128Load8Splat { memarg } => self.load_splat(memarg, I8x16),
            O::V128Load16Splat { memarg } => self.load_splat(memarg, I16x8),
            O::V128Load32Splat { memarg } => self.load_splat(memarg, I32x4),
            O::V128Load64Splat { memarg } => self.load_splat(memarg, I64x2),
            O::V128Load32Zero { memarg } => self.load_zero(memarg, I32x4),
            O::V128Load64Zero { memarg } => self.load_zero(memarg, I64x2),
            O::V128Store { memarg } => {
                let v = self.pop();
                self.heap_store(&memarg, v)
            }
            O::V128Load8Lane { memarg, lane } => self.load_lane(memarg, I8x16, lane),
            O::V128Load16Lane { memarg, lane } => self.load_lane(memarg, I16x8, lane),
            O::V128Load32Lane { memarg, lane } => self.load_lane(memarg, I32x4, lane),
            O::V128Load64Lane { memarg, lane } => self.load_lane(memarg, I64x2, lane),
            O::V128Store8Lane { memarg, lane } => self.store_lane(memarg, I8x16, lane),
            O::V128Store16Lane { memarg, lane } => self.store_lane(memarg, I16x8, lane),
            O::V128Store32Lane { memarg, lane } => self.store_lane(memarg, I32x4, lane),
            O::V128Store64Lane { memarg, lane } => self.store_lane(memarg, I64x2, lane),
            O::V128Const { value } => self.v128_const(value),
            O::I8x16Shuffle { lanes } => self.shuffle_op(lanes),
            O::I8x16ExtractLaneS { lane } => self.extract_lane(I8x16, lane, Some(true)),
            O::I8x16ExtractLaneU { lane } => self.extract_lane(I8x16, lane, Some(false)),
            O::I8x16ReplaceLane { lane } => self.replace_lane(I8x16, lane),
            O::I16x8ExtractLaneS { lane } => self.extract_lane(I16x8, lane, Some(true)),
            O::I16x8ExtractLaneU { lane } => self.extract_lane(I16x8, lane, Some(false)),
            O::I16x8ReplaceLane { lane } => self.replace_lane(I16x8, lane),
            O::I32x4ExtractLane { lane } => self.extract_lane(I32x4, lane, None),
            O::I32x4ReplaceLane { lane } => self.replace_lane(I32x4, lane),
            O::I64x2ExtractLane { lane } => self.extract_lane(I64x2, lane, None),
            O::I64x2ReplaceLane { lane } => self.replace_lane(I64x2, lane),
            O::F32x4ExtractLane { lane } => self.extract_lane(F32x4, lane, None),
            O::F32x4ReplaceLane { lane } => self.replace_lane(F32x4, lane),
            O::F64x2ExtractLane { lane } => self.extract_lane(F64x2, lane, None),
            O::F64x2ReplaceLane { lane } => self.replace_lane(F64x2, lane),
            O::I8x16Swizzle => self.swizzle(),
            O::I8x16Splat => self.splat_op(I8x16),
            O::I16x8Splat => self.splat_op(I16x8),
            O::I32x4Splat => self.splat_op(I32x4),
            O::I64x2Splat => self.splat_op(I64x2),
            O::F32x4Splat => self.splat_op(F32x4),
            O::F64x2Splat => self.splat_op(F64x2),

            O::I8x16Eq => self.icmp(I8x16, I::EQ),
            O::I8x16Ne => self.icmp(I8x16, I::NE),
            O::I8x16LtS => self.icmp(I8x16, I::SLT),
            O::I8x16LtU => self.icmp(I8x16, I::ULT),
            O::I8x16GtS => self.icmp(I8x16, I::SGT),
            O::I8x16GtU => self.icmp(I8x16, I::UGT),
            O::I8x16LeS => self.icmp(I8x16, I::SLE),
            O::I8x16LeU => self.icmp(I8x16, I::ULE),
            O::I8x16GeS => self.icmp(I8x16, I::SGE),
            O::I8x16GeU => self.icmp(I8x16, I::UGE),
            O::I16x8Eq => self.icmp(I16x8, I::EQ),
            O::I16x8Ne => self.icmp(I16x8, I::NE),
            O::I16x8LtS => self.icmp(I16x8, I::SLT),
            O::I16x8LtU => self.icmp(I16x8, I::ULT),
            O::I16x8GtS => self.icmp(I16x8, I::SGT),
            O::I16x8GtU => self.icmp(I16x8, I::UGT),
            O::I16x8LeS => self.icmp(I16x8, I::SLE),
            O::I16x8LeU => self.icmp(I16x8, I::ULE),
            O::I16x8GeS => self.icmp(I16x8, I::SGE),
            O::I16x8GeU => self.icmp(I16x8, I::UGE),
            O::I32x4Eq => self.icmp(I32x4, I::EQ),
            O::I32x4Ne => self.icmp(I32x4, I::NE),
            O::I32x4LtS => self.icmp(I32x4, I::SLT),
            O::I32x4LtU => self.icmp(I32x4, I::ULT),
            O::I32x4GtS => self.icmp(I32x4, I::SGT),
            O::I32x4GtU => self.icmp(I32x4, I::UGT),
            O::I32x4LeS => self.icmp(I32x4, I::SLE),
            O::I32x4LeU => self.icmp(I32x4, I::ULE),
            O::I32x4GeS => self.icmp(I32x4, I::SGE),
            O::I32x4GeU => self.icmp(I32x4, I::UGE),
            O::I64x2Eq => self.icmp(I64x2, I::EQ),
            O::I64x2Ne => self.icmp(I64x2, I::NE),
            O::I64x2LtS => self.icmp(I64x2, I::SLT),
            O::I64x2GtS => self.icmp(I64x2, I::SGT),
            O::I64x2LeS => self.icmp(I64x2, I::SLE),
            O::I64x2GeS => self.icmp(I64x2, I::SGE),
            O::F32x4Eq => self.fcmp(F32x4, F::OEQ),
            O::F32x4Ne => self.fcmp(F32x4, F::UNE),
            O::F32x4Lt => self.fcmp(F32x4, F::OLT),
            O::F32x4Gt => self.fcmp(F32x4, F::OGT),
            O::F32x4Le => self.fcmp(F32x4, F::OLE),
            O::F32x4Ge => self.fcmp(F32x4, F::OGE),
            O::F64x2Eq => self.fcmp(F64x2, F::OEQ),
            O::F64x2Ne => self.fcmp(F64x2, F::UNE),
            O::F64x2Lt => self.fcmp(F64x2, F::OLT),
            O::F64x2Gt => self.fcmp(F64x2, F::OGT),
            O::F64x2Le => self.fcmp(F64x2, F::OLE),
            O::F64x2Ge => self.fcmp(F64x2, F::OGE),

            O::V128Not => self.unop(I64x2, |t, x| Ok(t.b.build_not(x, "not")?)),
            O::V128And => self.int_arith(I64x2, |t, x, y| Ok(t.b.build_and(x, y, "and")?)),
            O::V128AndNot => self.int_arith(I64x2, |t, x, y| {
                let ny = t.b.build_not(y, "not")?;
                Ok(t.b.build_and(x, ny, "andnot")?)
            }),
            O::V128Or => self.int_arith(I64x2, |t, x, y| Ok(t.b.build_or(x, y, "or")?)),
            O::V128Xor => self.int_arith(I64x2, |t, x, y| Ok(t.b.build_xor(x, y, "xor")?)),
            O::V128Bitselect => {
                let c = self.pop_v(I64x2)?;
                let y = self.pop_v(I64x2)?;
                let x = self.pop_v(I64x2)?;
                let xc = self.b.build_and(x, c, "x")?;
                let nc = self.b.build_not(c, "nc")?;
                let yc = self.b.build_and(y, nc, "y")?;
                let r = self.b.build_or(xc, yc, "bitselect")?;
                self.push_v(r)
            }
            O::V128AnyTrue => {
                let x = self.pop();
                let wide = self
                    .b
                    .build_bit_cast(x, self.ctx.i128_type(), "bits")?
                    .into_int_value();
                let any = self.b.build_int_compare(
                    I::NE,
                    wide,
                    self.ctx.i128_type().const_zero(),
                    "any",
                )?;
                let r = self
                    .b
                    .build_int_z_extend(any, self.ctx.i32_type(), "any_true")?;
                self.push(r);
                Ok(())
            }

            O::I8x16Abs => self.abs(I8x16),
            O::I8x16Neg => self.unop(I8x16, |t, x| Ok(t.b.build_int_neg(x, "neg")?)),
            O::I8x16Popcnt => self.unop_intrinsic(I8x16, "llvm.ctpop"),
            O::I8x16AllTrue => self.all_true(I8x16),
            O::I8x16Bitmask => self.bitmask(I8x16),
            O::I8x16NarrowI16x8S => self.narrow(I16x8, true),
            O::I8x16NarrowI16x8U => self.narrow(I16x8, false),
            O::I8x16Shl => self.lane_shift(I8x16, Shift::Left),
            O::I8x16ShrS => self.lane_shift(I8x16, Shift::Signed),
            O::I8x16ShrU => self.lane_shift(I8x16, Shift::Unsigned),
            O::I8x16Add => self.int_arith(I8x16, |t, x, y| Ok(t.b.build_int_add(x, y, "add")?)),
            O::I8x16AddSatS => self.binop_intrinsic(I8x16, "llvm.sadd.sat"),
            O::I8x16AddSatU => self.binop_intrinsic(I8x16, "llvm.uadd.sat"),
            O::I8x16Sub => self.int_arith(I8x16, |t, x, y| Ok(t.b.build_int_sub(x, y, "sub")?)),
            O::I8x16SubSatS => self.binop_intrinsic(I8x16, "llvm.ssub.sat"),
            O::I8x16SubSatU => self.binop_intrinsic(I8x16, "llvm.usub.sat"),
            O::I8x16MinS => self.binop_intrinsic(I8x16, "llvm.smin"),
            O::I8x16MinU => self.binop_intrinsic(I8x16, "llvm.umin"),
            O::I8x16MaxS => self.binop_intrinsic(I8x16, "llvm.smax"),
            O::I8x16MaxU => self.binop_intrinsic(I8x16, "llvm.umax"),
            O::I8x16AvgrU => self.avgr_u(I8x16),

            O::I16x8ExtAddPairwiseI8x16S => self.extadd_pairwise(I16x8, true),
            O::I16x8ExtAddPairwiseI8x16U => self.extadd_pairwise(I16x8, false),
            O::I16x8Abs => self.abs(I16x8),
            O::I16x8Neg => self.unop(I16x8, |t, x| Ok(t.b.build_int_neg(x, "neg")?)),
            O::I16x8Q15MulrSatS => self.q15mulr(),
            O::I16x8AllTrue => self.all_true(I16x8),
            O::I16x8Bitmask => self.bitmask(I16x8),
            O::I16x8NarrowI32x4S => self.narrow(I32x4, true),
            O::I16x8NarrowI32x4U => self.narrow(I32x4, false),
            O::I16x8ExtendLowI8x16S => self.extend(I16x8, false, true),
            O::I16x8ExtendHighI8x16S => self.extend(I16x8, true, true),
            O::I16x8ExtendLowI8x16U => self.extend(I16x8, false, false),
            O::I16x8ExtendHighI8x16U => self.extend(I16x8, true, false),
            O::I16x8Shl => self.lane_shift(I16x8, Shift::Left),
            O::I16x8ShrS => self.lane_shift(I16x8, Shift::Signed),
            O::I16x8ShrU => self.lane_shift(I16x8, Shift::Unsigned),
            O::I16x8Add => self.int_arith(I16x8, |t, x, y| Ok(t.b.build_int_add(x, y, "add")?)),
            O::I16x8AddSatS => self.binop_intrinsic(I16x8, "llvm.sadd.sat"),
            O::I16x8AddSatU => self.binop_intrinsic(I16x8, "llvm.uadd.sat"),
            O::I16x8Sub => self.int_arith(I16x8, |t, x, y| Ok(t.b.build_int_sub(x, y, "sub")?)),
            O::I16x8SubSatS => self.binop_intrinsic(I16x8, "llvm.ssub.sat"),
            O::I16x8SubSatU => self.binop_intrinsic(I16x8, "llvm.usub.sat"),
            O::I16x8Mul => self.int_arith(I16x8, |t, x, y| Ok(t.b.build_int_mul(x, y, "mul")?)),
            O::I16x8MinS => self.binop_intrinsic(I16x8, "llvm.smin"),
            O::I16x8MinU => self.binop_intrinsic(I16x8, "llvm.umin"),
            O::I16x8MaxS => self.binop_intrinsic(I16x8, "llvm.smax"),
            O::I16x8MaxU => self.binop_intrinsic(I16x8, "llvm.umax"),
            O::I16x8AvgrU => self.avgr_u(I16x8),
            O::I16x8ExtMulLowI8x16S => self.extmul(I16x8, false, true),
            O::I16x8ExtMulHighI8x16S => self.extmul(I16x8, true, true),
            O::I16x8ExtMulLowI8x16U => self.extmul(I16x8, false, false),
            O::I16x8ExtMulHighI8x16U => self.extmul(I16x8, true, false),

            O::I32x4ExtAddPairwiseI16x8S => self.extadd_pairwise(I32x4, true),
            O::I32x4ExtAddPairwiseI16x8U => self.extadd_pairwise(I32x4, false),
            O::I32x4Abs => self.abs(I32x4),
            O::I32x4Neg => self.unop(I32x4, |t, x| Ok(t.b.build_int_neg(x, "neg")?)),
            O::I32x4AllTrue => self.all_true(I32x4),
            O::I32x4Bitmask => self.bitmask(I32x4),
            O::I32x4ExtendLowI16x8S => self.extend(I32x4, false, true),
            O::I32x4ExtendHighI16x8S => self.extend(I32x4, true, true),
            O::I32x4ExtendLowI16x8U => self.extend(I32x4, false, false),
            O::I32x4ExtendHighI16x8U => self.extend(I32x4, true, false),
            O::I32x4Shl => self.lane_shift(I32x4, Shift::Left),
            O::I32x4ShrS => self.lane_shift(I32x4, Shift::Signed),
            O::I32x4ShrU => self.lane_shift(I32x4, Shift::Unsigned),
            O::I32x4Add => self.int_arith(I32x4, |t, x, y| Ok(t.b.build_int_add(x, y, "add")?)),
            O::I32x4Sub => self.int_arith(I32x4, |t, x, y| Ok(t.b.build_int_sub(x, y, "sub")?)),
            O::I32x4Mul => self.int_arith(I32x4, |t, x, y| Ok(t.b.build_int_mul(x, y, "mul")?)),
            O::I32x4MinS => self.binop_intrinsic(I32x4, "llvm.smin"),
            O::I32x4MinU => self.binop_intrinsic(I32x4, "llvm.umin"),
            O::I32x4MaxS => self.binop_intrinsic(I32x4, "llvm.smax"),
            O::I32x4MaxU => self.binop_intrinsic(I32x4, "llvm.umax"),
            O::I32x4DotI16x8S => self.dot(),
            O::I32x4ExtMulLowI16x8S => self.extmul(I32x4, false, true),
            O::I32x4ExtMulHighI16x8S => self.extmul(I32x4, true, true),
            O::I32x4ExtMulLowI16x8U => self.extmul(I32x4, false, false),
            O::I32x4ExtMulHighI16x8U => self.extmul(I32x4, true, false),

            O::I64x2Abs => self.abs(I64x2),
            O::I64x2Neg => self.unop(I64x2, |t, x| Ok(t.b.build_int_neg(x, "neg")?)),
            O::I64x2AllTrue => self.all_true(I64x2),
            O::I64x2Bitmask => self.bitmask(I64x2),
            O::I64x2ExtendLowI32x4S => self.extend(I64x2, false, true),
            O::I64x2ExtendHighI32x4S => self.extend(I64x2, true, true),
            O::I64x2ExtendLowI32x4U => self.extend(I64x2, false, false),
            O::I64x2ExtendHighI32x4U => self.extend(I64x2, true, false),
            O::I64x2Shl => self.lane_shift(I64x2, Shift::Left),
            O::I64x2ShrS => self.lane_shift(I64x2, Shift::Signed),
            O::I64x2ShrU => self.lane_shift(I64x2, Shift::Unsigned),
            O::I64x2Add => self.int_arith(I64x2, |t, x, y| Ok(t.b.build_int_add(x, y, "add")?)),
            O::I64x2Sub => self.int_arith(I64x2, |t, x, y| Ok(t.b.build_int_sub(x, y, "sub")?)),
            O::I64x2Mul => self.int_arith(I64x2, |t, x, y| Ok(t.b.build_int_mul(x, y, "mul")?)),
            O::I64x2ExtMulLowI32x4S => self.extmul(I64x2, false, true),
            O::I64x2ExtMulHighI32x4S => self.extmul(I64x2, true, true),
            O::I64x2ExtMulLowI32x4U => self.extmul(I64x2, false, false),
            O::I64x2ExtMulHighI32x4U => self.extmul(I64x2, true, false),

            O::F32x4Ceil => self.unop_intrinsic(F32x4, "llvm.ceil"),
            O::F32x4Floor => self.unop_intrinsic(F32x4, "llvm.floor"),
            O::F32x4Trunc => self.unop_intrinsic(F32x4, "llvm.trunc"),
            O::F32x4Nearest => self.unop_intrinsic(F32x4, "llvm.roundeven"),
            O::F32x4Abs => self.unop_intrinsic(F32x4, "llvm.fabs"),
            O::F32x4Neg => self.unop(F32x4, |t, x| Ok(t.b.build_float_neg(x, "neg")?)),
            O::F32x4Sqrt => self.unop_intrinsic(F32x4, "llvm.sqrt"),
            O::F32x4Add => self.float_arith_v(F32x4, "fadd"),
            O::F32x4Sub => self.float_arith_v(F32x4, "fsub"),
            O::F32x4Mul => self.float_arith_v(F32x4, "fmul"),
            O::F32x4Div => self.float_arith_v(F32x4, "fdiv"),
            O::F32x4Min => self.float_min_max(F32x4, true),
            O::F32x4Max => self.float_min_max(F32x4, false),
            O::F32x4PMin => self.pseudo_min_max(F32x4, true),
            O::F32x4PMax => self.pseudo_min_max(F32x4, false),
            O::F64x2Ceil => self.unop_intrinsic(F64x2, "llvm.ceil"),
            O::F64x2Floor => self.unop_intrinsic(F64x2, "llvm.floor"),
            O::F64x2Trunc => self.unop_intrinsic(F64x2, "llvm.trunc"),
            O::F64x2Nearest => self.unop_intrinsic(F64x2, "llvm.roundeven"),
            O::F64x2Abs => self.unop_intrinsic(F64x2, "llvm.fabs"),
            O::F64x2Neg => self.unop(F64x2, |t, x| Ok(t.b.build_float_neg(x, "neg")?)),
            O::F64x2Sqrt => self.unop_intrinsic(F64x2, "llvm.sqrt"),
            O::F64x2Add => self.float_arith_v(F64x2, "fadd"),
            O::F64x2Sub => self.float_arith_v(F64x2, "fsub"),
            O::F64x2Mul => self.float_arith_v(F64x2, "fmul"),
            O::F64x2Div => self.float_arith_v(F64x2, "fdiv"),
            O::F64x2Min => self.float_min_max(F64x2, true),
            O::F64x2Max => self.float_min_max(F64x2, false),
            O::F64x2PMin => self.pseudo_min_max(F64x2, true),
            O::F64x2PMax => self.pseudo_min_max(F64x2, false),

            O::I32x4TruncSatF32x4S => self.trunc_sat_v(F32x4, true),
            O::I32x4TruncSatF32x4U => self.trunc_sat_v(F32x4, false),
            O::F32x4ConvertI32x4S => self.convert_v(F32x4, true),
            O::F32x4ConvertI32x4U => self.convert_v(F32x4, false),
            O::I32x4TruncSatF64x2SZero => self.trunc_sat_v(F64x2, true),
            O::I32x4TruncSatF64x2UZero => self.trunc_sat_v(F64x2, false),
            O::F64x2ConvertLowI32x4S => self.convert_v(F64x2, true),
            O::F64x2ConvertLowI32x4U => self.convert_v(F64x2, false),
            O::F32x4DemoteF64x2Zero => self.demote(),
            O::F64x2PromoteLowF32x4 => self.promote(),

            O::I8x16RelaxedSwizzle => self.relaxed_swizzle(),
            O::I32x4RelaxedTruncF32x4S => self.relaxed_trunc_s(F32x4),
            O::I32x4RelaxedTruncF32x4U => self.relaxed_trunc_u(F32x4),
            O::I32x4RelaxedTruncF64x2SZero => self.relaxed_trunc_s(F64x2),
            O::I32x4RelaxedTruncF64x2UZero => self.relaxed_trunc_u(F64x2),
            O::F32x4RelaxedMadd => self.relaxed_madd(F32x4, false),
            O::F32x4RelaxedNmadd => self.relaxed_madd(F32x4, true),
            O::F64x2RelaxedMadd => self.relaxed_madd(F64x2, false),
            O::F64x2RelaxedNmadd => self.relaxed_madd(F64x2, true),
            O::I8x16RelaxedLaneselect => self.relaxed_laneselect(I8x16),
            O::I16x8RelaxedLaneselect => self.relaxed_laneselect(I16x8),
            O::I32x4RelaxedLaneselect => self.relaxed_laneselect(I32x4),
            O::I64x2RelaxedLaneselect => self.relaxed_laneselect(I64x2),
            O::F32x4RelaxedMin => self.relaxed_min_max(F32x4, true),
            O::F32x4RelaxedMax => self.relaxed_min_max(F32x4, false),
            O::F64x2RelaxedMin => self.relaxed_min_max(F64x2, true),
            O::F64x2RelaxedMax => self.relaxed_min_max(F64x2, false),
            O::I16x8RelaxedQ15mulrS => self.relaxed_q15mulr(),
            O::I16x8RelaxedDotI8x16I7x16S => self.relaxed_dot(),
            O::I32x4RelaxedDotI8x16I7x16AddS => self.relaxed_dot_add(),

            other => Err(Error::new(format!(
                "internal error: SIMD operator {other:?} reached the SIMD translator"
            ))),
        }
    }

    /// A constant `<8 x i32>` (the widened lanes of `q15mulr`) with every lane `value`.
    fn splat_const_wide(&self, value: i64) -> VectorValue<'c> {
        let lane = self.ctx.i32_type().const_int(value as u64, false);
        VectorType::const_vector(&[lane; 8])
    }

    fn abs(&mut self, s: Shape) -> R {
        self.unop(s, |t, x| {
            let poison = t.ctx.bool_type().const_zero();
            let f = inkwell::intrinsics::Intrinsic::find("llvm.abs")
                .expect("llvm.abs exists")
                .get_declaration(t.module, &[t.vty(s).into()])
                .expect("llvm.abs declares");
            Ok(t.b
                .build_call(f, &[x.into(), poison.into()], "abs")?
                .try_as_basic_value()
                .basic()
                .unwrap()
                .into_vector_value())
        })
    }
}

#[derive(Clone, Copy)]
enum Shift {
    Left,
    Signed,
    Unsigned,
}

/// Every SIMD operator, the relaxed ones included, goes to [`FuncTranslator::simd`] as a
/// `wasmparser::Operator` (which keeps the 256 operators in one table).
macro_rules! dispatch_simd {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        $(
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                if !self.reachable {
                    $($( let _ = $arg; )*)?
                    return Ok(());
                }
                dispatch_simd!(@body $proposal self $op ($($($arg)*)?))
            }
        )*
    };
    (@body simd $s:ident $op:ident ($($arg:ident)*)) => {
        $s.simd(O::$op { $($arg),* })
    };
    (@body relaxed_simd $s:ident $op:ident ($($arg:ident)*)) => {
        $s.simd(O::$op { $($arg),* })
    };
}

impl<'a> wasmparser::VisitSimdOperator<'a> for FuncTranslator<'_, '_> {
    wasmparser::for_each_visit_simd_operator!(dispatch_simd);
}
