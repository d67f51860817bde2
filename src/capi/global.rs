//! wasm.h "Global Instances".

use super::r#ref::{Object, StoreObject};
use super::store::wasm_store_t;
use super::types::wasm_globaltype_t;
use super::val::{val_from_runtime, val_to_runtime, wasm_val_t};
use super::{arg, arg_mut, into_raw, report};
use crate::error::Error;
use crate::module::types::ExternType;

declare_ref!(wasm_global_t is Object::Global(_),
    base: wasm_global_delete, wasm_global_copy, wasm_global_same, wasm_global_get_host_info,
        wasm_global_set_host_info, wasm_global_set_host_info_with_finalizer;
    casts: wasm_global_as_ref, wasm_ref_as_global, wasm_global_as_ref_const, wasm_ref_as_global_const);

/// A new global; NULL (with an error message) if the value does not match the type.
#[no_mangle]
pub unsafe extern "C" fn wasm_global_new(
    store: *mut wasm_store_t,
    ty: *const wasm_globaltype_t,
    value: *const wasm_val_t,
) -> *mut wasm_global_t {
    let f = "wasm_global_new";
    let store = &unsafe { arg(store, f, "store") }.store;
    let ExternType::Global(ty) = unsafe { arg(ty, f, "type") }.as_extern().to_core() else {
        unreachable!()
    };
    let value = unsafe { arg(value, f, "value") };
    let result = val_to_runtime(store, value, ty.content)
        .map_err(|e| Error::new(format!("{f}: {e}")))
        .and_then(|v| store.new_global(ty, v));
    report(
        result,
        |index| {
            into_raw(wasm_global_t::from_object(Object::Global(StoreObject {
                store: store.clone(),
                index,
            })))
        },
        std::ptr::null_mut(),
    )
}

#[no_mangle]
pub unsafe extern "C" fn wasm_global_type(global: *const wasm_global_t) -> *mut wasm_globaltype_t {
    let g = unsafe { arg(global, "wasm_global_type", "self") };
    let ty = g
        .entity()
        .store
        .extern_type(crate::runtime::store::Extern::Global(g.entity().index));
    wasm_globaltype_t::boxed_from_core(&ty)
}

#[no_mangle]
pub unsafe extern "C" fn wasm_global_get(global: *const wasm_global_t, out: *mut wasm_val_t) {
    let o = unsafe { arg(global, "wasm_global_get", "self") }.entity();
    let v = val_from_runtime(&o.store, o.store.global_get(o.index));
    unsafe { *arg_mut(out, "wasm_global_get", "out") = v };
}

/// Sets a mutable global. Setting an immutable global or a value of the wrong type is refused
/// (the global keeps its value and the reason is in `wasmo_error_message()`).
#[no_mangle]
pub unsafe extern "C" fn wasm_global_set(global: *mut wasm_global_t, value: *const wasm_val_t) {
    let o = unsafe { arg(global, "wasm_global_set", "self") }.entity();
    let value = unsafe { arg(value, "wasm_global_set", "value") };
    let ty = o.store.data().globals[o.index as usize].ty;
    let result = val_to_runtime(&o.store, value, ty.content)
        .map_err(|e| Error::new(format!("wasm_global_set: {e}")))
        .and_then(|v| o.store.global_set(o.index, v));
    report(result, |()| (), ())
}
