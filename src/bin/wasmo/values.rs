//! Values on the command line: arguments parsed by the function's parameter types, results
//! printed so that they parse back to the same bits.
//!
//! - `i32`, `i64`: decimal or `0x` hexadecimal, with an optional sign, `_` allowed between
//!   digits; anything from the signed minimum to the unsigned maximum (`-1` and `0xffffffff` are
//!   the same i32). Results print as signed decimal.
//! - `f32`, `f64`: decimal with an optional exponent, `inf`, `-inf`, `nan`, `-nan`, and
//!   `nan:0xPAYLOAD` as in the text format. Results print as the shortest decimal that parses
//!   back to the same value (`2.0`, `0.1`, `1e-7`, `-0.0`), infinities as `inf`/`-inf`, NaNs as
//!   `nan` (the canonical payload) or `nan:0x...`, with a `-` when the sign bit is set.
//! - `funcref`, `externref`: only `null` as an argument; results print as `ref.null func`,
//!   `ref.null extern`, or `ref.func`/`ref.extern` when not null.
//! - `v128`: no arguments (the command line has no syntax for them); results print as
//!   `i32x4 0x... 0x... 0x... 0x...`, lane 0 first, as `v128.const` writes them.

use wasmo::api::{Val, ValType};

/// Parses `text` as a value of type `ty`; the reason if it is not one.
pub fn parse(text: &str, ty: ValType) -> Result<Val, String> {
    let bad = |what: &str| format!("`{text}` is not {what}");
    match ty {
        ValType::I32 => parse_int(text, 32)
            .map(|v| Val::I32(v as u32 as i32))
            .ok_or_else(|| bad("an i32 (decimal or 0x hex, -2147483648..4294967295)")),
        ValType::I64 => parse_int(text, 64)
            .map(|v| Val::I64(v as i64))
            .ok_or_else(|| {
                bad("an i64 (decimal or 0x hex, -9223372036854775808..18446744073709551615)")
            }),
        ValType::F32 => parse_float(text, 32)
            .map(|bits| Val::F32(bits as u32))
            .ok_or_else(|| bad("an f32 (decimal, inf, nan or nan:0x...)")),
        ValType::F64 => parse_float(text, 64)
            .map(Val::F64)
            .ok_or_else(|| bad("an f64 (decimal, inf, nan or nan:0x...)")),
        ValType::Ref(_) => match text {
            "null" | "ref.null" => Ok(Val::default_for(ty)),
            _ => Err(format!(
                "`{text}` is not a {ty}: only `null` can be given on the command line"
            )),
        },
        ValType::V128 => Err("v128 values cannot be given on the command line".to_string()),
    }
}

/// An integer of `width` bits, as its bit pattern (sign-extended values wrap).
fn parse_int(text: &str, width: u32) -> Option<u64> {
    let (negative, rest) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (digits, radix) = match rest.strip_prefix("0x").or_else(|| rest.strip_prefix("0X")) {
        Some(hex) => (hex, 16),
        None => (rest, 10),
    };
    let magnitude = parse_digits(digits, radix)?;
    let max_unsigned = u128::MAX >> (128 - width);
    let max_negative = 1u128 << (width - 1);
    let value = if negative {
        if magnitude > max_negative {
            return None;
        }
        magnitude.wrapping_neg() & max_unsigned
    } else {
        if magnitude > max_unsigned {
            return None;
        }
        magnitude
    };
    Some(value as u64)
}

/// Digits in `radix`, `_` allowed between them, as a number (None if empty or too large).
fn parse_digits(digits: &str, radix: u32) -> Option<u128> {
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') {
        return None;
    }
    let mut value: u128 = 0;
    let mut previous_underscore = false;
    for c in digits.chars() {
        if c == '_' {
            if previous_underscore {
                return None;
            }
            previous_underscore = true;
            continue;
        }
        previous_underscore = false;
        value = value
            .checked_mul(radix as u128)?
            .checked_add(c.to_digit(radix)? as u128)?;
    }
    Some(value)
}

/// A float of `width` (32 or 64) bits, as its bit pattern.
fn parse_float(text: &str, width: u32) -> Option<u64> {
    let (sign_bit, unsigned) = match text.as_bytes().first()? {
        b'-' => (1u64 << (width - 1), &text[1..]),
        b'+' => (0, &text[1..]),
        _ => (0, text),
    };
    let mantissa_bits = if width == 32 { 23 } else { 52 };
    let exponent_mask = if width == 32 {
        0x7f80_0000u64
    } else {
        0x7ff0_0000_0000_0000
    };
    let lower = unsigned.to_ascii_lowercase();
    if lower == "nan" {
        return Some(sign_bit | exponent_mask | (1 << (mantissa_bits - 1)));
    }
    if let Some(payload) = lower.strip_prefix("nan:0x") {
        let payload = parse_digits(payload, 16)?;
        if payload == 0 || payload >= 1 << mantissa_bits {
            return None;
        }
        return Some(sign_bit | exponent_mask | payload as u64);
    }
    if lower == "inf" || lower == "infinity" {
        return Some(sign_bit | exponent_mask);
    }
    // Decimal only: Rust's parser would also take "NaN" spellings handled above, and nothing
    // else we do not want. Digits must come first (no "e5"), and no second sign.
    if !unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let magnitude = if width == 32 {
        unsigned.parse::<f32>().ok()?.to_bits() as u64
    } else {
        unsigned.parse::<f64>().ok()?.to_bits()
    };
    Some(sign_bit | magnitude)
}

