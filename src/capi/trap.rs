//! wasm.h "Traps" and "Frames": trap objects with their message and wasm backtrace.
//!
//! Frame offsets: `wasm_frame_module_offset` is the offset of the function's body in the module
//! binary and `wasm_frame_func_offset` is 0; finer offsets need a native-to-wasm offset map
//! that the compiler does not emit yet.

use super::instance::wasm_instance_t;
use super::r#ref::{Object, Shared, StoreObject, TrapData};
use super::store::wasm_store_t;
use super::vec::{wasm_byte_vec_t, wasm_message_t, CVec};
use super::{arg, arg_mut, declare_own_copy, into_raw};
use crate::runtime::store::Store;
use crate::runtime::trap::{FrameInfo, Trap};
use std::sync::Arc;

declare_ref!(wasm_trap_t is Object::Trap(_),
    base: wasm_trap_delete, wasm_trap_copy, wasm_trap_same, wasm_trap_get_host_info,
        wasm_trap_set_host_info, wasm_trap_set_host_info_with_finalizer;
    casts: wasm_trap_as_ref, wasm_ref_as_trap, wasm_trap_as_ref_const, wasm_ref_as_trap_const);

impl wasm_trap_t {
    pub(crate) fn new(data: TrapData) -> Self {
        wasm_trap_t::from_object(Object::Trap(Shared::new(data)))
    }

    fn data(&self) -> &Arc<Shared<TrapData>> {
        match &self.r.object {
            Object::Trap(t) => t,
            _ => unreachable!("a wasm_trap_t always holds a trap"),
        }
    }

    /// The runtime trap for a trap a host function returned.
    pub(crate) fn to_runtime(&self) -> Trap {
        let bytes = &self.data().value.message;
        let text = bytes.strip_suffix(&[0]).unwrap_or(bytes);
        Trap::new(String::from_utf8_lossy(text).into_owned())
    }
}

/// A trap object for a runtime trap that came out of wasm in `store`.
pub(crate) fn trap_from_runtime(store: &Store, trap: Trap) -> *mut wasm_trap_t {
    let mut message = trap.message.into_bytes();
    message.push(0);
    into_raw(wasm_trap_t::new(TrapData {
        message,
        frames: trap.frames,
        store: Some(store.clone()),
    }))
}

/// A new trap with `message` (copied; a terminating NUL is added if missing).
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_new(
    store: *mut wasm_store_t,
    message: *const wasm_message_t,
) -> *mut wasm_trap_t {
    unsafe { arg(store, "wasm_trap_new", "store") };
    let mut bytes = unsafe { arg(message, "wasm_trap_new", "message").bytes() }.to_vec();
    if bytes.last() != Some(&0) {
        bytes.push(0);
    }
    into_raw(wasm_trap_t::new(TrapData {
        message: bytes,
        frames: Vec::new(),
        store: None,
    }))
}

/// The trap's message, NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_message(trap: *const wasm_trap_t, out: *mut wasm_message_t) {
    let trap = unsafe { arg(trap, "wasm_trap_message", "self") };
    unsafe {
        *arg_mut(out, "wasm_trap_message", "out") =
            wasm_byte_vec_t::from_bytes(&trap.data().value.message)
    };
}

/// One frame of a trap's backtrace.
#[derive(Clone)]
pub struct wasm_frame_t {
    info: FrameInfo,
    instance: Option<Box<wasm_instance_t>>,
}

declare_own_copy!(wasm_frame_t, wasm_frame_delete, wasm_frame_copy);
declare_vec!(wasm_frame_vec_t of *mut wasm_frame_t:
    wasm_frame_vec_new_empty, wasm_frame_vec_new_uninitialized, wasm_frame_vec_new,
    wasm_frame_vec_copy, wasm_frame_vec_delete);

fn frame(data: &TrapData, info: &FrameInfo) -> wasm_frame_t {
    let instance = data.store.as_ref().and_then(|store| {
        let index = store.instance_of_code(info.module_id)?;
        Some(Box::new(wasm_instance_t::from_object(Object::Instance(
            StoreObject {
                store: store.clone(),
                index,
            },
        ))))
    });
    wasm_frame_t {
        info: info.clone(),
        instance,
    }
}

/// The innermost wasm frame, or NULL if the trap has none.
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_origin(trap: *const wasm_trap_t) -> *mut wasm_frame_t {
    let data = &unsafe { arg(trap, "wasm_trap_origin", "self") }
        .data()
        .value;
    match data.frames.first() {
        Some(f) => into_raw(frame(data, f)),
        None => std::ptr::null_mut(),
    }
}

/// The wasm frames, innermost first.
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_trace(trap: *const wasm_trap_t, out: *mut wasm_frame_vec_t) {
    let data = &unsafe { arg(trap, "wasm_trap_trace", "self") }.data().value;
    let frames = data
        .frames
        .iter()
        .map(|f| into_raw(frame(data, f)))
        .collect();
    unsafe { *arg_mut(out, "wasm_trap_trace", "out") = wasm_frame_vec_t::from_vec(frames) };
}

/// The instance the frame's function belongs to (borrowed from the frame), or NULL if unknown.
#[no_mangle]
pub unsafe extern "C" fn wasm_frame_instance(frame: *const wasm_frame_t) -> *mut wasm_instance_t {
    match &unsafe { arg(frame, "wasm_frame_instance", "self") }.instance {
        Some(i) => &**i as *const wasm_instance_t as *mut wasm_instance_t,
        None => std::ptr::null_mut(),
    }
}

#[no_mangle]
pub unsafe extern "C" fn wasm_frame_func_index(frame: *const wasm_frame_t) -> u32 {
    unsafe { arg(frame, "wasm_frame_func_index", "self") }
        .info
        .func_index
}

#[no_mangle]
pub unsafe extern "C" fn wasm_frame_func_offset(frame: *const wasm_frame_t) -> usize {
    unsafe { arg(frame, "wasm_frame_func_offset", "self") };
    0
}

#[no_mangle]
pub unsafe extern "C" fn wasm_frame_module_offset(frame: *const wasm_frame_t) -> usize {
    unsafe { arg(frame, "wasm_frame_module_offset", "self") }
        .info
        .func_start
}
