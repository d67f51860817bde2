//! The definitions of the runtime builtins listed in `vm::builtins`, and their address table
//! ([`address`], an exhaustive match on `vm::Builtin`), which every engine's JIT linker resolves
//! the builtins' symbols with: `Engine::new` is defined here, so that the engine, below the
//! runtime, never names it. The two builtins that unwind are in `trap.c`. Fallible ones return a
//! trap code (0 for success) and let the caller raise it: no Rust frame is ever unwound by a
//! trap. None is exported from `libwasmo.so`.

use super::instance::Instance;
use super::store::{host_call, HostFunc};
use crate::engine::{Config, Engine};
use crate::vm::{Builtin, TrapCode, VMFuncRef, VMOffsets};

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

extern "C" fn memory_grow(vmctx: *mut u8, memory: u32, delta: u64) -> u64 {
    // SAFETY: called by compiled code with its own vmctx and a valid memory index.
    let m = unsafe { &mut *instance(vmctx).memories[memory as usize] };
    m.grow(delta).unwrap_or(u64::MAX)
}

extern "C" fn memory_fill(vmctx: *mut u8, memory: u32, dst: u64, value: u32, len: u64) -> u32 {
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

extern "C" fn memory_copy(
    vmctx: *mut u8,
    dst_mem: u32,
    src_mem: u32,
    dst: u64,
    src: u64,
    len: u64,
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

extern "C" fn memory_init(
    vmctx: *mut u8,
    memory: u32,
    segment: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: as above.
    let inst = unsafe { instance(vmctx) };
    let m = unsafe { &mut *inst.memories[memory as usize] };
    let bytes = inst.data_segment(segment);
    let end = src as u64 + len as u64;
    match m.range(dst, len as u64) {
        Some(r) if end <= bytes.len() as u64 => {
            m.data()[r].copy_from_slice(&bytes[src as usize..end as usize]);
            OK
        }
        _ => MEMORY_OOB,
    }
}

extern "C" fn data_drop(vmctx: *mut u8, segment: u32) {
    // SAFETY: as above.
    unsafe { instance(vmctx) }.data_live[segment as usize] = false;
}

extern "C" fn table_grow(vmctx: *mut u8, table: u32, init: usize, delta: u64) -> u64 {
    // SAFETY: as above.
    let t = unsafe { &mut *instance(vmctx).tables[table as usize] };
    u32::try_from(delta)
        .ok()
        .and_then(|d| t.grow(d, init))
        .map_or(u64::MAX, u64::from)
}

extern "C" fn table_fill(vmctx: *mut u8, table: u32, dst: u64, value: usize, len: u64) -> u32 {
    // SAFETY: as above.
    let t = unsafe { &mut *instance(vmctx).tables[table as usize] };
    let end = match dst.checked_add(len) {
        Some(end) if end <= t.size() as u64 => end,
        _ => return TABLE_OOB,
    };
    t.elements_mut()[dst as usize..end as usize].fill(value);
    OK
}

extern "C" fn table_copy(
    vmctx: *mut u8,
    dst_table: u32,
    src_table: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> u32 {
    // SAFETY: as above; the tables may be the same, so copy through raw pointers.
    let inst = unsafe { instance(vmctx) };
    let (d, s) = unsafe {
        (
            &mut *inst.tables[dst_table as usize],
            &*inst.tables[src_table as usize],
        )
    };
    let fits = |start: u64, size: u32| start.checked_add(len).is_some_and(|e| e <= size as u64);
    if !fits(dst, d.size()) || !fits(src, s.size()) {
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

extern "C" fn table_init(
    vmctx: *mut u8,
    table: u32,
    segment: u32,
    dst: u64,
    src: u32,
    len: u32,
) -> u32 {
    // SAFETY: as above.
    let inst = unsafe { instance(vmctx) };
    let t = unsafe { &mut *inst.tables[table as usize] };
    let items: &[usize] = inst.elements[segment as usize].as_deref().unwrap_or(&[]);
    let src_end = src as u64 + len as u64;
    let Some(dst_end) = dst.checked_add(len as u64) else {
        return TABLE_OOB;
    };
    if src_end > items.len() as u64 || dst_end > t.size() as u64 {
        return TABLE_OOB;
    }
    t.elements_mut()[dst as usize..dst_end as usize]
        .copy_from_slice(&items[src as usize..src_end as usize]);
    OK
}

extern "C" fn elem_drop(vmctx: *mut u8, segment: u32) {
    // SAFETY: as above.
    unsafe { instance(vmctx) }.elements[segment as usize] = None;
}

extern "C" fn host_call_builtin(host: *const HostFunc, values: *mut u128) -> u32 {
    host_call(host, values)
}

extern "C" fn exception_keep(vmctx: *mut u8, exception: *mut u8) {
    // SAFETY: called by compiled code with its own vmctx, whose first word is its store's
    // context, and a live exception.
    unsafe {
        if wasmo_exception_keep(exception) != 0 {
            let context = &**(vmctx as *const *const crate::vm::VMStoreContext);
            context.keep_exception(exception);
        }
    }
}

/// The host is given a handle to kept exception `e` (an exnref): no sweep frees it.
pub fn pin_exception(e: usize) {
    // SAFETY: exnrefs only ever point at live kept exceptions of `exception.c`.
    unsafe { wasmo_exception_pin(e as *mut u8) }
}

/// Whether the host holds kept exception `e` (see `pin_exception`).
pub fn exception_pinned(e: usize) -> bool {
    // SAFETY: as in `pin_exception`.
    unsafe { wasmo_exception_pinned(e as *const u8) != 0 }
}

/// The identity of kept exception `e`'s tag (its `VMTag`'s address).
pub fn exception_tag(e: usize) -> usize {
    // SAFETY: as in `pin_exception`.
    unsafe { wasmo_exception_tag(e as *const u8) as usize }
}

/// The payload slots of kept exception `e`.
pub fn exception_payload<'a>(e: usize) -> &'a [u128] {
    let mut count = 0u32;
    // SAFETY: as in `pin_exception`; the slots live as long as the exception, which the
    // caller (a sweep) keeps while it reads them.
    unsafe {
        let values = wasmo_exception_payload(e as *const u8, &mut count);
        std::slice::from_raw_parts(values, count as usize)
    }
}

/// Frees kept exception `e`, which nothing can reach any more.
///
/// # Safety
/// `e` is a kept exception no exnref reaches, freed once.
pub unsafe fn free_exception(e: usize) {
    unsafe { wasmo_exception_free(e as *mut u8) }
}

/// See `api::leaked_exceptions`.
pub fn leaked_exceptions() -> u64 {
    // SAFETY: reads a thread-local counter.
    unsafe { wasmo_exceptions_leaked() }
}

extern "C" {
    fn wasmo_exceptions_leaked() -> u64;
    fn wasmo_builtin_trap(code: u32);
    fn wasmo_builtin_raise_pending();
    fn wasmo_builtin_record_trap_index(vmctx: *mut u8, index: u32);
    fn wasmo_builtin_throw(tag: *const u8, values: *const u128, count: u32);
    fn wasmo_builtin_rethrow(exception: *mut u8);
    fn wasmo_builtin_exception_done(exception: *mut u8);
    fn wasmo_builtin_exception_retain(exception: *mut u8);
    fn wasmo_exception_keep(exception: *mut u8) -> i32;
    fn wasmo_exception_pin(exception: *mut u8);
    fn wasmo_exception_pinned(exception: *const u8) -> i32;
    fn wasmo_exception_tag(exception: *const u8) -> *const u8;
    fn wasmo_exception_payload(exception: *const u8, count: *mut u32) -> *const u128;
    fn wasmo_exception_free(exception: *mut u8);
    fn wasmo_entry_personality();
}

extern "C" fn call_indirect_trap(vmctx: *mut u8, table: u32, index: u64) -> u32 {
    // SAFETY: called by compiled code with its own vmctx and a valid table index.
    let t = unsafe { &*instance(vmctx).tables[table as usize] };
    match usize::try_from(index)
        .ok()
        .and_then(|i| t.elements().get(i))
    {
        None => TrapCode::UndefinedElement as u32,
        Some(0) => {
            // SAFETY: a plain store to the thread's trap index; in bounds, so it fits a u32.
            unsafe { wasmo_builtin_record_trap_index(vmctx, index as u32) };
            TrapCode::UninitializedElement as u32
        }
        Some(_) => TrapCode::IndirectCallTypeMismatch as u32,
    }
}

extern "C" fn call_indirect_target(vmctx: *mut u8, table: u32, index: u64, type_id: u32) -> usize {
    // SAFETY: called by compiled code with its own vmctx and a valid table index.
    let t = unsafe { &*instance(vmctx).tables[table as usize] };
    if let Some(&func_ref) = usize::try_from(index)
        .ok()
        .and_then(|i| t.elements().get(i))
    {
        // SAFETY: a non-null element of a funcref table is a live `VMFuncRef`.
        let actual = func_ref != 0
            && unsafe { *((func_ref + VMFuncRef::TYPE_ID as usize) as *const u32) } == type_id;
        if actual {
            return func_ref;
        }
    }
    call_indirect_trap(vmctx, table, index) as usize
}

/// The address of `builtin`'s definition.
extern "C" fn osr_entry(vmctx: *mut u8, function: u32, loop_index: u32, iterations: u32) -> usize {
    // SAFETY: called by baseline code with its own vmctx.
    let inst = unsafe { instance(vmctx) };
    match inst.module.code().tier() {
        Some(tier) => tier.osr_entry(function, loop_index, iterations),
        None => 0,
    }
}

pub fn address(builtin: Builtin) -> usize {
    match builtin {
        Builtin::Trap => wasmo_builtin_trap as *const () as usize,
        Builtin::RaisePending => wasmo_builtin_raise_pending as *const () as usize,
        Builtin::MemoryGrow => memory_grow as *const () as usize,
        Builtin::MemoryFill => memory_fill as *const () as usize,
        Builtin::MemoryCopy => memory_copy as *const () as usize,
        Builtin::MemoryInit => memory_init as *const () as usize,
        Builtin::DataDrop => data_drop as *const () as usize,
        Builtin::TableGrow => table_grow as *const () as usize,
        Builtin::TableFill => table_fill as *const () as usize,
        Builtin::TableCopy => table_copy as *const () as usize,
        Builtin::TableInit => table_init as *const () as usize,
        Builtin::ElemDrop => elem_drop as *const () as usize,
        Builtin::HostCall => host_call_builtin as *const () as usize,
        Builtin::RecordTrapIndex => wasmo_builtin_record_trap_index as *const () as usize,
        Builtin::Throw => wasmo_builtin_throw as *const () as usize,
        Builtin::Rethrow => wasmo_builtin_rethrow as *const () as usize,
        Builtin::ExceptionDone => wasmo_builtin_exception_done as *const () as usize,
        Builtin::ExceptionRetain => wasmo_builtin_exception_retain as *const () as usize,
        Builtin::ExceptionKeep => exception_keep as *const () as usize,
        Builtin::OsrEntry => osr_entry as *const () as usize,
        Builtin::CallIndirectTrap => call_indirect_trap as *const () as usize,
        Builtin::CallIndirectTarget => call_indirect_target as *const () as usize,
    }
}

/// Every builtin's symbol and address, for the JIT linker and code images; with them the
/// personality routine of landing pads (`personality_address`).
pub fn address_table() -> Vec<(&'static str, usize)> {
    let mut table: Vec<(&'static str, usize)> = Builtin::ALL
        .iter()
        .map(|&b| (b.symbol(), address(b)))
        .collect();
    if let Some(p) = personality_address() {
        table.push((crate::vm::builtins::PERSONALITY, p));
    }
    table.push((
        crate::vm::builtins::ENTRY_PERSONALITY,
        wasmo_entry_personality as *const () as usize,
    ));
    table
}

/// The address of libstdc++'s `__gxx_personality_v0`, the personality of every landing pad
/// ([`crate::vm::builtins::PERSONALITY`]). libstdc++ is loaded with LLVM, but a host that loaded
/// `libwasmo.so` with `RTLD_LOCAL` (Python's ctypes does) keeps it out of the global scope the
/// JIT's search of the process looks in, so it is looked up in libstdc++ itself.
fn personality_address() -> Option<usize> {
    // SAFETY: dlopen with RTLD_NOLOAD only finds an already loaded library (its reference
    // stays: LLVM keeps it loaded anyway); dlsym only looks the symbol up.
    let address = unsafe {
        let lib = libc::dlopen(
            c"libstdc++.so.6".as_ptr(),
            libc::RTLD_LAZY | libc::RTLD_NOLOAD,
        );
        let handle = if lib.is_null() {
            libc::RTLD_DEFAULT
        } else {
            lib
        };
        libc::dlsym(handle, c"__gxx_personality_v0".as_ptr())
    };
    (!address.is_null()).then_some(address as usize)
}

impl Engine {
    /// A new engine with `config`, its JIT linking compiled code to this runtime's builtins.
    pub fn new(config: Config) -> Engine {
        Engine::with_builtins(config, address_table())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_has_its_own_address() {
        let table = address_table();
        assert_eq!(
            table.len(),
            Builtin::ALL.len() + 2,
            "the builtins and the personalities"
        );
        for (i, (symbol, address)) in table.iter().enumerate() {
            assert_ne!(*address, 0, "{symbol}");
            assert!(table[..i].iter().all(|(s, a)| s != symbol && a != address));
        }
    }
}
