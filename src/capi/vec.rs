//! wasm.h vectors: `wasm_X_vec_t { size_t size; T* data; }` and their five functions per element
//! type (`new_empty`, `new_uninitialized`, `new`, `copy`, `delete`), plus the byte vector that
//! names and messages use.
//!
//! A vector created here owns its elements: deleting it deletes each of them. Vectors a C caller
//! builds on its own (`WASM_ARRAY_VEC`) are only ever read.

use std::ffi::c_char;

/// How a wasm.h vector treats its elements.
pub trait VecElem: Sized {
    /// The value of a slot in an uninitialised vector.
    fn empty() -> Self;
    /// A deep copy, owned by the new vector.
    ///
    /// # Safety
    /// The element must be valid (pointers live or NULL).
    unsafe fn copy(&self) -> Self;
    /// Releases what the element owns.
    ///
    /// # Safety
    /// The element must be owned by the vector being deleted.
    unsafe fn destroy(self);
}

impl VecElem for c_char {
    fn empty() -> Self {
        0
    }
    unsafe fn copy(&self) -> Self {
        *self
    }
    unsafe fn destroy(self) {}
}

/// Vectors of owned object pointers (`wasm_valtype_t*`, `wasm_extern_t*`, ...).
impl<T: Clone> VecElem for *mut T {
    fn empty() -> Self {
        std::ptr::null_mut()
    }
    unsafe fn copy(&self) -> Self {
        if self.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: non-NULL element pointers are live objects (contract of `copy`).
        Box::into_raw(Box::new(unsafe { (**self).clone() }))
    }
    unsafe fn destroy(self) {
        // SAFETY: the vector owns the object (contract of `destroy`).
        unsafe { super::delete_box(self) }
    }
}

/// A `#[repr(C)]` wasm.h vector.
pub trait CVec: Sized {
    type Elem: VecElem;
    fn from_parts(size: usize, data: *mut Self::Elem) -> Self;
    fn size(&self) -> usize;
    fn data(&self) -> *mut Self::Elem;

    /// A vector owning `items`; an empty one has a NULL `data`, as upstream's.
    fn from_vec(items: Vec<Self::Elem>) -> Self {
        if items.is_empty() {
            return Self::from_parts(0, std::ptr::null_mut());
        }
        let size = items.len();
        let data = Box::into_raw(items.into_boxed_slice()) as *mut Self::Elem;
        Self::from_parts(size, data)
    }

    /// The elements, borrowed.
    ///
    /// # Safety
    /// `data` must point to `size` valid elements (or be NULL with any size 0).
    unsafe fn as_slice(&self) -> &[Self::Elem] {
        if self.size() == 0 || self.data().is_null() {
            return &[];
        }
        // SAFETY: see the function's contract.
        unsafe { std::slice::from_raw_parts(self.data(), self.size()) }
    }

    /// Takes the elements out of a vector this library allocated, leaving it empty.
    ///
    /// # Safety
    /// The vector must have been created by this library and not deleted.
    unsafe fn take(&mut self) -> Vec<Self::Elem> {
        let (size, data) = (self.size(), self.data());
        *self = Self::from_parts(0, std::ptr::null_mut());
        if data.is_null() {
            return Vec::new();
        }
        // SAFETY: allocated by `from_vec` as a boxed slice of exactly `size` elements.
        unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(data, size)).into_vec() }
    }
}

pub unsafe fn vec_new_empty<V: CVec>(out: *mut V) {
    // SAFETY: `out` is a writable slot (checked non-NULL).
    unsafe {
        *super::arg_mut(out, "wasm_*_vec_new_empty", "out") = V::from_parts(0, std::ptr::null_mut())
    };
}

pub unsafe fn vec_new_uninitialized<V: CVec>(out: *mut V, size: usize) {
    let items = (0..size).map(|_| V::Elem::empty()).collect();
    // SAFETY: `out` is a writable slot (checked non-NULL).
    unsafe { *super::arg_mut(out, "wasm_*_vec_new_uninitialized", "out") = V::from_vec(items) };
}

/// Builds a vector from `size` elements, taking ownership of them (wasm.h's `own T const[]`).
pub unsafe fn vec_new<V: CVec>(out: *mut V, size: usize, data: *const V::Elem) {
    let out = unsafe { super::arg_mut(out, "wasm_*_vec_new", "out") };
    if size > 0 && data.is_null() {
        super::misuse(
            "wasm_*_vec_new",
            "argument `data` must not be NULL when size > 0",
        );
    }
    let mut items = Vec::with_capacity(size);
    for i in 0..size {
        // SAFETY: the caller provides `size` readable elements; we move them out bitwise, which
        // takes ownership as wasm.h specifies.
        items.push(unsafe { std::ptr::read(data.add(i)) });
    }
    *out = V::from_vec(items);
}

pub unsafe fn vec_copy<V: CVec>(out: *mut V, src: *const V) {
    let src = unsafe { super::arg(src, "wasm_*_vec_copy", "src") };
    // SAFETY: a valid vector's elements are valid.
    let items = unsafe { src.as_slice().iter().map(|e| e.copy()).collect() };
    unsafe { *super::arg_mut(out, "wasm_*_vec_copy", "out") = V::from_vec(items) };
}

pub unsafe fn vec_delete<V: CVec>(vec: *mut V) {
    if vec.is_null() {
        return;
    }
    // SAFETY: wasm.h passes a vector this library created, owning its elements.
    for item in unsafe { (*vec).take() } {
        unsafe { item.destroy() };
    }
}

