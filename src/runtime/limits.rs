//! Store limits (as wasmtime's `StoreLimits`): caps on the linear-memory bytes of each memory
//! and of all of a store's memories together, on table elements, and on the number of
//! instances, memories and tables a store holds. Growing past a cap fails as growing past a
//! maximum does (`memory.grow` and `table.grow` return -1); creating past one is an error.

use crate::error::{Error, Result};
use std::sync::Mutex;

/// What a store may allocate; `None` is no cap. The caps apply to what is allocated after they
/// are set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoreLimits {
    /// Bytes of one linear memory.
    pub memory_size: Option<u64>,
    /// Bytes of all the store's linear memories together.
    pub total_memory: Option<u64>,
    /// Elements of one table.
    pub table_elements: Option<u64>,
    pub instances: Option<usize>,
    pub memories: Option<usize>,
    pub tables: Option<usize>,
}

/// A store's limits and the linear-memory bytes its memories hold, shared by its memories and
/// tables so that growing them (from compiled code too) can be checked.
#[derive(Debug, Default)]
pub struct Limiter {
    state: Mutex<(StoreLimits, u64)>,
}

impl Limiter {
    pub fn limits(&self) -> StoreLimits {
        self.lock().0
    }

    pub fn set(&self, limits: StoreLimits) {
        self.lock().0 = limits;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (StoreLimits, u64)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes the bytes a memory growing from `old` to `new` bytes needs: an error naming the
    /// cap it would pass.
    pub fn grow_memory(&self, old: u64, new: u64) -> Result<()> {
        let mut state = self.lock();
        let (limits, used) = *state;
        if let Some(cap) = limits.memory_size {
            if new > cap {
                return Err(Error::new(format!(
                    "store limit: a linear memory of {new} bytes is more than the {cap} bytes \
                     one memory may have"
                )));
            }
        }
        let total = used + new.saturating_sub(old);
        if let Some(cap) = limits.total_memory {
            if total > cap {
                return Err(Error::new(format!(
                    "store limit: {total} bytes of linear memory in all is more than the \
                     store's {cap}"
                )));
            }
        }
        state.1 = total;
        Ok(())
    }

    /// Gives back `bytes` of linear memory (a failed growth, a released memory).
    pub fn free_memory(&self, bytes: u64) {
        let mut state = self.lock();
        state.1 = state.1.saturating_sub(bytes);
    }

    /// Whether a table may have `elements` elements.
    pub fn table_fits(&self, elements: u64) -> Result<()> {
        match self.limits().table_elements {
            Some(cap) if elements > cap => Err(Error::new(format!(
                "store limit: a table of {elements} elements is more than the {cap} one table \
                 may have"
            ))),
            _ => Ok(()),
        }
    }

    /// Whether the store may hold one more `what` (instances, memories, tables) than `count`.
    pub fn count_fits(cap: Option<usize>, count: usize, what: &str) -> Result<()> {
        match cap {
            Some(cap) if count >= cap => Err(Error::new(format!(
                "store limit: the store already holds {count} {what}, its limit"
            ))),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_bytes_are_counted_per_memory_and_in_total() {
        let l = Limiter::default();
        l.set(StoreLimits {
            memory_size: Some(100),
            total_memory: Some(150),
            ..Default::default()
        });
        assert!(l.grow_memory(0, 100).is_ok());
        assert!(l
            .grow_memory(0, 101)
            .unwrap_err()
            .to_string()
            .contains("one memory"));
        assert!(l
            .grow_memory(0, 60)
            .unwrap_err()
            .to_string()
            .contains("in all"));
        assert!(l.grow_memory(0, 50).is_ok());
        l.free_memory(100);
        assert!(l.grow_memory(50, 100).is_ok());
        assert!(Limiter::count_fits(Some(2), 2, "instances").is_err());
        assert!(Limiter::count_fits(Some(2), 1, "instances").is_ok());
        assert!(Limiter::count_fits(None, 1000, "instances").is_ok());
    }
}
