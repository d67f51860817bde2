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
//! Here objects are carved from [`Arena`]s: reservations of [`ARENA_SIZE`] bytes of address
//! space. All sections of one object come from one arena, so every PC-relative reference stays in
//! range; and consecutive objects share the current arena until it runs low, so the code of one
//! module (its partitions, and in lift-off mode the many small objects of lazily compiled
//! functions and tier-up batches) lies close together. That matters for speed too: calls between
//! functions more than 4 GiB apart were measured 40% slower (indirect-call benchmark, lift-off
//! tier-up code in one arena and its callees in others), and it keeps the number of mappings
//! small. An unloaded object's pages are returned to the system at once; an arena's address
//! space is released when it is no longer the current one and its last object is gone.

use llvm_sys::orc2::{LLVMOrcExecutionSessionRef, LLVMOrcObjectLayerRef};
use std::ffi::{c_char, c_int, c_uint, c_void};
use std::sync::{Arc, Mutex};

/// Address space reserved (not committed) per arena.
pub const ARENA_SIZE: usize = 1 << 30;
/// A new object starts a new arena when the current one has less room than this left.
const OBJECT_ROOM: usize = 256 << 20;
const PAGE: usize = 4096;

/// A reservation objects are carved from.
pub struct Arena {
    base: *mut u8,
    /// Bytes handed out so far (bump allocation; freed ranges are not reused).
    used: Mutex<usize>,
    /// Objects with sections here, and whether the arena is still the current one.
    state: Mutex<(usize, bool)>,
}

// SAFETY: the base pointer is only used to compute addresses; the counters are locked.
unsafe impl Send for Arena {}
unsafe impl Sync for Arena {}

impl Arena {
    /// Reserves an arena's address space, or None if the system refuses.
    fn new() -> Option<Arena> {
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
            used: Mutex::new(0),
            state: Mutex::new((0, true)),
        })
    }

    fn room(&self) -> usize {
        ARENA_SIZE - *self.used.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes `len` bytes (a multiple of the page size) aligned to `align`; None when full.
    fn take(&self, len: usize, align: usize) -> Option<usize> {
        let mut used = self.used.lock().unwrap_or_else(|e| e.into_inner());
        let start = used.next_multiple_of(align);
        let end = start.checked_add(len).filter(|&end| end <= ARENA_SIZE)?;
        *used = end;
        Some(start)
    }

    /// One object fewer lives here; the reservation goes once it is not current and empty.
    fn release_object(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.0 -= 1;
        if state.0 == 0 && !state.1 {
            // SAFETY: nothing lives in the arena any more and it hands out nothing new.
            unsafe { libc::munmap(self.base.cast(), ARENA_SIZE) };
        }
    }

    /// No longer current: the reservation goes once its last object does.
    fn retire(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.1 = false;
        if state.0 == 0 {
            // SAFETY: as above.
            unsafe { libc::munmap(self.base.cast(), ARENA_SIZE) };
        }
    }
}

/// The arena new objects go to.
static CURRENT: Mutex<Option<Arc<Arena>>> = Mutex::new(None);

/// An arena with at least [`OBJECT_ROOM`] bytes left, counting one more object in it.
fn arena_for_object() -> Option<Arc<Arena>> {
    let mut current = CURRENT.lock().unwrap_or_else(|e| e.into_inner());
    if current.as_ref().is_none_or(|a| a.room() < OBJECT_ROOM) {
        if let Some(old) = current.take() {
            old.retire();
        }
        *current = Some(Arc::new(Arena::new()?));
    }
    let arena = current.clone()?;
    arena.state.lock().unwrap_or_else(|e| e.into_inner()).0 += 1;
    Some(arena)
}

/// The memory of one loaded object: its sections, all in one arena.
pub struct ObjectMemory {
    arena: Option<Arc<Arena>>,
    /// Each section's offset in the arena, length, and the protection it gets once relocated.
    sections: Vec<(usize, usize, c_int)>,
}

impl ObjectMemory {
    pub fn new() -> ObjectMemory {
        ObjectMemory {
            arena: None,
            sections: Vec::new(),
        }
    }

