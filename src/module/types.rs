//! Wasmo's own view of wasm types: the subset of wasmparser's type system that the engine and
//! wasm.h can represent. Conversions from wasmparser reject what wasm.h cannot express with an
//! "unsupported" error naming the proposal.

use crate::error::{Error, Result};
use std::fmt;

/// A process-wide identity of a function type: two types get the same id exactly when Wasm
/// 3.0 calls them equivalent. Wasmo accepts only final function types without supertypes, in
/// recursion groups of any size; 3.0's equivalence is then iso-recursive: two types are
/// equivalent when they sit at the same place of structurally equal groups, whose references
/// to earlier types are by id and to the group's own members by [`HeapType::Rec`] (a
/// [`FuncType`]'s defining form, with its [`RecPosition`] when its group has several members).
/// The registry interns that form. Ids are never reused; the registry keeps every distinct type
/// it was shown (a few dozen bytes each) for the life of the process, which lets a module's
/// types be compared with another's, and across engines, by a `u32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(u32);

#[derive(Default)]
struct Registry {
    /// Every type's defining form, by id; a member of a group of several carries its
    /// [`RecPosition`], so comparing or hashing one costs its own size, not its group's.
    types: Vec<std::sync::Arc<FuncType>>,
    /// The types that are a group of their own, by form.
    singles: std::collections::HashMap<std::sync::Arc<FuncType>, TypeId>,
    /// The groups of several types, by their members' forms (without positions): the first
    /// member's id; the others follow it. A group is hashed once, when it is registered or
    /// looked up, so a group of n types costs O(n) (a module may have a million in one).
    groups: std::collections::HashMap<std::sync::Arc<[FuncType]>, TypeId>,
}

static REGISTRY: once_cell::sync::Lazy<std::sync::Mutex<Registry>> =
    once_cell::sync::Lazy::new(Default::default);

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

impl TypeId {
    /// The id of `ty` (in its defining form: a reference to itself or to another member of its
    /// group is `Rec(i)`; a type without a [`RecPosition`] is a group of its own). A position
    /// is only ever made by the registry; one attached to a signature other than the
    /// registered member's names nothing, and the type counts as a group of its own.
    pub fn of(ty: &FuncType) -> TypeId {
        if let Some(at) = &ty.group {
            let id = TypeId(at.first.0 + at.index);
            if registry()
                .types
                .get(id.0 as usize)
                .is_some_and(|t| **t == *ty)
            {
                return id;
            }
            let alone = FuncType::new(ty.params.clone(), ty.results.clone());
            return Self::of_group(std::slice::from_ref(&alone))[0];
        }
        Self::of_group(std::slice::from_ref(ty))[0]
    }

    /// The ids of the members of the recursion group `members` (each in its defining form,
    /// without a position: references to the group's members are `Rec(i)`).
    pub fn of_group(members: &[FuncType]) -> Vec<TypeId> {
        let mut reg = registry();
        let base = reg.types.len() as u32;
        match members {
            [] => Vec::new(),
            [one] => {
                if let Some(&id) = reg.singles.get(one) {
                    return vec![id];
                }
                let form = std::sync::Arc::new(one.clone());
                reg.types.push(form.clone());
                reg.singles.insert(form, TypeId(base));
                vec![TypeId(base)]
            }
            _ => {
                let n = members.len() as u32;
                if let Some(&first) = reg.groups.get(members) {
                    return (0..n).map(|i| TypeId(first.0 + i)).collect();
                }
                for (index, member) in members.iter().enumerate() {
                    let at = RecPosition {
                        first: TypeId(base),
                        index: index as u32,
                    };
                    reg.types.push(std::sync::Arc::new(FuncType {
                        group: Some(at),
                        ..member.clone()
                    }));
                }
                reg.groups.insert(members.into(), TypeId(base));
                (0..n).map(|i| TypeId(base + i)).collect()
            }
        }
    }

    /// The type with this id, in its defining form.
    pub fn func_type(self) -> std::sync::Arc<FuncType> {
        registry().types[self.0 as usize].clone()
    }

