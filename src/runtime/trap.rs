//! Traps: their messages, catching them around calls into wasm, and the wasm
//! backtrace from the frame-pointer chain. The unwinding itself is C (`trap.c`).

pub use crate::artifact::code_map::{self, FrameInfo};
pub use crate::vm::TrapCode;
use std::ffi::c_void;

/// A trap: a message, and the wasm frames active when it happened (innermost first).
#[derive(Debug, Clone)]
pub struct Trap {
    pub message: String,
    pub code: Option<TrapCode>,
    pub frames: Vec<FrameInfo>,
    /// Host data carried by a trap a host function created (the C API keeps its object here).
    pub host: Option<std::sync::Arc<dyn std::any::Any + Send + Sync>>,
    /// The status a WASI program passed to `proc_exit`, for the trap that call raised.
    pub exit_code: Option<i32>,
    /// The exception of an "uncaught exception" trap; a host function that returns a trap with
    /// one throws it into wasm ([`Trap::throw`]).
    pub exception: Option<Box<Exception>>,
    /// The uncaught exception as the catch point found it (tag address, payload slots), until
    /// its store resolves it into `exception`.
    pub(crate) raw_exception: Option<Box<(usize, Vec<u128>)>>,
}

/// A wasm exception at the host boundary: its tag (an index of the store's tags) and payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Exception {
    pub tag: u32,
    pub payload: Vec<super::values::Val>,
}

impl Trap {
    pub fn new(message: impl Into<String>) -> Trap {
        Trap {
            message: message.into(),
            code: None,
            frames: Vec::new(),
            host: None,
            exit_code: None,
            exception: None,
            raw_exception: None,
        }
    }

    fn from_code(code: TrapCode) -> Trap {
        // SAFETY: reads and clears a thread-local of trap.c.
        let index = u32::try_from(unsafe { wasmo_trap_index_take() }).ok();
        let message = match (code, index) {
            // As the spec's reference interpreter says it: "uninitialized element 2".
            (TrapCode::UninitializedElement, Some(i)) => format!("{} {i}", code.message()),
            _ => code.message().to_string(),
        };
        Trap {
            message,
            code: Some(code),
            frames: Vec::new(),
            host: None,
            exit_code: None,
            exception: None,
            raw_exception: None,
        }
    }
}

impl Trap {
    /// The trap a host function returns to throw an exception of store tag `tag` with
    /// `payload` into the wasm that called it (checked against the tag's type then); returned
    /// to the host instead, it is the "uncaught exception" trap.
    pub fn throw(tag: u32, payload: Vec<super::values::Val>) -> Trap {
        let mut trap = Trap::from_code(TrapCode::UncaughtException);
        trap.exception = Some(Box::new(Exception { tag, payload }));
        trap
    }
}

impl std::error::Error for Trap {}

impl std::fmt::Display for Trap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

extern "C" {
    fn wasmo_catch(
        body: extern "C" fn(*mut c_void),
        data: *mut c_void,
        fault_code: u32,
        host_code: u32,
    ) -> i32;
    fn wasmo_trap_code() -> u32;
    fn wasmo_exception_take_uncaught() -> *mut u8;
    fn wasmo_exception_free(exception: *mut u8);
    fn wasmo_trap_trace(len: *mut i32) -> *const usize;
    fn wasmo_enter_host() -> *mut c_void;
    fn wasmo_leave_host(saved: *mut c_void);
    fn wasmo_stack_low() -> usize;
    fn wasmo_stack_size() -> usize;
}

/// Parks `trap` until the host stub raises it (see `vm::trap_code::park`).
pub fn set_pending(trap: Trap) {
    crate::vm::trap_code::park(Box::new(trap));
}

extern "C" {
    /// The table index the next trap's message names (`Builtin::RecordTrapIndex`, which
    /// trap.c defines so that wasm code calls it on its 8-byte aligned stack), or -1; clears it.
    fn wasmo_trap_index_take() -> i64;
}

/// Stack space kept free below wasm code for host calls, builtins and signal handling: a quarter
/// of the thread's stack, at least `MIN_STACK_RESERVE` and at most `MAX_STACK_RESERVE`. A
/// thread-pool thread with a 256 KiB stack keeps 64 KiB and gives wasm the rest; the main thread
/// (8 MiB) keeps 256 KiB. On a stack of less than about 64 KiB wasm has no room left and every
/// call traps "call stack exhausted".
pub fn stack_reserve(stack_size: usize) -> usize {
    (stack_size / 4).clamp(MIN_STACK_RESERVE, MAX_STACK_RESERVE)
}

/// The least stack kept for the host below wasm code (see `stack_reserve`).
pub const MIN_STACK_RESERVE: usize = 32 * 1024;
/// The most stack kept for the host below wasm code (see `stack_reserve`).
pub const MAX_STACK_RESERVE: usize = 256 * 1024;

/// The lowest stack address wasm code on this thread may use (0: no limit, the stack is unknown).
pub fn stack_limit() -> usize {
    // SAFETY: plain C calls.
    let (low, size) = unsafe { (wasmo_stack_low(), wasmo_stack_size()) };
    if low == 0 {
        0
    } else {
        low + stack_reserve(size)
    }
}

