//! wasm.h "Module Instances".

use super::external::wasm_extern_vec_t;
use super::module::wasm_module_t;
use super::r#ref::{Object, StoreObject};
use super::store::wasm_store_t;
use super::trap::{trap_from_wasm, wasm_trap_t};
use super::vec::CVec;
use super::{arg, arg_mut, into_raw};
use crate::api::{Error, Instance, InstantiationError};
use crate::error::set_last_error;

declare_ref!(wasm_instance_t is Object::Instance(_),
    base: wasm_instance_delete, wasm_instance_copy, wasm_instance_same, wasm_instance_get_host_info,
        wasm_instance_set_host_info, wasm_instance_set_host_info_with_finalizer;
    casts: wasm_instance_as_ref, wasm_ref_as_instance, wasm_instance_as_ref_const,
        wasm_ref_as_instance_const);

/// Instantiates `module` with `imports` (in the module's import order). On failure returns NULL,
/// leaves the reason in `wasmo_error_message()` and, if `trap` is not NULL, stores a trap with
/// the same message there (a link error or a trap in a segment or the start function).
#[no_mangle]
pub unsafe extern "C" fn wasm_instance_new(
    store: *mut wasm_store_t,
    module: *const wasm_module_t,
    imports: *const super::external::wasm_extern_vec_t,
    trap: *mut *mut wasm_trap_t,
) -> *mut wasm_instance_t {
    let f = "wasm_instance_new";
    let store = &unsafe { arg(store, f, "store") }.store;
    let module = unsafe { arg(module, f, "module") }.module();
    if let Some(t) = unsafe { trap.as_mut() } {
        *t = std::ptr::null_mut();
    }
    let empty = wasm_extern_vec_t::from_parts(0, std::ptr::null_mut());
    let imports = unsafe { imports.as_ref() }.unwrap_or(&empty);
    let mut externs = Vec::new();
    // SAFETY: a valid vector's elements are live externs or NULL.
    for (i, e) in unsafe { imports.as_slice() }.iter().enumerate() {
        let Some(e) = (unsafe { e.as_ref() }) else {
            return fail(trap, Error::new(format!("{f}: import {i} is NULL")));
        };
        let o = e.handle();
        if !o.store().same(store) {
            return fail(
                trap,
                Error::new(format!("{f}: import {i} belongs to another store")),
            );
        }
        externs.push(e.to_api());
    }
    match Instance::new(store, module, &externs) {
        Ok(instance) => {
            crate::error::clear_last_error();
            let handle =
                wasm_instance_t::from_object(Object::Instance(StoreObject::new(store, instance)));
            // Once the host deletes every handle and nothing reaches it, the instance's
            // memories are released (`api::Root`).
            instance.release_when_unrooted(store);
            into_raw(handle)
        }
        Err(InstantiationError::Trap(t)) => {
            set_last_error(&Error::new(t.message.clone()));
            if let Some(slot) = unsafe { trap.as_mut() } {
                *slot = trap_from_wasm(store, t, None);
            }
            std::ptr::null_mut()
        }
        Err(InstantiationError::Link(e)) | Err(InstantiationError::Other(e)) => fail(trap, e),
    }
}

fn fail(trap: *mut *mut wasm_trap_t, e: Error) -> *mut wasm_instance_t {
    set_last_error(&e);
    if let Some(slot) = unsafe { trap.as_mut() } {
        let mut message = e.message().as_bytes().to_vec();
        message.push(0);
        *slot = super::trap::trap_from_message(message);
    }
    std::ptr::null_mut()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_instance_exports(
    instance: *const wasm_instance_t,
    out: *mut wasm_extern_vec_t,
) {
    let o = unsafe { arg(instance, "wasm_instance_exports", "self") }.handle();
    let items = o
        .instance()
        .exports(o.store())
        .into_iter()
        .map(|(_, e)| into_raw(super::external::wasm_extern_t::new(o.store(), e)))
        .collect();
    unsafe { *arg_mut(out, "wasm_instance_exports", "out") = wasm_extern_vec_t::from_vec(items) };
}
