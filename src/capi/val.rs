//! wasm.h "Values": `wasm_val_t`, its copy/delete and its vector. A reference-kind value owns the
//! `wasm_ref_t` it points to (NULL is the null reference).

use super::r#ref::wasm_ref_t;
use super::types::{wasm_valkind_t, WASM_EXTERNREF, WASM_FUNCREF, WASM_I32};
use super::vec::VecElem;
use super::{arg, arg_mut};

/// cbindgen:field-names=[i32, i64, f32, f64, ref]
#[repr(C)]
#[derive(Clone, Copy)]
pub union wasm_val_union {
    pub i32: i32,
    pub i64: i64,
    pub f32: f32,
    pub f64: f64,
    pub ref_: *mut wasm_ref_t,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasm_val_t {
    pub kind: wasm_valkind_t,
    pub of: wasm_val_union,
}

impl wasm_val_t {
    fn is_ref(&self) -> bool {
        self.kind == WASM_EXTERNREF || self.kind == WASM_FUNCREF
    }
}

impl VecElem for wasm_val_t {
    fn empty() -> Self {
        wasm_val_t {
            kind: WASM_I32,
            of: wasm_val_union { i64: 0 },
        }
    }

    unsafe fn copy(&self) -> Self {
        let mut out = *self;
        if self.is_ref() {
            // SAFETY: a reference-kind value holds a live reference or NULL.
            let r = unsafe { self.of.ref_ };
            out.of.ref_ = unsafe { wasm_ref_t_copy_or_null(r) };
        }
        out
    }

    unsafe fn destroy(self) {
        if self.is_ref() {
            // SAFETY: the value owns its reference.
            unsafe { super::delete_box(self.of.ref_) }
        }
    }
}

unsafe fn wasm_ref_t_copy_or_null(r: *mut wasm_ref_t) -> *mut wasm_ref_t {
    // SAFETY: non-NULL references are live (caller's contract).
    match unsafe { r.as_ref() } {
        Some(r) => super::into_raw(r.clone()),
        None => std::ptr::null_mut(),
    }
}

declare_vec!(wasm_val_vec_t of wasm_val_t:
    wasm_val_vec_new_empty, wasm_val_vec_new_uninitialized, wasm_val_vec_new, wasm_val_vec_copy,
    wasm_val_vec_delete);

/// Releases what `v` owns (its reference, if any) and leaves it a null reference.
#[no_mangle]
pub unsafe extern "C" fn wasm_val_delete(v: *mut wasm_val_t) {
    let v = unsafe { arg_mut(v, "wasm_val_delete", "self") };
    if v.is_ref() {
        unsafe { super::delete_box(v.of.ref_) };
        v.of.ref_ = std::ptr::null_mut();
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_val_copy(out: *mut wasm_val_t, src: *const wasm_val_t) {
    let src = unsafe { arg(src, "wasm_val_copy", "src") };
    let copy = unsafe { src.copy() };
    unsafe { *arg_mut(out, "wasm_val_copy", "out") = copy };
}
