//! wasm.h "Traps" and "Frames": trap objects with their message and wasm backtrace.
//!
//! Frame offsets: `wasm_frame_module_offset` is the offset in the module binary of the
//! instruction the frame is at: the one that trapped in the innermost frame, the call in outer
//! frames. `wasm_frame_func_offset` is the same position relative to the start of the
//! function's body (its code section entry). Both come from the line table the compiler emits
//! with the code; where it has no row for the code (not expected), the frame reports the start
//! of the function's body, and a function offset of 0.

use super::instance::wasm_instance_t;
use super::r#ref::{Object, Shared, StoreObject, TrapData};
use super::store::wasm_store_t;
use super::vec::{wasm_byte_vec_t, wasm_message_t, CVec};
use super::{arg, arg_mut, declare_own_copy, into_raw};
use crate::api::{FrameInfo, Func, Instance, Store, Trap};
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

    /// The API trap for a trap a host function returned. The message's exact bytes travel
    /// along (they need not be UTF-8) and come back out of `wasm_func_call` unchanged.
    pub(crate) fn to_api(&self) -> Trap {
        let bytes = &self.data().value.message;
        let text = bytes.strip_suffix(&[0]).unwrap_or(bytes);
        let mut trap = Trap::new(String::from_utf8_lossy(text).into_owned());
        let data = &self.data().value;
        if let (Some((tag, payload)), Some(store)) = (&data.exception, &data.store) {
            // Returned by a host function, it throws the exception into wasm.
            trap.exception = tag.throw(store, payload).exception;
        }
        trap.host = Some(Arc::new(HostMessage(bytes.clone())));
        trap.exit_code = data.exit_code;
        trap
    }

    /// The store, tag and payload of the exception the trap carries, if any.
    pub(crate) fn exception(&self) -> Option<(Store, crate::api::Tag, Vec<crate::api::Val>)> {
        let data = &self.data().value;
        let (tag, payload) = data.exception.clone()?;
        Some((data.store.clone()?, tag, payload))
    }

    /// The status of the `proc_exit` call that raised the trap, if one did.
    pub(crate) fn exit_code(&self) -> Option<i32> {
        self.data().value.exit_code
    }
}

/// The exact message bytes of a host-created trap, carried through wasm frames.
struct HostMessage(Vec<u8>);

/// A trap object for a trap that came out of wasm in `store`, entered through function `entry`
/// (None if not through a function call, e.g. a start function).
pub(crate) fn trap_from_wasm(store: &Store, trap: Trap, entry: Option<Func>) -> *mut wasm_trap_t {
    let exception = crate::api::Tag::of_trap(store, &trap);
    let host = trap
        .host
        .as_ref()
        .and_then(|h| h.downcast_ref::<HostMessage>());
    let message = match host {
        Some(HostMessage(bytes)) => bytes.clone(),
        None => {
            let mut m = trap.message.into_bytes();
            m.push(0);
            m
        }
    };
    let instances = frame_instances(store, &trap.frames, entry);
    into_raw(wasm_trap_t::new(TrapData {
        message,
        frames: trap.frames,
        instances,
        store: Some(store.clone()),
        exit_code: trap.exit_code,
        exception,
    }))
}

/// The trap `wasmo_exception_new` makes: "uncaught exception", carrying the exception a host
/// function throws by returning it.
pub(crate) fn exception_trap(
    store: &Store,
    tag: crate::api::Tag,
    payload: Vec<crate::api::Val>,
) -> *mut wasm_trap_t {
    into_raw(wasm_trap_t::new(TrapData {
        message: b"uncaught exception\0".to_vec(),
        frames: Vec::new(),
        instances: Vec::new(),
        store: Some(store.clone()),
        exit_code: None,
        exception: Some((tag, payload)),
    }))
}

/// A trap object created by the host (no wasm frames); `message` must end with its NUL.
pub(crate) fn trap_from_message(message: Vec<u8>) -> *mut wasm_trap_t {
    into_raw(wasm_trap_t::new(TrapData {
        message,
        frames: Vec::new(),
        instances: Vec::new(),
        store: None,
        exit_code: None,
        exception: None,
    }))
}

/// Which instance each frame belongs to, working inwards from the entry: the outermost frame is
/// the called function's instance; a frame running the same code as the frame that called it
/// belongs to the same instance (direct calls never leave an instance); other frames belong to
/// the only instance running their code, or are unknown (None) if several do.
fn frame_instances(
    store: &Store,
    frames: &[FrameInfo],
    entry: Option<Func>,
) -> Vec<Option<Instance>> {
    let mut result = vec![None; frames.len()];
    let mut outer: Option<(Instance, u64)> = entry.and_then(|f| f.instance(store));
    for (i, frame) in frames.iter().enumerate().rev() {
        let instance = match outer {
            Some((instance, code)) if code == frame.module_id => Some(instance),
            _ => store.unique_instance_of_code(frame.module_id),
        };
        result[i] = instance;
        outer = instance.map(|i| (i, frame.module_id));
    }
    result
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
    trap_from_message(bytes)
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

/// Frame `index` of a trap, with its instance where it can be told.
fn frame(data: &TrapData, index: usize) -> wasm_frame_t {
    let instance = data
        .store
        .as_ref()
        .zip(data.instances[index])
        // A frame of an instance released since (deleted and unreachable) names none.
        .filter(|(store, i)| !i.is_released(store))
        .map(|(store, i)| {
            let object = Object::Instance(StoreObject::new(store, i));
            Box::new(wasm_instance_t::from_object(object))
        });
    wasm_frame_t {
        info: data.frames[index].clone(),
        instance,
    }
}

/// The innermost wasm frame, or NULL if the trap has none.
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_origin(trap: *const wasm_trap_t) -> *mut wasm_frame_t {
    let data = &unsafe { arg(trap, "wasm_trap_origin", "self") }
        .data()
        .value;
    if data.frames.is_empty() {
        return std::ptr::null_mut();
    }
    into_raw(frame(data, 0))
}

/// The wasm frames, innermost first.
#[no_mangle]
pub unsafe extern "C" fn wasm_trap_trace(trap: *const wasm_trap_t, out: *mut wasm_frame_vec_t) {
    let data = &unsafe { arg(trap, "wasm_trap_trace", "self") }.data().value;
    let frames = (0..data.frames.len())
        .map(|i| into_raw(frame(data, i)))
        .collect();
    unsafe { *arg_mut(out, "wasm_trap_trace", "out") = wasm_frame_vec_t::from_vec(frames) };
}

/// The instance the frame's function belongs to (borrowed from the frame), or NULL if it cannot
/// be told: a frame of code that several instances of the store run, reached through an import
/// or a table from another module's code.
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

/// The offset of the frame's instruction (the one that trapped in the innermost frame, the call
/// in outer frames) from the start of its function's body, i.e. its code section entry.
#[no_mangle]
pub unsafe extern "C" fn wasm_frame_func_offset(frame: *const wasm_frame_t) -> usize {
    let info = &unsafe { arg(frame, "wasm_frame_func_offset", "self") }.info;
    info.module_offset.saturating_sub(info.func_start)
}

/// The offset in the module binary of the frame's instruction (the one that trapped in the
/// innermost frame, the call in outer frames).
#[no_mangle]
pub unsafe extern "C" fn wasm_frame_module_offset(frame: *const wasm_frame_t) -> usize {
    unsafe { arg(frame, "wasm_frame_module_offset", "self") }
        .info
        .module_offset
}
