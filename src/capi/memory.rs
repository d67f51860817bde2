//! wasm.h "Memory Instances".

use super::r#ref::{Object, StoreObject};
use super::store::wasm_store_t;
use super::types::wasm_memorytype_t;
use super::{arg, into_raw, report};
use crate::api::{Error, Extern, ExternType, Memory};

declare_ref!(wasm_memory_t is Object::Memory(_),
    base: wasm_memory_delete, wasm_memory_copy, wasm_memory_same, wasm_memory_get_host_info,
        wasm_memory_set_host_info, wasm_memory_set_host_info_with_finalizer;
    casts: wasm_memory_as_ref, wasm_ref_as_memory, wasm_memory_as_ref_const, wasm_ref_as_memory_const);

pub type wasm_memory_pages_t = u32;

#[no_mangle]
pub unsafe extern "C" fn wasm_memory_new(
    store: *mut wasm_store_t,
    ty: *const wasm_memorytype_t,
) -> *mut wasm_memory_t {
    let f = "wasm_memory_new";
    let store = &unsafe { arg(store, f, "store") }.store;
    let ExternType::Memory(ty) = unsafe { arg(ty, f, "type") }.as_extern().to_core() else {
        unreachable!()
    };
    report(
        Memory::new(store, ty),
        |memory| {
            into_raw(wasm_memory_t::from_object(Object::Memory(
                StoreObject::new(store, memory),
            )))
        },
        std::ptr::null_mut(),
    )
}

#[no_mangle]
pub unsafe extern "C" fn wasm_memory_type(memory: *const wasm_memory_t) -> *mut wasm_memorytype_t {
    let o = unsafe { arg(memory, "wasm_memory_type", "self") }.handle();
    wasm_memorytype_t::boxed_from_core(&Extern::Memory(o.memory()).ty(o.store()))
}

/// The memory's bytes; valid until the memory grows or its store is deleted.
#[no_mangle]
pub unsafe extern "C" fn wasm_memory_data(memory: *mut wasm_memory_t) -> *mut std::ffi::c_char {
    let o = unsafe { arg(memory, "wasm_memory_data", "self") }.handle();
    o.memory().data_ptr(o.store()).cast()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_memory_data_size(memory: *const wasm_memory_t) -> usize {
    let o = unsafe { arg(memory, "wasm_memory_data_size", "self") }.handle();
    o.memory().data_size(o.store())
}

/// The size in pages. A 64-bit memory has at most 131072 pages in Wasmo (8 GiB: growing further
/// fails), so this 32-bit count always holds the size of any memory.
#[no_mangle]
pub unsafe extern "C" fn wasm_memory_size(memory: *const wasm_memory_t) -> wasm_memory_pages_t {
    let o = unsafe { arg(memory, "wasm_memory_size", "self") }.handle();
    o.memory().size(o.store()) as wasm_memory_pages_t
}

/// Grows by `delta` pages; false past the maximum.
#[no_mangle]
pub unsafe extern "C" fn wasm_memory_grow(
    memory: *mut wasm_memory_t,
    delta: wasm_memory_pages_t,
) -> bool {
    let o = unsafe { arg(memory, "wasm_memory_grow", "self") }.handle();
    let grown = o.memory().grow(o.store(), delta as u64).is_ok();
    let result = if grown {
        Ok(())
    } else {
        Err(Error::new(
            "wasm_memory_grow: the memory cannot grow that much",
        ))
    };
    report(result, |()| true, false)
}