/// How a result prints.
pub fn format(value: &Val) -> String {
    match *value {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(bits) => format_float(bits as u64, 32),
        Val::F64(bits) => format_float(bits, 64),
        Val::V128(bits) => {
            let lanes: Vec<String> = (0..4)
                .map(|lane| format!("0x{:08x}", (bits >> (32 * lane)) as u32))
                .collect();
            format!("i32x4 {}", lanes.join(" "))
        }
        Val::FuncRef(None) => "ref.null func".to_string(),
        Val::FuncRef(Some(_)) => "ref.func".to_string(),
        Val::ExternRef(None) => "ref.null extern".to_string(),
        Val::ExternRef(Some(_)) => "ref.extern".to_string(),
        Val::ExnRef(None) => "ref.null exn".to_string(),
        Val::ExnRef(Some(_)) => "ref.exn".to_string(),
    }
}

fn format_float(bits: u64, width: u32) -> String {
    let mantissa_bits = if width == 32 { 23 } else { 52 };
    let negative = bits >> (width - 1) & 1 == 1;
    let sign = if negative { "-" } else { "" };
    let exponent = (bits >> mantissa_bits) & if width == 32 { 0xff } else { 0x7ff };
    let all_ones = if width == 32 { 0xff } else { 0x7ff };
    let payload = bits & ((1 << mantissa_bits) - 1);
    if exponent == all_ones {
        return match payload {
            0 => format!("{sign}inf"),
            p if p == 1 << (mantissa_bits - 1) => format!("{sign}nan"),
            p => format!("{sign}nan:{p:#x}"),
        };
    }
    // `{:?}` is the shortest decimal that parses back to the same value, with an exponent for
    // very large and very small magnitudes and `.0` on whole numbers.
    if width == 32 {
        format!("{:?}", f32::from_bits(bits as u32))
    } else {
        format!("{:?}", f64::from_bits(bits))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_accept_signed_unsigned_and_hex() {
        let i32s = |t: &str| parse(t, ValType::I32).map(|v| format(&v));
        assert_eq!(i32s("42").unwrap(), "42");
        assert_eq!(i32s("-1").unwrap(), "-1");
        assert_eq!(i32s("4294967295").unwrap(), "-1");
        assert_eq!(i32s("0xffff_ffff").unwrap(), "-1");
        assert_eq!(i32s("-0x80000000").unwrap(), "-2147483648");
        assert_eq!(i32s("+7").unwrap(), "7");
        for bad in [
            "",
            "-",
            "0x",
            "4294967296",
            "-2147483649",
            "1.5",
            "abc",
            "1__0",
            "_1",
            "--1",
        ] {
            assert!(i32s(bad).is_err(), "{bad:?}");
        }
        let i64s = |t: &str| parse(t, ValType::I64).map(|v| format(&v));
        assert_eq!(i64s("18446744073709551615").unwrap(), "-1");
        assert_eq!(
            i64s("-9223372036854775808").unwrap(),
            "-9223372036854775808"
        );
        assert!(i64s("18446744073709551616").is_err());
        assert!(i64s("-9223372036854775809").is_err());
    }

    #[test]
    fn floats_round_trip_through_their_printed_form() {
        for bits in [
            0u32,
            0x8000_0000,
            0x3dcc_cccd,
            1,
            0x7f7f_ffff,
            0x7f80_0000,
            0xff80_0000,
            0x7fc0_0000,
            0xffc0_0000,
            0x7f80_0001,
            0x7fa0_0000,
        ] {
            let text = format(&Val::F32(bits));
            assert_eq!(
                parse(&text, ValType::F32),
                Ok(Val::F32(bits)),
                "{bits:#x} printed as {text}"
            );
        }
        for bits in [
            0u64,
            0x8000_0000_0000_0000,
            0x3fb9_9999_9999_999a,
            1,
            0x7fef_ffff_ffff_ffff,
            0x7ff0_0000_0000_0000,
            0x7ff8_0000_0000_0000,
            0xfff8_0000_0000_0000,
            0x7ff0_0000_0000_0001,
            0x4415_af1d_78b5_8c40,
        ] {
            let text = format(&Val::F64(bits));
            assert_eq!(
                parse(&text, ValType::F64),
                Ok(Val::F64(bits)),
                "{bits:#x} printed as {text}"
            );
        }
        assert_eq!(format(&Val::F64(2.0f64.to_bits())), "2.0");
        assert_eq!(format(&Val::F64(0.1f64.to_bits())), "0.1");
        assert_eq!(format(&Val::F32((-0.0f32).to_bits())), "-0.0");
        assert_eq!(format(&Val::F64(f64::NAN.to_bits())), "nan");
        assert_eq!(format(&Val::F32(0x7fa0_0000)), "nan:0x200000");
        assert_eq!(parse("1e3", ValType::F64), Ok(Val::F64(1000f64.to_bits())));
        assert_eq!(
            parse("-inf", ValType::F32),
            Ok(Val::F32(f32::NEG_INFINITY.to_bits()))
        );
        for bad in [
            "",
            "x",
            "e5",
            "--1",
            "nan:0x0",
            "nan:0x800000",
            "1.5f",
            "0x10",
        ] {
            assert!(parse(bad, ValType::F32).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn references_and_v128() {
        assert_eq!(parse("null", ValType::FUNCREF), Ok(Val::FuncRef(None)));
        assert!(parse("1", ValType::EXTERNREF).is_err());
        let err = parse("0", ValType::V128).unwrap_err();
        assert!(err.contains("v128"), "{err}");
        assert_eq!(
            format(&Val::V128(0x0000_0004_0000_0003_0000_0002_0000_0001)),
            "i32x4 0x00000001 0x00000002 0x00000003 0x00000004"
        );
        assert_eq!(format(&Val::ExternRef(None)), "ref.null extern");
    }
}
