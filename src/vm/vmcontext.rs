//! The memory layout compiled code and the runtime share, described once: the `#[repr(C)]` structures it
//! reads and writes, and [`VMOffsets`], the layout of a module's `VMContext`. The translator takes
//! every offset it emits from here, and the tests below check that Rust's layout agrees.
//!
//! A `VMContext` is a per-instance block of pointers (a GOT): compiled code never embeds instance
//! addresses, it reaches memories, globals, tables, functions and type ids through it.
//!
//! ```text
//! 0   *mut VMStoreContext   store-wide state: the stack limit, the epoch's address and deadline
//! 8   *mut Instance         back pointer used by builtins
//! 16  *mut u32              lift-off mode: the module's hotness counters, one per defined
//!                           function (null in optimised mode)
//! 24  memories[M]           *mut VMMemory   (imported or defined alike)
//! ..  memory_bases[M]       *mut u8: each memory's base, a copy of its `VMMemory::base` (which
//!                           never moves), so code reaches its memory in one load, not two
//! ..  globals[G]            *mut VMGlobal
//! ..  tables[T]             *mut VMTable
//! ..  func_refs[F]          *const VMFuncRef, one per function (imports point at the exporter's)
//! ..  tags[K]               *const VMTag, one per tag (imports point at the exporter's)
//! ..  type_ids[N]           u32: engine-wide id of each type-section entry (call_indirect checks)
//! ```

use crate::module::ModuleInfo;

/// Store-wide state compiled code reads.
///
/// With epoch interruption the engine may write `stack_limit` from another thread: reaching a
/// store's deadline raises its limit to `usize::MAX` (a "poisoned" limit), so that the stack
/// check every function entry makes anyway, and the same check on every loop back-edge, fail.
/// Only then does the code look further: below `thread_stack_limit` the stack is exhausted,
/// at or past the deadline the call is interrupted, and otherwise (a poison that raced with a
/// deadline moved on) it runs on. An interrupt costs a function entry nothing and a loop
/// iteration one load, a compare and a branch, as V8's stack guard.
#[repr(C)]
#[derive(Debug, Default)]
pub struct VMStoreContext {
    /// The lowest stack address wasm may use (function prologues trap below it), or
    /// [`VMStoreContext::POISONED`]. Set on every entry from the host (the store may move
    /// between threads).
    pub stack_limit: std::sync::atomic::AtomicUsize,
    /// The address of the engine's epoch counter (an `AtomicU64`), with epoch interruption
    /// (null without).
    pub epoch_address: std::cell::Cell<usize>,
    /// The epoch at which code of this store traps with "interrupted" (`u64::MAX`: never).
    pub epoch_deadline: std::sync::atomic::AtomicU64,
    /// The running thread's stack limit, never poisoned (read after `stack_limit` fails).
    pub thread_stack_limit: std::cell::Cell<usize>,
    /// Exceptions an exnref was made to (compiled code does not read this): freed by the
    /// store's sweeps once no exnref reaches them (`Store::sweep_exceptions`), or with the
    /// store.
    pub kept_exceptions: std::cell::RefCell<Vec<usize>>,
    /// How many kept exceptions make the next sweep worth it (twice what the last one left).
    pub sweep_at: std::cell::Cell<usize>,
}

extern "C" {
    fn wasmo_exception_free(exception: *mut u8);
}

impl Drop for VMStoreContext {
    fn drop(&mut self) {
        for &e in self.kept_exceptions.get_mut().iter() {
            // SAFETY: each was allocated by `exception.c` and kept once; the store and with it
            // every reference to them is going.
            unsafe { wasmo_exception_free(e as *mut u8) };
        }
    }
}

impl VMStoreContext {
    /// The limit value that fails every stack check.
    pub const POISONED: usize = usize::MAX;

    /// Keeps `exception` (made by `exception.c`) until the store is deleted.
    pub fn keep_exception(&self, exception: *mut u8) {
        self.kept_exceptions.borrow_mut().push(exception as usize);
    }

