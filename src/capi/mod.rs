//! The `extern "C"` surface: one file per wasm.h section plus `wasmo.rs` for Wasmo's extensions.
//! This layer converts C types and ownership (`own` pointers, vectors) to the engine's types and
//! back; it holds no engine logic.
//!
//! Names follow wasm.h exactly, hence the lower-case type names.
#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)] // the C contract is wasm.h's, documented there

#[macro_use]
pub mod vec;
#[macro_use]
pub mod r#ref;
pub mod engine;
pub mod external;
pub mod func;
pub mod global;
pub mod instance;
pub mod memory;
pub mod module;
pub mod store;
pub mod table;
pub mod trap;
pub mod types;
pub mod val;
pub mod wasi;
pub mod wasmo;

use crate::error::{clear_last_error, set_last_error, Error};

/// Reports a programming error (a NULL or otherwise forbidden argument) on stderr and aborts:
/// wasm.h leaves such calls undefined, Wasmo makes them loud.
#[cold]
pub(crate) fn misuse(function: &str, what: &str) -> ! {
    eprintln!("wasmo: {function}: {what}");
    std::process::abort()
}

/// Dereferences a pointer argument that wasm.h requires to be non-NULL.
///
/// # Safety
/// `ptr` must be NULL or point to a live `T` for the returned lifetime.
pub(crate) unsafe fn arg<'a, T>(ptr: *const T, function: &str, name: &str) -> &'a T {
    if ptr.is_null() {
        misuse(function, &format!("argument `{name}` must not be NULL"))
    }
    // SAFETY: non-NULL was checked; validity is the caller's contract from wasm.h.
    unsafe { &*ptr }
}

/// Like [`arg`], for arguments the callee may modify.
///
/// # Safety
/// `ptr` must be NULL or point to a live `T`, not aliased for the returned lifetime.
pub(crate) unsafe fn arg_mut<'a, T>(ptr: *mut T, function: &str, name: &str) -> &'a mut T {
    if ptr.is_null() {
        misuse(function, &format!("argument `{name}` must not be NULL"))
    }
    // SAFETY: non-NULL was checked; validity and exclusivity are the caller's contract.
    unsafe { &mut *ptr }
}

/// Takes ownership of a boxed object that wasm.h hands over with `own`.
///
/// # Safety
/// `ptr` must be NULL or come from `Box::into_raw` of a `T` that nobody else owns.
pub(crate) unsafe fn take_box<T>(ptr: *mut T, function: &str, name: &str) -> Box<T> {
    if ptr.is_null() {
        misuse(function, &format!("argument `{name}` must not be NULL"))
    }
    // SAFETY: non-NULL; ownership transfer is the caller's contract (`own` in wasm.h).
    unsafe { Box::from_raw(ptr) }
}

/// Drops a boxed object handed over by a `wasm_*_delete`; NULL is accepted and ignored, as
/// `free` does.
///
/// # Safety
/// `ptr` must be NULL or come from `Box::into_raw` of a `T` that nobody else owns.
pub(crate) unsafe fn delete_box<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: see the function's contract.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Moves a value to the heap and hands ownership to C.
pub(crate) fn into_raw<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Converts the result of a fallible operation into a C return value: `Ok` is passed through
/// `ok` and clears the thread's last error, `Err` records the error and returns `fail`.
pub(crate) fn report<T, R>(result: Result<T, Error>, ok: impl FnOnce(T) -> R, fail: R) -> R {
    match result {
        Ok(v) => {
            clear_last_error();
            ok(v)
        }
        Err(e) => {
            set_last_error(&e);
            fail
        }
    }
}

/// Declares the owned-object boilerplate of a wasm.h type: `wasm_X_delete` and `wasm_X_copy`.
macro_rules! declare_own_copy {
    ($ty:ty, $delete:ident, $copy:ident) => {
        #[no_mangle]
        pub unsafe extern "C" fn $delete(ptr: *mut $ty) {
            // SAFETY: wasm.h passes ownership of a pointer we returned earlier (or NULL).
            unsafe { $crate::capi::delete_box(ptr) }
        }

        #[no_mangle]
        pub unsafe extern "C" fn $copy(ptr: *const $ty) -> *mut $ty {
            // SAFETY: wasm.h requires a live object.
            let value = unsafe { $crate::capi::arg(ptr, stringify!($copy), "self") };
            $crate::capi::into_raw(value.clone())
        }
    };
}
pub(crate) use declare_own_copy;
