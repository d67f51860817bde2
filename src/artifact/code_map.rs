//! The process-wide map from native code addresses to wasm functions and operators, for
//! backtraces.

use std::collections::BTreeMap;
use std::sync::{RwLock, RwLockReadGuard};

/// One wasm frame of a backtrace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameInfo {
    pub func_index: u32,
    /// Offset of the function's body (its code section entry) in the module binary.
    pub func_start: usize,
    /// Offset in the module binary of the instruction this frame is at: the one that trapped
    /// (innermost frame) or the call (outer frames). `func_start` where not known.
    pub module_offset: usize,
    /// Identifies the module instance's compiled code (see [`FrameInfo`]'s registration).
    pub module_id: u64,
}

/// One function's code.
struct Code {
    end: usize,
    info: FrameInfo,
    /// The line rows inside the function, by address: (address, module offset of the wasm
    /// operator the code from there on belongs to, or 0 where none is known).
    lines: Vec<(usize, u32)>,
}

#[derive(Default)]
pub struct CodeMap {
    /// start address -> the function's code
    ranges: BTreeMap<usize, Code>,
}

impl CodeMap {
    /// The frame of the function containing `pc`, with `module_offset` the wasm operator `pc`
    /// belongs to (the function's start if that is not known).
    pub fn lookup(&self, pc: usize) -> Option<FrameInfo> {
        let (_, code) = self.ranges.range(..=pc).next_back()?;
        if pc >= code.end {
            return None;
        }
        let mut info = code.info.clone();
        let row = code.lines.partition_point(|&(address, _)| address <= pc);
        if let Some(&(_, offset)) = row.checked_sub(1).and_then(|r| code.lines.get(r)) {
            if offset != 0 {
                info.module_offset = offset as usize;
            }
        }
        Some(info)
    }
}

static MAP: RwLock<CodeMap> = RwLock::new(CodeMap {
    ranges: BTreeMap::new(),
});

pub fn read() -> RwLockReadGuard<'static, CodeMap> {
    MAP.read().unwrap_or_else(|e| e.into_inner())
}

/// Registers the code of one module's functions: (start, size, info) each, and the line rows of
/// that code: (address, module offset, or 0 where none), in line-table order. Rows outside the
/// functions are dropped.
pub fn register(
    functions: impl IntoIterator<Item = (usize, usize, FrameInfo)>,
    lines: impl IntoIterator<Item = (usize, u32)>,
) {
    let mut rows: BTreeMap<usize, BTreeMap<usize, u32>> = BTreeMap::new();
    let mut ends = BTreeMap::new();
    let functions: Vec<_> = functions.into_iter().collect();
    for (start, size, _) in &functions {
        ends.insert(*start, start + size);
    }
    for (address, offset) in lines {
        let Some((&start, &end)) = ends.range(..=address).next_back() else {
            continue;
        };
        if address >= end {
            continue;
        }
        let function = rows.entry(start).or_default();
        // At one address the last row wins, but the end of a sequence (0) never hides a row.
        if offset == 0 {
            function.entry(address).or_insert(0);
        } else {
            function.insert(address, offset);
        }
    }
    let mut map = MAP.write().unwrap_or_else(|e| e.into_inner());
    for (start, size, info) in functions {
        let lines = rows
            .remove(&start)
            .unwrap_or_default()
            .into_iter()
            .collect();
        let code = Code {
            end: start + size,
            info,
            lines,
        };
        map.ranges.insert(start, code);
    }
}

/// Forgets the functions starting at `starts`.
pub fn unregister(starts: impl IntoIterator<Item = usize>) {
    let mut map = MAP.write().unwrap_or_else(|e| e.into_inner());
    for s in starts {
        map.ranges.remove(&s);
    }
}
