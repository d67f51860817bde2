//! Constant expressions (global initialisers, segment offsets, element items): decoded once into
//! a small stack program that instantiation evaluates.

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConstOp {
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    V128(u128),
    RefNull,
    RefFunc(u32),
    GlobalGet(u32),
    I32Add,
    I32Sub,
    I32Mul,
    I64Add,
    I64Sub,
    I64Mul,
}

/// A validated constant expression. Nearly every one is a single operator (a segment offset, a
/// global's initial value), held inline: a Go module has some 10⁵ data segments, and an
/// allocation each was a fifth of decoding its data section.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstExpr(Ops);

#[derive(Debug, Clone, PartialEq)]
enum Ops {
    One(ConstOp),
    Many(Box<[ConstOp]>),
}

impl ConstExpr {
    /// The expression of one operator.
    pub fn one(op: ConstOp) -> ConstExpr {
        ConstExpr(Ops::One(op))
    }

    /// Its operators, in order (without the final `end`).
    pub fn ops(&self) -> &[ConstOp] {
        match &self.0 {
            Ops::One(op) => std::slice::from_ref(op),
            Ops::Many(ops) => ops,
        }
    }

    pub fn decode(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr> {
        match Self::one_integer(expr) {
            Some(op) => Ok(ConstExpr::one(op)),
            None => Self::decode_operators(expr),
        }
    }

    /// [`ConstExpr::decode`] through wasmparser's operator reader, for any expression.
    fn decode_operators(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr> {
        use wasmparser::Operator as O;
        let mut first = None;
        let mut more = Vec::new();
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            let op = match reader.read()? {
                O::I32Const { value } => ConstOp::I32(value),
                O::I64Const { value } => ConstOp::I64(value),
                O::F32Const { value } => ConstOp::F32(value.bits()),
                O::F64Const { value } => ConstOp::F64(value.bits()),
                O::RefNull { .. } => ConstOp::RefNull,
                O::RefFunc { function_index } => ConstOp::RefFunc(function_index),
                O::GlobalGet { global_index } => ConstOp::GlobalGet(global_index),
                O::I32Add => ConstOp::I32Add,
                O::I32Sub => ConstOp::I32Sub,
                O::I32Mul => ConstOp::I32Mul,
                O::I64Add => ConstOp::I64Add,
                O::I64Sub => ConstOp::I64Sub,
                O::I64Mul => ConstOp::I64Mul,
                O::End => continue,
                O::V128Const { value } => ConstOp::V128(u128::from_le_bytes(*value.bytes())),
                op => {
                    return Err(Error::unsupported(
                        format_args!("constant operator {op:?}"),
                        "gc",
                    ))
                }
            };
            match first {
                None => first = Some(op),
                Some(_) => more.push(op),
            }
        }
        Ok(match (first, more.is_empty()) {
            (Some(op), true) => ConstExpr::one(op),
            (first, _) => ConstExpr(Ops::Many(first.into_iter().chain(more).collect())),
        })
    }

    /// The most common expressions, read straight from their bytes: `i32.const`, `i64.const`
    /// or `global.get`, then `end` (a segment offset; a Go module has some 10⁵ data segments,
    /// and the operator reader cost about 380 instructions for each). None for anything else,
    /// which [`ConstExpr::decode`] reads in full.
    fn one_integer(expr: &wasmparser::ConstExpr<'_>) -> Option<ConstOp> {
        let mut reader = expr.get_binary_reader();
        let op = match reader.read_u8().ok()? {
            0x41 => ConstOp::I32(reader.read_var_i32().ok()?),
            0x42 => ConstOp::I64(reader.read_var_i64().ok()?),
            0x23 => ConstOp::GlobalGet(reader.read_var_u32().ok()?),
            _ => return None,
        };
        (reader.read_u8().ok()? == 0x0b && reader.eof()).then_some(op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expr(bytes: &[u8]) -> wasmparser::ConstExpr<'_> {
        wasmparser::ConstExpr::new(wasmparser::BinaryReader::new(bytes, 0))
    }

    #[test]
    fn the_short_path_reads_what_the_operator_reader_reads() {
        let short: &[&[u8]] = &[
            &[0x41, 0x7f, 0x0b],                         // i32.const -1
            &[0x41, 0x80, 0x80, 0x80, 0x80, 0x78, 0x0b], // i32.const i32::MIN
            &[
                0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x0b,
            ], // i64 -1
            &[0x23, 0x85, 0x01, 0x0b],                   // global.get 133
        ];
        for bytes in short {
            let e = expr(bytes);
            assert!(ConstExpr::one_integer(&e).is_some(), "{bytes:x?}");
            assert_eq!(ConstExpr::decode(&e), ConstExpr::decode_operators(&e));
        }
        assert_eq!(
            ConstExpr::decode(&expr(short[1])).unwrap().ops(),
            &[ConstOp::I32(i32::MIN)]
        );
        // Anything else takes the operator reader.
        let long: &[&[u8]] = &[
            &[0x41, 5, 0x41, 6, 0x6a, 0x0b], // i32.const 5 i32.const 6 i32.add
            &[0xd0, 0x70, 0x0b],             // ref.null func
            &[0x41, 5, 0x0b, 0x0b],          // trailing bytes
        ];
        for bytes in long {
            assert!(ConstExpr::one_integer(&expr(bytes)).is_none(), "{bytes:x?}");
        }
        assert_eq!(
            ConstExpr::decode(&expr(long[0])).unwrap().ops(),
            &[ConstOp::I32(5), ConstOp::I32(6), ConstOp::I32Add]
        );
    }
}
