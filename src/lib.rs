//! Wasmo: a WebAssembly engine that compiles wasm to native code with LLVM and ships as a C shared
//! library implementing the standard wasm-c-api (`wasm.h`).
//!
//! Layout (see `docs/` and DESIGN.md): `capi` is the `extern "C"` surface, `module` decodes and
//! validates wasm into [`module::ModuleInfo`], `engine` holds engine-wide configuration, and
//! `error` carries the thread-local last-error message behind `wasmo_error_message()`.

pub mod api;
pub mod artifact;
pub mod capi;
pub mod codegen;
pub mod compile;
pub mod engine;
pub mod error;
pub mod module;
pub mod runtime;
pub mod tier;
pub mod vm;
pub mod wasi;

/// The Rust guide (docs/guides/rust.md), whose example runs as a doc test.
#[doc = include_str!("../docs/guides/rust.md")]
#[cfg(doctest)]
pub struct RustGuide;
