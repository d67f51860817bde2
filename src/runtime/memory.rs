//! Linear memories. A 32-bit memory reserves its whole index space plus a guard region up front
//! (`PROT_NONE`), so any `base + index + offset` compiled code forms lands either in accessible
//! pages or in the reservation, where it faults and becomes a trap. Growing makes more pages
//! accessible in place: the base never moves.
//!
//! A 64-bit memory makes the same reservation, but compiled code checks every access against
//! its length (`compile/memory.rs`), so the reservation bounds only how far it can grow:
//! [`MAX_PAGES_64`] pages (8 GiB). Declaring more is allowed; growing past that fails (returns
//! -1) as growing past the host's means may, and an initial size past it cannot be created.

use crate::error::{Error, Result};
use crate::module::types::MemoryType;
use crate::vm::VMMemory;

pub const PAGE_SIZE: usize = 65536;
/// Pages a 32-bit memory can have.
pub const MAX_PAGES: u64 = 65536;
/// 4 GiB of index space, 4 GiB for the largest static offset, one page for the access width.
const RESERVATION: usize = (8 << 30) + PAGE_SIZE;
/// Pages a 64-bit memory can grow to here: what the reservation holds.
pub const MAX_PAGES_64: u64 = (8 << 30) / PAGE_SIZE as u64;

pub struct LinearMemory {
    /// What compiled code reads; boxed so its address is stable.
    pub vm: Box<VMMemory>,
    pub ty: MemoryType,
    reserved: usize,
    /// The store's limits, which growth is checked against (none for a memory of no store).
    limiter: Option<std::sync::Arc<super::limits::Limiter>>,
}

// SAFETY: the memory is owned by one store, which one thread uses at a time.
unsafe impl Send for LinearMemory {}

impl LinearMemory {
    pub fn new(ty: MemoryType) -> Result<LinearMemory> {
        if !ty.memory64 && ty.limits.min > MAX_PAGES {
            return Err(Error::new("memory size must be at most 65536 pages (4GiB)"));
        }
        if ty.memory64 && ty.limits.min > MAX_PAGES_64 {
            return Err(Error::new(format!(
                "a 64-bit memory of {} pages is more than Wasmo can reserve ({MAX_PAGES_64} \
                 pages, 8 GiB)",
                ty.limits.min
            )));
        }
        let Some(base) = reserve() else {
            return Err(Error::new(
                "cannot reserve address space for a linear memory",
            ));
        };
        let mut memory = LinearMemory {
            vm: Box::new(VMMemory { base, length: 0 }),
            ty,
            reserved: RESERVATION,
            limiter: None,
        };
        if memory.grow(ty.limits.min).is_none() {
            return Err(Error::new(
                "cannot allocate the linear memory's initial pages",
            ));
        }
        Ok(memory)
    }

    /// Counts the memory's bytes, and checks its growth, against its store's limits (its
    /// current bytes were taken from them already).
    pub fn set_limiter(&mut self, limiter: std::sync::Arc<super::limits::Limiter>) {
        self.limiter = Some(limiter);
    }

    pub fn pages(&self) -> u64 {
        (self.vm.length / PAGE_SIZE) as u64
    }

    pub fn max_pages(&self) -> u64 {
        let cap = if self.ty.memory64 {
            MAX_PAGES_64
        } else {
            MAX_PAGES
        };
        self.ty.limits.max.unwrap_or(cap).min(cap)
    }