    /// The id of member `index` of this type's recursion group (the type itself for an index
    /// its group does not have, which no validated module's type refers to).
    fn group_member(self, index: u32) -> TypeId {
        let reg = registry();
        let Some(at) = reg.types[self.0 as usize].group else {
            return self;
        };
        let id = at.first.0.saturating_add(index);
        match reg.types.get(id as usize).and_then(|t| t.group) {
            Some(member) if member.first == at.first => TypeId(id),
            _ => self,
        }
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
    /// A function of member `i` of the recursion group being defined: only inside a function
    /// type that refers to itself or to a member of its group (`(type $t (func (param (ref
    /// $t))))`); [`FuncType::params_of`] and [`FuncType::results_of`] resolve it.
    Rec(u32),
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

    /// This type inside the definition of the type with id `owner`: `Rec(i)` becomes the id of
    /// member `i` of `owner`'s recursion group.
    pub fn resolved_in(self, owner: TypeId) -> ValType {
        match self {
            ValType::Ref(RefType {
                nullable,
                heap: HeapType::Rec(i),
            }) => ValType::Ref(RefType {
                nullable,
                heap: HeapType::Concrete(owner.group_member(i)),
            }),
            t => t,
        }
    }

    /// Converts a type of a validated module whose type section entries before the current
    /// recursion group have ids `types`. A reference to type `types.len() + i` is member `i` of
    /// the group being defined (a validated module refers to no later type), so it becomes
    /// [`HeapType::Rec`]; outside the type section every index is below.
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
            Ok(match types.get(index as usize) {
                Some(&id) => HeapType::Concrete(id),
                None => HeapType::Rec(index - types.len() as u32),
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
            HeapType::Rec(i) => write!(f, "rec.{i}"),
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
    /// Where the type sits when its recursion group has more than one member (`None`: it is a
    /// group of its own). Part of the type's identity: `(rec (type (func)) (type (func)))`
    /// defines two types that differ from each other and from a lone `(type (func))`.
    pub group: Option<RecPosition>,
}

/// A type's place in a recursion group of several members: the group, named by the id of its
/// first member (groups are registered whole, so equal groups have the same one), and the
/// type's index in it. Made only by the type registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RecPosition {
    first: TypeId,
    index: u32,
}

impl RecPosition {
    /// The type's index in its group.
    pub fn index(&self) -> u32 {
        self.index
    }
}

impl FuncType {
    pub fn new(params: Vec<ValType>, results: Vec<ValType>) -> Self {
        FuncType {
            params,
            results,
            group: None,
        }
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
            group: None,
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
        // A concrete index: an earlier type by id, a member of the group being defined as `Rec`.
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
        let later = ValType::from_wasmparser(concrete(2).into(), &[id]).unwrap();
        assert_eq!(
            later,
            ValType::Ref(RefType {
                nullable: false,
                heap: HeapType::Rec(1)
            })
        );
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
        let s = TypeId::of(&FuncType::new(vec![ref_to(HeapType::Rec(0))], vec![]));
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
    fn recursion_groups_are_iso_recursive() {
        let func = FuncType::default();
        let lone = TypeId::of(&func);
        let pair = TypeId::of_group(&[func.clone(), func.clone()]);
        // `(rec (type (func)) (type (func)))`: two types, neither the lone `(type (func))`.
        assert_eq!(pair.len(), 2);
        assert_ne!(pair[0], pair[1]);
        assert!(!pair.contains(&lone));
        // The same group again, from another module: the same ids.
        assert_eq!(TypeId::of_group(&[func.clone(), func.clone()]), pair);
        // A member's defining form names its group; its id follows from it alone.
        let second = pair[1].func_type();
        assert_eq!(second.group.as_ref().map(|g| g.index()), Some(1));
        assert_eq!(TypeId::of(&second), pair[1]);
        assert_ne!(*second, func);
        // References to other members resolve to their ids.
        let r = |heap| {
            ValType::Ref(RefType {
                nullable: true,
                heap,
            })
        };
        let a = FuncType::new(vec![r(HeapType::Rec(1))], vec![]);
        let b = FuncType::new(vec![r(HeapType::Rec(0))], vec![ValType::I32]);
        let ab = TypeId::of_group(&[a.clone(), b.clone()]);
        let params: Vec<_> = ab[0].func_type().params_of(ab[0]).collect();
        assert_eq!(params, vec![r(HeapType::Concrete(ab[1]))]);
        let params: Vec<_> = ab[1].func_type().params_of(ab[1]).collect();
        assert_eq!(params, vec![r(HeapType::Concrete(ab[0]))]);
        // A position moved onto another signature names nothing: that type is its own group.
        let mut forged = (*ab[1].func_type()).clone();
        forged.params = vec![ValType::I64];
        let id = TypeId::of(&forged);
        assert!(!ab.contains(&id));
        assert_eq!(
            id,
            TypeId::of(&FuncType::new(vec![ValType::I64], vec![ValType::I32]))
        );
        // Order within the group is part of identity.
        // A reference past the group's end (no validated module has one) stays in the group.
        assert_eq!(
            r(HeapType::Rec(7)).resolved_in(ab[1]),
            r(HeapType::Concrete(ab[1]))
        );
        let ba = TypeId::of_group(&[b, a]);
        assert!(ba.iter().all(|id| !ab.contains(id)));
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
