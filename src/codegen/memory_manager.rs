//! Where the JIT's object linker (RuntimeDyld) puts the sections of each loaded object.
//!
//! Compiled code uses the small code model: it reaches its constant pools, jump tables, GOT
//! entries and call stubs with 32-bit PC-relative offsets, which RuntimeDyld silently truncates
//! when the target lies more than 2 GiB away. LLVM's default `SectionMemoryManager` maps every
//! section separately wherever the kernel finds room, so with 8 GiB linear-memory reservations
//! and malloc arenas coming and going, an object's read-only data could land 16 GiB from its
//! code, and a constant load or a builtin call jumped into unmapped memory (seen in the spec
//! runner as spurious "out of bounds memory access" traps).
//!
//! Here each object gets one [`Arena`]: a reservation of [`ARENA_SIZE`] bytes of address space
//! from which all of its sections are carved, so every PC-relative reference stays in range.

use llvm_sys::orc2::{LLVMOrcExecutionSessionRef, LLVMOrcObjectLayerRef};
use std::ffi::{c_char, c_int, c_uint, c_void};

/// Address space reserved (not committed) per loaded object; its sections must fit in it.
pub const ARENA_SIZE: usize = 1 << 30;
const PAGE: usize = 4096;

/// The memory of one loaded object.
pub struct Arena {
    base: *mut u8,
    used: usize,
    /// Each section's offset, length and the protection it gets once relocated.
    sections: Vec<(usize, usize, c_int)>,
}

impl Arena {
    /// Reserves the arena's address space, or None if the system refuses.
    pub fn new() -> Option<Arena> {
        // SAFETY: a fresh anonymous reservation; nothing else refers to it.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                ARENA_SIZE,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        (base != libc::MAP_FAILED).then(|| Arena {
            base: base.cast(),
            used: 0,
            sections: Vec::new(),
        })
    }

    /// `size` bytes aligned to `align`, readable and writable until [`Arena::finalize`] gives
    /// them `final_prot`; null when the arena is full. Sections start on their own pages so each
    /// can get its own protection.
    pub fn allocate(&mut self, size: usize, align: usize, final_prot: c_int) -> *mut u8 {
        let align = align.max(PAGE);
        if !align.is_power_of_two() {
            return std::ptr::null_mut();
        }
        let start = self.used.next_multiple_of(align);
        let len = size.max(1).next_multiple_of(PAGE);
        if start.checked_add(len).is_none_or(|end| end > ARENA_SIZE) {
            return std::ptr::null_mut();
        }
        // SAFETY: the range lies inside our reservation.
        let at = unsafe { self.base.add(start) };
        let ok = unsafe { libc::mprotect(at.cast(), len, libc::PROT_READ | libc::PROT_WRITE) };
        if ok != 0 {
            return std::ptr::null_mut();
        }
        self.used = start + len;
        self.sections.push((start, len, final_prot));
        at
    }

    /// Gives every section its final protection (code executable, read-only data read-only).
    pub fn finalize(&mut self) -> Result<(), String> {
        for &(start, len, prot) in &self.sections {
            // SAFETY: an allocated range of our reservation.
            let ok = unsafe { libc::mprotect(self.base.add(start).cast(), len, prot) };
            if ok != 0 {
                return Err(format!(
                    "cannot protect JIT memory: {}",
                    std::io::Error::last_os_error()
                ));
            }
        }
        Ok(())
    }

    #[cfg(test)]
    fn base(&self) -> *const u8 {
        self.base
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        // SAFETY: we own the reservation; the object's code is no longer used.
        unsafe { libc::munmap(self.base.cast(), ARENA_SIZE) };
    }
}

// ---- the callbacks RuntimeDyld calls, one context (an `Option<Arena>`) per object ----------------

type Context = Option<Arena>;

extern "C" fn create_context(_: *mut c_void) -> *mut c_void {
    Box::into_raw(Box::new(Arena::new())) as *mut c_void
}

extern "C" fn notify_terminating(_: *mut c_void) {}

