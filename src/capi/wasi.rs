//! WASI preview 1 from C, declared in `wasi.h`: a configuration with the names of wasmtime's
//! `wasi.h` (`wasi_config_*`), and an environment that gives a module's imports, with the names of
//! wasmer's (`wasi_env_new`, `wasi_get_imports`, `wasi_env_initialize_instance`,
//! `wasi_get_start_function`), since wasm.h imports are positional and have no linker.

use super::external::{wasm_extern_t, wasm_extern_vec_t};
use super::func::wasm_func_t;
use super::instance::wasm_instance_t;
use super::module::wasm_module_t;
use super::store::wasm_store_t;
use super::trap::wasm_trap_t;
use super::vec::{wasm_byte_vec_t, CVec};
use super::{arg, arg_mut, delete_box, into_raw, report, take_box};
use crate::api::Extern;
use crate::error::{set_last_error, Error};
use crate::wasi::{Preopen, Stdio, WasiConfig, WasiCtx};
use std::ffi::{c_char, c_int, CStr, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::rc::Rc;

/// What a WASI program will see; filled by the `wasi_config_*` setters, consumed by
/// `wasi_env_new`.
pub struct wasi_config_t {
    config: WasiConfig,
}

/// A WASI program's state for one instance: its descriptors and the memory its calls use.
pub struct wasi_env_t {
    ctx: Rc<WasiCtx>,
}

/// The bytes of a NUL-terminated C string (None for NULL).
unsafe fn c_bytes<'a>(s: *const c_char) -> Option<&'a [u8]> {
    // SAFETY: the caller passes NULL or a NUL-terminated string.
    (!s.is_null()).then(|| unsafe { CStr::from_ptr(s) }.to_bytes())
}

fn c_path(bytes: &[u8]) -> PathBuf {
    PathBuf::from(OsStr::from_bytes(bytes))
}

/// A new configuration: no arguments, no environment, no preopened directory, and standard
/// streams that read nothing and discard what is written (as wasmtime's).
#[no_mangle]
pub extern "C" fn wasi_config_new() -> *mut wasi_config_t {
    into_raw(wasi_config_t {
        config: WasiConfig::default(),
    })
}

/// Deletes a configuration that was not passed to `wasi_env_new` (NULL is ignored).
#[no_mangle]
pub unsafe extern "C" fn wasi_config_delete(config: *mut wasi_config_t) {
    unsafe { delete_box(config) }
}

/// Sets `argv` (the program's name first), copying the `argc` strings. False, with
/// `wasmo_error_message()` set, if one is NULL or not UTF-8 (as wasmtime).
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_argv(
    config: *mut wasi_config_t,
    argc: usize,
    argv: *mut *const c_char,
) -> bool {
    let f = "wasi_config_set_argv";
    let config = unsafe { arg_mut(config, f, "config") };
    let mut args = Vec::with_capacity(argc);
    for i in 0..argc {
        // SAFETY: `argv` has `argc` entries, as the header says.
        let s = unsafe { c_bytes(*argv.add(i)) };
        match s {
            Some(s) if std::str::from_utf8(s).is_ok() => args.push(s.to_vec()),
            _ => {
                set_last_error(&Error::new(format!(
                    "{f}: argument {i} is NULL or not UTF-8"
                )));
                return false;
            }
        }
    }
    config.config.args = args;
    crate::error::clear_last_error();
    true
}

/// Sets `argv` to this process's own arguments.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_inherit_argv(config: *mut wasi_config_t) {
    let config = unsafe { arg_mut(config, "wasi_config_inherit_argv", "config") };
    config.config.args = std::env::args_os().map(|a| a.as_bytes().to_vec()).collect();
}

/// Sets the environment to `envc` pairs of `names[i]=values[i]`, copied. False if one is NULL
/// or not UTF-8.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_env(
    config: *mut wasi_config_t,
    envc: usize,
    names: *mut *const c_char,
    values: *mut *const c_char,
) -> bool {
    let f = "wasi_config_set_env";
    let config = unsafe { arg_mut(config, f, "config") };
    let mut env = Vec::with_capacity(envc);
    for i in 0..envc {
        // SAFETY: both arrays have `envc` entries, as the header says.
        let (k, v) = unsafe { (c_bytes(*names.add(i)), c_bytes(*values.add(i))) };
        match (k, v) {
            (Some(k), Some(v))
                if std::str::from_utf8(k).is_ok() && std::str::from_utf8(v).is_ok() =>
            {
                env.push((k.to_vec(), v.to_vec()))
            }
            _ => {
                set_last_error(&Error::new(format!(
                    "{f}: variable {i} has a NULL or non-UTF-8 name or value"
                )));
                return false;
            }
        }
    }
    config.config.env = env;
    crate::error::clear_last_error();
    true
}

