//! The ABI between generated code and the runtime, described once: the layout of a `VMContext`
//! and of the structures compiled code reads and writes ([`vmcontext`]), the trap codes both
//! sides use ([`trap_code`]), and the one table of runtime builtins ([`builtins`]) from which the
//! enum, the symbol names, the signatures and the address table all come.
//!
//! This folder is a leaf: it depends on `module` (for a module's shape) and `error` only. The
//! translator (`compile/`) and the runtime (`runtime/`) both import it and never each other, as
//! wasmtime-environ serves Cranelift and the wasmtime runtime.

pub mod builtins;
pub mod trap_code;
pub mod vmcontext;

pub use builtins::{AbiType, Builtin};
pub use trap_code::TrapCode;
pub use vmcontext::{
    VMFuncRef, VMGlobal, VMMemory, VMOffsets, VMStoreContext, VMTable, VMTag, COUNTER_SIZE,
    VALUE_SLOT,
};
