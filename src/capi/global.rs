//! wasm.h "Global Instances".

use super::r#ref::{Object, StoreObject};
use super::store::wasm_store_t;
use super::types::wasm_globaltype_t;
use super::val::{v128_global_mismatch, val_from_c, val_to_c, wasm_val_t};
use super::{arg, arg_mut, into_raw, report};
use crate::api::{Error, Extern, ExternType, Global, GlobalType, Store, Val, ValType};

declare_ref!(wasm_global_t is Object::Global(_),
    base: wasm_global_delete, wasm_global_copy, wasm_global_same, wasm_global_get_host_info,
        wasm_global_set_host_info, wasm_global_set_host_info_with_finalizer;
    casts: wasm_global_as_ref, wasm_ref_as_global, wasm_global_as_ref_const, wasm_ref_as_global_const);

/// A new global; NULL (with an error message) if the value does not match the type.
///
/// A `v128` global type is refused whatever the value (NULL, with the message "wasm_global_new:
/// type mismatch: v128 values cannot be passed through wasm.h (use wasmo_global_new_v128)"):
/// create v128 globals with `wasmo_global_new_v128` (wasmo.h).
#[no_mangle]
pub unsafe extern "C" fn wasm_global_new(
    store: *mut wasm_store_t,
    ty: *const wasm_globaltype_t,
    value: *const wasm_val_t,
) -> *mut wasm_global_t {
    let f = "wasm_global_new";
    let store = &unsafe { arg(store, f, "store") }.store;
    let ty = global_type_of(unsafe { arg(ty, f, "type") });
    let value = unsafe { arg(value, f, "value") };
    let result = if ty.content == ValType::V128 {
        Err(Error::new(v128_global_mismatch(f, "wasmo_global_new_v128")))
    } else {
        val_from_c(store, value, ty.content).map_err(|e| Error::new(format!("{f}: {e}")))
    };
    new_global(store, ty, result)
}

/// The core type of a C global type.
pub(crate) fn global_type_of(ty: &wasm_globaltype_t) -> GlobalType {
    match ty.as_extern().to_core() {
        ExternType::Global(ty) => ty,
        _ => unreachable!("a wasm_globaltype_t always holds a global type"),
    }
}

/// A new global of type `ty` holding `value` if that is `Ok`, as an owned `wasm_global_t`;
/// NULL with the error recorded otherwise.
pub(crate) fn new_global(
    store: &Store,
    ty: GlobalType,
    value: Result<Val, Error>,
) -> *mut wasm_global_t {
    report(
        value.and_then(|v| Global::new(store, ty, v)),
        |global| {
            into_raw(wasm_global_t::from_object(Object::Global(
                StoreObject::new(store, global),
            )))
        },
        std::ptr::null_mut(),
    )
}

#[no_mangle]
pub unsafe extern "C" fn wasm_global_type(global: *const wasm_global_t) -> *mut wasm_globaltype_t {
    let o = unsafe { arg(global, "wasm_global_type", "self") }.handle();
    let ty = Extern::Global(o.global()).ty(o.store());
    wasm_globaltype_t::boxed_from_core(&ty)
}

/// Writes the global's value to `out` (which then owns any reference in it) and clears
/// `wasmo_error_message()`.
///
/// A `v128` value cannot be read this way: `out` gets kind `WASMO_V128` and an all-zero
/// payload (`of.ref` is NULL, there is nothing to delete), and `wasmo_error_message()` says
/// "wasm_global_get: type mismatch: v128 values cannot be passed through wasm.h (use
/// wasmo_global_get_v128)".
#[no_mangle]
pub unsafe extern "C" fn wasm_global_get(global: *const wasm_global_t, out: *mut wasm_val_t) {
    let f = "wasm_global_get";
    let o = unsafe { arg(global, f, "self") }.handle();
    let out = unsafe { arg_mut(out, f, "out") };
    let v = o.global().get(o.store());
    // For v128 this is the documented placeholder, never the value's bits.
    *out = val_to_c(o.store(), v);
    let result = if v.ty() == ValType::V128 {
        Err(Error::new(v128_global_mismatch(f, "wasmo_global_get_v128")))
    } else {
        Ok(())
    };
    report(result, |()| (), ())
}

/// Sets a mutable global. Setting an immutable global or a value of the wrong type is refused
/// (the global keeps its value and the reason is in `wasmo_error_message()`, which a successful
/// set clears).
///
/// A `v128` global is never set this way, whatever the value's kind: the reason is
/// "wasm_global_set: type mismatch: v128 values cannot be passed through wasm.h (use
/// wasmo_global_set_v128)".
#[no_mangle]
pub unsafe extern "C" fn wasm_global_set(global: *mut wasm_global_t, value: *const wasm_val_t) {
    let f = "wasm_global_set";
    let o = unsafe { arg(global, f, "self") }.handle();
    let value = unsafe { arg(value, f, "value") };
    let ty = o.global().ty(o.store());
    let result = if ty.content == ValType::V128 {
        Err(Error::new(v128_global_mismatch(f, "wasmo_global_set_v128")))
    } else {
        val_from_c(o.store(), value, ty.content).map_err(|e| Error::new(format!("{f}: {e}")))
    };
    report(
        result.and_then(|v| o.global().set(o.store(), v)),
        |()| (),
        (),
    )
}
