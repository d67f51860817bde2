//! What compiled code and the C API touch at run time: stores, instances, memories, tables,
//! globals, functions, the builtins' definitions, and traps. The layout compiled code sees is
//! `vm`'s.

pub mod builtins;
pub mod collect;

pub mod instance;
pub mod limits;
pub mod memory;
pub mod store;
pub mod table;
pub mod trap;
pub mod values;
