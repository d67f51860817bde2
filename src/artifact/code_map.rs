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
    lines: Lines,
    /// An on-stack-replacement entry (`compile::osr`): its caller is the same function's
    /// baseline frame, which a backtrace leaves out.
    osr: bool,
}

/// The line rows inside a function, by address: (address, module offset of the wasm operator
/// the code from there on belongs to, or 0 where none is known).
enum Lines {
    Rows(Vec<(usize, u32)>),
    /// Rows encoded by [`encode_rows`] (a serialised module's, decoded only when a backtrace
    /// needs them): `data[range]`, addresses relative to the function's start.
    Encoded {
        data: std::sync::Arc<[u8]>,
        range: std::ops::Range<usize>,
    },
}

/// Encodes a function's rows (sorted by address, as [`rows_by_function`] gives them) relative to
/// `start`: per row the address delta (unsigned LEB128) and the module-offset delta (signed).
pub fn encode_rows(start: usize, rows: &[(usize, u32)], out: &mut Vec<u8>) {
    let (mut address, mut offset) = (start, 0i64);
    for &(a, o) in rows {
        leb(out, (a - address) as u64, false);
        leb(out, (o as i64 - offset) as u64, true);
        (address, offset) = (a, o as i64);
    }
}

fn leb(out: &mut Vec<u8>, mut v: u64, signed: bool) {
    loop {
        let byte = (v & 0x7f) as u8;
        let v_next = if signed {
            ((v as i64) >> 7) as u64
        } else {
            v >> 7
        };
        let done = if signed {
            (v_next == 0 && byte & 0x40 == 0) || (v_next == u64::MAX && byte & 0x40 != 0)
        } else {
            v_next == 0
        };
        out.push(if done { byte } else { byte | 0x80 });
        v = v_next;
        if done {
            return;
        }
    }
}

/// The last row at or before `pc` of rows encoded by [`encode_rows`] from `start`.
fn decode_lookup(data: &[u8], start: usize, pc: usize) -> Option<u32> {
    let mut at = 0;
    let mut read = |signed: bool| -> Option<u64> {
        let (mut v, mut shift) = (0u64, 0u32);
        loop {
            let byte = *data.get(at)?;
            at += 1;
            if shift < 64 {
                v |= u64::from(byte & 0x7f) << shift;
            }
            shift += 7;
            if byte & 0x80 == 0 {
                if signed && shift < 64 && byte & 0x40 != 0 {
                    v |= u64::MAX << shift;
                }
                return Some(v);
            }
        }
    };
    let (mut address, mut offset, mut found) = (start, 0i64, None);
    while let (Some(da), Some(dof)) = (read(false), read(true)) {
        address = address.wrapping_add(da as usize);
        offset = offset.wrapping_add(dof as i64);
        if address > pc {
            break;
        }
        found = Some(offset as u32);
    }
    found
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
        self.lookup_code(pc).map(|(info, _)| info)
    }

    /// [`CodeMap::lookup`], and whether `pc` is in an on-stack-replacement entry.
    pub fn lookup_code(&self, pc: usize) -> Option<(FrameInfo, bool)> {
        let (&start, code) = self.ranges.range(..=pc).next_back()?;
        if pc >= code.end {
            return None;
        }
        let mut info = code.info.clone();
        let offset = match &code.lines {
            Lines::Rows(rows) => {
                let row = rows.partition_point(|&(address, _)| address <= pc);
                row.checked_sub(1).and_then(|r| rows.get(r)).map(|r| r.1)
            }
            Lines::Encoded { data, range } => decode_lookup(data.get(range.clone())?, start, pc),
        };
        if let Some(offset) = offset.filter(|&o| o != 0) {
            info.module_offset = offset as usize;
        }
        Some((info, code.osr))
    }
}

static MAP: RwLock<CodeMap> = RwLock::new(CodeMap {
    ranges: BTreeMap::new(),
});

pub fn read() -> RwLockReadGuard<'static, CodeMap> {
    MAP.read().unwrap_or_else(|e| e.into_inner())
}

