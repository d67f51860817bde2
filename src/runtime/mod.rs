//! What compiled code and the C API touch at run time: the VM structures and their layout,
//! stores, instances, memories, tables, globals, functions, builtins, and traps.

pub mod builtins;
pub mod code_map;
pub mod instance;
pub mod memory;
pub mod store;
pub mod table;
pub mod trap;
pub mod values;
pub mod vmcontext;
