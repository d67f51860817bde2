//! Wasmo's own view of wasm types: the subset of wasmparser's type system that the engine and
//! wasm.h can represent. Conversions from wasmparser reject what wasm.h cannot express with an
//! "unsupported" error naming the proposal.

use crate::error::{Error, Result};
use std::fmt;

/// A process-wide identity of a function type: two types get the same id exactly when Wasm
/// 3.0 calls them equivalent. Wasmo accepts only final function types without supertypes, each
/// its own recursion group, so equivalence is structural equality of their definitions with
/// references to earlier types by id and to the type itself by [`HeapType::RecSelf`]: the
/// registry interns that form. Ids are never reused; the registry keeps every distinct type
/// it was shown (a few dozen bytes each) for the life of the process, which lets a module's
/// types be compared with another's, and across engines, by a `u32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(u32);

#[derive(Default)]
struct Registry {
    types: Vec<std::sync::Arc<FuncType>>,
    ids: std::collections::HashMap<std::sync::Arc<FuncType>, TypeId>,
}

static REGISTRY: once_cell::sync::Lazy<std::sync::Mutex<Registry>> =
    once_cell::sync::Lazy::new(Default::default);

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

impl TypeId {
    /// The id of `ty` (in its defining form: a reference to itself is `RecSelf`).
    pub fn of(ty: &FuncType) -> TypeId {
        let mut reg = registry();
        if let Some(&id) = reg.ids.get(ty) {
            return id;
        }
        let id = TypeId(reg.types.len() as u32);
        let ty = std::sync::Arc::new(ty.clone());
        reg.types.push(ty.clone());
        reg.ids.insert(ty, id);
        id
    }

    /// The type with this id, in its defining form.
    pub fn func_type(self) -> std::sync::Arc<FuncType> {
        registry().types[self.0 as usize].clone()
    }

    /// The id as stored in a vmctx or `VMFuncRef` (call_indirect compares these).
    pub fn index(self) -> u32 {
        self.0
    }

    /// The id Wasmo itself stored as `index` (a `VMFuncRef`'s), unchecked.
    pub(crate) fn from_vm(index: u32) -> TypeId {
        TypeId(index)
    }

    /// The id stored as `index`; `None` for a number no type was given.
    pub fn from_index(index: u32) -> Option<TypeId> {
        (index < registry().types.len() as u32).then_some(TypeId(index))
    }
}

/// What a reference points to: 3.0's `func`, `extern` or a function type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any function.
    Func,
    /// Any host reference.
    Extern,
    /// An exception (`exnref`, exception handling).
    Exn,
    /// A function of exactly this type.
    Concrete(TypeId),
    /// A function of the type being defined: only inside a function type that refers to itself
    /// (`(type $t (func (param (ref $t))))`); [`FuncType::params_of`] and
    /// [`FuncType::results_of`] resolve it.
    RecSelf,
}

/// A reference type: a heap type, and whether null is a value of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RefType {
    pub nullable: bool,
    pub heap: HeapType,
}

impl RefType {
    /// Whether every value of `self` is a value of `of` (3.0's subtyping, for the types Wasmo
    /// accepts: a concrete function type is below `func` and nothing else).
    pub fn matches(self, of: RefType) -> bool {
        (of.nullable || !self.nullable)
            && (self.heap == of.heap
                || (of.heap == HeapType::Func && matches!(self.heap, HeapType::Concrete(_))))
    }

    /// Whether values are function references (else host references or exceptions).
    pub fn is_func(self) -> bool {
        !matches!(self.heap, HeapType::Extern | HeapType::Exn)
    }
}

/// A value type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValType {
    I32,
    I64,
    F32,
    F64,
    V128,
    Ref(RefType),
}

impl ValType {
    /// `funcref`, that is `(ref null func)`.
    pub const FUNCREF: ValType = ValType::Ref(RefType {
        nullable: true,
        heap: HeapType::Func,
    });
    /// `externref`, that is `(ref null extern)`.
    pub const EXTERNREF: ValType = ValType::Ref(RefType {
        nullable: true,
        heap: HeapType::Extern,
    });

    /// `exnref`, that is `(ref null exn)`.
    pub const EXNREF: ValType = ValType::Ref(RefType {
        nullable: true,
        heap: HeapType::Exn,
    });

    pub fn is_ref(self) -> bool {
        matches!(self, ValType::Ref(_))
    }

