//! WASI preview 1 (`wasi_snapshot_preview1`): the host functions a WASI program imports, over a
//! sandbox of preopened directories.
//!
//! A [`WasiConfig`] says what the program sees (arguments, environment, standard streams,
//! preopened directories); [`WasiCtx::new`] opens it; [`WasiCtx::imports`] gives host functions
//! for the module's WASI imports, in import order, leaving the others to the embedder; after
//! instantiation, [`WasiCtx::set_memory`] (or [`WasiCtx::initialize`]) names the memory the
//! functions read and write.
//!
//! The sandbox is cap-std's: every path the guest names is resolved beneath a preopened
//! directory's handle by the kernel (`openat2` with `RESOLVE_BENEATH` where the kernel has it,
//! cap-std's own component-by-component resolution otherwise), so `..` past the root, absolute
//! paths and symlinks leading out are refused (`ENOTCAPABLE`), with no window between a check
//! and its use. Rights (`$rights`) are tracked per descriptor as preview 1 defines them; a
//! read-only preopen grants no right that writes.

mod abi;
mod calls;
mod fd;

pub use abi::Errno;

use crate::api::{Extern, ExternType, Func, Memory, Module, Result, Store, Trap};
use crate::error::Error;
use fd::Table;
use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;

/// The import module name of WASI preview 1.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Where a standard stream of the guest goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Stdio {
    /// Nothing: reads see end of file, writes are discarded (`/dev/null`).
    #[default]
    Null,
    /// The host process's own stream.
    Inherit,
    /// A host file: read from for stdin; created or truncated for stdout and stderr.
    File(PathBuf),
    /// For stdin only: these bytes, then end of file.
    Bytes(Vec<u8>),
}

/// A host directory the guest may use, under a guest path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preopen {
    pub host: PathBuf,
    pub guest: String,
    /// Whether the guest may create, remove, rename and link entries in it (and below it).
    pub dir_write: bool,
    /// Whether the guest may write files in it.
    pub file_write: bool,
}

/// What a WASI program sees.
#[derive(Debug, Clone, Default)]
pub struct WasiConfig {
    /// `argv`, the program name first.
    pub args: Vec<Vec<u8>>,
    /// The environment, as `(name, value)`.
    pub env: Vec<(Vec<u8>, Vec<u8>)>,
    pub stdin: Stdio,
    pub stdout: Stdio,
    pub stderr: Stdio,
    /// Descriptors 3, 4, ... in this order.
    pub preopens: Vec<Preopen>,
}

/// A WASI program's state: its descriptors and the memory its calls use. Shared by the host
/// functions of [`WasiCtx::imports`]; one context serves one instance.
pub struct WasiCtx {
    args: Vec<Vec<u8>>,
    env: Vec<Vec<u8>>,
    fds: RefCell<Table>,
    memory: Cell<Option<Memory>>,
}

impl WasiCtx {
    /// Opens what `config` names: an error if a preopened directory or a stdio file cannot be
    /// opened.
    pub fn new(config: &WasiConfig) -> Result<Rc<WasiCtx>> {
        let fds = Table::new(config)?;
        let env = config
            .env
            .iter()
            .map(|(k, v)| {
                let mut kv = k.clone();
                kv.push(b'=');
                kv.extend_from_slice(v);
                kv
            })
            .collect();
        Ok(Rc::new(WasiCtx {
            args: config.args.clone(),
            env,
            fds: RefCell::new(fds),
            memory: Cell::new(None),
        }))
    }

    /// Names the memory the WASI functions read and write: the instance's exported `memory`.
    pub fn set_memory(&self, memory: Memory) {
        self.memory.set(Some(memory));
    }

    /// Binds the context to an instance of a WASI module: its export `memory`. An error if the
    /// instance exports no memory of that name.
    pub fn initialize(&self, store: &Store, instance: &crate::api::Instance) -> Result<()> {
        match instance.get_memory(store, "memory") {
            Some(m) => {
                self.set_memory(m);
                Ok(())
            }
            None => Err(Error::new(
                "the WASI module exports no memory named `memory`, which WASI functions need",
            )),
        }
    }

    /// Host functions for `module`'s imports from `wasi_snapshot_preview1`, in import order;
    /// `None` for the imports of other modules, which the embedder provides. An error for an
    /// import of `wasi_snapshot_preview1` that WASI does not define or that has another type.
    pub fn imports(self: &Rc<Self>, store: &Store, module: &Module) -> Result<Vec<Option<Extern>>> {
        module
            .imports()
            .iter()
            .map(|import| {
                if import.module != MODULE {
                    return Ok(None);
                }
                let Some(call) = calls::find(&import.name) else {
                    return Err(Error::new(format!(
                        "unknown WASI import {MODULE}.{}: preview 1 has no such function",
                        import.name
                    )));
                };
                let ty = call.ty();
                match &import.ty {
                    ExternType::Func(t) if *t == ty => {}
                    ExternType::Func(t) => {
                        return Err(Error::new(format!(
                            "WASI import {MODULE}.{} has type {t}, but WASI's is {ty}",
                            import.name
                        )))
                    }
                    _ => {
                        return Err(Error::new(format!(
                            "WASI import {MODULE}.{} is not a function; WASI's is {ty}",
                            import.name
                        )))
                    }
                }
                let ctx = self.clone();
                Func::new(store, ty, move |store, args, results| {
                    ctx.call(call, store, args, results)
                })
                .map(|f| Some(Extern::Func(f)))
            })
            .collect()
    }

    fn call(
        &self,
        call: &'static calls::Call,
        store: &Store,
        args: &[crate::api::Val],
        results: &mut [crate::api::Val],
    ) -> std::result::Result<(), Trap> {
        let Some(memory) = self.memory.get() else {
            return Err(Trap::new(format!(
                "WASI function {} called before the instance's memory was bound \
                 (wasi_env_initialize_instance)",
                call.name
            )));
        };
        let mem = calls::Mem::new(store, memory);
        let errno = (call.run)(self, &mem, args)?;
        if let Some(r) = results.first_mut() {
            *r = crate::api::Val::I32(errno.0 as i32);
        }
        Ok(())
    }
}

/// The exit code of a trap that `proc_exit` raised.
pub fn exit_code(trap: &Trap) -> Option<i32> {
    trap.exit_code
}

/// Whether `module` imports anything from WASI preview 1.
pub fn is_wasi(module: &Module) -> bool {
    module.imports().iter().any(|i| i.module == MODULE)
}

#[cfg(test)]
mod tests;
