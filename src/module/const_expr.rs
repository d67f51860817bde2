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
}