    /// Whether values of this type are function references (of any function type).
    pub fn is_func_ref(self) -> bool {
        matches!(self, ValType::Ref(r) if r.is_func())
    }

    /// Whether values of this type are host references.
    pub fn is_extern_ref(self) -> bool {
        matches!(self, ValType::Ref(r) if r.heap == HeapType::Extern)
    }

    /// Whether values of this type are exceptions.
    pub fn is_exn_ref(self) -> bool {
        matches!(self, ValType::Ref(r) if r.heap == HeapType::Exn)
    }

    /// The nullable abstract type of this type's values as wasm.h sees them: `funcref` for
    /// every function reference type, `externref` for host references, else the type itself.
    pub fn top(self) -> ValType {
        match self {
            ValType::Ref(r) if r.is_func() => ValType::FUNCREF,
            ValType::Ref(r) if r.heap == HeapType::Exn => ValType::EXNREF,
            ValType::Ref(_) => ValType::EXTERNREF,
            t => t,
        }
    }

    /// Whether every value of `self` is a value of `of`.
    pub fn matches(self, of: ValType) -> bool {
        match (self, of) {
            (ValType::Ref(a), ValType::Ref(b)) => a.matches(b),
            (a, b) => a == b,
        }
    }

    /// This type inside the definition of the type with id `owner`: `RecSelf` becomes `owner`.
    pub fn resolved_in(self, owner: TypeId) -> ValType {
        match self {
            ValType::Ref(RefType {
                nullable,
                heap: HeapType::RecSelf,
            }) => ValType::Ref(RefType {
                nullable,
                heap: HeapType::Concrete(owner),
            }),
            t => t,
        }
    }

    /// Converts a type of a validated module whose type section entries so far have ids
    /// `types`. A reference to type `types.len()` is the type being defined (a validated
    /// module refers to no later type, and Wasmo accepts one type per recursion group), so it
    /// becomes [`HeapType::RecSelf`]; outside the type section every index is below.
    pub fn from_wasmparser(ty: wasmparser::ValType, types: &[TypeId]) -> Result<ValType> {
        use wasmparser::ValType as W;
        Ok(match ty {
            W::I32 => ValType::I32,
            W::I64 => ValType::I64,
            W::F32 => ValType::F32,
            W::F64 => ValType::F64,
            W::V128 => ValType::V128,
            W::Ref(r) => ValType::Ref(RefType::from_wasmparser(r, types)?),
        })
    }

    /// Refuses (as "unsupported") what [`ValType::from_wasmparser`] refuses, needing no types.
    pub fn check_supported(ty: wasmparser::ValType) -> Result<()> {
        match ty {
            wasmparser::ValType::Ref(r) => {
                RefType::heap_of(r, &mut |_| Ok(HeapType::Func)).map(drop)
            }
            _ => Ok(()),
        }
    }
}

impl RefType {
    pub fn from_wasmparser(r: wasmparser::RefType, types: &[TypeId]) -> Result<RefType> {
        let heap = Self::heap_of(r, &mut |index| {
            Ok(match (index as usize).cmp(&types.len()) {
                std::cmp::Ordering::Less => HeapType::Concrete(types[index as usize]),
                std::cmp::Ordering::Equal => HeapType::RecSelf,
                std::cmp::Ordering::Greater => {
                    return Err(Error::new(format!("unknown type {index}")))
                }
            })
        })?;
        Ok(RefType {
            nullable: r.is_nullable(),
            heap,
        })
    }

    fn heap_of(
        r: wasmparser::RefType,
        concrete: &mut dyn FnMut(u32) -> Result<HeapType>,
    ) -> Result<HeapType> {
        use wasmparser::{AbstractHeapType as A, HeapType as H, UnpackedIndex};
        match r.heap_type() {
            H::Abstract {
                shared: false,
                ty: A::Func,
            } => Ok(HeapType::Func),
            H::Abstract {
                shared: false,
                ty: A::Extern,
            } => Ok(HeapType::Extern),
            H::Abstract {
                shared: false,
                ty: A::Exn,
            } => Ok(HeapType::Exn),
            H::Concrete(UnpackedIndex::Module(index)) => concrete(index),
            heap => {
                let proposal = match heap {
                    H::Abstract { ty: A::Exn, .. } => "exception-handling",
                    H::Abstract { shared: true, .. } => "shared-everything-threads",
                    H::Exact(_) => "custom-descriptors",
                    _ => "gc",
                };
                Err(Error::unsupported(
                    format_args!("reference type `{r}`"),
                    proposal,
                ))
            }
        }
    }
}

