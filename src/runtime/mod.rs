//! What compiled code and the C API touch at run time. So far: stores.

pub mod store;
