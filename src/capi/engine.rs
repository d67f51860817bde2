//! wasm.h "Runtime Environment": configuration and engines.

use super::{delete_box, into_raw, take_box};
use crate::api::{Config, Engine};

pub struct wasm_config_t {
    pub(crate) config: Config,
}

pub struct wasm_engine_t {
    pub(crate) engine: Engine,
}

#[no_mangle]
pub extern "C" fn wasm_config_new() -> *mut wasm_config_t {
    into_raw(wasm_config_t {
        config: Config::default(),
    })
}

#[no_mangle]
pub unsafe extern "C" fn wasm_config_delete(config: *mut wasm_config_t) {
    unsafe { delete_box(config) }
}

#[no_mangle]
pub extern "C" fn wasm_engine_new() -> *mut wasm_engine_t {
    into_raw(wasm_engine_t {
        engine: Engine::default(),
    })
}

/// Creates an engine with `config`, which it consumes.
#[no_mangle]
pub unsafe extern "C" fn wasm_engine_new_with_config(
    config: *mut wasm_config_t,
) -> *mut wasm_engine_t {
    let config = unsafe { take_box(config, "wasm_engine_new_with_config", "config") };
    into_raw(wasm_engine_t {
        engine: Engine::new(config.config),
    })
}

#[no_mangle]
pub unsafe extern "C" fn wasm_engine_delete(engine: *mut wasm_engine_t) {
    // The host is done with the engine: no background compilation may outlive this call (the
    // process may exit next, see `Engine::stop_tier_up`).
    if let Some(e) = unsafe { engine.as_ref() } {
        e.engine.stop_tier_up();
    }
    unsafe { delete_box(engine) }
}