    /// Whether the engine's epoch has reached this store's deadline.
    pub fn deadline_reached(&self) -> bool {
        use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
        let address = self.epoch_address.get() as *const AtomicU64;
        if address.is_null() {
            return false;
        }
        // SAFETY: a non-null `epoch_address` is the address of the engine's epoch counter, and
        // the store keeps its engine alive.
        let epoch = unsafe { &*address }.load(SeqCst);
        epoch >= self.epoch_deadline.load(SeqCst)
    }

    /// Poisons the stack limit if the deadline has been reached: called by the engine after it
    /// advances the epoch (from any thread).
    pub fn poison_if_reached(&self) {
        if self.deadline_reached() {
            self.stack_limit
                .store(Self::POISONED, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// Sets the stack limit to the running thread's `limit`, then poisons it again if the
    /// deadline has been reached. The store's own thread calls this on entry from the host and
    /// when the deadline changes. Both this and the engine store before they load (all
    /// sequentially consistent), so an increment racing with this call is seen by one of them:
    /// a poison for a reached deadline is never lost.
    pub fn refresh_stack_limit(&self, limit: usize) {
        self.thread_stack_limit.set(limit);
        self.stack_limit
            .store(limit, std::sync::atomic::Ordering::SeqCst);
        self.poison_if_reached();
    }
}

/// A linear memory as compiled code sees it. Its address never changes, and neither does `base`
/// (memories grow in place inside their reservation).
#[repr(C)]
#[derive(Debug)]
pub struct VMMemory {
    pub base: *mut u8,
    /// Current size in bytes.
    pub length: usize,
}

/// A global's storage: 16 bytes, enough for every value type (references are pointers).
#[repr(C, align(16))]
#[derive(Debug, Default, Clone, Copy)]
pub struct VMGlobal {
    pub bits: u128,
}

/// A table as compiled code sees it: `length` pointer-sized elements at `base` (funcrefs are
/// `*const VMFuncRef`, externrefs opaque pointers; 0 is null).
#[repr(C)]
#[derive(Debug)]
pub struct VMTable {
    pub base: *mut usize,
    pub length: u32,
}

/// An exception tag as compiled code sees it: only its address matters (a tag's identity, which
/// an import shares with its exporter).
#[repr(C)]
#[derive(Debug, Default)]
pub struct VMTag {
    /// Engine-wide id of the tag's function type.
    pub type_id: u32,
}

/// A function reference: what `call_indirect`, `ref.func` and imports use.
#[repr(C)]
#[derive(Debug)]
pub struct VMFuncRef {
    /// Native code with the wasm calling convention: `(callee_vmctx, params...) -> results`.
    /// In lift-off mode the tier-up worker swaps it (from the lazy-compilation stub to the
    /// baseline code to the optimised code) while wasm may be running, hence atomic.
    pub code: std::sync::atomic::AtomicUsize,
    /// The callee's context (a `VMContext`, or the host function's data for host functions).
    pub vmctx: usize,
    /// Engine-wide signature id.
    pub type_id: u32,
    /// Host-to-wasm trampoline: `(callee_vmctx, code, values)`, reading arguments from and writing
    /// results to 16-byte value slots. Zero for host functions (called directly), and in lift-off
    /// mode until the first host call fills it in (atomic, as the reference is shared).
    pub array_call: std::sync::atomic::AtomicUsize,
}

impl VMStoreContext {
    pub const STACK_LIMIT: u32 = 0;
    pub const EPOCH_ADDRESS: u32 = 8;
    pub const EPOCH_DEADLINE: u32 = 16;
    pub const THREAD_STACK_LIMIT: u32 = 24;
}

/// Size of one hotness counter (a `u32`): lift-off code counts defined function `d` at byte
/// `d * COUNTER_SIZE` of the array `VMOffsets::COUNTERS` points at.
pub const COUNTER_SIZE: u32 = 4;

impl VMFuncRef {
    pub const CODE: u32 = 0;
    pub const VMCTX: u32 = 8;
    pub const TYPE_ID: u32 = 16;
}

impl VMTable {
    pub const BASE: u32 = 0;
    pub const LENGTH: u32 = 8;
}

impl VMMemory {
    pub const BASE: u32 = 0;
    pub const LENGTH: u32 = 8;
}

/// Size of one value slot in the host-to-wasm trampolines' argument/result array.
pub const VALUE_SLOT: u32 = 16;

/// The layout of a module's `VMContext`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VMOffsets {
    pub num_memories: u32,
    pub num_globals: u32,
    pub num_tables: u32,
    pub num_funcs: u32,
    pub num_tags: u32,
    pub num_types: u32,
}

impl VMOffsets {
    pub const STORE_CONTEXT: u32 = 0;
    pub const INSTANCE: u32 = 8;
    pub const COUNTERS: u32 = 16;
    const HEADER: u32 = 24;
    const PTR: u32 = 8;

    pub fn new(info: &ModuleInfo) -> Self {
        VMOffsets {
            num_memories: info.memories.len() as u32,
            num_globals: info.globals.len() as u32,
            num_tables: info.tables.len() as u32,
            num_funcs: info.functions.len() as u32,
            num_tags: info.tags.len() as u32,
            num_types: info.types.len() as u32,
        }
    }

    pub fn memory(&self, index: u32) -> u32 {
        Self::HEADER + index * Self::PTR
    }
    pub fn memory_base(&self, index: u32) -> u32 {
        self.memory(self.num_memories) + index * Self::PTR
    }
    pub fn global(&self, index: u32) -> u32 {
        self.memory_base(self.num_memories) + index * Self::PTR
    }
    pub fn table(&self, index: u32) -> u32 {
        self.global(self.num_globals) + index * Self::PTR
    }
    pub fn func_ref(&self, index: u32) -> u32 {
        self.table(self.num_tables) + index * Self::PTR
    }
    pub fn tag(&self, index: u32) -> u32 {
        self.func_ref(self.num_funcs) + index * Self::PTR
    }
    pub fn type_id(&self, index: u32) -> u32 {
        self.tag(self.num_tags) + index * 4
    }
    /// Total size in bytes, rounded up to 16.
    pub fn size(&self) -> u32 {
        (self.type_id(self.num_types) + 15) & !15
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{align_of, offset_of, size_of};

    #[test]
    fn rust_layout_matches_the_offsets_compiled_code_uses() {
        assert_eq!(offset_of!(VMFuncRef, code) as u32, VMFuncRef::CODE);
        assert_eq!(offset_of!(VMFuncRef, vmctx) as u32, VMFuncRef::VMCTX);
        assert_eq!(offset_of!(VMFuncRef, type_id) as u32, VMFuncRef::TYPE_ID);
        assert_eq!(offset_of!(VMTable, base) as u32, VMTable::BASE);
        assert_eq!(offset_of!(VMTable, length) as u32, VMTable::LENGTH);
        assert_eq!(offset_of!(VMMemory, base) as u32, VMMemory::BASE);
        assert_eq!(offset_of!(VMMemory, length) as u32, VMMemory::LENGTH);
        assert_eq!(
            offset_of!(VMStoreContext, stack_limit) as u32,
            VMStoreContext::STACK_LIMIT
        );
        assert_eq!(
            offset_of!(VMStoreContext, epoch_address) as u32,
            VMStoreContext::EPOCH_ADDRESS
        );
        assert_eq!(
            offset_of!(VMStoreContext, epoch_deadline) as u32,
            VMStoreContext::EPOCH_DEADLINE
        );
        assert_eq!(
            offset_of!(VMStoreContext, thread_stack_limit) as u32,
            VMStoreContext::THREAD_STACK_LIMIT
        );
        assert_eq!(size_of::<u32>() as u32, COUNTER_SIZE);
        assert_eq!(size_of::<VMGlobal>(), 16);
        assert_eq!(align_of::<VMGlobal>(), 16);
        assert_eq!(size_of::<u128>() as u32, VALUE_SLOT);
    }

    #[test]
    fn regions_follow_each_other() {
        let o = VMOffsets {
            num_memories: 1,
            num_globals: 2,
            num_tables: 1,
            num_funcs: 3,
            num_tags: 0,
            num_types: 3,
        };
        assert_eq!(o.memory(0), 24);
        assert_eq!(o.memory_base(0), 32);
        assert_eq!(o.global(0), 40);
        assert_eq!(o.table(0), 56);
        assert_eq!(o.func_ref(2), 80);
        assert_eq!(o.type_id(0), 88);
        assert_eq!(o.size(), 112);
    }
}
