//! wasm.h "Function Instances": host functions (with or without environment), calls, types.

use super::r#ref::{Object, StoreObject};
use super::store::wasm_store_t;
use super::trap::{trap_from_wasm, wasm_trap_t};
use super::types::wasm_functype_t;
use super::val::{v128_call_mismatch, val_to_c, vals_from_c, wasm_val_vec_t};
use super::vec::{vec_delete, CVec};
use super::{arg, into_raw, misuse};
use crate::api::{Func, FuncType, HostFn, Store, Trap, Val};
use crate::error::set_last_error;
use std::ffi::c_void;

declare_ref!(wasm_func_t is Object::Func(_),
    base: wasm_func_delete, wasm_func_copy, wasm_func_same, wasm_func_get_host_info,
        wasm_func_set_host_info, wasm_func_set_host_info_with_finalizer;
    casts: wasm_func_as_ref, wasm_ref_as_func, wasm_func_as_ref_const, wasm_ref_as_func_const);

pub type wasm_func_callback_t = Option<
    unsafe extern "C" fn(
        args: *const wasm_val_vec_t,
        results: *mut wasm_val_vec_t,
    ) -> *mut wasm_trap_t,
>;
pub type wasm_func_callback_with_env_t = Option<
    unsafe extern "C" fn(
        env: *mut c_void,
        args: *const wasm_val_vec_t,
        results: *mut wasm_val_vec_t,
    ) -> *mut wasm_trap_t,
>;

impl wasm_func_t {
    pub(crate) fn new(store: &Store, func: Func) -> Self {
        wasm_func_t::from_object(Object::Func(StoreObject::new(store, func)))
    }
}

/// Runs an environment's finalizer when the host function is dropped (with its store).
struct Env {
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some(f) = self.finalizer {
            // SAFETY: the embedder registered this finalizer for this environment.
            unsafe { f(self.env) }
        }
    }
}

/// Calls a C host callback: converts the arguments, prepares the result slots, converts back.
/// A signature with v128 traps without calling the callback: its values have no `wasm_val_t`.
fn call_c(
    store: &Store,
    args: &[Val],
    results: &mut [Val],
    call: &dyn Fn(*const wasm_val_vec_t, *mut wasm_val_vec_t) -> *mut wasm_trap_t,
) -> Result<(), Trap> {
    let ty = FuncType::new(
        args.iter().map(Val::ty).collect(),
        results.iter().map(Val::ty).collect(),
    );
    if let Some(message) = v128_call_mismatch("host function", &ty) {
        return Err(Trap::new(message));
    }
    let mut c_args = wasm_val_vec_t::from_vec(args.iter().map(|&v| val_to_c(store, v)).collect());
    let init = results.iter().map(|&r| val_to_c(store, r)).collect();
    let mut c_results = wasm_val_vec_t::from_vec(init);
    let trap = call(&c_args, &mut c_results);
    let types: Vec<_> = results.iter().map(|r| r.ty()).collect();
    // SAFETY: both vectors were created here.
    let converted = vals_from_c(store, unsafe { c_results.as_slice() }, &types);
    unsafe {
        vec_delete(&mut c_args);
        vec_delete(&mut c_results);
    }
    if !trap.is_null() {
        // SAFETY: the callback hands over ownership of the trap it returns.
        let trap = unsafe { Box::from_raw(trap) };
        return Err(trap.to_api());
    }
    match converted {
        Ok(vals) => {
            results.copy_from_slice(&vals);
            Ok(())
        }
        Err(e) => Err(Trap::new(format!(
            "host function returned a bad result: {e}"
        ))),
    }
}

fn new_host(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    name: &str,
    callback: Box<HostFn>,
) -> *mut wasm_func_t {
    let store = &unsafe { arg(store, name, "store") }.store;
    let ty = unsafe { arg(ty, name, "type") }.to_core();
    match Func::new_boxed(store, ty, callback) {
        Ok(func) => into_raw(wasm_func_t::new(store, func)),
        Err(e) => {
            set_last_error(&e);
            std::ptr::null_mut()
        }
    }
}

/// A host function of type `ty` that runs `callback`.
///
/// A type with `v128` among its parameters or results is accepted, so the function can satisfy
/// an import of that type, but its callback is never called (a `wasm_val_t` cannot hold a
/// v128; the JS API throws a TypeError alike): a call from wasm traps with the message "host
/// function: type mismatch: v128 values cannot be passed through wasm.h (function type (func
/// (param ...) (result ...)))", and `wasm_func_call` on it returns its own v128 trap.
#[no_mangle]
pub unsafe extern "C" fn wasm_func_new(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    callback: wasm_func_callback_t,
) -> *mut wasm_func_t {
    let Some(callback) = callback else {
        misuse("wasm_func_new", "argument `callback` must not be NULL")
    };
    new_host(
        store,
        ty,
        "wasm_func_new",
        Box::new(move |store, args, results| {
            // SAFETY: the C callback's contract (wasm.h).
            call_c(store, args, results, &|a, r| unsafe { callback(a, r) })
        }),
    )
}

