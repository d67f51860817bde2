//! Wasmo's own view of wasm types: the subset of wasmparser's type system that the engine and
//! wasm.h can represent. Conversions from wasmparser reject what wasm.h cannot express with an
//! "unsupported" error naming the proposal.

use crate::error::{Error, Result};
use std::fmt;

/// A value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    FuncRef,
    ExternRef,
}

impl ValType {
    pub fn is_ref(self) -> bool {
        matches!(self, ValType::FuncRef | ValType::ExternRef)
    }

    pub fn from_wasmparser(ty: wasmparser::ValType) -> Result<ValType> {
        use wasmparser::ValType as W;
        Ok(match ty {
            W::I32 => ValType::I32,
            W::I64 => ValType::I64,
            W::F32 => ValType::F32,
            W::F64 => ValType::F64,
            W::V128 => ValType::V128,
            W::Ref(r) => ValType::from_ref_type(r)?,
        })
    }

    pub fn from_ref_type(r: wasmparser::RefType) -> Result<ValType> {
        if r == wasmparser::RefType::FUNCREF {
            Ok(ValType::FuncRef)
        } else if r == wasmparser::RefType::EXTERNREF {
            Ok(ValType::ExternRef)
        } else {
            use wasmparser::{AbstractHeapType, HeapType};
            let proposal = match r.heap_type() {
                HeapType::Abstract {
                    ty: AbstractHeapType::Exn | AbstractHeapType::NoExn,
                    ..
                } => "exception-handling",
                HeapType::Abstract { .. } => "gc",
                _ => "function-references",
            };
            Err(Error::unsupported(
                format_args!("reference type `{r}`"),
                proposal,
            ))
        }
    }
}

impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
        })
    }
}

/// A function signature.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct FuncType {
    pub params: Vec<ValType>,
    pub results: Vec<ValType>,
}

impl FuncType {
    pub fn new(params: Vec<ValType>, results: Vec<ValType>) -> Self {
        FuncType { params, results }
    }

    pub fn from_wasmparser(ty: &wasmparser::FuncType) -> Result<FuncType> {
        let params = ty.params().iter().map(|&t| ValType::from_wasmparser(t));
        let results = ty.results().iter().map(|&t| ValType::from_wasmparser(t));
        Ok(FuncType {
            params: params.collect::<Result<_>>()?,
            results: results.collect::<Result<_>>()?,
        })
    }
}

/// As in the text format: `(func (param i32 v128) (result i32))`, empty clauses left out.
impl fmt::Display for FuncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(func")?;
        for (clause, types) in [("param", &self.params), ("result", &self.results)] {
            if !types.is_empty() {
                write!(f, " ({clause}")?;
                for t in types {
                    write!(f, " {t}")?;
                }
                f.write_str(")")?;
            }
        }
        f.write_str(")")
    }
}

/// Size limits of a table or memory, in elements or pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    pub min: u64,
    pub max: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlobalType {
    pub content: ValType,
    pub mutable: bool,
}

impl GlobalType {
    pub fn from_wasmparser(ty: &wasmparser::GlobalType) -> Result<GlobalType> {
        if ty.shared {
            return Err(Error::unsupported(
                "shared global",
                "shared-everything-threads",
            ));
        }
        Ok(GlobalType {
            content: ValType::from_wasmparser(ty.content_type)?,
            mutable: ty.mutable,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableType {
    pub element: ValType,
    pub limits: Limits,
    pub table64: bool,
}

impl TableType {
    pub fn from_wasmparser(ty: &wasmparser::TableType) -> Result<TableType> {
        if ty.shared {
            return Err(Error::unsupported(
                "shared table",
                "shared-everything-threads",
            ));
        }
        Ok(TableType {
            element: ValType::from_ref_type(ty.element_type)?,
            limits: Limits {
                min: ty.initial,
                max: ty.maximum,
            },
            table64: ty.table64,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemoryType {
    pub limits: Limits,
    pub memory64: bool,
    pub shared: bool,
}

impl MemoryType {
    pub fn from_wasmparser(ty: &wasmparser::MemoryType) -> Result<MemoryType> {
        if ty.page_size_log2.is_some_and(|p| p != 16) {
            return Err(Error::unsupported("custom page size", "custom-page-sizes"));
        }
        Ok(MemoryType {
            limits: Limits {
                min: ty.initial,
                max: ty.maximum,
            },
            memory64: ty.memory64,
            shared: ty.shared,
        })
    }
}

/// The kind of an import or export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExternKind {
    Func,
    Global,
    Table,
    Memory,
}

/// The type of an import or export.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExternType {
    Func(FuncType),
    Global(GlobalType),
    Table(TableType),
    Memory(MemoryType),
}

impl ExternType {
    pub fn kind(&self) -> ExternKind {
        match self {
            ExternType::Func(_) => ExternKind::Func,
            ExternType::Global(_) => ExternKind::Global,
            ExternType::Table(_) => ExternKind::Table,
            ExternType::Memory(_) => ExternKind::Memory,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_types_map_to_wasm_h_kinds() {
        use wasmparser::RefType;
        assert_eq!(
            ValType::from_ref_type(RefType::FUNCREF),
            Ok(ValType::FuncRef)
        );
        assert_eq!(
            ValType::from_ref_type(RefType::EXTERNREF),
            Ok(ValType::ExternRef)
        );
        let err = ValType::from_ref_type(RefType::ANYREF).unwrap_err();
        assert!(
            err.message().starts_with("unsupported: reference type"),
            "{err}"
        );
    }

    #[test]
    fn func_type_display() {
        let t = FuncType::new(vec![ValType::I32, ValType::F64], vec![ValType::ExternRef]);
        assert_eq!(t.to_string(), "(func (param i32 f64) (result externref))");
        let t = FuncType::new(vec![], vec![ValType::V128]);
        assert_eq!(t.to_string(), "(func (result v128))");
        assert_eq!(FuncType::default().to_string(), "(func)");
    }
}
