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

/// A validated constant expression.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstExpr(pub Vec<ConstOp>);

impl ConstExpr {
    pub fn decode(expr: &wasmparser::ConstExpr<'_>) -> Result<ConstExpr> {
        use wasmparser::Operator as O;
        let mut ops = Vec::new();
        let mut reader = expr.get_operators_reader();
        while !reader.eof() {
            ops.push(match reader.read()? {
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
            });
        }
        Ok(ConstExpr(ops))
    }
}
