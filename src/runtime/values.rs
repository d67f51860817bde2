//! Runtime values as the host sees them, and their 16-byte slot encoding used by trampolines,
//! host stubs and globals.

use crate::module::types::{HeapType, ValType};
use crate::vm::VMFuncRef;

/// A wasm value. References are raw runtime pointers: a funcref is a `*const VMFuncRef`, an
/// externref a `*const ExternRefData` owned by the store; 0 is null.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Val {
    I32(i32),
    I64(i64),
    /// Bits, so NaN payloads survive.
    F32(u32),
    F64(u64),
    V128(u128),
    FuncRef(usize),
    ExternRef(usize),
    /// An exception (an `exception.c` object its store keeps), or null.
    ExnRef(usize),
}

impl Val {
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::V128(_) => ValType::V128,
            Val::FuncRef(_) => ValType::FUNCREF,
            Val::ExternRef(_) => ValType::EXTERNREF,
            Val::ExnRef(_) => ValType::EXNREF,
        }
    }

    /// Whether this value is of type `ty`: a number of exactly that type, or a reference of its
    /// kind that is null only where `ty` is nullable and, for a concrete `ty`, a function of
    /// exactly that type (Wasmo's function types are final, so a function has no other).
    /// `ty` must be resolved ([`ValType::resolved_in`]).
    pub fn matches(self, ty: ValType) -> bool {
        match (self, ty) {
            (Val::FuncRef(p), ValType::Ref(r)) if r.is_func() => {
                if p == 0 {
                    return r.nullable;
                }
                match r.heap {
                    // SAFETY: a non-null function reference points at a live VMFuncRef.
                    HeapType::Concrete(id) => {
                        let actual = unsafe { (*(p as *const VMFuncRef)).type_id };
                        actual == id.index()
                    }
                    HeapType::Rec(_) => unreachable!("unresolved type {ty}"),
                    HeapType::Func | HeapType::Extern | HeapType::Exn => true,
                }
            }
            (Val::ExternRef(p), ValType::Ref(r)) if r.heap == HeapType::Extern => {
                p != 0 || r.nullable
            }
            (Val::ExnRef(p), ValType::Ref(r)) if r.heap == HeapType::Exn => p != 0 || r.nullable,
            (v, t) => v.ty() == t,
        }
    }

    /// The zero value of a type (null for references).
    pub fn default_for(ty: ValType) -> Val {
        Val::from_bits(ty, 0)
    }

    pub fn to_bits(self) -> u128 {
        match self {
            Val::I32(v) => v as u32 as u128,
            Val::I64(v) => v as u64 as u128,
            Val::F32(v) => v as u128,
            Val::F64(v) => v as u128,
            Val::V128(v) => v,
            Val::FuncRef(p) | Val::ExternRef(p) | Val::ExnRef(p) => p as u128,
        }
    }

    pub fn from_bits(ty: ValType, bits: u128) -> Val {
        match ty {
            ValType::I32 => Val::I32(bits as u32 as i32),
            ValType::I64 => Val::I64(bits as u64 as i64),
            ValType::F32 => Val::F32(bits as u32),
            ValType::F64 => Val::F64(bits as u64),
            ValType::V128 => Val::V128(bits),
            ValType::Ref(r) if r.is_func() => Val::FuncRef(bits as usize),
            ValType::Ref(r) if r.heap == HeapType::Exn => Val::ExnRef(bits as usize),
            ValType::Ref(_) => Val::ExternRef(bits as usize),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_encoding_round_trips() {
        for v in [
            Val::I32(-1),
            Val::I64(i64::MIN),
            Val::F32(0x7fc0_0001),
            Val::F64(1),
            Val::FuncRef(0x1000),
        ] {
            assert_eq!(Val::from_bits(v.ty(), v.to_bits()), v);
        }
    }
}
