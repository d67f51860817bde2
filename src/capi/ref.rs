//! References: `wasm_ref_t` and the plumbing every reference-like object shares (`copy`, `same`,
//! host info with its finalizer, and the `*_as_ref`/`ref_as_*` casts).
//!
//! Every such object (`wasm_module_t`, `wasm_foreign_t`, ...) is a `#[repr(transparent)]` wrapper
//! around one `wasm_ref_t`, so the casts are pointer casts checked against the object's kind. A
//! handle is one C-owned allocation; copies are new handles to the same [`Object`]. Host info
//! belongs to the object, not the handle: every copy sees it, and its finalizer runs when the
//! last handle is gone.

use crate::api::{Entity, Func, Global, Instance, Memory, Module, Root, Store, Table};

use std::ffi::c_void;
use std::sync::{Arc, Mutex};

/// wasm.h's finalizer type.
pub type Finalizer = Option<unsafe extern "C" fn(*mut c_void)>;

/// Host info attached to an object.
struct HostInfo {
    data: *mut c_void,
    finalizer: Finalizer,
}

// SAFETY: the pointer is opaque to Wasmo and only handed back to the embedder, who owns its
// thread-safety (wasm.h lets objects such as modules travel between threads).
unsafe impl Send for HostInfo {}

impl Drop for HostInfo {
    fn drop(&mut self) {
        if let Some(finalize) = self.finalizer {
            // SAFETY: the embedder registered this finalizer for this pointer.
            unsafe { finalize(self.data) }
        }
    }
}

/// An object's host-info slot.
#[derive(Default)]
pub struct HostInfoCell(Mutex<Option<HostInfo>>);

impl HostInfoCell {
    pub fn get(&self) -> *mut c_void {
        let slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref().map_or(std::ptr::null_mut(), |h| h.data)
    }

    /// Replaces the host info. The previous one's finalizer runs, unless the same pointer is
    /// being set again (then only the finalizer is replaced).
    pub fn set(&self, data: *mut c_void, finalizer: Finalizer) {
        let mut slot = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let previous = slot.take();
        *slot = Some(HostInfo { data, finalizer });
        drop(slot);
        if let Some(mut previous) = previous {
            if previous.data == data {
                previous.finalizer = None;
            }
        }
    }
}

/// An object with identity and host info, shared by all of its handles.
pub struct Shared<T> {
    pub value: T,
    pub host_info: HostInfoCell,
}

impl<T> Shared<T> {
    pub fn new(value: T) -> Arc<Self> {
        Arc::new(Shared {
            value,
            host_info: HostInfoCell::default(),
        })
    }
}

/// An entity owned by a store (function, global, table, memory, instance): its identity is the
/// store and the entity; its host info lives in the store. Each one is a counted handle (a
/// [`Root`]), so the store knows when the host has deleted the last handle of an instance and
/// can release what it held.
#[derive(Clone)]
pub struct StoreObject(Root);

impl StoreObject {
    /// A new handle to `entity` of `store`.
    pub fn new(store: &Store, entity: impl Into<Entity>) -> StoreObject {
        StoreObject(Root::new(store, entity.into()))
    }

    pub fn store(&self) -> &Store {
        self.0.store()
    }

    pub fn entity(&self) -> Entity {
        self.0.entity()
    }

    /// The counted handle itself.
    pub fn root(&self) -> &Root {
        &self.0
    }

    pub fn func(&self) -> Func {
        match self.entity() {
            Entity::Func(f) => f,
            _ => unreachable!("a wasm_func_t holds a function"),
        }
    }

    pub fn global(&self) -> Global {
        match self.entity() {
            Entity::Global(g) => g,
            _ => unreachable!("a wasm_global_t holds a global"),
        }
    }

    pub fn table(&self) -> Table {
        match self.entity() {
            Entity::Table(t) => t,
            _ => unreachable!("a wasm_table_t holds a table"),
        }
    }

    pub fn memory(&self) -> Memory {
        match self.entity() {
            Entity::Memory(m) => m,
            _ => unreachable!("a wasm_memory_t holds a memory"),
        }
    }

    pub fn tag(&self) -> crate::api::Tag {
        match self.entity() {
            Entity::Tag(t) => t,
            _ => unreachable!("a wasmo_tag_t holds a tag"),
        }
    }

    pub fn instance(&self) -> Instance {
        match self.entity() {
            Entity::Instance(i) => i,
            _ => unreachable!("a wasm_instance_t holds an instance"),
        }
    }

    fn same(&self, other: &StoreObject) -> bool {
        self.store().same(other.store()) && self.entity() == other.entity()
    }
}

