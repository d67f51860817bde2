//! The runtime builtins: functions compiled code calls for what is not worth inlining (growing,
//! bulk memory and table operations, segment drops), for host calls and for raising traps.
//!
//! They are listed once, in the `builtins!` invocation below. From that one table come the
//! [`Builtin`] enum, each builtin's symbol name, and its signature in ABI terms (which the
//! translator turns into an LLVM declaration, `compile::abi::declare_builtin`). The runtime maps
//! each `Builtin` to its definition (`runtime/builtins.rs`, an exhaustive match, so a builtin
//! without one does not compile; the two that unwind are in `runtime/trap.c`) and gives that
//! address table, by symbol, to the engine's JIT linker: compiled code holds no addresses, and
//! this leaf names no runtime item.
//!
//! Fallible builtins return a [`TrapCode`](super::TrapCode) value (0 for success) and let the
//! caller raise it: no Rust frame is ever unwound by a trap.

/// A parameter type of a builtin, as compiled code passes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbiType {
    /// A pointer or pointer-sized value (a vmctx, a table element).
    Ptr,
    /// A 32-bit integer.
    I32,
    /// A 64-bit integer (a memory address or length, of a 32- or 64-bit memory).
    I64,
}

/// What a builtin returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AbiResult {
    /// Nothing.
    Void,
    /// A 32-bit integer (a trap code, or a grow result).
    I32,
    /// A 64-bit integer (a memory grow result).
    I64,
    /// A pointer (an address of code, or 0).
    Ptr,
    /// It never returns: it unwinds to the innermost catch point.
    Never,
}