/// Runs `f` (which calls into wasm), returning the trap if one unwound it. `f` must not own
/// anything that needs dropping: a trap skips the rest of it.
pub fn catch_traps<F: FnOnce()>(f: F) -> Result<(), Trap> {
    extern "C" fn run<F: FnOnce()>(data: *mut c_void) {
        // SAFETY: `data` is the `Option<F>` below, alive for the whole call.
        let f = unsafe { (*(data as *mut Option<F>)).take().expect("called once") };
        f();
    }
    let mut slot = Some(f);
    // SAFETY: `run::<F>` matches `slot`'s type; the C side only calls it once. The catch point
    // reports a fault in wasm code, and a trap a host function parked, with these codes.
    let trapped = unsafe {
        wasmo_catch(
            run::<F>,
            &mut slot as *mut Option<F> as *mut c_void,
            TrapCode::MemoryOutOfBounds as u32,
            TrapCode::Host as u32,
        )
    };
    if trapped == 0 {
        return Ok(());
    }
    // SAFETY: plain C accessors of thread-local trap state; the trace stays valid until the
    // next trap on this thread.
    let code = unsafe { wasmo_trap_code() };
    let trace = unsafe {
        let mut len = 0;
        let ptr = wasmo_trap_trace(&mut len);
        std::slice::from_raw_parts(ptr, len as usize).to_vec()
    };
    let mut trap = match TrapCode::from_u32(code) {
        Some(TrapCode::Host) => match crate::vm::trap_code::take_parked() {
            Some(parked) => match parked.downcast::<Trap>() {
                Ok(trap) => *trap,
                Err(other) => match other.downcast::<String>() {
                    Ok(message) => Trap::new(*message),
                    Err(_) => Trap::new("host trap"),
                },
            },
            None => Trap::new("host trap"),
        },
        Some(code) => Trap::from_code(code),
        None => Trap::new(format!("unknown trap {code}")),
    };
    // SAFETY: the copy `exception.c` made of the last uncaught exception, ours to free: its tag
    // at 32, payload count at 40 and 16-byte payload slots from 80.
    unsafe {
        let e = wasmo_exception_take_uncaught();
        if !e.is_null() {
            if trap.code == Some(TrapCode::UncaughtException) && trap.exception.is_none() {
                let tag = *(e.add(32) as *const usize);
                let count = *(e.add(40) as *const u32) as usize;
                let values = std::slice::from_raw_parts(e.add(80) as *const u128, count);
                trap.raw_exception = Some(Box::new((tag, values.to_vec())));
            }
            wasmo_exception_free(e);
        }
    }
    if trap.frames.is_empty() || trap.code.is_some() {
        let mut frames = backtrace(&trace, code == TrapCode::MemoryOutOfBounds as u32);
        frames.extend(std::mem::take(&mut trap.frames));
        trap.frames = frames;
    }
    Err(trap)
}

/// Runs host code called from wasm with the thread's catch chain suspended, so faults in it are
/// not mistaken for wasm traps.
pub fn in_host<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: plain C calls; the saved chain is restored before returning.
    let saved = unsafe { wasmo_enter_host() };
    let r = f();
    unsafe { wasmo_leave_host(saved) };
    r
}

/// The wasm frames of a captured native trace (innermost first). For a fault the first entry is
/// the faulting pc itself; the others are return addresses (looked up one byte earlier, inside
/// the call instruction).
///
/// An on-stack-replacement entry's caller is the baseline frame of the same activation, which
/// is left out: the trace shows each wasm activation once.
fn backtrace(trace: &[usize], first_is_pc: bool) -> Vec<FrameInfo> {
    let map = code_map::read();
    let mut frames: Vec<FrameInfo> = Vec::new();
    let mut after_osr = false;
    for (i, &addr) in trace.iter().enumerate() {
        let at = if i == 0 && first_is_pc {
            addr
        } else {
            addr.wrapping_sub(1)
        };
        let Some((frame, osr)) = map.lookup_code(at) else {
            continue;
        };
        let same =
            |f: &FrameInfo| f.func_index == frame.func_index && f.module_id == frame.module_id;
        if after_osr && frames.last().is_some_and(same) {
            after_osr = false;
            continue;
        }
        after_osr = osr;
        frames.push(frame);
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_c_knows_the_uncaught_exception_code() {
        extern "C" {
            static wasmo_trap_uncaught_exception: u32;
        }
        // SAFETY: a constant of trap.c's.
        let code = unsafe { wasmo_trap_uncaught_exception };
        assert_eq!(code, TrapCode::UncaughtException as u32);
    }

    #[test]
    fn the_stack_reserve_follows_the_thread_stack() {
        assert_eq!(stack_reserve(8 << 20), MAX_STACK_RESERVE);
        assert_eq!(stack_reserve(256 << 10), 64 << 10);
        assert_eq!(stack_reserve(64 << 10), MIN_STACK_RESERVE);
        assert_eq!(stack_reserve(0), MIN_STACK_RESERVE);
    }

    #[test]
    fn this_thread_has_a_stack_limit_inside_its_stack() {
        // SAFETY: plain C calls.
        let (low, size) = unsafe { (wasmo_stack_low(), wasmo_stack_size()) };
        assert!(low != 0 && size != 0);
        let limit = stack_limit();
        let here = &limit as *const usize as usize;
        assert!(limit > low && limit < here && here < low + size);
    }
}