/// What a trap object carries: its message (NUL-terminated, as wasm.h wants) and wasm frames.
pub struct TrapData {
    pub message: Vec<u8>,
    pub frames: Vec<crate::api::FrameInfo>,
    /// The store instance of each frame, where it can be told.
    pub instances: Vec<Option<Instance>>,
    /// The store whose instances the frames belong to, if the trap came out of wasm.
    pub store: Option<Store>,
    /// The status of a WASI program's `proc_exit`, for the trap that call raised.
    pub exit_code: Option<i32>,
    /// The exception of an "uncaught exception" trap, or the one a host function throws with
    /// this trap (`wasmo_exception_new`): its tag and payload.
    pub exception: Option<(crate::api::Tag, Vec<crate::api::Val>)>,
}

/// What a reference refers to.
#[derive(Clone)]
pub enum Object {
    Module(Arc<Shared<Module>>),
    Foreign(Arc<Shared<()>>),
    Trap(Arc<Shared<TrapData>>),
    Func(StoreObject),
    Global(StoreObject),
    Table(StoreObject),
    Memory(StoreObject),
    Instance(StoreObject),
    /// An exception tag (`wasmo_tag_t`, Wasmo's extern kind `WASMO_EXTERN_TAG`).
    Tag(StoreObject),
    /// An exception reference (a value of kind `WASMO_EXNREF`) of a store.
    Exception(Arc<Shared<(Store, crate::api::ExnRef)>>),
}

impl Object {
    /// Whether two references denote the same object.
    pub fn same(&self, other: &Object) -> bool {
        match (self, other) {
            (Object::Module(a), Object::Module(b)) => Arc::ptr_eq(a, b),
            (Object::Foreign(a), Object::Foreign(b)) => Arc::ptr_eq(a, b),
            (Object::Trap(a), Object::Trap(b)) => Arc::ptr_eq(a, b),
            (Object::Exception(a), Object::Exception(b)) => {
                a.value.0.same(&b.value.0) && a.value.1 == b.value.1
            }
            (Object::Func(a), Object::Func(b))
            | (Object::Global(a), Object::Global(b))
            | (Object::Table(a), Object::Table(b))
            | (Object::Memory(a), Object::Memory(b))
            | (Object::Tag(a), Object::Tag(b))
            | (Object::Instance(a), Object::Instance(b)) => a.same(b),
            _ => false,
        }
    }

    /// Runs `f` on the object's host-info slot.
    pub fn with_host_info<R>(&self, f: impl FnOnce(&HostInfoCell) -> R) -> R {
        let o = match self {
            Object::Module(m) => return f(&m.host_info),
            Object::Foreign(x) => return f(&x.host_info),
            Object::Trap(t) => return f(&t.host_info),
            Object::Exception(x) => return f(&x.host_info),
            Object::Func(o)
            | Object::Global(o)
            | Object::Table(o)
            | Object::Memory(o)
            | Object::Tag(o)
            | Object::Instance(o) => o,
        };
        o.store().with_host_data(o.entity(), |slot| {
            let cell = slot.get_or_insert_with(|| Box::new(HostInfoCell::default()));
            f(cell.downcast_ref::<HostInfoCell>().expect("host info slot"))
        })
    }

    /// The store entity, for store-owned objects.
    pub fn store_object(&self) -> Option<&StoreObject> {
        match self {
            Object::Func(o)
            | Object::Global(o)
            | Object::Table(o)
            | Object::Memory(o)
            | Object::Tag(o)
            | Object::Instance(o) => Some(o),
            _ => None,
        }
    }
}

/// A reference to any object.
#[derive(Clone)]
pub struct wasm_ref_t {
    pub(crate) object: Object,
}

/// Access to the object behind a reference-like C type.
pub trait RefObject {
    fn object(&self) -> &Object;
}

impl RefObject for wasm_ref_t {
    fn object(&self) -> &Object {
        &self.object
    }
}

/// Declares `delete`, `copy`, `same` and the host-info functions of a reference-like type.
macro_rules! declare_ref_base {
    ($ty:ty: $delete:ident, $copy:ident, $same:ident, $get:ident, $set:ident, $set_fin:ident) => {
        $crate::capi::declare_own_copy!($ty, $delete, $copy);

        #[no_mangle]
        pub unsafe extern "C" fn $same(a: *const $ty, b: *const $ty) -> bool {
            use $crate::capi::r#ref::RefObject;
            let a = unsafe { $crate::capi::arg(a, stringify!($same), "a") };
            let b = unsafe { $crate::capi::arg(b, stringify!($same), "b") };
            a.object().same(b.object())
        }

        #[no_mangle]
        pub unsafe extern "C" fn $get(this: *const $ty) -> *mut std::ffi::c_void {
            use $crate::capi::r#ref::RefObject;
            unsafe { $crate::capi::arg(this, stringify!($get), "self") }
                .object()
                .with_host_info(|h| h.get())
        }

        #[no_mangle]
        pub unsafe extern "C" fn $set(this: *mut $ty, info: *mut std::ffi::c_void) {
            use $crate::capi::r#ref::RefObject;
            unsafe { $crate::capi::arg(this, stringify!($set), "self") }
                .object()
                .with_host_info(|h| h.set(info, None))
        }

        #[no_mangle]
        pub unsafe extern "C" fn $set_fin(
            this: *mut $ty,
            info: *mut std::ffi::c_void,
            finalizer: $crate::capi::r#ref::Finalizer,
        ) {
            use $crate::capi::r#ref::RefObject;
            unsafe { $crate::capi::arg(this, stringify!($set_fin), "self") }
                .object()
                .with_host_info(|h| h.set(info, finalizer))
        }
    };
}