/// Declares a wasm.h vector type and its five functions.
macro_rules! declare_vec {
    ($vec:ident of $elem:ty: $new_empty:ident, $new_uninit:ident, $new:ident, $copy:ident, $delete:ident) => {
        #[repr(C)]
        pub struct $vec {
            pub size: usize,
            pub data: *mut $elem,
        }

        impl $crate::capi::vec::CVec for $vec {
            type Elem = $elem;
            fn from_parts(size: usize, data: *mut $elem) -> Self {
                $vec { size, data }
            }
            fn size(&self) -> usize {
                self.size
            }
            fn data(&self) -> *mut $elem {
                self.data
            }
        }

        #[no_mangle]
        pub unsafe extern "C" fn $new_empty(out: *mut $vec) {
            unsafe { $crate::capi::vec::vec_new_empty(out) }
        }
        #[no_mangle]
        pub unsafe extern "C" fn $new_uninit(out: *mut $vec, size: usize) {
            unsafe { $crate::capi::vec::vec_new_uninitialized(out, size) }
        }
        #[no_mangle]
        pub unsafe extern "C" fn $new(out: *mut $vec, size: usize, data: *const $elem) {
            unsafe { $crate::capi::vec::vec_new(out, size, data) }
        }
        #[no_mangle]
        pub unsafe extern "C" fn $copy(out: *mut $vec, src: *const $vec) {
            unsafe { $crate::capi::vec::vec_copy(out, src) }
        }
        #[no_mangle]
        pub unsafe extern "C" fn $delete(vec: *mut $vec) {
            unsafe { $crate::capi::vec::vec_delete(vec) }
        }
    };
}

pub type wasm_byte_t = c_char;

declare_vec!(wasm_byte_vec_t of wasm_byte_t:
    wasm_byte_vec_new_empty, wasm_byte_vec_new_uninitialized, wasm_byte_vec_new,
    wasm_byte_vec_copy, wasm_byte_vec_delete);

pub type wasm_name_t = wasm_byte_vec_t;
pub type wasm_message_t = wasm_byte_vec_t;

impl wasm_byte_vec_t {
    /// A new byte vector holding a copy of `bytes`.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self::from_vec(bytes.iter().map(|&b| b as c_char).collect())
    }

    /// The bytes, borrowed.
    ///
    /// # Safety
    /// The vector must be valid.
    pub unsafe fn bytes(&self) -> &[u8] {
        // SAFETY: c_char and u8 have the same layout.
        unsafe { &*(self.as_slice() as *const [c_char] as *const [u8]) }
    }
}

/// A vector owned by a Rust object (the parameter lists inside a function type, the names inside
/// import and export types): deleted with its owner, deep-copied with it.
pub struct Owned<V: CVec>(pub V);

impl<V: CVec> Owned<V> {
    pub fn from_vec(items: Vec<V::Elem>) -> Self {
        Owned(V::from_vec(items))
    }

    /// Adopts a vector handed over with `own`, leaving the caller's copy empty.
    ///
    /// # Safety
    /// `vec` must be a vector created by this library that the caller gives up.
    pub unsafe fn adopt(vec: &mut V) -> Self {
        // SAFETY: see the function's contract.
        Owned::from_vec(unsafe { vec.take() })
    }

    pub fn as_slice(&self) -> &[V::Elem] {
        // SAFETY: we own a valid vector.
        unsafe { self.0.as_slice() }
    }
}

impl<V: CVec> Clone for Owned<V> {
    fn clone(&self) -> Self {
        // SAFETY: our elements are valid.
        Owned::from_vec(
            self.as_slice()
                .iter()
                .map(|e| unsafe { e.copy() })
                .collect(),
        )
    }
}

impl<V: CVec> Drop for Owned<V> {
    fn drop(&mut self) {
        // SAFETY: we own the vector.
        unsafe { vec_delete(&mut self.0) }
    }
}

/// A name owned by a Rust object.
pub type OwnedName = Owned<wasm_byte_vec_t>;

impl Owned<wasm_byte_vec_t> {
    pub fn new(text: &str) -> Self {
        Owned(wasm_byte_vec_t::from_bytes(text.as_bytes()))
    }

    pub fn bytes(&self) -> &[u8] {
        // SAFETY: we own a valid vector.
        unsafe { self.0.bytes() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_vec_round_trip() {
        let mut v = wasm_byte_vec_t::from_bytes(b"hello");
        let mut c = wasm_byte_vec_t::from_parts(0, std::ptr::null_mut());
        unsafe {
            wasm_byte_vec_copy(&mut c, &v);
            assert_eq!(c.bytes(), b"hello");
            wasm_byte_vec_delete(&mut v);
            assert_eq!(v.size, 0);
            assert!(v.data.is_null());
            wasm_byte_vec_delete(&mut c);
        }
    }

    #[test]
    fn empty_vectors_have_null_data() {
        let mut v = wasm_byte_vec_t::from_parts(7, std::ptr::dangling_mut());
        unsafe { wasm_byte_vec_new_empty(&mut v) };
        assert_eq!((v.size, v.data.is_null()), (0, true));
        unsafe { wasm_byte_vec_new_uninitialized(&mut v, 3) };
        assert_eq!(unsafe { v.bytes() }, [0, 0, 0]);
        unsafe { wasm_byte_vec_delete(&mut v) };
    }
}