macro_rules! builtins {
    ($( $(#[$doc:meta])* $variant:ident = $symbol:ident ( $($param:ident : $pty:ident),* ) -> $ret:ident; )*) => {
        /// A runtime builtin (see the module documentation).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Builtin {
            $( $(#[$doc])* $variant, )*
        }

        impl Builtin {
            /// Every builtin.
            pub const ALL: &'static [Builtin] = &[$(Builtin::$variant),*];

            /// The symbol compiled code calls it by.
            pub fn symbol(self) -> &'static str {
                match self { $(Builtin::$variant => stringify!($symbol),)* }
            }

            /// Its parameters, in order.
            pub fn params(self) -> &'static [AbiType] {
                match self { $(Builtin::$variant => &[$(AbiType::$pty),*],)* }
            }

            /// What it returns.
            pub fn result(self) -> AbiResult {
                match self { $(Builtin::$variant => AbiResult::$ret,)* }
            }
        }
    };
}

builtins! {
    /// `trap(code)`: raises trap `code`.
    Trap = wasmo_builtin_trap(code: I32) -> Never;
    /// `memory_grow(vmctx, memory, delta) -> old pages or -1` (addresses, lengths and page
    /// counts are i64 for 32- and 64-bit memories alike).
    MemoryGrow = wasmo_builtin_memory_grow(vmctx: Ptr, memory: I32, delta: I64) -> I64;
    /// `memory_fill(vmctx, memory, dst, value, len) -> trap code or 0`.
    MemoryFill = wasmo_builtin_memory_fill(vmctx: Ptr, memory: I32, dst: I64, value: I32, len: I64) -> I32;
    /// `memory_copy(vmctx, dst_memory, src_memory, dst, src, len) -> trap code or 0`.
    MemoryCopy = wasmo_builtin_memory_copy(vmctx: Ptr, dst_memory: I32, src_memory: I32, dst: I64, src: I64, len: I64) -> I32;
    /// `memory_init(vmctx, memory, segment, dst, src, len) -> trap code or 0`.
    MemoryInit = wasmo_builtin_memory_init(vmctx: Ptr, memory: I32, segment: I32, dst: I64, src: I32, len: I32) -> I32;
    /// `data_drop(vmctx, segment)`.
    DataDrop = wasmo_builtin_data_drop(vmctx: Ptr, segment: I32) -> Void;
    /// `table_grow(vmctx, table, init, delta) -> old size or -1` (indices and lengths are i64
    /// for 32- and 64-bit tables alike, as for memories).
    TableGrow = wasmo_builtin_table_grow(vmctx: Ptr, table: I32, init: Ptr, delta: I64) -> I64;
    /// `table_fill(vmctx, table, dst, value, len) -> trap code or 0`.
    TableFill = wasmo_builtin_table_fill(vmctx: Ptr, table: I32, dst: I64, value: Ptr, len: I64) -> I32;
    /// `table_copy(vmctx, dst_table, src_table, dst, src, len) -> trap code or 0`.
    TableCopy = wasmo_builtin_table_copy(vmctx: Ptr, dst_table: I32, src_table: I32, dst: I64, src: I64, len: I64) -> I32;
    /// `table_init(vmctx, table, segment, dst, src, len) -> trap code or 0`.
    TableInit = wasmo_builtin_table_init(vmctx: Ptr, table: I32, segment: I32, dst: I64, src: I32, len: I32) -> I32;
    /// `elem_drop(vmctx, segment)`.
    ElemDrop = wasmo_builtin_elem_drop(vmctx: Ptr, segment: I32) -> Void;
    /// `host_call(host_data, values) -> 0, or 1 when the host function trapped`.
    HostCall = wasmo_builtin_host_call(host: Ptr, values: Ptr) -> I32;
    /// `raise_pending()`: unwinds with the trap a host call (or a failed lazy compilation) left.
    RaisePending = wasmo_builtin_raise_pending() -> Never;
    /// `record_trap_index(vmctx, index)`: the table index the next trap's message names
    /// ("uninitialized element 2"); a `Trap` follows.
    RecordTrapIndex = wasmo_builtin_record_trap_index(vmctx: Ptr, index: I32) -> Void;
    /// `call_indirect_trap(vmctx, table, index) -> trap code`: which of `call_indirect`'s checks
    /// failed, in the spec's order (element `index` of `table` out of bounds, null, or of
    /// another type; for a null one it records the index as `record_trap_index` does). Every
    /// check of one `call_indirect` branches to one block that calls this and raises the
    /// code, instead of a block per check.
    CallIndirectTrap = wasmo_builtin_call_indirect_trap(vmctx: Ptr, table: I32, index: I64) -> I32;
    /// `call_indirect_target(vmctx, table, index, type_id) -> function reference or trap
    /// code`: `call_indirect`'s three checks out of line, for the fast grade of baseline code:
    /// element `index` of `table` if it is in bounds, not null and of type `type_id`, else the
    /// trap code (below 4096, which no reference is) as `call_indirect_trap` tells it.
    CallIndirectTarget = wasmo_builtin_call_indirect_target(vmctx: Ptr, table: I32, index: I64, type_id: I32) -> Ptr;
    /// `throw(tag, values, count)`: raises a new exception of `tag` whose payload is the
    /// `count` 16-byte value slots at `values`. Unwinds to the handler; returns only when
    /// there is none (the caller then raises "uncaught exception"). In `exception.c`.
    Throw = wasmo_builtin_throw(tag: Ptr, values: Ptr, count: I32) -> Void;
    /// `rethrow(exception)`: raises an exception again (`throw_ref`, or a landing pad whose
    /// clauses all missed); returns as `throw` does.
    Rethrow = wasmo_builtin_rethrow(exception: Ptr) -> Void;
    /// `exception_done(exception)`: an owner of the exception lets go (a handler without
    /// `_ref` took the payload, a legacy `catch` clause ended); the last frees it unless an
    /// exnref holds it.
    ExceptionDone = wasmo_builtin_exception_done(exception: Ptr) -> Void;
    /// `exception_retain(exception)`: legacy `rethrow` raises an exception its clause keeps
    /// owning.
    ExceptionRetain = wasmo_builtin_exception_retain(exception: Ptr) -> Void;
    /// `exception_keep(vmctx, exception)`: an exnref to the exception is made; the store keeps
    /// the exception until it is deleted.
    ExceptionKeep = wasmo_builtin_exception_keep(vmctx: Ptr, exception: Ptr) -> Void;
    /// `osr_entry(vmctx, function, loop, iterations) -> code or 0`: baseline code at the header
    /// of loop `loop` (the body's loop operators counted from 0) of defined function `function`,
    /// whose activation has passed `iterations` loop headers, asks for optimised code to continue
    /// in (on-stack replacement, `tier.rs`): the entry's address once it is compiled, else 0 (and
    /// a hot enough loop is queued for compilation).
    OsrEntry = wasmo_builtin_osr_entry(vmctx: Ptr, function: I32, loop_index: I32, iterations: I32) -> Ptr;
}

impl Builtin {
    /// Whether the builtin realigns its own stack frame (the C builtins, with
    /// `force_align_arg_pointer`), so wasm code may call it on an 8-byte aligned stack
    /// (`codegen::stack_align`); the Rust builtins need the C convention's 16 bytes.
    pub fn aligns_its_stack(self) -> bool {
        matches!(
            self,
            Builtin::Trap
                | Builtin::RaisePending
                | Builtin::RecordTrapIndex
                | Builtin::Throw
                | Builtin::Rethrow
                | Builtin::ExceptionDone
                | Builtin::ExceptionRetain
        )
    }
}

/// The personality routine of functions with landing pads: libstdc++'s, which (with a
/// catch-all clause) catches the foreign exceptions `runtime/exception.c` raises. The runtime
/// resolves it with the builtins.
pub const PERSONALITY: &str = "__gxx_personality_v0";

/// The personality of the LLVM-made host-to-wasm trampolines (`runtime/exception.c`): it ends
/// the search for a handler there, so the throw raises "uncaught exception" with its frames.
pub const ENTRY_PERSONALITY: &str = "wasmo_entry_personality";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_has_its_own_symbol() {
        for (i, b) in Builtin::ALL.iter().enumerate() {
            assert!(b.symbol().starts_with("wasmo_builtin_"), "{b:?}");
            assert!(Builtin::ALL[..i].iter().all(|o| o.symbol() != b.symbol()));
        }
    }

    #[test]
    fn only_the_unwinding_builtins_never_return() {
        for &b in Builtin::ALL {
            let unwinds = matches!(b, Builtin::Trap | Builtin::RaisePending);
            assert_eq!(b.result() == AbiResult::Never, unwinds, "{b:?}");
        }
    }
}