/// Declares a reference-like type (a transparent wrapper of `wasm_ref_t` whose object matches
/// `$variant`) with its base functions and the four casts to and from `wasm_ref_t`.
macro_rules! declare_ref {
    ($ty:ident is $variant:pat, base: $($base:ident),+; casts: $as_ref:ident, $ref_as:ident,
     $as_ref_const:ident, $ref_as_const:ident) => {
        #[derive(Clone)]
        #[repr(transparent)]
        pub struct $ty {
            pub(crate) r: $crate::capi::r#ref::wasm_ref_t,
        }

        impl $crate::capi::r#ref::RefObject for $ty {
            fn object(&self) -> &$crate::capi::r#ref::Object {
                &self.r.object
            }
        }

        impl $ty {
            #[allow(dead_code)]
            pub(crate) fn from_object(object: $crate::capi::r#ref::Object) -> Self {
                debug_assert!(matches!(object, $variant));
                $ty { r: $crate::capi::r#ref::wasm_ref_t { object } }
            }

            /// The store entity behind a store-owned object.
            #[allow(dead_code)]
            pub(crate) fn handle(&self) -> &$crate::capi::r#ref::StoreObject {
                self.r.object.store_object().expect("a store-owned object")
            }
        }

        $crate::capi::r#ref::declare_ref_base!($ty: $($base),+);

        #[no_mangle]
        pub unsafe extern "C" fn $as_ref(this: *mut $ty) -> *mut $crate::capi::r#ref::wasm_ref_t {
            // `$ty` is a transparent wrapper of `wasm_ref_t`.
            this.cast()
        }

        #[no_mangle]
        pub unsafe extern "C" fn $as_ref_const(
            this: *const $ty,
        ) -> *const $crate::capi::r#ref::wasm_ref_t {
            this.cast()
        }

        #[no_mangle]
        pub unsafe extern "C" fn $ref_as(r: *mut $crate::capi::r#ref::wasm_ref_t) -> *mut $ty {
            unsafe { $ref_as_const(r) }.cast_mut()
        }

        #[no_mangle]
        pub unsafe extern "C" fn $ref_as_const(
            r: *const $crate::capi::r#ref::wasm_ref_t,
        ) -> *const $ty {
            // SAFETY: a non-NULL reference is live (wasm.h contract).
            match unsafe { r.as_ref() } {
                Some(r) if matches!(r.object, $variant) => (r as *const _ as *const $ty),
                _ => std::ptr::null(),
            }
        }
    };
}
pub(crate) use declare_ref_base;

declare_ref_base!(wasm_ref_t: wasm_ref_delete, wasm_ref_copy, wasm_ref_same,
    wasm_ref_get_host_info, wasm_ref_set_host_info, wasm_ref_set_host_info_with_finalizer);

declare_ref!(wasm_foreign_t is Object::Foreign(_),
    base: wasm_foreign_delete, wasm_foreign_copy, wasm_foreign_same, wasm_foreign_get_host_info,
        wasm_foreign_set_host_info, wasm_foreign_set_host_info_with_finalizer;
    casts: wasm_foreign_as_ref, wasm_ref_as_foreign, wasm_foreign_as_ref_const,
        wasm_ref_as_foreign_const);

/// A new foreign object: an opaque host value that wasm code can hold as an `externref`.
#[no_mangle]
pub unsafe extern "C" fn wasm_foreign_new(
    store: *mut super::store::wasm_store_t,
) -> *mut wasm_foreign_t {
    unsafe { super::arg(store, "wasm_foreign_new", "store") };
    super::into_raw(wasm_foreign_t::from_object(Object::Foreign(
        Shared::new(()),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static FINALIZED: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn count(data: *mut c_void) {
        FINALIZED.fetch_add(data as usize, Ordering::SeqCst);
    }

    #[test]
    fn host_info_finalizer_runs_once_when_replaced_or_dropped() {
        let cell = HostInfoCell::default();
        cell.set(std::ptr::without_provenance_mut(1), Some(count));
        cell.set(std::ptr::without_provenance_mut(1), Some(count)); // same pointer: no finalizer yet
        assert_eq!(FINALIZED.load(Ordering::SeqCst), 0);
        cell.set(std::ptr::without_provenance_mut(10), Some(count)); // replaced: 1 finalized
        assert_eq!(FINALIZED.load(Ordering::SeqCst), 1);
        assert_eq!(cell.get() as usize, 10);
        drop(cell);
        assert_eq!(FINALIZED.load(Ordering::SeqCst), 11);
    }
}