/// Sets the environment to this process's own.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_inherit_env(config: *mut wasi_config_t) {
    let config = unsafe { arg_mut(config, "wasi_config_inherit_env", "config") };
    config.config.env = std::env::vars_os()
        .map(|(k, v)| (k.as_bytes().to_vec(), v.as_bytes().to_vec()))
        .collect();
}

/// Points the stream `pick` selects at the file `path` if it can be opened (for reading, or
/// created for writing); false, with the last error set, if not.
unsafe fn set_stdio_file(
    config: *mut wasi_config_t,
    path: *const c_char,
    f: &str,
    write: bool,
    pick: fn(&mut WasiConfig) -> &mut Stdio,
) -> bool {
    let config = unsafe { arg_mut(config, f, "config") };
    match unsafe { stdio_file(path, f, write) } {
        Some(s) => {
            *pick(&mut config.config) = s;
            true
        }
        None => false,
    }
}

/// Checks that `path` can be opened (for reading, or created for writing).
unsafe fn stdio_file(path: *const c_char, f: &str, write: bool) -> Option<Stdio> {
    let Some(bytes) = (unsafe { c_bytes(path) }) else {
        set_last_error(&Error::new(format!("{f}: path is NULL")));
        return None;
    };
    let path = c_path(bytes);
    let opened = if write {
        std::fs::File::create(&path)
    } else {
        std::fs::File::open(&path)
    };
    match opened {
        Ok(_) => {
            crate::error::clear_last_error();
            Some(Stdio::File(path))
        }
        Err(e) => {
            set_last_error(&Error::new(format!("{f}: {}: {e}", path.display())));
            None
        }
    }
}

/// Standard input from the file at `path`; false if it cannot be opened for reading.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stdin_file(
    config: *mut wasi_config_t,
    path: *const c_char,
) -> bool {
    unsafe {
        set_stdio_file(config, path, "wasi_config_set_stdin_file", false, |c| {
            &mut c.stdin
        })
    }
}

/// Standard input from these bytes, then end of file. Takes ownership of `binary`.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stdin_bytes(
    config: *mut wasi_config_t,
    binary: *mut wasm_byte_vec_t,
) {
    let f = "wasi_config_set_stdin_bytes";
    let config = unsafe { arg_mut(config, f, "config") };
    let binary = unsafe { arg_mut(binary, f, "binary") };
    // SAFETY: a vector this library made, handed over.
    let bytes: Vec<u8> = unsafe { binary.take() }
        .into_iter()
        .map(|b| b as u8)
        .collect();
    config.config.stdin = Stdio::Bytes(bytes);
}

/// Standard input is this process's own.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_inherit_stdin(config: *mut wasi_config_t) {
    unsafe { arg_mut(config, "wasi_config_inherit_stdin", "config") }
        .config
        .stdin = Stdio::Inherit;
}

/// Standard output to the file at `path`, created or truncated now; false if that fails.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stdout_file(
    config: *mut wasi_config_t,
    path: *const c_char,
) -> bool {
    unsafe {
        set_stdio_file(config, path, "wasi_config_set_stdout_file", true, |c| {
            &mut c.stdout
        })
    }
}

/// Standard output is this process's own.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_inherit_stdout(config: *mut wasi_config_t) {
    unsafe { arg_mut(config, "wasi_config_inherit_stdout", "config") }
        .config
        .stdout = Stdio::Inherit;
}

/// Standard error to the file at `path`, created or truncated now; false if that fails.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_set_stderr_file(
    config: *mut wasi_config_t,
    path: *const c_char,
) -> bool {
    unsafe {
        set_stdio_file(config, path, "wasi_config_set_stderr_file", true, |c| {
            &mut c.stderr
        })
    }
}

/// Standard error is this process's own.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_inherit_stderr(config: *mut wasi_config_t) {
    unsafe { arg_mut(config, "wasi_config_inherit_stderr", "config") }
        .config
        .stderr = Stdio::Inherit;
}

/// Gives the program the host directory `host_path` as `guest_path`; nothing outside it can be
/// reached through it (no `..` past it, no absolute path, no symlink leading out). With
/// `fs_mutable` false nothing in it can be written, created, removed, renamed or linked
/// (wasmtime's signature). Preopens get descriptors 3, 4, ... in the order they are added.
/// False if `host_path` is not a directory.
#[no_mangle]
pub unsafe extern "C" fn wasi_config_preopen_dir(
    config: *mut wasi_config_t,
    host_path: *const c_char,
    guest_path: *const c_char,
    fs_mutable: bool,
) -> bool {
    let f = "wasi_config_preopen_dir";
    let config = unsafe { arg_mut(config, f, "config") };
    let (Some(host), Some(guest)) = (unsafe { c_bytes(host_path) }, unsafe {
        c_bytes(guest_path)
    }) else {
        set_last_error(&Error::new(format!("{f}: a path is NULL")));
        return false;
    };
    let Ok(guest) = std::str::from_utf8(guest) else {
        set_last_error(&Error::new(format!("{f}: guest_path is not UTF-8")));
        return false;
    };
    let host = c_path(host);
    if !host.is_dir() {
        set_last_error(&Error::new(format!(
            "{f}: {} is not a directory",
            host.display()
        )));
        return false;
    }
    config.config.preopens.push(Preopen {
        host,
        guest: guest.to_string(),
        dir_write: fs_mutable,
        file_write: fs_mutable,
    });
    crate::error::clear_last_error();
    true
}

