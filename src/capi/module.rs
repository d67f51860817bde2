//! wasm.h "Modules": creation from bytes, validation, reflection, sharing across threads.

use super::r#ref::{Object, Shared};
use super::store::wasm_store_t;
use super::types::{
    wasm_exporttype_t, wasm_exporttype_vec_t, wasm_importtype_t, wasm_importtype_vec_t,
};
use super::vec::{wasm_byte_vec_t, CVec};
use super::{arg, arg_mut, delete_box, into_raw, report};
use crate::api::{Error, Module};

declare_ref!(wasm_module_t is Object::Module(_),
    base: wasm_module_delete, wasm_module_copy, wasm_module_same, wasm_module_get_host_info,
        wasm_module_set_host_info, wasm_module_set_host_info_with_finalizer;
    casts: wasm_module_as_ref, wasm_ref_as_module, wasm_module_as_ref_const,
        wasm_ref_as_module_const);

impl wasm_module_t {
    pub(crate) fn new(module: Module) -> Self {
        wasm_module_t::from_object(Object::Module(Shared::new(module)))
    }

    pub(crate) fn module(&self) -> &Module {
        match &self.r.object {
            Object::Module(m) => &m.value,
            _ => unreachable!("a wasm_module_t always holds a module"),
        }
    }
}

/// Decodes and validates `binary`; NULL with the validator's message (see `wasmo_error_message`)
/// when it is malformed, invalid or uses an unsupported feature.
#[no_mangle]
pub unsafe extern "C" fn wasm_module_new(
    store: *mut wasm_store_t,
    binary: *const wasm_byte_vec_t,
) -> *mut wasm_module_t {
    let store = unsafe { arg(store, "wasm_module_new", "store") };
    let bytes = unsafe { arg(binary, "wasm_module_new", "binary").bytes() };
    report(
        Module::new(store.store.engine(), bytes),
        |m| into_raw(wasm_module_t::new(m)),
        std::ptr::null_mut(),
    )
}

/// Writes to `out` the module's optimised machine code and what instantiating it needs, for
/// `wasm_module_deserialize` in this or another process (same Wasmo build, target and CPU
/// features). A module compiled in lift-off mode is compiled optimised for it first. On failure
/// `out` is an empty vector and the reason is in `wasmo_error_message`.
#[no_mangle]
pub unsafe extern "C" fn wasm_module_serialize(
    module: *const wasm_module_t,
    out: *mut wasm_byte_vec_t,
) {
    let module = unsafe { arg(module, "wasm_module_serialize", "self") }.module();
    let out = unsafe { arg_mut(out, "wasm_module_serialize", "out") };
    let bytes = report(module.serialize(), Some, None).unwrap_or_default();
    *out = wasm_byte_vec_t::from_bytes(&bytes);
}

/// Loads a module written by `wasm_module_serialize` without compiling it. NULL, with the reason
/// in `wasmo_error_message`, for anything else: truncated or damaged bytes (checked against a
/// checksum before anything is made executable), another format version or Wasmo build, another
/// target or CPU features.
#[no_mangle]
pub unsafe extern "C" fn wasm_module_deserialize(
    store: *mut wasm_store_t,
    binary: *const wasm_byte_vec_t,
) -> *mut wasm_module_t {
    let store = unsafe { arg(store, "wasm_module_deserialize", "store") };
    let bytes = unsafe { arg(binary, "wasm_module_deserialize", "binary").bytes() };
    report(
        Module::deserialize(store.store.engine(), bytes),
        |m| into_raw(wasm_module_t::new(m)),
        std::ptr::null_mut(),
    )
}

/// Whether `binary` is a valid module; on false the reason is in `wasmo_error_message`.
#[no_mangle]
pub unsafe extern "C" fn wasm_module_validate(
    store: *mut wasm_store_t,
    binary: *const wasm_byte_vec_t,
) -> bool {
    let store = unsafe { arg(store, "wasm_module_validate", "store") };
    let bytes = unsafe { arg(binary, "wasm_module_validate", "binary").bytes() };
    report(
        Module::validate(store.store.engine(), bytes),
        |()| true,
        false,
    )
}

#[no_mangle]
pub unsafe extern "C" fn wasm_module_imports(
    module: *const wasm_module_t,
    out: *mut wasm_importtype_vec_t,
) {
    let module = unsafe { arg(module, "wasm_module_imports", "self") }.module();
    let items = module
        .imports()
        .iter()
        .map(|i| into_raw(wasm_importtype_t::from_core(i)));
    unsafe { *arg_mut(out, "wasm_module_imports", "out") = CVec::from_vec(items.collect()) };
}

#[no_mangle]
pub unsafe extern "C" fn wasm_module_exports(
    module: *const wasm_module_t,
    out: *mut wasm_exporttype_vec_t,
) {
    let module = unsafe { arg(module, "wasm_module_exports", "self") }.module();
    let items = module
        .exports()
        .iter()
        .map(|e| into_raw(wasm_exporttype_t::new(&e.name, &module.export_type(e))));
    unsafe { *arg_mut(out, "wasm_module_exports", "out") = CVec::from_vec(items.collect()) };
}

/// A module packaged to be handed to another thread and obtained in a store there.
pub struct wasm_shared_module_t {
    module: Module,
}

#[no_mangle]
pub unsafe extern "C" fn wasm_shared_module_delete(shared: *mut wasm_shared_module_t) {
    unsafe { delete_box(shared) }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_module_share(
    module: *const wasm_module_t,
) -> *mut wasm_shared_module_t {
    let module = unsafe { arg(module, "wasm_module_share", "self") }
        .module()
        .clone();
    into_raw(wasm_shared_module_t { module })
}

/// The shared module as a module of `store`; NULL (with an error) if the store belongs to another
/// engine.
#[no_mangle]
pub unsafe extern "C" fn wasm_module_obtain(
    store: *mut wasm_store_t,
    shared: *const wasm_shared_module_t,
) -> *mut wasm_module_t {
    let store = unsafe { arg(store, "wasm_module_obtain", "store") };
    let module = &unsafe { arg(shared, "wasm_module_obtain", "shared") }.module;
    let result = if module.engine().same(store.store.engine()) {
        Ok(module.clone())
    } else {
        Err(Error::new(
            "wasm_module_obtain: the store belongs to another engine than the module",
        ))
    };
    report(
        result,
        |m| into_raw(wasm_module_t::new(m)),
        std::ptr::null_mut(),
    )
}
