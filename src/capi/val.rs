//! wasm.h "Values": `wasm_val_t`, its copy/delete and its vector. A reference-kind value owns the
//! `wasm_ref_t` it points to (NULL is the null reference).

use super::r#ref::wasm_ref_t;
use super::types::{wasm_valkind_t, WASMO_EXNREF, WASM_EXTERNREF, WASM_FUNCREF, WASM_I32};
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
        self.kind == WASM_EXTERNREF || self.kind == WASM_FUNCREF || self.kind == WASMO_EXNREF
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

// ---- conversion to and from API values -----------------------------------------------------

use super::r#ref::{Object, StoreObject};
use super::types::{valkind_of, valtype_of};
use crate::api::{Entity, ExternRef, FuncType, Store, Val, ValType};

/// What an externref created from C carries: the referenced object. Objects of the same store
/// are kept as the entity alone, so the store's externref table holds no strong reference to
/// its own store.
enum ExternPayload {
    Object(Object),
    Entity(Entity),
}

fn entity_object(store: &Store, entity: Entity) -> Object {
    let o = StoreObject::new(store, entity);
    match entity {
        Entity::Func(_) => Object::Func(o),
        Entity::Global(_) => Object::Global(o),
        Entity::Table(_) => Object::Table(o),
        Entity::Memory(_) => Object::Memory(o),
        Entity::Instance(_) => Object::Instance(o),
        Entity::Tag(_) => Object::Tag(o),
    }
}

/// A reference (possibly NULL) as a value of type `ty` in `store`.
pub(crate) fn ref_from_c(store: &Store, r: *const wasm_ref_t, ty: ValType) -> Result<Val, String> {
    if !ty.is_ref() {
        return Err(format!("{ty} is not a reference type"));
    }
    // SAFETY: a non-NULL reference is live (wasm.h contract).
    let Some(r) = (unsafe { r.as_ref() }) else {
        return Ok(Val::default_for(ty));
    };
    if ty.is_exn_ref() {
        return match &r.object {
            Object::Exception(x) if x.value.0.same(store) => Ok(Val::ExnRef(Some(x.value.1))),
            Object::Exception(_) => Err("exception reference belongs to another store".into()),
            _ => Err("an exnref value must refer to an exception".into()),
        };
    }
    if ty.is_func_ref() {
        return match &r.object {
            Object::Func(o) if o.store().same(store) => Ok(Val::FuncRef(Some(o.func()))),
            Object::Func(_) => Err("function reference belongs to another store".into()),
            _ => Err("a funcref value must refer to a function".into()),
        };
    }
    let payload = match r.object.store_object() {
        Some(o) if o.store().same(store) => {
            // The externref may live in the store for good (tables, globals): it holds the
            // entity as long as the store.
            o.root().clone().hold_while_store_lives();
            ExternPayload::Entity(o.entity())
        }
        _ => ExternPayload::Object(r.object.clone()),
    };
    Ok(Val::ExternRef(Some(ExternRef::new(
        store,
        Box::new(payload),
    ))))
}

/// A reference value as an owned `wasm_ref_t` (NULL for null and non-references).
pub(crate) fn ref_to_c(store: &Store, v: Val) -> *mut wasm_ref_t {
    let object = match v {
        Val::FuncRef(Some(f)) => Object::Func(StoreObject::new(store, f)),
        Val::ExnRef(Some(e)) => Object::Exception(super::r#ref::Shared::new((store.clone(), e))),
        Val::ExternRef(Some(r)) => match r.data(store).downcast_ref::<ExternPayload>() {
            Some(ExternPayload::Object(o)) => o.clone(),
            Some(ExternPayload::Entity(entity)) => entity_object(store, *entity),
            None => return std::ptr::null_mut(),
        },
        _ => return std::ptr::null_mut(),
    };
    super::into_raw(wasm_ref_t { object })
}

// ---- v128 ------------------------------------------------------------------------------------
//
// `wasm_val_t` has no room for a v128 (its union is 8 bytes) and upstream wasm.h no kind for it.
// As in the JS API, where v128 cannot cross into JavaScript, no v128 value ever goes through a
// `wasm_val_t`: calls whose signature has v128 trap before anything runs, and v128 globals are
// read and written with the wasmo.h extensions (`wasmo_global_get_v128` and friends).

/// The reason every refused v128 crossing gives (after the name of the refusing function).
pub(crate) const V128_MISMATCH: &str = "type mismatch: v128 values cannot be passed through wasm.h";

/// The message for a call of a function of type `ty` through wasm.h if its signature has v128
/// (`what` names who refuses it), None if it has none.
pub(crate) fn v128_call_mismatch(what: &str, ty: &FuncType) -> Option<String> {
    let mut types = ty.params.iter().chain(&ty.results);
    types
        .any(|&t| t == ValType::V128)
        .then(|| format!("{what}: {V128_MISMATCH} (function type {ty})"))
}

/// The message for a v128 global read or written through a `wasm_val_t`: `what` names the
/// refusing function, `instead` the wasmo.h function to use.
pub(crate) fn v128_global_mismatch(what: &str, instead: &str) -> String {
    format!("{what}: {V128_MISMATCH} (use {instead})")
}

/// A C value as a value of type `ty` (the kind must be `ty`'s wasm.h kind, `WASM_FUNCREF` for
/// every function reference type; v128 is always refused).
pub(crate) fn val_from_c(store: &Store, v: &wasm_val_t, ty: ValType) -> Result<Val, String> {
    if valtype_of(v.kind) != Some(ty.top()) {
        return Err(format!("value of kind {} where {ty} is expected", v.kind));
    }
    // SAFETY: the kind tells which union field is initialised.
    unsafe {
        Ok(match ty {
            ValType::I32 => Val::I32(v.of.i32),
            ValType::I64 => Val::I64(v.of.i64),
            ValType::F32 => Val::F32(v.of.f32.to_bits()),
            ValType::F64 => Val::F64(v.of.f64.to_bits()),
            ValType::V128 => return Err(V128_MISMATCH.into()),
            ValType::Ref(_) => return ref_from_c(store, v.of.ref_, ty),
        })
    }
}

/// A value as an owned C value. A v128 has no `wasm_val_t` form: it becomes kind
/// `WASMO_V128` with an all-zero payload (so `of.ref` is NULL), never any of its bits. Callers
/// refuse v128 before converting; this only keeps the result well-defined.
pub(crate) fn val_to_c(store: &Store, v: Val) -> wasm_val_t {
    let kind = valkind_of(v.ty());
    let of = match v {
        Val::I32(x) => wasm_val_union { i32: x },
        Val::I64(x) => wasm_val_union { i64: x },
        Val::F32(b) => wasm_val_union {
            f32: f32::from_bits(b),
        },
        Val::F64(b) => wasm_val_union {
            f64: f64::from_bits(b),
        },
        Val::V128(_) => wasm_val_union { i64: 0 },
        Val::FuncRef(_) | Val::ExternRef(_) | Val::ExnRef(_) => wasm_val_union {
            ref_: ref_to_c(store, v),
        },
    };
    wasm_val_t { kind, of }
}

/// Converts C values to values of `types`.
pub(crate) fn vals_from_c(
    store: &Store,
    vals: &[wasm_val_t],
    types: &[ValType],
) -> Result<Vec<Val>, String> {
    if vals.len() != types.len() {
        return Err(format!(
            "{} values given, {} expected",
            vals.len(),
            types.len()
        ));
    }
    vals.iter()
        .zip(types)
        .map(|(v, &t)| val_from_c(store, v, t))
        .collect()
}
