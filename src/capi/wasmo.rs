//! Wasmo's extensions to wasm.h, declared in `wasmo.h`: the thread-local last-error API and the
//! engine configuration setters.

use super::arg_mut;
use super::engine::wasm_config_t;
use crate::engine::{Config, Mode};
use crate::error::{clear_last_error, last_error_ptr, set_last_error, Error};
use std::ffi::c_char;

pub type wasmo_mode_t = u8;
pub const WASMO_MODE_OPTIMIZED: wasmo_mode_t = 0;
pub const WASMO_MODE_LIFTOFF: wasmo_mode_t = 1;

/// The message of the last failed Wasmo call on this thread (a NUL-terminated string owned by
/// Wasmo, valid until the next call that fails or clears it), or NULL after a successful call.
#[no_mangle]
pub extern "C" fn wasmo_error_message() -> *const c_char {
    last_error_ptr()
}

/// Forgets this thread's last error.
#[no_mangle]
pub extern "C" fn wasmo_error_clear() {
    clear_last_error()
}

fn setter(ok: bool, message: impl FnOnce() -> String) -> bool {
    if ok {
        clear_last_error();
    } else {
        set_last_error(&Error::new(message()));
    }
    ok
}

/// Selects the compile mode (`WASMO_MODE_OPTIMIZED` or `WASMO_MODE_LIFTOFF`); false for any
/// other value.
#[no_mangle]
pub unsafe extern "C" fn wasmo_config_set_mode(
    config: *mut wasm_config_t,
    mode: wasmo_mode_t,
) -> bool {
    let config = unsafe { arg_mut(config, "wasmo_config_set_mode", "config") };
    let mode = match mode {
        WASMO_MODE_OPTIMIZED => Some(Mode::Optimized),
        WASMO_MODE_LIFTOFF => Some(Mode::Liftoff),
        _ => None,
    };
    if let Some(mode) = mode {
        config.config.mode = mode;
    }
    setter(mode.is_some(), || {
        "wasmo_config_set_mode: unknown mode".into()
    })
}

/// Sets the LLVM optimisation level of the optimised tier, 0 to 3; false otherwise.
#[no_mangle]
pub unsafe extern "C" fn wasmo_config_set_opt_level(
    config: *mut wasm_config_t,
    level: u32,
) -> bool {
    let config = unsafe { arg_mut(config, "wasmo_config_set_opt_level", "config") };
    let ok = level <= Config::MAX_OPT_LEVEL;
    if ok {
        config.config.opt_level = level;
    }
    setter(ok, || {
        format!("wasmo_config_set_opt_level: level {level} is not in 0..=3")
    })
}

/// Sets the number of compile worker threads; 0 means one per available core.
#[no_mangle]
pub unsafe extern "C" fn wasmo_config_set_compile_threads(
    config: *mut wasm_config_t,
    threads: u32,
) -> bool {
    let config = unsafe { arg_mut(config, "wasmo_config_set_compile_threads", "config") };
    config.config.compile_threads = threads;
    setter(true, String::new)
}