/// A WASI environment for one instance in `store`, opening what `config` names. Takes
/// ownership of `config` (also when it fails). NULL, with `wasmo_error_message()` set, if a
/// preopened directory or a stdio file cannot be opened.
#[no_mangle]
pub unsafe extern "C" fn wasi_env_new(
    store: *mut wasm_store_t,
    config: *mut wasi_config_t,
) -> *mut wasi_env_t {
    let f = "wasi_env_new";
    let _ = unsafe { arg(store, f, "store") };
    let config = unsafe { take_box(config, f, "config") };
    report(
        WasiCtx::new(&config.config),
        |ctx| into_raw(wasi_env_t { ctx }),
        std::ptr::null_mut(),
    )
}

/// Deletes an environment (NULL is ignored). The host functions `wasi_get_imports` made keep
/// what they need.
#[no_mangle]
pub unsafe extern "C" fn wasi_env_delete(env: *mut wasi_env_t) {
    unsafe { delete_box(env) }
}

/// Fills `imports` with one entry per import of `module`, in import order, for
/// `wasm_instance_new`: a host function for each import from `wasi_snapshot_preview1`, and NULL
/// for the imports of other modules, which the host puts in before instantiating (a NULL left
/// there makes `wasm_instance_new` fail). False, with `imports` empty and `wasmo_error_message()`
/// set, if the module imports from `wasi_snapshot_preview1` something preview 1 does not have
/// or with another type. The vector is the caller's (`wasm_extern_vec_delete`).
#[no_mangle]
pub unsafe extern "C" fn wasi_get_imports(
    store: *const wasm_store_t,
    env: *mut wasi_env_t,
    module: *const wasm_module_t,
    imports: *mut wasm_extern_vec_t,
) -> bool {
    let f = "wasi_get_imports";
    let store = &unsafe { arg(store, f, "store") }.store;
    let env = unsafe { arg(env, f, "env") };
    let module = unsafe { arg(module, f, "module") }.module();
    let out = unsafe { arg_mut(imports, f, "imports") };
    *out = wasm_extern_vec_t::from_vec(Vec::new());
    report(
        env.ctx.imports(store, module),
        |externs| {
            let items = externs
                .into_iter()
                .map(|e| match e {
                    Some(e) => into_raw(wasm_extern_t::new(store, e)),
                    None => std::ptr::null_mut(),
                })
                .collect();
            *out = wasm_extern_vec_t::from_vec(items);
            true
        },
        false,
    )
}

/// Binds the environment to the instance made with its imports: the WASI functions read and
/// write the instance's exported `memory`. False if it exports none. Call it before calling
/// into the instance; a WASI call before it (from a start function) traps.
#[no_mangle]
pub unsafe extern "C" fn wasi_env_initialize_instance(
    env: *mut wasi_env_t,
    store: *mut wasm_store_t,
    instance: *mut wasm_instance_t,
) -> bool {
    let f = "wasi_env_initialize_instance";
    let env = unsafe { arg(env, f, "env") };
    let store = &unsafe { arg(store, f, "store") }.store;
    let instance = unsafe { arg(instance, f, "instance") }.handle().instance();
    report(env.ctx.initialize(store, &instance), |()| true, false)
}

/// The instance's `_start` export (a WASI command's entry point), or NULL if it has none. The
/// function is the caller's (`wasm_func_delete`).
#[no_mangle]
pub unsafe extern "C" fn wasi_get_start_function(
    instance: *mut wasm_instance_t,
) -> *mut wasm_func_t {
    let o = unsafe { arg(instance, "wasi_get_start_function", "instance") }.handle();
    match o.instance().get_export(o.store(), "_start") {
        Some(e @ Extern::Func(_)) => into_raw(wasm_extern_t::new(o.store(), e)).cast(),
        _ => std::ptr::null_mut(),
    }
}

/// Whether `trap` is a WASI program's `proc_exit`; if so its status goes to `*status`. (A
/// command that returns from `_start` exits with 0 and makes no trap.)
#[no_mangle]
pub unsafe extern "C" fn wasmo_trap_exit_status(
    trap: *const wasm_trap_t,
    status: *mut c_int,
) -> bool {
    let trap = unsafe { arg(trap, "wasmo_trap_exit_status", "trap") };
    match trap.exit_code() {
        Some(code) => {
            if let Some(s) = unsafe { status.as_mut() } {
                *s = code;
            }
            true
        }
        None => false,
    }
}
