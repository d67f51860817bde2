//! The process-wide map from native code addresses to wasm functions, for backtraces.

use super::trap::FrameInfo;
use std::collections::BTreeMap;
use std::sync::{RwLock, RwLockReadGuard};

#[derive(Default)]
pub struct CodeMap {
    /// start address -> (end address, frame info)
    ranges: BTreeMap<usize, (usize, FrameInfo)>,
}

impl CodeMap {
    pub fn lookup(&self, pc: usize) -> Option<FrameInfo> {
        let (_, (end, info)) = self.ranges.range(..=pc).next_back()?;
        (pc < *end).then(|| info.clone())
    }
}

static MAP: RwLock<CodeMap> = RwLock::new(CodeMap {
    ranges: BTreeMap::new(),
});

pub fn read() -> RwLockReadGuard<'static, CodeMap> {
    MAP.read().unwrap_or_else(|e| e.into_inner())
}

/// Registers the code of one module's functions: (start, size, info) each.
pub fn register(functions: impl IntoIterator<Item = (usize, usize, FrameInfo)>) {
    let mut map = MAP.write().unwrap_or_else(|e| e.into_inner());
    for (start, size, info) in functions {
        map.ranges.insert(start, (start + size, info));
    }
}

/// Forgets the functions starting at `starts`.
pub fn unregister(starts: impl IntoIterator<Item = usize>) {
    let mut map = MAP.write().unwrap_or_else(|e| e.into_inner());
    for s in starts {
        map.ranges.remove(&s);
    }
}