    /// `size` bytes aligned to `align`, readable and writable until [`ObjectMemory::finalize`]
    /// gives them `final_prot`; null when no arena has room. Sections start on their own pages
    /// so each can get its own protection.
    pub fn allocate(&mut self, size: usize, align: usize, final_prot: c_int) -> *mut u8 {
        let align = align.max(PAGE);
        if !align.is_power_of_two() {
            return std::ptr::null_mut();
        }
        if self.arena.is_none() {
            self.arena = arena_for_object();
        }
        let Some(arena) = &self.arena else {
            return std::ptr::null_mut();
        };
        let len = size.max(1).next_multiple_of(PAGE);
        let Some(start) = arena.take(len, align) else {
            return std::ptr::null_mut();
        };
        // SAFETY: the range lies inside the arena's reservation and belongs to this object.
        let at = unsafe { arena.base.add(start) };
        let ok = unsafe { libc::mprotect(at.cast(), len, libc::PROT_READ | libc::PROT_WRITE) };
        if ok != 0 {
            return std::ptr::null_mut();
        }
        self.sections.push((start, len, final_prot));
        at
    }

    /// Gives every section its final protection (code executable, read-only data read-only).
    pub fn finalize(&mut self) -> Result<(), String> {
        let Some(arena) = &self.arena else {
            return Ok(());
        };
        for &(start, len, prot) in &self.sections {
            // SAFETY: an allocated range of this object.
            let ok = unsafe { libc::mprotect(arena.base.add(start).cast(), len, prot) };
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
    fn arena_base(&self) -> *const u8 {
        self.arena.as_ref().map_or(std::ptr::null(), |a| a.base)
    }
}

impl Drop for ObjectMemory {
    fn drop(&mut self) {
        let Some(arena) = self.arena.take() else {
            return;
        };
        for &(start, len, _) in &self.sections {
            // SAFETY: this object's pages; nothing runs its code any more. A fresh inaccessible
            // mapping over them gives the memory back and keeps the range reserved.
            unsafe {
                libc::mmap(
                    arena.base.add(start).cast(),
                    len,
                    libc::PROT_NONE,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
        }
        arena.release_object();
    }
}

// ---- the callbacks RuntimeDyld calls, one context (an `ObjectMemory`) per object ----------------

type Context = ObjectMemory;

extern "C" fn create_context(_: *mut c_void) -> *mut c_void {
    Box::into_raw(Box::new(ObjectMemory::new())) as *mut c_void
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
    context(opaque).allocate(size, align as usize, libc::PROT_READ | libc::PROT_EXEC)
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
    context(opaque).allocate(size, align as usize, prot)
}

/// Returns true (1) on failure, with a `malloc`ed message LLVM frees.
extern "C" fn finalize(
    opaque: *mut c_void,
    error: *mut *mut c_char,
) -> llvm_sys::prelude::LLVMBool {
    let result = context(opaque).finalize();
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
        let mut object = ObjectMemory::new();
        let code = object.allocate(100, 16, libc::PROT_READ | libc::PROT_EXEC);
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
        let data = object.allocate(3 * PAGE + 1, 8192, libc::PROT_READ);
        assert!(!code.is_null() && !data.is_null());
        assert_eq!(data as usize % 8192, 0);
        let base = object.arena_base() as usize;
        for p in [code as usize, data as usize] {
            assert!(p >= base && p < base + ARENA_SIZE);
        }
        // SAFETY: both sections are writable until finalized.
        unsafe {
            *code = 0xc3;
            *data.add(3 * PAGE) = 7;
        }
        object.finalize().unwrap();
        // SAFETY: read-only after finalize, still mapped.
        assert_eq!(unsafe { *data.add(3 * PAGE) }, 7);
        assert!(object.allocate(ARENA_SIZE, 1, libc::PROT_READ).is_null());
        // A second object shares the arena: its code lies within reach of the first's.
        let mut other = ObjectMemory::new();
        let near = other.allocate(100, 16, libc::PROT_READ | libc::PROT_EXEC);
        assert!(!near.is_null());
        assert!((near as usize).abs_diff(code as usize) < ARENA_SIZE);
        drop(object);
        drop(other);
        // SAFETY: mapped above.
        unsafe { libc::munmap(big, 8 << 30) };
    }
}
