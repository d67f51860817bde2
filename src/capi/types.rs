//! wasm.h "Type Representations": value, function, global, table, memory and extern types, import
//! and export types, limits.
//!
//! `wasm_functype_t`, `wasm_globaltype_t`, `wasm_tabletype_t` and `wasm_memorytype_t` are
//! transparent wrappers of `wasm_externtype_t`, so `*_as_externtype` and back are pointer casts.

use super::vec::{Owned, OwnedName};
use super::{arg, arg_mut, declare_own_copy, into_raw, misuse, take_box};
use crate::api::{ExternType, FuncType, GlobalType, Limits, MemoryType, TableType, ValType};
use crate::error::{clear_last_error, set_last_error, Error};

pub type wasm_valkind_t = u8;
pub const WASM_I32: wasm_valkind_t = 0;
pub const WASM_I64: wasm_valkind_t = 1;
pub const WASM_F32: wasm_valkind_t = 2;
pub const WASM_F64: wasm_valkind_t = 3;
/// Wasmo's kind for `v128`, which upstream wasm.h lacks (declared in wasmo.h).
pub const WASMO_V128: wasm_valkind_t = 4;
/// Exception references (`exnref`), which upstream wasm.h lacks (wasmo.h's `WASMO_EXNREF`).
pub const WASMO_EXNREF: wasm_valkind_t = 130;
pub const WASM_EXTERNREF: wasm_valkind_t = 128;
pub const WASM_FUNCREF: wasm_valkind_t = 129;

pub type wasm_mutability_t = u8;
pub const WASM_CONST: wasm_mutability_t = 0;
pub const WASM_VAR: wasm_mutability_t = 1;

pub type wasm_externkind_t = u8;
pub const WASM_EXTERN_FUNC: wasm_externkind_t = 0;
pub const WASM_EXTERN_GLOBAL: wasm_externkind_t = 1;
pub const WASM_EXTERN_TABLE: wasm_externkind_t = 2;
pub const WASM_EXTERN_MEMORY: wasm_externkind_t = 3;

pub fn valkind_of(ty: ValType) -> wasm_valkind_t {
    match ty {
        ValType::I32 => WASM_I32,
        ValType::I64 => WASM_I64,
        ValType::F32 => WASM_F32,
        ValType::F64 => WASM_F64,
        ValType::V128 => WASMO_V128,
        // Every function reference type reflects as funcref, every host reference type as
        // externref (wasm.h has no typed references; wasmo.h says so).
        ValType::Ref(r) if r.is_func() => WASM_FUNCREF,
        ValType::Ref(_) if ty.is_exn_ref() => WASMO_EXNREF,
        ValType::Ref(_) => WASM_EXTERNREF,
    }
}

pub fn valtype_of(kind: wasm_valkind_t) -> Option<ValType> {
    Some(match kind {
        WASM_I32 => ValType::I32,
        WASM_I64 => ValType::I64,
        WASM_F32 => ValType::F32,
        WASM_F64 => ValType::F64,
        WASMO_V128 => ValType::V128,
        WASM_EXTERNREF => ValType::EXTERNREF,
        WASM_FUNCREF => ValType::FUNCREF,
        WASMO_EXNREF => ValType::EXNREF,
        _ => return None,
    })
}

/// Size limits, in pages or elements; `max == wasm_limits_max_default` means no maximum.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct wasm_limits_t {
    pub min: u32,
    pub max: u32,
}

pub const WASM_LIMITS_MAX_DEFAULT: u32 = u32::MAX;

impl wasm_limits_t {
    /// wasm.h limits are 32-bit: larger (64-bit proposal) values saturate.
    pub fn from_core(l: Limits) -> Self {
        let clamp = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
        wasm_limits_t {
            min: clamp(l.min),
            max: l.max.map_or(WASM_LIMITS_MAX_DEFAULT, clamp),
        }
    }

    pub fn to_core(self) -> Limits {
        Limits {
            min: self.min.into(),
            max: (self.max != WASM_LIMITS_MAX_DEFAULT).then_some(self.max.into()),
        }
    }
}

// ---- value types ----------------------------------------------------------------------------

#[derive(Clone)]
pub struct wasm_valtype_t {
    pub(crate) ty: ValType,
}

declare_own_copy!(wasm_valtype_t, wasm_valtype_delete, wasm_valtype_copy);
declare_vec!(wasm_valtype_vec_t of *mut wasm_valtype_t:
    wasm_valtype_vec_new_empty, wasm_valtype_vec_new_uninitialized, wasm_valtype_vec_new,
    wasm_valtype_vec_copy, wasm_valtype_vec_delete);

