//! wasm.h "Store".

use super::{arg, delete_box, into_raw};
use crate::api::Store;

pub struct wasm_store_t {
    pub(crate) store: Store,
}

#[no_mangle]
pub unsafe extern "C" fn wasm_store_new(
    engine: *mut super::engine::wasm_engine_t,
) -> *mut wasm_store_t {
    let engine = unsafe { arg(engine, "wasm_store_new", "engine") };
    into_raw(wasm_store_t {
        store: Store::new(&engine.engine),
    })
}

#[no_mangle]
pub unsafe extern "C" fn wasm_store_delete(store: *mut wasm_store_t) {
    unsafe { delete_box(store) }
}