/// Registers the code of one module's functions: (start, size, info, whether it is an
/// on-stack-replacement entry) each, and the line rows of that code: (address, module offset,
/// or 0 where none), in line-table order. Rows outside the functions are dropped.
pub fn register(
    functions: impl IntoIterator<Item = (usize, usize, FrameInfo, bool)>,
    lines: impl IntoIterator<Item = (usize, u32)>,
) {
    let functions: Vec<_> = functions.into_iter().collect();
    let ranges: Vec<(usize, usize)> = functions.iter().map(|f| (f.0, f.1)).collect();
    let mut rows = rows_by_function(&ranges, lines).into_iter();
    let mut map = MAP.write().unwrap_or_else(|e| e.into_inner());
    for (start, size, info, osr) in functions {
        let lines = Lines::Rows(rows.next().unwrap_or_default());
        let code = Code {
            end: start + size,
            info,
            lines,
            osr,
        };
        map.ranges.insert(start, code);
    }
}

/// Registers functions whose rows [`encode_rows`] encoded: (start, size, info, the range of
/// `data` holding the function's rows).
pub fn register_encoded(
    functions: impl IntoIterator<Item = (usize, usize, FrameInfo, std::ops::Range<usize>)>,
    data: std::sync::Arc<[u8]>,
) {
    let mut map = MAP.write().unwrap_or_else(|e| e.into_inner());
    for (start, size, info, range) in functions {
        let lines = Lines::Encoded {
            data: data.clone(),
            range,
        };
        let code = Code {
            end: start + size,
            info,
            lines,
            osr: false,
        };
        map.ranges.insert(start, code);
    }
}

/// Sorts line rows (address, module offset, or 0 where none; in line-table order) into the
/// functions `(start, size)` they lie in: one list per function, by address, one row per
/// address (the last one there, except that the end of a sequence, 0, never hides a row).
pub fn rows_by_function(
    functions: &[(usize, usize)],
    lines: impl IntoIterator<Item = (usize, u32)>,
) -> Vec<Vec<(usize, u32)>> {
    let mut rows: BTreeMap<usize, BTreeMap<usize, u32>> = BTreeMap::new();
    let mut ends = BTreeMap::new();
    for &(start, size) in functions {
        ends.insert(start, start + size);
    }
    for (address, offset) in lines {
        let Some((&start, &end)) = ends.range(..=address).next_back() else {
            continue;
        };
        if address >= end {
            continue;
        }
        let function = rows.entry(start).or_default();
        if offset == 0 {
            function.entry(address).or_insert(0);
        } else {
            function.insert(address, offset);
        }
    }
    functions
        .iter()
        .map(|(start, _)| rows.remove(start).unwrap_or_default().into_iter().collect())
        .collect()
}

/// Forgets the functions starting at `starts`.
pub fn unregister(starts: impl IntoIterator<Item = usize>) {
    let starts: Vec<usize> = starts.into_iter().collect();
    let mut map = MAP.write().unwrap_or_else(|e| e.into_inner());
    for s in &starts {
        map.ranges.remove(s);
    }
    drop(map);
    super::perf_map::forget(starts);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_rows_answer_as_the_rows_do() {
        let start = 0x7f00_1000_0000usize;
        let rows = vec![
            (start, 7u32),
            (start + 3, 1_000_000),
            (start + 200, 0),
            (start + 201, 5),
            (start + 70_000, 4_000_000_000),
        ];
        let mut data = Vec::new();
        encode_rows(start, &rows, &mut data);
        let plain = Lines::Rows(rows.clone());
        let range = 0..data.len();
        let encoded = Lines::Encoded {
            data: data.into(),
            range,
        };
        let info = FrameInfo {
            func_index: 3,
            func_start: 99,
            module_offset: 99,
            module_id: 1,
        };
        let map = |lines| {
            let mut map = CodeMap::default();
            let (end, info) = (start + 80_000, info.clone());
            let osr = false;
            map.ranges.insert(
                start,
                Code {
                    end,
                    info,
                    lines,
                    osr,
                },
            );
            map
        };
        let (a, b) = (map(plain), map(encoded));
        for pc in [
            0, 1, 2, 3, 4, 199, 200, 201, 202, 69_999, 70_000, 79_999, 80_000,
        ] {
            let pc = start + pc;
            assert_eq!(a.lookup(pc), b.lookup(pc), "{pc:#x}");
        }
        assert_eq!(b.lookup(start + 5).unwrap().module_offset, 1_000_000);
        assert_eq!(b.lookup(start + 200).unwrap().module_offset, 99);
        assert_eq!(
            b.lookup(start + 75_000).unwrap().module_offset,
            4_000_000_000
        );
        assert!(b.lookup(start + 80_000).is_none());
    }
}
