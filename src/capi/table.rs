//! wasm.h "Table Instances".

use super::r#ref::{wasm_ref_t, Object, StoreObject};
use super::store::wasm_store_t;
use super::types::wasm_tabletype_t;
use super::val::{ref_from_runtime, ref_to_runtime};
use super::{arg, into_raw, report};
use crate::error::Error;
use crate::module::types::ExternType;
use crate::runtime::store::Extern;
use crate::runtime::values::Val;

declare_ref!(wasm_table_t is Object::Table(_),
    base: wasm_table_delete, wasm_table_copy, wasm_table_same, wasm_table_get_host_info,
        wasm_table_set_host_info, wasm_table_set_host_info_with_finalizer;
    casts: wasm_table_as_ref, wasm_ref_as_table, wasm_table_as_ref_const, wasm_ref_as_table_const);

pub type wasm_table_size_t = u32;

/// A new table with every element set to `init` (NULL: null references).
#[no_mangle]
pub unsafe extern "C" fn wasm_table_new(
    store: *mut wasm_store_t,
    ty: *const wasm_tabletype_t,
    init: *mut wasm_ref_t,
) -> *mut wasm_table_t {
    let f = "wasm_table_new";
    let store = &unsafe { arg(store, f, "store") }.store;
    let ExternType::Table(ty) = unsafe { arg(ty, f, "type") }.as_extern().to_core() else {
        unreachable!()
    };
    let result = ref_to_runtime(store, init, ty.element)
        .map_err(|e| Error::new(format!("{f}: {e}")))
        .and_then(|v| store.new_table(ty, v));
    report(
        result,
        |index| {
            into_raw(wasm_table_t::from_object(Object::Table(
                StoreObject::table(store, index),
            )))
        },
        std::ptr::null_mut(),
    )
}

#[no_mangle]
pub unsafe extern "C" fn wasm_table_type(table: *const wasm_table_t) -> *mut wasm_tabletype_t {
    let o = unsafe { arg(table, "wasm_table_type", "self") }.entity();
    wasm_tabletype_t::boxed_from_core(&o.store.extern_type(Extern::Table(o.index)))
}

/// The element at `index` (a new reference, NULL for null or out of bounds).
#[no_mangle]
pub unsafe extern "C" fn wasm_table_get(
    table: *const wasm_table_t,
    index: wasm_table_size_t,
) -> *mut wasm_ref_t {
    let o = unsafe { arg(table, "wasm_table_get", "self") }.entity();
    let (element, ty) = {
        let data = o.store.data();
        let t = &data.tables[o.index as usize];
        (t.get(index), t.ty.element)
    };
    match element {
        Some(bits) => ref_from_runtime(&o.store, Val::from_bits(ty, bits as u128)),
        None => std::ptr::null_mut(),
    }
}

/// Sets the element at `index`; false if out of bounds or the reference does not fit.
#[no_mangle]
pub unsafe extern "C" fn wasm_table_set(
    table: *mut wasm_table_t,
    index: wasm_table_size_t,
    r: *mut wasm_ref_t,
) -> bool {
    let o = unsafe { arg(table, "wasm_table_set", "self") }.entity();
    let ty = o.store.data().tables[o.index as usize].ty.element;
    let result = ref_to_runtime(&o.store, r, ty)
        .map_err(Error::new)
        .and_then(|v| {
            let ok = o.store.data().tables[o.index as usize].set(index, v.to_bits() as usize);
            if ok {
                Ok(())
            } else {
                Err(Error::new("wasm_table_set: index out of bounds"))
            }
        });
    report(result, |()| true, false)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_table_size(table: *const wasm_table_t) -> wasm_table_size_t {
    let o = unsafe { arg(table, "wasm_table_size", "self") }.entity();
    crate::api::Table::from_index(o.index).size(&o.api_store())
}

/// Grows by `delta` elements set to `init`; false past the maximum.
#[no_mangle]
pub unsafe extern "C" fn wasm_table_grow(
    table: *mut wasm_table_t,
    delta: wasm_table_size_t,
    init: *mut wasm_ref_t,
) -> bool {
    let o = unsafe { arg(table, "wasm_table_grow", "self") }.entity();
    let ty = o.store.data().tables[o.index as usize].ty.element;
    let result = ref_to_runtime(&o.store, init, ty)
        .map_err(Error::new)
        .and_then(|v| {
            match o.store.data().tables[o.index as usize].grow(delta, v.to_bits() as usize) {
                Some(_) => Ok(()),
                None => Err(Error::new(
                    "wasm_table_grow: the table cannot grow that much",
                )),
            }
        });
    report(result, |()| true, false)
}
