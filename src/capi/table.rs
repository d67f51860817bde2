//! wasm.h "Table Instances".

use super::r#ref::{wasm_ref_t, Object, StoreObject};
use super::store::wasm_store_t;
use super::types::wasm_tabletype_t;
use super::val::{ref_from_c, ref_to_c};
use super::{arg, into_raw, report};
use crate::api::{Error, Extern, ExternType, Table};

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
    let result = ref_from_c(store, init, ty.element)
        .map_err(|e| Error::new(format!("{f}: {e}")))
        .and_then(|v| Table::new(store, ty, v));
    report(
        result,
        |table| {
            into_raw(wasm_table_t::from_object(Object::Table(StoreObject::new(
                store, table,
            ))))
        },
        std::ptr::null_mut(),
    )
}

#[no_mangle]
pub unsafe extern "C" fn wasm_table_type(table: *const wasm_table_t) -> *mut wasm_tabletype_t {
    let o = unsafe { arg(table, "wasm_table_type", "self") }.handle();
    wasm_tabletype_t::boxed_from_core(&Extern::Table(o.table()).ty(o.store()))
}

/// The element at `index` (a new reference, NULL for null or out of bounds).
#[no_mangle]
pub unsafe extern "C" fn wasm_table_get(
    table: *const wasm_table_t,
    index: wasm_table_size_t,
) -> *mut wasm_ref_t {
    let o = unsafe { arg(table, "wasm_table_get", "self") }.handle();
    match o.table().get(o.store(), index) {
        Some(v) => ref_to_c(o.store(), v),
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
    let f = "wasm_table_set";
    let o = unsafe { arg(table, f, "self") }.handle();
    let (store, table) = (o.store(), o.table());
    let result = ref_from_c(store, r, table.ty(store).element)
        .and_then(|v| table.set(store, index, v).map_err(|e| e.to_string()))
        .map_err(|e| Error::new(format!("{f}: {e}")));
    report(result, |()| true, false)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_table_size(table: *const wasm_table_t) -> wasm_table_size_t {
    let o = unsafe { arg(table, "wasm_table_size", "self") }.handle();
    o.table().size(o.store())
}

/// Grows by `delta` elements set to `init`; false past the maximum.
#[no_mangle]
pub unsafe extern "C" fn wasm_table_grow(
    table: *mut wasm_table_t,
    delta: wasm_table_size_t,
    init: *mut wasm_ref_t,
) -> bool {
    let f = "wasm_table_grow";
    let o = unsafe { arg(table, f, "self") }.handle();
    let (store, table) = (o.store(), o.table());
    let result = ref_from_c(store, init, table.ty(store).element)
        .and_then(|v| table.grow(store, delta, v).map_err(|e| e.to_string()))
        .map_err(|e| Error::new(format!("{f}: {e}")));
    report(result, |_| true, false)
}
