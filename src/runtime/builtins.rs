//! The definitions of the runtime builtins listed in `vm::builtins` (which also declares them,
//! gives their signatures to the translator and their addresses to the JIT linker): each is a
//! `#[no_mangle] extern "C"` function named by that table's symbol; the two that unwind are in
//! `trap.c`. Fallible ones return a trap code (0 for success) and let the caller raise it: no
//! Rust frame is ever unwound by a trap.

use super::instance::Instance;
use super::store::{host_call, HostFunc};
use super::trap;
use crate::vm::{TrapCode, VMOffsets};

/// The instance a vmctx belongs to.
///
/// # Safety
/// `vmctx` must be a live instance's vmctx.
unsafe fn instance<'a>(vmctx: *mut u8) -> &'a mut Instance {
    // SAFETY: the vmctx stores its instance's address at INSTANCE; compiled code of that
    // instance is running, so the instance is alive and not otherwise borrowed.
    unsafe { &mut *(*(vmctx.add(VMOffsets::INSTANCE as usize) as *const *mut Instance)) }
}

const OK: u32 = 0;
const MEMORY_OOB: u32 = TrapCode::MemoryOutOfBounds as u32;
const TABLE_OOB: u32 = TrapCode::TableOutOfBounds as u32;

#[no_mangle]
extern "C" fn wasmo_builtin_memory_grow(vmctx: *mut u8, memory: u32, delta: u32) -> u32 {
    // SAFETY: called by compiled code with its own vmctx and a valid memory index.
    let m = unsafe { &mut *instance(vmctx).memories[memory as usize] };
    m.grow(delta).unwrap_or(u32::MAX)
}

#[no_mangle]
extern "C" fn wasmo_builtin_memory_fill(
    vmctx: *mut u8,
    memory: u32,
    dst: u32,
    value: u32,
    len: u32,
) -> u32 {
    // SAFETY: as above.
    let m = unsafe { &mut *instance(vmctx).memories[memory as usize] };
    match m.range(dst, len) {
        Some(r) => {
            m.data()[r].fill(value as u8);
            OK
        }
        None => MEMORY_OOB,
    }
}

#[no_mangle]
extern "C" fn wasmo_builtin_memory_copy(
    vmctx: *mut u8,
    dst_mem: u32,
    src_mem: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: as above; the memories may be the same, so copy through raw pointers.
    let inst = unsafe { instance(vmctx) };
    let (d, s) = unsafe {
        (
            &*inst.memories[dst_mem as usize],
            &*inst.memories[src_mem as usize],
        )
    };
    match (d.range(dst, len), s.range(src, len)) {
        (Some(dr), Some(sr)) => {
            // SAFETY: both ranges are in bounds; `copy` handles overlap.
            unsafe {
                std::ptr::copy(
                    s.vm.base.add(sr.start),
                    d.vm.base.add(dr.start),
                    len as usize,
                )
            };
            OK
        }
        _ => MEMORY_OOB,
    }
}

#[no_mangle]
extern "C" fn wasmo_builtin_memory_init(
    vmctx: *mut u8,
    memory: u32,
    segment: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: as above.
    let inst = unsafe { instance(vmctx) };
    let m = unsafe { &mut *inst.memories[memory as usize] };
    let bytes = inst.data_segment(segment);
    let end = src as u64 + len as u64;
    match m.range(dst, len) {
        Some(r) if end <= bytes.len() as u64 => {
            m.data()[r].copy_from_slice(&bytes[src as usize..end as usize]);
            OK
        }
        _ => MEMORY_OOB,
    }
}

#[no_mangle]
extern "C" fn wasmo_builtin_data_drop(vmctx: *mut u8, segment: u32) {
    // SAFETY: as above.
    unsafe { instance(vmctx) }.data_live[segment as usize] = false;
}

#[no_mangle]
extern "C" fn wasmo_builtin_table_grow(vmctx: *mut u8, table: u32, init: usize, delta: u32) -> u32 {
    // SAFETY: as above.
    let t = unsafe { &mut *instance(vmctx).tables[table as usize] };
    t.grow(delta, init).unwrap_or(u32::MAX)
}

#[no_mangle]
extern "C" fn wasmo_builtin_table_fill(
    vmctx: *mut u8,
    table: u32,
    dst: u32,
    value: usize,
    len: u32,
) -> u32 {
    // SAFETY: as above.
    let t = unsafe { &mut *instance(vmctx).tables[table as usize] };
    let end = dst as u64 + len as u64;
    if end > t.size() as u64 {
        return TABLE_OOB;
    }
    t.elements_mut()[dst as usize..end as usize].fill(value);
    OK
}

#[no_mangle]
extern "C" fn wasmo_builtin_table_copy(
    vmctx: *mut u8,
    dst_table: u32,
    src_table: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: as above; the tables may be the same, so copy through raw pointers.
    let inst = unsafe { instance(vmctx) };
    let (d, s) = unsafe {
        (
            &mut *inst.tables[dst_table as usize],
            &*inst.tables[src_table as usize],
        )
    };
    if dst as u64 + len as u64 > d.size() as u64 || src as u64 + len as u64 > s.size() as u64 {
        return TABLE_OOB;
    }
    // SAFETY: both ranges are in bounds; `copy` handles overlap.
    unsafe {
        std::ptr::copy(
            s.vm.base.add(src as usize),
            d.vm.base.add(dst as usize),
            len as usize,
        )
    };
    OK
}

#[no_mangle]
extern "C" fn wasmo_builtin_table_init(
    vmctx: *mut u8,
    table: u32,
    segment: u32,
    dst: u32,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: as above.
    let inst = unsafe { instance(vmctx) };
    let t = unsafe { &mut *inst.tables[table as usize] };
    let items: &[usize] = inst.elements[segment as usize].as_deref().unwrap_or(&[]);
    let (src_end, dst_end) = (src as u64 + len as u64, dst as u64 + len as u64);
    if src_end > items.len() as u64 || dst_end > t.size() as u64 {
        return TABLE_OOB;
    }
    t.elements_mut()[dst as usize..dst_end as usize]
        .copy_from_slice(&items[src as usize..src_end as usize]);
    OK
}

#[no_mangle]
extern "C" fn wasmo_builtin_elem_drop(vmctx: *mut u8, segment: u32) {
    // SAFETY: as above.
    unsafe { instance(vmctx) }.elements[segment as usize] = None;
}

#[no_mangle]
extern "C" fn wasmo_builtin_record_trap_index(_vmctx: *mut u8, index: u32) {
    trap::record_index(index);
}

#[no_mangle]
extern "C" fn wasmo_builtin_host_call(host: *const HostFunc, values: *mut u128) -> u32 {
    host_call(host, values)
}