/// A new value type, or NULL (with an error message) for a kind wasm.h does not define.
#[no_mangle]
pub extern "C" fn wasm_valtype_new(kind: wasm_valkind_t) -> *mut wasm_valtype_t {
    match valtype_of(kind) {
        Some(ty) => {
            clear_last_error();
            into_raw(wasm_valtype_t { ty })
        }
        None => {
            set_last_error(&Error::new(format!(
                "wasm_valtype_new: invalid value kind {kind}"
            )));
            std::ptr::null_mut()
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_valtype_kind(t: *const wasm_valtype_t) -> wasm_valkind_t {
    valkind_of(unsafe { arg(t, "wasm_valtype_kind", "self") }.ty)
}

fn valtype_vec(types: &[ValType]) -> Owned<wasm_valtype_vec_t> {
    Owned::from_vec(
        types
            .iter()
            .map(|&ty| into_raw(wasm_valtype_t { ty }))
            .collect(),
    )
}

fn valtypes_of(vec: &Owned<wasm_valtype_vec_t>, function: &str) -> Vec<ValType> {
    vec.as_slice()
        .iter()
        // SAFETY: the elements of a vector we own are live or NULL.
        .map(|&t| unsafe { arg(t, function, "value type element") }.ty)
        .collect()
}

// ---- extern types and their four kinds -----------------------------------------------------

#[derive(Clone)]
pub(crate) struct CFuncType {
    params: Owned<wasm_valtype_vec_t>,
    results: Owned<wasm_valtype_vec_t>,
}

#[derive(Clone)]
pub(crate) struct CGlobalType {
    content: Box<wasm_valtype_t>,
    mutability: wasm_mutability_t,
}

/// A table type: its element type, wasm.h's 32-bit view of its limits, and its exact limits
/// and index type (memory64's 64-bit tables).
#[derive(Clone)]
pub(crate) struct CTableType {
    element: Box<wasm_valtype_t>,
    limits: wasm_limits_t,
    pub(crate) exact: Limits,
    pub(crate) table64: bool,
}

impl CTableType {
    pub(crate) fn new(element: Box<wasm_valtype_t>, exact: Limits, table64: bool) -> CTableType {
        CTableType {
            element,
            limits: wasm_limits_t::from_core(exact),
            exact,
            table64,
        }
    }
}

/// A memory type: wasm.h's 32-bit view of its limits, and the type itself (whose limits are
/// 64-bit; a 32-bit memory's fit the view exactly).
#[derive(Clone)]
pub(crate) struct CMemoryType {
    limits: wasm_limits_t,
    pub(crate) ty: MemoryType,
}

impl CMemoryType {
    pub(crate) fn new(ty: MemoryType) -> CMemoryType {
        CMemoryType {
            limits: wasm_limits_t::from_core(ty.limits),
            ty,
        }
    }
}

#[derive(Clone)]
pub(crate) enum CExternType {
    Func(CFuncType),
    Global(CGlobalType),
    Table(CTableType),
    Memory(CMemoryType),
    /// An exception tag's type (Wasmo's `WASMO_EXTERN_TAG`): its payload as parameters.
    Tag(CFuncType),
}

#[derive(Clone)]
pub struct wasm_externtype_t {
    pub(crate) which: CExternType,
}

impl wasm_externtype_t {
    pub fn from_core(ty: &ExternType) -> Self {
        let which = match ty {
            ExternType::Func(f) => CExternType::Func(CFuncType {
                params: valtype_vec(&f.params),
                results: valtype_vec(&f.results),
            }),
            ExternType::Global(g) => CExternType::Global(CGlobalType {
                content: Box::new(wasm_valtype_t { ty: g.content }),
                mutability: if g.mutable { WASM_VAR } else { WASM_CONST },
            }),
            ExternType::Table(t) => CExternType::Table(CTableType::new(
                Box::new(wasm_valtype_t { ty: t.element }),
                t.limits,
                t.table64,
            )),
            ExternType::Memory(m) => CExternType::Memory(CMemoryType::new(*m)),
            ExternType::Tag(f) => CExternType::Tag(CFuncType {
                params: valtype_vec(&f.params),
                results: valtype_vec(&f.results),
            }),
        };
        wasm_externtype_t { which }
    }

    pub fn to_core(&self) -> ExternType {
        match &self.which {
            CExternType::Func(f) => ExternType::Func(FuncType::new(
                valtypes_of(&f.params, "wasm_functype_t"),
                valtypes_of(&f.results, "wasm_functype_t"),
            )),
            CExternType::Global(g) => ExternType::Global(GlobalType {
                content: g.content.ty,
                mutable: g.mutability == WASM_VAR,
            }),
            CExternType::Table(t) => ExternType::Table(TableType {
                element: t.element.ty,
                limits: t.exact,
                table64: t.table64,
            }),
            CExternType::Memory(m) => ExternType::Memory(m.ty),
            CExternType::Tag(f) => ExternType::Tag(FuncType::new(
                valtypes_of(&f.params, "wasm_functype_t"),
                valtypes_of(&f.results, "wasm_functype_t"),
            )),
        }
    }
}

declare_own_copy!(
    wasm_externtype_t,
    wasm_externtype_delete,
    wasm_externtype_copy
);
declare_vec!(wasm_externtype_vec_t of *mut wasm_externtype_t:
    wasm_externtype_vec_new_empty, wasm_externtype_vec_new_uninitialized, wasm_externtype_vec_new,
    wasm_externtype_vec_copy, wasm_externtype_vec_delete);

#[no_mangle]
pub unsafe extern "C" fn wasm_externtype_kind(t: *const wasm_externtype_t) -> wasm_externkind_t {
    match unsafe { arg(t, "wasm_externtype_kind", "self") }.which {
        CExternType::Func(_) => WASM_EXTERN_FUNC,
        CExternType::Global(_) => WASM_EXTERN_GLOBAL,
        CExternType::Table(_) => WASM_EXTERN_TABLE,
        CExternType::Memory(_) => WASM_EXTERN_MEMORY,
        CExternType::Tag(_) => super::wasmo::WASMO_EXTERN_TAG,
    }
}

/// Declares one kind of extern type: a transparent wrapper of `wasm_externtype_t` holding the
/// `$variant`, its owned-object functions, vector, and the four casts.
macro_rules! declare_externtype_kind {
    ($ty:ident($variant:ident: $inner:ty);
     own: $delete:ident, $copy:ident;
     vec: $vec:ident: $v1:ident, $v2:ident, $v3:ident, $v4:ident, $v5:ident;
     casts: $as_ext:ident, $as_ext_const:ident, $ext_as:ident, $ext_as_const:ident) => {
        #[derive(Clone)]
        #[repr(transparent)]
        pub struct $ty {
            ext: wasm_externtype_t,
        }

        impl $ty {
            pub(crate) fn new(inner: $inner) -> Self {
                $ty { ext: wasm_externtype_t { which: CExternType::$variant(inner) } }
            }

            pub(crate) fn inner(&self) -> &$inner {
                match &self.ext.which {
                    CExternType::$variant(inner) => inner,
                    _ => unreachable!("a {} always holds its own kind", stringify!($ty)),
                }
            }
        }

        impl $ty {
            #[allow(dead_code)]
            pub(crate) fn as_extern(&self) -> &wasm_externtype_t {
                &self.ext
            }

            /// A new boxed type of this kind from an extern type of the same kind.
            #[allow(dead_code)]
            pub(crate) fn boxed_from_core(ty: &ExternType) -> *mut $ty {
                let ext = wasm_externtype_t::from_core(ty);
                debug_assert!(matches!(ext.which, CExternType::$variant(_)));
                into_raw($ty { ext })
            }
        }

        declare_own_copy!($ty, $delete, $copy);
        declare_vec!($vec of *mut $ty: $v1, $v2, $v3, $v4, $v5);

        #[no_mangle]
        pub extern "C" fn $as_ext(t: *mut $ty) -> *mut wasm_externtype_t {
            t.cast()
        }

        #[no_mangle]
        pub extern "C" fn $as_ext_const(t: *const $ty) -> *const wasm_externtype_t {
            t.cast()
        }

        #[no_mangle]
        pub unsafe extern "C" fn $ext_as(t: *mut wasm_externtype_t) -> *mut $ty {
            unsafe { $ext_as_const(t) }.cast_mut()
        }

        #[no_mangle]
        pub unsafe extern "C" fn $ext_as_const(t: *const wasm_externtype_t) -> *const $ty {
            match &unsafe { arg(t, stringify!($ext_as_const), "self") }.which {
                CExternType::$variant(_) => t.cast(),
                _ => std::ptr::null(),
            }
        }
    };
}

declare_externtype_kind!(wasm_functype_t(Func: CFuncType);
    own: wasm_functype_delete, wasm_functype_copy;
    vec: wasm_functype_vec_t: wasm_functype_vec_new_empty, wasm_functype_vec_new_uninitialized,
        wasm_functype_vec_new, wasm_functype_vec_copy, wasm_functype_vec_delete;
    casts: wasm_functype_as_externtype, wasm_functype_as_externtype_const,
        wasm_externtype_as_functype, wasm_externtype_as_functype_const);

declare_externtype_kind!(wasm_globaltype_t(Global: CGlobalType);
    own: wasm_globaltype_delete, wasm_globaltype_copy;
    vec: wasm_globaltype_vec_t: wasm_globaltype_vec_new_empty,
        wasm_globaltype_vec_new_uninitialized, wasm_globaltype_vec_new, wasm_globaltype_vec_copy,
        wasm_globaltype_vec_delete;
    casts: wasm_globaltype_as_externtype, wasm_globaltype_as_externtype_const,
        wasm_externtype_as_globaltype, wasm_externtype_as_globaltype_const);

declare_externtype_kind!(wasm_tabletype_t(Table: CTableType);
    own: wasm_tabletype_delete, wasm_tabletype_copy;
    vec: wasm_tabletype_vec_t: wasm_tabletype_vec_new_empty, wasm_tabletype_vec_new_uninitialized,
        wasm_tabletype_vec_new, wasm_tabletype_vec_copy, wasm_tabletype_vec_delete;
    casts: wasm_tabletype_as_externtype, wasm_tabletype_as_externtype_const,
        wasm_externtype_as_tabletype, wasm_externtype_as_tabletype_const);

declare_externtype_kind!(wasm_memorytype_t(Memory: CMemoryType);
    own: wasm_memorytype_delete, wasm_memorytype_copy;
    vec: wasm_memorytype_vec_t: wasm_memorytype_vec_new_empty,
        wasm_memorytype_vec_new_uninitialized, wasm_memorytype_vec_new, wasm_memorytype_vec_copy,
        wasm_memorytype_vec_delete;
    casts: wasm_memorytype_as_externtype, wasm_memorytype_as_externtype_const,
        wasm_externtype_as_memorytype, wasm_externtype_as_memorytype_const);

// ---- function types -------------------------------------------------------------------------

/// A function type taking ownership of both vectors (which are left empty).
#[no_mangle]
pub unsafe extern "C" fn wasm_functype_new(
    params: *mut wasm_valtype_vec_t,
    results: *mut wasm_valtype_vec_t,
) -> *mut wasm_functype_t {
    let params = unsafe { Owned::adopt(arg_mut(params, "wasm_functype_new", "params")) };
    let results = unsafe { Owned::adopt(arg_mut(results, "wasm_functype_new", "results")) };
    if params
        .as_slice()
        .iter()
        .chain(results.as_slice())
        .any(|t| t.is_null())
    {
        misuse(
            "wasm_functype_new",
            "value type vectors must not contain NULL",
        );
    }
    into_raw(wasm_functype_t::new(CFuncType { params, results }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_functype_params(
    t: *const wasm_functype_t,
) -> *const wasm_valtype_vec_t {
    &unsafe { arg(t, "wasm_functype_params", "self") }
        .inner()
        .params
        .0
}

#[no_mangle]
pub unsafe extern "C" fn wasm_functype_results(
    t: *const wasm_functype_t,
) -> *const wasm_valtype_vec_t {
    &unsafe { arg(t, "wasm_functype_results", "self") }
        .inner()
        .results
        .0
}

impl wasm_functype_t {
    pub fn from_core(ty: &FuncType) -> Self {
        wasm_functype_t {
            ext: wasm_externtype_t::from_core(&ExternType::Func(ty.clone())),
        }
    }

    pub fn to_core(&self) -> FuncType {
        match self.ext.to_core() {
            ExternType::Func(f) => f,
            _ => unreachable!("a wasm_functype_t always holds a function type"),
        }
    }
}

// ---- global types ---------------------------------------------------------------------------

/// A global type taking ownership of `content`; NULL (with an error) for a bad mutability.
#[no_mangle]
pub unsafe extern "C" fn wasm_globaltype_new(
    content: *mut wasm_valtype_t,
    mutability: wasm_mutability_t,
) -> *mut wasm_globaltype_t {
    let content = unsafe { take_box(content, "wasm_globaltype_new", "content") };
    if mutability != WASM_CONST && mutability != WASM_VAR {
        set_last_error(&Error::new(format!(
            "wasm_globaltype_new: invalid mutability {mutability}"
        )));
        return std::ptr::null_mut();
    }
    clear_last_error();
    into_raw(wasm_globaltype_t::new(CGlobalType {
        content,
        mutability,
    }))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_globaltype_content(
    t: *const wasm_globaltype_t,
) -> *const wasm_valtype_t {
    &*unsafe { arg(t, "wasm_globaltype_content", "self") }
        .inner()
        .content
}

#[no_mangle]
pub unsafe extern "C" fn wasm_globaltype_mutability(
    t: *const wasm_globaltype_t,
) -> wasm_mutability_t {
    unsafe { arg(t, "wasm_globaltype_mutability", "self") }
        .inner()
        .mutability
}

// ---- table types ----------------------------------------------------------------------------

/// A table type taking ownership of `element`; NULL (with an error) unless it is a reference type.
#[no_mangle]
pub unsafe extern "C" fn wasm_tabletype_new(
    element: *mut wasm_valtype_t,
    limits: *const wasm_limits_t,
) -> *mut wasm_tabletype_t {
    let element = unsafe { take_box(element, "wasm_tabletype_new", "element") };
    let limits = *unsafe { arg(limits, "wasm_tabletype_new", "limits") };
    if !element.ty.is_ref() {
        set_last_error(&Error::new(format!(
            "wasm_tabletype_new: table elements must be references, not {}",
            element.ty
        )));
        return std::ptr::null_mut();
    }
    clear_last_error();
    into_raw(wasm_tabletype_t::new(CTableType::new(
        element,
        limits.to_core(),
        false,
    )))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_tabletype_element(
    t: *const wasm_tabletype_t,
) -> *const wasm_valtype_t {
    &*unsafe { arg(t, "wasm_tabletype_element", "self") }
        .inner()
        .element
}

/// The type's limits as wasm.h's 32-bit `wasm_limits_t`; for a 64-bit table type (see
/// `wasmo_tabletype_is64`) values beyond 32 bits read as in `wasm_memorytype_limits`.
#[no_mangle]
pub unsafe extern "C" fn wasm_tabletype_limits(t: *const wasm_tabletype_t) -> *const wasm_limits_t {
    &unsafe { arg(t, "wasm_tabletype_limits", "self") }
        .inner()
        .limits
}

// ---- memory types ---------------------------------------------------------------------------

#[no_mangle]
pub unsafe extern "C" fn wasm_memorytype_new(
    limits: *const wasm_limits_t,
) -> *mut wasm_memorytype_t {
    let limits = *unsafe { arg(limits, "wasm_memorytype_new", "limits") };
    into_raw(wasm_memorytype_t::new(CMemoryType::new(MemoryType {
        limits: limits.to_core(),
        memory64: false,
        shared: false,
    })))
}

/// The type's limits as wasm.h's 32-bit `wasm_limits_t`. For a 64-bit memory type (see
/// `wasmo_memorytype_is64`) a minimum beyond 32 bits reads as `UINT32_MAX`, and so does a
/// maximum that is absent or beyond 32 bits (wasm.h's "no maximum"): read its exact limits with
/// `wasmo_memorytype_limits64`.
#[no_mangle]
pub unsafe extern "C" fn wasm_memorytype_limits(
    t: *const wasm_memorytype_t,
) -> *const wasm_limits_t {
    &unsafe { arg(t, "wasm_memorytype_limits", "self") }
        .inner()
        .limits
}

// ---- import and export types ----------------------------------------------------------------

#[derive(Clone)]
pub struct wasm_importtype_t {
    module: OwnedName,
    name: OwnedName,
    ty: Box<wasm_externtype_t>,
}

declare_own_copy!(
    wasm_importtype_t,
    wasm_importtype_delete,
    wasm_importtype_copy
);
declare_vec!(wasm_importtype_vec_t of *mut wasm_importtype_t:
    wasm_importtype_vec_new_empty, wasm_importtype_vec_new_uninitialized, wasm_importtype_vec_new,
    wasm_importtype_vec_copy, wasm_importtype_vec_delete);

impl wasm_importtype_t {
    pub fn from_core(import: &crate::api::ImportType) -> Self {
        wasm_importtype_t {
            module: OwnedName::new(&import.module),
            name: OwnedName::new(&import.name),
            ty: Box::new(wasm_externtype_t::from_core(&import.ty)),
        }
    }
}

/// An import type taking ownership of both names and the type.
#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_new(
    module: *mut super::vec::wasm_name_t,
    name: *mut super::vec::wasm_name_t,
    ty: *mut wasm_externtype_t,
) -> *mut wasm_importtype_t {
    let f = "wasm_importtype_new";
    into_raw(wasm_importtype_t {
        module: unsafe { Owned::adopt(arg_mut(module, f, "module")) },
        name: unsafe { Owned::adopt(arg_mut(name, f, "name")) },
        ty: unsafe { take_box(ty, f, "type") },
    })
}

#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_module(
    t: *const wasm_importtype_t,
) -> *const super::vec::wasm_name_t {
    &unsafe { arg(t, "wasm_importtype_module", "self") }.module.0
}

#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_name(
    t: *const wasm_importtype_t,
) -> *const super::vec::wasm_name_t {
    &unsafe { arg(t, "wasm_importtype_name", "self") }.name.0
}

#[no_mangle]
pub unsafe extern "C" fn wasm_importtype_type(
    t: *const wasm_importtype_t,
) -> *const wasm_externtype_t {
    &*unsafe { arg(t, "wasm_importtype_type", "self") }.ty
}

#[derive(Clone)]
pub struct wasm_exporttype_t {
    name: OwnedName,
    ty: Box<wasm_externtype_t>,
}

declare_own_copy!(
    wasm_exporttype_t,
    wasm_exporttype_delete,
    wasm_exporttype_copy
);
declare_vec!(wasm_exporttype_vec_t of *mut wasm_exporttype_t:
    wasm_exporttype_vec_new_empty, wasm_exporttype_vec_new_uninitialized, wasm_exporttype_vec_new,
    wasm_exporttype_vec_copy, wasm_exporttype_vec_delete);

impl wasm_exporttype_t {
    pub fn new(name: &str, ty: &ExternType) -> Self {
        wasm_exporttype_t {
            name: OwnedName::new(name),
            ty: Box::new(wasm_externtype_t::from_core(ty)),
        }
    }
}

/// An export type taking ownership of the name and the type.
#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_new(
    name: *mut super::vec::wasm_name_t,
    ty: *mut wasm_externtype_t,
) -> *mut wasm_exporttype_t {
    let f = "wasm_exporttype_new";
    into_raw(wasm_exporttype_t {
        name: unsafe { Owned::adopt(arg_mut(name, f, "name")) },
        ty: unsafe { take_box(ty, f, "type") },
    })
}

#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_name(
    t: *const wasm_exporttype_t,
) -> *const super::vec::wasm_name_t {
    &unsafe { arg(t, "wasm_exporttype_name", "self") }.name.0
}

#[no_mangle]
pub unsafe extern "C" fn wasm_exporttype_type(
    t: *const wasm_exporttype_t,
) -> *const wasm_externtype_t {
    &*unsafe { arg(t, "wasm_exporttype_type", "self") }.ty
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extern_types_round_trip_through_c_form() {
        let types = [
            ExternType::Func(FuncType::new(
                vec![ValType::I32, ValType::FUNCREF],
                vec![ValType::F64],
            )),
            ExternType::Global(GlobalType {
                content: ValType::EXTERNREF,
                mutable: true,
            }),
            ExternType::Table(TableType {
                element: ValType::FUNCREF,
                limits: Limits { min: 1, max: None },
                table64: false,
            }),
            ExternType::Memory(MemoryType {
                limits: Limits {
                    min: 0,
                    max: Some(7),
                },
                memory64: false,
                shared: false,
            }),
        ];
        for ty in &types {
            let c = wasm_externtype_t::from_core(ty);
            assert_eq!(&c.clone().to_core(), ty);
        }
    }

    #[test]
    fn limits_saturate_and_map_no_max() {
        let l = wasm_limits_t::from_core(Limits {
            min: 1 << 40,
            max: None,
        });
        assert_eq!(
            l,
            wasm_limits_t {
                min: u32::MAX,
                max: WASM_LIMITS_MAX_DEFAULT
            }
        );
        assert_eq!(
            wasm_limits_t { min: 2, max: 3 }.to_core(),
            Limits {
                min: 2,
                max: Some(3)
            }
        );
    }

    #[test]
    fn valkinds_match_wasm_h() {
        for kind in [
            WASM_I32,
            WASM_I64,
            WASM_F32,
            WASM_F64,
            WASMO_V128,
            WASM_EXTERNREF,
            WASM_FUNCREF,
            WASMO_EXNREF,
        ] {
            assert_eq!(valkind_of(valtype_of(kind).unwrap()), kind);
        }
        assert_eq!(valtype_of(5), None);
    }
}