/// # Safety (of all the callbacks below)
/// `opaque` is a context `create_context` made and `destroy` has not freed.
fn context<'a>(opaque: *mut c_void) -> &'a mut Context {
    // SAFETY: see above; RuntimeDyld uses one object's context from one thread at a time.
    unsafe { &mut *(opaque as *mut Context) }
}

extern "C" fn allocate_code(
    opaque: *mut c_void,
    size: usize,
    align: c_uint,
    _section: c_uint,
    _name: *const c_char,
) -> *mut u8 {
    match context(opaque) {
        Some(arena) => arena.allocate(size, align as usize, libc::PROT_READ | libc::PROT_EXEC),
        None => std::ptr::null_mut(),
    }
}

extern "C" fn allocate_data(
    opaque: *mut c_void,
    size: usize,
    align: c_uint,
    _section: c_uint,
    _name: *const c_char,
    read_only: llvm_sys::prelude::LLVMBool,
) -> *mut u8 {
    let prot = if read_only != 0 {
        libc::PROT_READ
    } else {
        libc::PROT_READ | libc::PROT_WRITE
    };
    match context(opaque) {
        Some(arena) => arena.allocate(size, align as usize, prot),
        None => std::ptr::null_mut(),
    }
}

/// Returns true (1) on failure, with a `malloc`ed message LLVM frees.
extern "C" fn finalize(
    opaque: *mut c_void,
    error: *mut *mut c_char,
) -> llvm_sys::prelude::LLVMBool {
    let result = match context(opaque) {
        Some(arena) => arena.finalize(),
        None => Err("cannot reserve address space for JIT code".to_string()),
    };
    match result {
        Ok(()) => 0,
        Err(message) => {
            if !error.is_null() {
                let c = std::ffi::CString::new(message).unwrap_or_default();
                // SAFETY: LLVM takes the strdup'ed (malloc'ed) message and frees it.
                unsafe { *error = libc::strdup(c.as_ptr()) };
            }
            1
        }
    }
}

extern "C" fn destroy(opaque: *mut c_void) {
    // SAFETY: the context `create_context` boxed; LLVM destroys each context once.
    drop(unsafe { Box::from_raw(opaque as *mut Context) });
}

/// `LLVMOrcLLJITBuilderSetObjectLinkingLayerCreator`'s callback: a RuntimeDyld linking layer
/// whose objects live in arenas.
pub extern "C" fn create_object_layer(
    _: *mut c_void,
    session: LLVMOrcExecutionSessionRef,
    _triple: *const c_char,
) -> LLVMOrcObjectLayerRef {
    // SAFETY: LLVM C API; the callbacks match the documented signatures.
    unsafe {
        llvm_sys::orc2::ee::LLVMOrcCreateRTDyldObjectLinkingLayerWithMCJITMemoryManagerLikeCallbacks(
            session,
            std::ptr::null_mut(),
            create_context,
            notify_terminating,
            allocate_code,
            allocate_data,
            finalize,
            Some(destroy),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_of_an_object_stay_together() {
        let mut arena = Arena::new().unwrap();
        let code = arena.allocate(100, 16, libc::PROT_READ | libc::PROT_EXEC);
        // Something large arrives between two sections, as linear memories do.
        // SAFETY: a fresh reservation, unmapped below.
        let big = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                8 << 30,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        assert_ne!(big, libc::MAP_FAILED);
        let data = arena.allocate(3 * PAGE + 1, 8192, libc::PROT_READ);
        assert!(!code.is_null() && !data.is_null());
        assert_eq!(data as usize % 8192, 0);
        let base = arena.base() as usize;
        for p in [code as usize, data as usize] {
            assert!(p >= base && p < base + ARENA_SIZE);
        }
        // SAFETY: both sections are writable until finalized.
        unsafe {
            *code = 0xc3;
            *data.add(3 * PAGE) = 7;
        }
        arena.finalize().unwrap();
        // SAFETY: read-only after finalize, still mapped.
        assert_eq!(unsafe { *data.add(3 * PAGE) }, 7);
        assert!(arena.allocate(ARENA_SIZE, 1, libc::PROT_READ).is_null());
        // SAFETY: mapped above.
        unsafe { libc::munmap(big, 8 << 30) };
    }
}