/// How deep [`fmt::Display`] spells out the function types that reference types name.
const DISPLAY_DEPTH: usize = 3;

thread_local! {
    static DISPLAY_NESTING: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

impl fmt::Display for HeapType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeapType::Func => f.write_str("func"),
            HeapType::Extern => f.write_str("extern"),
            HeapType::Exn => f.write_str("exn"),
            HeapType::RecSelf => f.write_str("rec"),
            HeapType::Concrete(id) => {
                let depth = DISPLAY_NESTING.with(|d| d.get());
                if depth >= DISPLAY_DEPTH {
                    return write!(f, "$type{}", id.0);
                }
                let ty = id.func_type();
                DISPLAY_NESTING.with(|d| d.set(depth + 1));
                let r = write!(f, "{ty}");
                DISPLAY_NESTING.with(|d| d.set(depth));
                r
            }
        }
    }
}

/// As in the text format; a concrete heap type is spelt as its function type, `rec` for the
/// type being defined: `(ref null (func (param i32)))`.
impl fmt::Display for ValType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValType::I32 => f.write_str("i32"),
            ValType::I64 => f.write_str("i64"),
            ValType::F32 => f.write_str("f32"),
            ValType::F64 => f.write_str("f64"),
            ValType::V128 => f.write_str("v128"),
            &ValType::FUNCREF => f.write_str("funcref"),
            &ValType::EXTERNREF => f.write_str("externref"),
            ValType::Ref(r) => {
                let null = if r.nullable { "null " } else { "" };
                write!(f, "(ref {null}{})", r.heap)
            }
        }
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

    /// Converts a type section entry; `types` as for [`ValType::from_wasmparser`].
    pub fn from_wasmparser(ty: &wasmparser::FuncType, types: &[TypeId]) -> Result<FuncType> {
        let params = ty
            .params()
            .iter()
            .map(|&t| ValType::from_wasmparser(t, types));
        let results = ty
            .results()
            .iter()
            .map(|&t| ValType::from_wasmparser(t, types));
        Ok(FuncType {
            params: params.collect::<Result<_>>()?,
            results: results.collect::<Result<_>>()?,
        })
    }

    /// The parameter types of this type, whose id is `id`, as types of values.
    pub fn params_of(&self, id: TypeId) -> impl Iterator<Item = ValType> + '_ {
        self.params.iter().map(move |t| t.resolved_in(id))
    }

    /// The result types of this type, whose id is `id`, as types of values.
    pub fn results_of(&self, id: TypeId) -> impl Iterator<Item = ValType> + '_ {
        self.results.iter().map(move |t| t.resolved_in(id))
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
    pub fn from_wasmparser(ty: &wasmparser::GlobalType, types: &[TypeId]) -> Result<GlobalType> {
        if ty.shared {
            return Err(Error::unsupported(
                "shared global",
                "shared-everything-threads",
            ));
        }
        Ok(GlobalType {
            content: ValType::from_wasmparser(ty.content_type, types)?,
            mutable: ty.mutable,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TableType {
    /// A reference type.
    pub element: ValType,
    pub limits: Limits,
    pub table64: bool,
}

impl TableType {
    pub fn from_wasmparser(ty: &wasmparser::TableType, types: &[TypeId]) -> Result<TableType> {
        if ty.shared {
            return Err(Error::unsupported(
                "shared table",
                "shared-everything-threads",
            ));
        }
        Ok(TableType {
            element: ValType::Ref(RefType::from_wasmparser(ty.element_type, types)?),
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
    /// An exception tag (exception handling).
    Tag,
}

/// The type of an import or export.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExternType {
    Func(FuncType),
    Global(GlobalType),
    Table(TableType),
    Memory(MemoryType),
    /// A tag: its exception's payload is the function type's parameters (it has no results).
    Tag(FuncType),
}

impl ExternType {
    pub fn kind(&self) -> ExternKind {
        match self {
            ExternType::Func(_) => ExternKind::Func,
            ExternType::Global(_) => ExternKind::Global,
            ExternType::Table(_) => ExternKind::Table,
            ExternType::Memory(_) => ExternKind::Memory,
            ExternType::Tag(_) => ExternKind::Tag,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_types_convert_and_refuse_what_wasmo_lacks() {
        use wasmparser::RefType as W;
        assert_eq!(
            ValType::from_wasmparser(W::FUNCREF.into(), &[]),
            Ok(ValType::FUNCREF)
        );
        assert_eq!(
            ValType::from_wasmparser(W::EXTERNREF.into(), &[]),
            Ok(ValType::EXTERNREF)
        );
        let err = ValType::from_wasmparser(W::ANYREF.into(), &[]).unwrap_err();
        assert!(
            err.message().starts_with("unsupported: reference type"),
            "{err}"
        );
        assert!(ValType::check_supported(W::ANYREF.into()).is_err());
        assert!(ValType::check_supported(W::FUNCREF.into()).is_ok());
        // A concrete index: an earlier type by id, the type being defined as `RecSelf`.
        let id = TypeId::of(&FuncType::new(vec![ValType::I32], vec![]));
        let concrete = |i| {
            W::concrete(
                false,
                wasmparser::PackedIndex::from_module_index(i).unwrap(),
            )
        };
        let t = ValType::from_wasmparser(concrete(0).into(), &[id]).unwrap();
        assert_eq!(
            t,
            ValType::Ref(RefType {
                nullable: false,
                heap: HeapType::Concrete(id)
            })
        );
        assert_eq!(t.to_string(), "(ref (func (param i32)))");
        let s = ValType::from_wasmparser(concrete(1).into(), &[id]).unwrap();
        assert_eq!(s.resolved_in(id), t);
        assert!(ValType::from_wasmparser(concrete(2).into(), &[id]).is_err());
    }

    #[test]
    fn type_ids_are_equivalence() {
        let a = FuncType::new(vec![ValType::I64], vec![ValType::F32]);
        assert_eq!(TypeId::of(&a), TypeId::of(&a.clone()));
        assert_eq!(*TypeId::of(&a).func_type(), a);
        let b = FuncType::new(vec![ValType::I64], vec![]);
        assert_ne!(TypeId::of(&a), TypeId::of(&b));
        // `(type $s (func (param (ref $s))))` and `(type (func (param (ref $s))))` differ,
        // though both have a parameter of type `(ref $s)`.
        let ref_to = |heap| {
            ValType::Ref(RefType {
                nullable: false,
                heap,
            })
        };
        let s = TypeId::of(&FuncType::new(vec![ref_to(HeapType::RecSelf)], vec![]));
        let t = FuncType::new(vec![ref_to(HeapType::Concrete(s))], vec![]);
        assert_ne!(TypeId::of(&t), s);
        assert_eq!(
            s.func_type().params_of(s).collect::<Vec<_>>(),
            t.params_of(TypeId::of(&t)).collect::<Vec<_>>()
        );
        assert_eq!(TypeId::from_index(s.index()), Some(s));
        assert_eq!(TypeId::from_index(u32::MAX), None);
    }

    #[test]
    fn subtyping() {
        let id = TypeId::of(&FuncType::default());
        let r = |nullable, heap| ValType::Ref(RefType { nullable, heap });
        let concrete = r(false, HeapType::Concrete(id));
        assert!(concrete.matches(r(true, HeapType::Concrete(id))));
        assert!(concrete.matches(r(false, HeapType::Func)));
        assert!(concrete.matches(ValType::FUNCREF));
        assert!(!ValType::FUNCREF.matches(concrete));
        assert!(!ValType::FUNCREF.matches(r(false, HeapType::Func)));
        assert!(!concrete.matches(ValType::EXTERNREF));
        assert!(!ValType::EXTERNREF.matches(ValType::FUNCREF));
        assert!(ValType::I32.matches(ValType::I32) && !ValType::I32.matches(ValType::I64));
        assert_eq!(concrete.top(), ValType::FUNCREF);
        assert_eq!(r(false, HeapType::Extern).to_string(), "(ref extern)");
    }

    #[test]
    fn func_type_display() {
        let t = FuncType::new(vec![ValType::I32, ValType::F64], vec![ValType::EXTERNREF]);
        assert_eq!(t.to_string(), "(func (param i32 f64) (result externref))");
        let t = FuncType::new(vec![], vec![ValType::V128]);
        assert_eq!(t.to_string(), "(func (result v128))");
        assert_eq!(FuncType::default().to_string(), "(func)");
    }
}