/// Like `wasm_func_new` (v128 included), with `env` passed to each call of the callback and to
/// `finalizer` (if not NULL) when Wasmo releases the function together with its store.
#[no_mangle]
pub unsafe extern "C" fn wasm_func_new_with_env(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    callback: wasm_func_callback_with_env_t,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) -> *mut wasm_func_t {
    let Some(callback) = callback else {
        misuse(
            "wasm_func_new_with_env",
            "argument `callback` must not be NULL",
        )
    };
    let env = Env { env, finalizer };
    new_host(
        store,
        ty,
        "wasm_func_new_with_env",
        Box::new(move |store, args, results| {
            let env = &env;
            // SAFETY: the C callback's contract (wasm.h).
            call_c(store, args, results, &|a, r| unsafe {
                callback(env.env, a, r)
            })
        }),
    )
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_type(func: *const wasm_func_t) -> *mut wasm_functype_t {
    let o = unsafe { arg(func, "wasm_func_type", "self") }.handle();
    into_raw(wasm_functype_t::from_core(&o.func().ty(o.store())))
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_param_arity(func: *const wasm_func_t) -> usize {
    let o = unsafe { arg(func, "wasm_func_param_arity", "self") }.handle();
    o.func().ty(o.store()).params.len()
}

#[no_mangle]
pub unsafe extern "C" fn wasm_func_result_arity(func: *const wasm_func_t) -> usize {
    let o = unsafe { arg(func, "wasm_func_result_arity", "self") }.handle();
    o.func().ty(o.store()).results.len()
}

/// Calls `func`; returns NULL and fills `results` (pre-allocated with the result arity), or
/// returns the trap. Arguments of the wrong number or type are a trap too, and the function does
/// not run.
///
/// A `results` vector that is too small (or NULL) does not stop the call, as in V8's
/// implementation, on which the upstream `trap` examples rely (they call functions that trap
/// with an empty vector): a trap is returned as it is; a function that returns gets the trap
/// "wasm_func_call: the results vector is too small for N results (the call ran; its results
/// are dropped)".
///
/// A function with `v128` among its parameters or results cannot be called through wasm.h (a
/// `wasm_val_t` cannot hold a v128; the JS API throws a TypeError alike): the call returns a trap
/// with the message "wasm_func_call: type mismatch: v128 values cannot be passed through wasm.h
/// (function type (func (param ...) (result ...)))", runs nothing and leaves `results` untouched.
#[no_mangle]
pub unsafe extern "C" fn wasm_func_call(
    func: *const wasm_func_t,
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> *mut wasm_trap_t {
    let o = unsafe { arg(func, "wasm_func_call", "self") }.handle();
    let (store, func) = (o.store(), o.func());
    let ty = func.ty(store);
    if let Some(message) = v128_call_mismatch("wasm_func_call", &ty) {
        return trap_from_message(&message);
    }
    let no_args = wasm_val_vec_t::from_parts(0, std::ptr::null_mut());
    let args = unsafe { args.as_ref() }.unwrap_or(&no_args);
    // SAFETY: a valid vector's elements are valid.
    let args = match vals_from_c(store, unsafe { args.as_slice() }, &ty.params) {
        Ok(a) => a,
        Err(e) => return trap_from_message(&format!("wasm_func_call: bad arguments: {e}")),
    };
    let results = unsafe { results.as_mut() }
        .filter(|r| r.size >= ty.results.len() && (r.size == 0 || !r.data.is_null()));
    match func.call(store, &args) {
        Ok(values) => {
            if values.is_empty() {
                return std::ptr::null_mut();
            }
            let Some(results) = results else {
                return trap_from_message(&format!(
                    "wasm_func_call: the results vector is too small for {} results \
                     (the call ran; its results are dropped)",
                    values.len()
                ));
            };
            for (i, v) in values.into_iter().enumerate() {
                // SAFETY: the caller provided at least `results.len()` slots.
                unsafe { *results.data.add(i) = val_to_c(store, v) };
            }
            std::ptr::null_mut()
        }
        Err(t) => trap_from_wasm(store, t, Some(func)),
    }
}

fn trap_from_message(message: &str) -> *mut wasm_trap_t {
    let mut bytes = message.as_bytes().to_vec();
    bytes.push(0);
    super::trap::trap_from_message(bytes)
}