    /// Grows by `delta` pages; the previous size in pages, or None past the maximum (or once
    /// released).
    pub fn grow(&mut self, delta: u64) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        if new > self.max_pages() || (self.reserved == 0 && delta > 0) {
            return None;
        }
        if delta > 0 {
            let new_len = new as usize * PAGE_SIZE;
            if let Some(l) = &self.limiter {
                l.grow_memory(self.vm.length as u64, new_len as u64).ok()?;
            }
            // SAFETY: the range lies inside our reservation.
            let ok = unsafe {
                libc::mprotect(
                    self.vm.base.add(self.vm.length).cast(),
                    new_len - self.vm.length,
                    libc::PROT_READ | libc::PROT_WRITE,
                )
            };
            if ok != 0 {
                if let Some(l) = &self.limiter {
                    l.free_memory((new_len - self.vm.length) as u64);
                }
                return None;
            }
            self.vm.length = new_len;
        }
        Some(old)
    }

    /// Gives the memory's pages and address-space reservation back to the system, once nothing
    /// can reach it any more (see `Store::collect`). Afterwards it has no pages and cannot grow,
    /// and its base is the process's one shared `PROT_NONE` reservation, so even an access that
    /// should be impossible faults (a trap) instead of touching other memory. False (and nothing
    /// changes) if that shared reservation cannot be made.
    pub fn release(&mut self) -> bool {
        if self.reserved == 0 {
            return true;
        }
        let Some(dead) = dead_reservation() else {
            return false;
        };
        if let Some(l) = &self.limiter {
            l.free_memory(self.vm.length as u64);
        }
        // SAFETY: we own the reservation; nothing references it any more.
        unsafe { libc::munmap(self.vm.base.cast(), self.reserved) };
        self.vm.base = dead as *mut u8;
        self.vm.length = 0;
        self.reserved = 0;
        true
    }

    /// Whether `release` gave the memory back.
    pub fn released(&self) -> bool {
        self.reserved == 0
    }

    /// The accessible bytes.
    pub fn data(&mut self) -> &mut [u8] {
        // SAFETY: `length` bytes from `base` are mapped read-write for the memory's lifetime;
        // wasm.h hands out the same raw access (`wasm_memory_data`).
        unsafe { std::slice::from_raw_parts_mut(self.vm.base, self.vm.length) }
    }

    /// The byte range `[start, start + len)`, if in bounds.
    pub fn range(&self, start: u64, len: u64) -> Option<std::ops::Range<usize>> {
        let end = start.checked_add(len)?;
        (end <= self.vm.length as u64).then_some(start as usize..end as usize)
    }
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        if self.reserved != 0 {
            // SAFETY: we own the reservation.
            unsafe { libc::munmap(self.vm.base.cast(), self.reserved) };
        }
    }
}

/// One `PROT_NONE` reservation of a memory's size, shared by every released memory, made on first
/// use and kept for the process's life.
fn dead_reservation() -> Option<usize> {
    static DEAD: std::sync::OnceLock<Option<usize>> = std::sync::OnceLock::new();
    *DEAD.get_or_init(|| reserve().map(|base| base as usize))
}

/// A fresh `PROT_NONE` reservation of a memory's size (None if the address space is exhausted).
fn reserve() -> Option<*mut u8> {
    // SAFETY: a fresh anonymous mapping; nothing else refers to it.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            RESERVATION,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )
    };
    (base != libc::MAP_FAILED).then_some(base.cast())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::types::Limits;

    #[test]
    fn grows_in_place_up_to_the_maximum() {
        let ty = MemoryType {
            limits: Limits {
                min: 1,
                max: Some(3),
            },
            memory64: false,
            shared: false,
        };
        let mut m = LinearMemory::new(ty).unwrap();
        let base = m.vm.base;
        m.data()[PAGE_SIZE - 1] = 7;
        assert_eq!(m.grow(2), Some(1));
        assert_eq!(m.vm.base, base);
        assert_eq!(m.data()[PAGE_SIZE - 1], 7);
        assert_eq!(m.grow(1), None);
        assert_eq!(m.pages(), 3);
        assert!(m.range(3 * PAGE_SIZE as u64 - 4, 4).is_some());
        assert!(m.range(3 * PAGE_SIZE as u64 - 4, 5).is_none());
        assert!(m.range(u64::MAX, 2).is_none());
    }

    #[test]
    fn a_released_memory_has_no_pages_and_cannot_grow() {
        let ty = MemoryType {
            limits: Limits { min: 2, max: None },
            memory64: false,
            shared: false,
        };
        let mut m = LinearMemory::new(ty).unwrap();
        let (a, b) = (m.vm.base, LinearMemory::new(ty).unwrap());
        assert!(m.release());
        assert!(m.released() && !b.released());
        assert_eq!((m.pages(), m.data().len()), (0, 0));
        assert_ne!(m.vm.base, a);
        assert_eq!(m.grow(1), None);
        assert_eq!(m.grow(0), Some(0));
        assert!(m.range(0, 1).is_none());
        assert!(m.release(), "releasing twice is harmless");
    }
}
