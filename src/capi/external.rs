//! wasm.h "Externals": `wasm_extern_t` and the casts between it and functions, globals, tables
//! and memories (all transparent wrappers of the same `wasm_ref_t`); Wasmo's tags
//! (`wasmo_tag_t`, in `wasmo.rs`) are externs too.

use super::func::wasm_func_t;
use super::global::wasm_global_t;
use super::memory::wasm_memory_t;
use super::r#ref::{Object, StoreObject};
use super::table::wasm_table_t;
use super::types::{
    wasm_externkind_t, wasm_externtype_t, WASM_EXTERN_FUNC, WASM_EXTERN_GLOBAL, WASM_EXTERN_MEMORY,
    WASM_EXTERN_TABLE,
};
use super::{arg, into_raw};
use crate::api::{Extern, Store};

declare_ref!(wasm_extern_t is Object::Func(_) | Object::Global(_) | Object::Table(_) | Object::Memory(_) | Object::Tag(_),
    base: wasm_extern_delete, wasm_extern_copy, wasm_extern_same, wasm_extern_get_host_info,
        wasm_extern_set_host_info, wasm_extern_set_host_info_with_finalizer;
    casts: wasm_extern_as_ref, wasm_ref_as_extern, wasm_extern_as_ref_const, wasm_ref_as_extern_const);

declare_vec!(wasm_extern_vec_t of *mut wasm_extern_t:
    wasm_extern_vec_new_empty, wasm_extern_vec_new_uninitialized, wasm_extern_vec_new,
    wasm_extern_vec_copy, wasm_extern_vec_delete);

impl wasm_extern_t {
    pub(crate) fn new(store: &Store, e: Extern) -> Self {
        let o = StoreObject::new(store, e);
        wasm_extern_t::from_object(match e {
            Extern::Func(_) => Object::Func(o),
            Extern::Global(_) => Object::Global(o),
            Extern::Table(_) => Object::Table(o),
            Extern::Memory(_) => Object::Memory(o),
            Extern::Tag(_) => Object::Tag(o),
        })
    }

    pub(crate) fn to_api(&self) -> Extern {
        match &self.r.object {
            Object::Func(o) => Extern::Func(o.func()),
            Object::Global(o) => Extern::Global(o.global()),
            Object::Table(o) => Extern::Table(o.table()),
            Object::Memory(o) => Extern::Memory(o.memory()),
            Object::Tag(o) => Extern::Tag(o.tag()),
            _ => unreachable!("a wasm_extern_t always holds an extern"),
        }
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_kind(e: *const wasm_extern_t) -> wasm_externkind_t {
    match unsafe { arg(e, "wasm_extern_kind", "self") }.to_api() {
        Extern::Func(_) => WASM_EXTERN_FUNC,
        Extern::Global(_) => WASM_EXTERN_GLOBAL,
        Extern::Table(_) => WASM_EXTERN_TABLE,
        Extern::Memory(_) => WASM_EXTERN_MEMORY,
        Extern::Tag(_) => super::wasmo::WASMO_EXTERN_TAG,
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_extern_type(e: *const wasm_extern_t) -> *mut wasm_externtype_t {
    let e = unsafe { arg(e, "wasm_extern_type", "self") };
    let ty = e.to_api().ty(e.handle().store());
    into_raw(wasm_externtype_t::from_core(&ty))
}

/// Declares the four casts between `wasm_extern_t` and one kind.
macro_rules! extern_casts {
    ($ty:ty, $variant:ident: $as_extern:ident, $as_extern_const:ident, $extern_as:ident, $extern_as_const:ident) => {
        #[no_mangle]
        pub extern "C" fn $as_extern(x: *mut $ty) -> *mut wasm_extern_t {
            x.cast()
        }

        #[no_mangle]
        pub extern "C" fn $as_extern_const(x: *const $ty) -> *const wasm_extern_t {
            x.cast()
        }

        #[no_mangle]
        pub unsafe extern "C" fn $extern_as(e: *mut wasm_extern_t) -> *mut $ty {
            unsafe { $extern_as_const(e) }.cast_mut()
        }

        #[no_mangle]
        pub unsafe extern "C" fn $extern_as_const(e: *const wasm_extern_t) -> *const $ty {
            match unsafe { arg(e, stringify!($extern_as_const), "self") }
                .r
                .object
            {
                Object::$variant(_) => e.cast(),
                _ => std::ptr::null(),
            }
        }
    };
}

extern_casts!(wasm_func_t, Func: wasm_func_as_extern, wasm_func_as_extern_const, wasm_extern_as_func, wasm_extern_as_func_const);
extern_casts!(wasm_global_t, Global: wasm_global_as_extern, wasm_global_as_extern_const, wasm_extern_as_global, wasm_extern_as_global_const);
extern_casts!(wasm_table_t, Table: wasm_table_as_extern, wasm_table_as_extern_const, wasm_extern_as_table, wasm_extern_as_table_const);
extern_casts!(wasm_memory_t, Memory: wasm_memory_as_extern, wasm_memory_as_extern_const, wasm_extern_as_memory, wasm_extern_as_memory_const);
