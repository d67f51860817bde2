//! Wasmo's extensions to wasm.h, declared in `wasmo.h`: the thread-local last-error API, the
//! engine configuration setters and access to `v128` globals.

use super::engine::wasm_config_t;
use super::global::{global_type_of, new_global, wasm_global_t};
use super::store::wasm_store_t;
use super::types::wasm_globaltype_t;
use super::{arg, arg_mut, report};
use crate::api::{Config, Error, Mode, Val, ValType};
use crate::error::{clear_last_error, last_error_ptr, set_last_error};
use std::ffi::c_char;

pub type wasmo_mode_t = u8;
pub const WASMO_MODE_OPTIMIZED: wasmo_mode_t = 0;
pub const WASMO_MODE_LIFTOFF: wasmo_mode_t = 1;

/// The message of the last failed Wasmo call on this thread (a NUL-terminated string owned by
/// Wasmo, valid until the next call that fails or clears it), or NULL after a successful call.
#[no_mangle]
pub extern "C" fn wasmo_error_message() -> *const c_char {
    last_error_ptr()
}

/// Forgets this thread's last error.
#[no_mangle]
pub extern "C" fn wasmo_error_clear() {
    clear_last_error()
}

fn setter(ok: bool, message: impl FnOnce() -> String) -> bool {
    if ok {
        clear_last_error();
    } else {
        set_last_error(&Error::new(message()));
    }
    ok
}

/// Selects the compile mode (`WASMO_MODE_OPTIMIZED` or `WASMO_MODE_LIFTOFF`); false for any
/// other value. The default is `WASMO_MODE_LIFTOFF` (or `WASMO_MODE=opt|liftoff` from the
/// environment).
#[no_mangle]
pub unsafe extern "C" fn wasmo_config_set_mode(
    config: *mut wasm_config_t,
    mode: wasmo_mode_t,
) -> bool {
    let config = unsafe { arg_mut(config, "wasmo_config_set_mode", "config") };
    let mode = match mode {
        WASMO_MODE_OPTIMIZED => Some(Mode::Optimized),
        WASMO_MODE_LIFTOFF => Some(Mode::Liftoff),
        _ => None,
    };
    if let Some(mode) = mode {
        config.config.mode = mode;
    }
    setter(mode.is_some(), || {
        "wasmo_config_set_mode: unknown mode".into()
    })
}

/// Sets the LLVM optimisation level of the optimised tier, 0 to 3; false otherwise.
#[no_mangle]
pub unsafe extern "C" fn wasmo_config_set_opt_level(
    config: *mut wasm_config_t,
    level: u32,
) -> bool {
    let config = unsafe { arg_mut(config, "wasmo_config_set_opt_level", "config") };
    let ok = level <= Config::MAX_OPT_LEVEL;
    if ok {
        config.config.opt_level = level;
    }
    setter(ok, || {
        format!("wasmo_config_set_opt_level: level {level} is not in 0..=3")
    })
}

/// Sets the number of compile worker threads; 0 means one per available core.
#[no_mangle]
pub unsafe extern "C" fn wasmo_config_set_compile_threads(
    config: *mut wasm_config_t,
    threads: u32,
) -> bool {
    let config = unsafe { arg_mut(config, "wasmo_config_set_compile_threads", "config") };
    config.config.compile_threads = threads;
    setter(true, String::new)
}

/// Turns on the on-disk code cache in directory `dir` (created when first written), or turns it
/// off for NULL or "". Modules compiled in optimised mode are stored there as serialised
/// artifacts keyed by their bytes, the Wasmo build, target, CPU features and optimisation
/// level; compiling the same bytes again loads the entry instead (in lift-off mode too). In
/// lift-off mode, what tier-up optimises is kept there too (in the background), so a module
/// compiled from the same bytes later starts with those functions optimised. A stale or
/// damaged entry is ignored and rewritten; entries are written atomically, so several
/// processes may share a directory. Overrides `WASMO_CACHE_DIR`. Always returns true.
#[no_mangle]
pub unsafe extern "C" fn wasmo_config_set_cache_dir(
    config: *mut wasm_config_t,
    dir: *const c_char,
) -> bool {
    let config = unsafe { arg_mut(config, "wasmo_config_set_cache_dir", "config") };
    config.config.cache_dir = if dir.is_null() {
        None
    } else {
        // SAFETY: a NUL-terminated string, as the header says.
        let bytes = unsafe { std::ffi::CStr::from_ptr(dir) }.to_bytes();
        use std::os::unix::ffi::OsStrExt;
        (!bytes.is_empty()).then(|| std::ffi::OsStr::from_bytes(bytes).into())
    };
    setter(true, String::new)
}

// ---- 64-bit memory and table types ----------------------------------------------------------
//
// wasm.h's `wasm_limits_t` is 32-bit and its memory and table types have no index type; these
// create and read the types of memory64's 64-bit memories and tables (anchor: wasmtime's
// `wasmtime_memorytype_new`).

/// A new memory type with 64-bit indices (memory64) and limits `min` and, if `max_present`,
/// `max` (in pages of 64 KiB). Wasmo checks the limits when a memory or module uses the type.
#[no_mangle]
pub extern "C" fn wasmo_memorytype_new64(
    min: u64,
    max_present: bool,
    max: u64,
) -> *mut super::types::wasm_memorytype_t {
    use crate::api::{Limits, MemoryType};
    super::into_raw(super::types::wasm_memorytype_t::new(
        super::types::CMemoryType::new(MemoryType {
            limits: Limits {
                min,
                max: max_present.then_some(max),
            },
            memory64: true,
            shared: false,
        }),
    ))
}

/// Whether the memory type has 64-bit indices (memory64).
#[no_mangle]
pub unsafe extern "C" fn wasmo_memorytype_is64(t: *const super::types::wasm_memorytype_t) -> bool {
    unsafe { arg(t, "wasmo_memorytype_is64", "self") }
        .inner()
        .ty
        .memory64
}

/// Writes the type's exact limits (in pages) to `min` and, if it has a maximum, `max`; returns
/// whether it has one (`max` is left untouched otherwise). Works for 32- and 64-bit types.
#[no_mangle]
pub unsafe extern "C" fn wasmo_memorytype_limits64(
    t: *const super::types::wasm_memorytype_t,
    min: *mut u64,
    max: *mut u64,
) -> bool {
    let f = "wasmo_memorytype_limits64";
    let limits = unsafe { arg(t, f, "self") }.inner().ty.limits;
    unsafe { *arg_mut(min, f, "min") = limits.min };
    match limits.max {
        Some(m) => {
            unsafe { *arg_mut(max, f, "max") = m };
            true
        }
        None => false,
    }
}

/// A new table type with 64-bit indices (memory64), taking ownership of `element` (a reference
/// type), with limits `min` and, if `max_present`, `max` (in elements); NULL (with
/// `wasmo_error_message()` set) if `element` is not a reference type.
#[no_mangle]
pub unsafe extern "C" fn wasmo_tabletype_new64(
    element: *mut super::types::wasm_valtype_t,
    min: u64,
    max_present: bool,
    max: u64,
) -> *mut super::types::wasm_tabletype_t {
    let f = "wasmo_tabletype_new64";
    let element = unsafe { super::take_box(element, f, "element") };
    if !element.ty.is_ref() {
        set_last_error(&Error::new(format!(
            "{f}: table elements must be references, not {}",
            element.ty
        )));
        return std::ptr::null_mut();
    }
    clear_last_error();
    let limits = crate::api::Limits {
        min,
        max: max_present.then_some(max),
    };
    super::into_raw(super::types::wasm_tabletype_t::new(
        super::types::CTableType::new(element, limits, true),
    ))
}

/// Whether the table type has 64-bit indices (memory64).
#[no_mangle]
pub unsafe extern "C" fn wasmo_tabletype_is64(t: *const super::types::wasm_tabletype_t) -> bool {
    unsafe { arg(t, "wasmo_tabletype_is64", "self") }
        .inner()
        .table64
}

/// Writes the table type's exact limits (in elements) to `min` and, if it has a maximum,
/// `max`; returns whether it has one (`max` is left untouched otherwise).
#[no_mangle]
pub unsafe extern "C" fn wasmo_tabletype_limits64(
    t: *const super::types::wasm_tabletype_t,
    min: *mut u64,
    max: *mut u64,
) -> bool {
    let f = "wasmo_tabletype_limits64";
    let limits = unsafe { arg(t, f, "self") }.inner().exact;
    unsafe { *arg_mut(min, f, "min") = limits.min };
    match limits.max {
        Some(m) => {
            unsafe { *arg_mut(max, f, "max") = m };
            true
        }
        None => false,
    }
}

// ---- v128 globals ---------------------------------------------------------------------------
//
// A v128 travels as 16 bytes in little-endian lane order, as in linear memory (wasmo.h.in says
// so next to WASMO_V128).

/// Reads the `v128` global `global` into the 16 bytes at `out` (in memory order, see
/// `WASMO_V128`) and returns true. False (with `wasmo_error_message()` set, `out` untouched) if
/// the global is not of type v128. Clears `wasmo_error_message()` on success.
#[no_mangle]
pub unsafe extern "C" fn wasmo_global_get_v128(global: *const wasm_global_t, out: *mut u8) -> bool {
    let f = "wasmo_global_get_v128";
    let o = unsafe { arg(global, f, "global") }.handle();
    let out = unsafe { arg_mut(out as *mut [u8; 16], f, "out") };
    let result = match o.global().get(o.store()) {
        Val::V128(bits) => {
            *out = bits.to_le_bytes();
            Ok(())
        }
        v => Err(Error::new(format!(
            "{f}: the global has type {}, not v128",
            v.ty()
        ))),
    };
    report(result, |()| true, false)
}

/// Sets the mutable `v128` global `global` to the 16 bytes at `value` (in memory order, see
/// `WASMO_V128`) and returns true. False (with `wasmo_error_message()` set, the global unchanged)
/// if the global is not of type v128 or is immutable. Clears `wasmo_error_message()` on success.
#[no_mangle]
pub unsafe extern "C" fn wasmo_global_set_v128(
    global: *mut wasm_global_t,
    value: *const u8,
) -> bool {
    let f = "wasmo_global_set_v128";
    let o = unsafe { arg(global, f, "global") }.handle();
    let value = unsafe { arg(value as *const [u8; 16], f, "value") };
    let ty = o.global().ty(o.store());
    let result = if ty.content != ValType::V128 {
        Err(Error::new(format!(
            "{f}: the global has type {}, not v128",
            ty.content
        )))
    } else {
        o.global()
            .set(o.store(), Val::V128(u128::from_le_bytes(*value)))
            .map_err(|e| Error::new(format!("{f}: {e}")))
    };
    report(result, |()| true, false)
}

/// A new global of the global type `ty` (mutable or not), whose content must be `v128`, holding
/// the 16 bytes at `value` (in memory order, see `WASMO_V128`); NULL (with
/// `wasmo_error_message()` set) if the content is not v128.
#[no_mangle]
pub unsafe extern "C" fn wasmo_global_new_v128(
    store: *mut wasm_store_t,
    ty: *const wasm_globaltype_t,
    value: *const u8,
) -> *mut wasm_global_t {
    let f = "wasmo_global_new_v128";
    let store = &unsafe { arg(store, f, "store") }.store;
    let ty = global_type_of(unsafe { arg(ty, f, "type") });
    let value = unsafe { arg(value as *const [u8; 16], f, "value") };
    let value = if ty.content == ValType::V128 {
        Ok(Val::V128(u128::from_le_bytes(*value)))
    } else {
        Err(Error::new(format!(
            "{f}: the global type has content {}, not v128",
            ty.content
        )))
    };
    new_global(store, ty, value)
}

/// How many of a module's defined functions run on each tier (see `wasmo_module_tier_counts`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct wasmo_tier_counts_t {
    /// Lift-off mode: not called yet, so not compiled yet.
    pub not_compiled: usize,
    /// Lift-off mode: running the fast unoptimised first tier.
    pub baseline: usize,
    /// Running optimised code (every function, in optimised mode).
    pub optimized: usize,
}

/// Writes to `out` how many of `module`'s defined functions are not compiled yet, run baseline
/// code, and run optimised code. The figures move while the background tier-up worker runs.
#[no_mangle]
pub unsafe extern "C" fn wasmo_module_tier_counts(
    module: *const super::module::wasm_module_t,
    out: *mut wasmo_tier_counts_t,
) {
    let module = unsafe { arg(module, "wasmo_module_tier_counts", "module") }.module();
    let out = unsafe { arg_mut(out, "wasmo_module_tier_counts", "out") };
    let c = module.tier_counts();
    *out = wasmo_tier_counts_t {
        not_compiled: c.not_compiled,
        baseline: c.baseline,
        optimized: c.optimized,
    };
}

/// Blocks until every function of `module` that runs baseline code has been recompiled
/// optimised and swapped in (lift-off mode; returns at once in optimised mode). Functions never
/// called stay uncompiled. For tests and benchmarks that measure the optimised tier.
#[no_mangle]
pub unsafe extern "C" fn wasmo_module_wait_tier_up(module: *const super::module::wasm_module_t) {
    let module = unsafe { arg(module, "wasmo_module_wait_tier_up", "module") }.module();
    module.wait_for_tier_up();
}

/// Loads the serialized module (as `wasm_module_serialize` wrote it) in the file at `path` (a
/// NUL-terminated path) by mapping the file: its machine code is not copied, and processes
/// loading the same file share its code pages. Checked as `wasm_module_deserialize` checks bytes
/// (size, checksum, build, target, CPU features) before any of it is made executable. Where the
/// file system does not allow executable mappings, the code is copied instead. NULL, with the
/// reason in `wasmo_error_message`, if the file cannot be read or is not such a module. Modifying
/// the file in place while a module maps it changes the running code (as for a shared library):
/// replace such files by renaming, as Wasmo's code cache does.
#[no_mangle]
pub unsafe extern "C" fn wasmo_module_deserialize_file(
    store: *mut wasm_store_t,
    path: *const c_char,
) -> *mut super::module::wasm_module_t {
    let store = unsafe { arg(store, "wasmo_module_deserialize_file", "store") };
    if path.is_null() {
        set_last_error(&Error::new("wasmo_module_deserialize_file: path is NULL"));
        return std::ptr::null_mut();
    }
    // SAFETY: a NUL-terminated string, as the header says.
    let bytes = unsafe { std::ffi::CStr::from_ptr(path) }.to_bytes();
    use std::os::unix::ffi::OsStrExt;
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(bytes));
    report(
        crate::api::Module::deserialize_file(store.store.engine(), path),
        |m| super::into_raw(super::module::wasm_module_t::new(m)),
        std::ptr::null_mut(),
    )
}

/// Translates `len` bytes of the text format at `text` (UTF-8, not NUL-terminated) into a
/// binary module and writes it to `out` (a new vector the caller deletes with
/// `wasm_byte_vec_delete`); true on success. False, with `out` an empty vector and the line,
/// column and reason in `wasmo_error_message()`, if the text is not valid UTF-8 or not a valid
/// module text. (wasmtime's `wasmtime_wat2wasm`.)
#[no_mangle]
pub unsafe extern "C" fn wasmo_wat2wasm(
    text: *const c_char,
    len: usize,
    out: *mut super::vec::wasm_byte_vec_t,
) -> bool {
    let out = unsafe { arg_mut(out, "wasmo_wat2wasm", "out") };
    *out = super::vec::wasm_byte_vec_t::from_bytes(&[]);
    // SAFETY: `len` readable bytes at `text`, as the header says (none needed when len is 0).
    let result = unsafe { text_arg(text, len, "wasmo_wat2wasm") }.and_then(crate::api::wat2wasm);
    match report(result, Some, None) {
        Some(bytes) => {
            *out = super::vec::wasm_byte_vec_t::from_bytes(&bytes);
            true
        }
        None => false,
    }
}

/// Creates a module from `len` bytes of the text format at `text`: `wasmo_wat2wasm`, then
/// `wasm_module_new`. NULL, with the reason in `wasmo_error_message()`, if either fails.
#[no_mangle]
pub unsafe extern "C" fn wasmo_module_new_text(
    store: *mut wasm_store_t,
    text: *const c_char,
    len: usize,
) -> *mut super::module::wasm_module_t {
    let store = unsafe { arg(store, "wasmo_module_new_text", "store") };
    // SAFETY: as in `wasmo_wat2wasm`.
    let result = unsafe { text_arg(text, len, "wasmo_module_new_text") }
        .and_then(|t| crate::api::Module::from_text(store.store.engine(), t));
    report(
        result,
        |m| super::into_raw(super::module::wasm_module_t::new(m)),
        std::ptr::null_mut(),
    )
}

/// The text argument of `function`: `len` bytes at `text`, which must be UTF-8.
///
/// # Safety
/// `text` points at `len` readable bytes, or `len` is 0.
unsafe fn text_arg<'a>(
    text: *const c_char,
    len: usize,
    function: &str,
) -> crate::api::Result<&'a str> {
    if len == 0 {
        return Ok("");
    }
    if text.is_null() {
        return Err(Error::new(format!("{function}: text is NULL")));
    }
    // SAFETY: the caller's promise.
    let bytes = unsafe { std::slice::from_raw_parts(text.cast::<u8>(), len) };
    std::str::from_utf8(bytes).map_err(|e| {
        Error::new(format!(
            "{function}: the text is not UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })
}

/// Whether null is a value of the type. wasm.h reflects every function reference type (3.0's
/// `(ref $t)`, `(ref null $t)`, `(ref func)`, `funcref`) as `WASM_FUNCREF` and every host one as
/// `WASM_EXTERNREF`; this and [`wasmo_valtype_is_concrete`] tell them apart. True for
/// `funcref`, `externref` and `(ref null ...)`; false for non-nullable references and for
/// numeric types.
#[no_mangle]
pub unsafe extern "C" fn wasmo_valtype_is_nullable(t: *const super::types::wasm_valtype_t) -> bool {
    let t = unsafe { arg(t, "wasmo_valtype_is_nullable", "self") };
    matches!(t.ty, ValType::Ref(r) if r.nullable)
}

/// Whether the type is a reference to functions of one function type (`(ref $t)` or
/// `(ref null $t)`): a value passed in must then be a function of exactly that type. A module's
/// such types come only from reflection (`wasm_valtype_new` makes `funcref`); copies of them
/// keep the concrete type, so a host function made with an import's own `wasm_functype_t`
/// satisfies it.
#[no_mangle]
pub unsafe extern "C" fn wasmo_valtype_is_concrete(t: *const super::types::wasm_valtype_t) -> bool {
    let t = unsafe { arg(t, "wasmo_valtype_is_concrete", "self") };
    matches!(
        t.ty,
        ValType::Ref(crate::api::RefType {
            heap: crate::api::HeapType::Concrete(_),
            ..
        })
    )
}

/// Turns epoch interruption on or off (off by default). With it on, compiled code checks the
/// engine's epoch at every function entry and on every loop's back-edge, and traps with
/// "interrupted" once it
/// reaches the store's deadline (`wasmo_store_set_epoch_deadline`); another thread advances the
/// epoch with `wasmo_engine_increment_epoch`. Off, no check is compiled. A serialized module
/// loads only into an engine with the setting it was compiled with. (wasmtime's
/// `wasmtime_config_epoch_interruption_set`.)
#[no_mangle]
pub unsafe extern "C" fn wasmo_config_set_epoch_interruption(
    config: *mut wasm_config_t,
    enable: bool,
) {
    let config = unsafe { arg_mut(config, "wasmo_config_set_epoch_interruption", "config") };
    config.config.epoch_interruption = enable;
}

/// Advances the engine's epoch by one. Safe to call from any thread, also while wasm code of the
/// engine runs on others: that is how a host interrupts a running `wasm_func_call`.
/// (wasmtime's `wasmtime_engine_increment_epoch`.)
#[no_mangle]
pub unsafe extern "C" fn wasmo_engine_increment_epoch(engine: *const super::engine::wasm_engine_t) {
    unsafe { arg(engine, "wasmo_engine_increment_epoch", "engine") }
        .engine
        .increment_epoch();
}

/// Sets the store's deadline `ticks_beyond_current` epochs from the engine's current one: once
/// the epoch reaches it, wasm code of the store traps with "interrupted" (a `wasm_trap_t`) at
/// its next check (see `wasmo_config_set_epoch_interruption`), and the store stays usable. Until this is called,
/// the deadline is never; after an interruption, set a new one before calling in again. A
/// deadline changed from a host function while wasm runs applies to the functions called after
/// that, not to loops already running (compiled code reads it once per call).
/// Without epoch interruption (`wasmo_config_set_epoch_interruption`) it has no effect.
/// (wasmtime's `wasmtime_context_set_epoch_deadline`.)
#[no_mangle]
pub unsafe extern "C" fn wasmo_store_set_epoch_deadline(
    store: *mut wasm_store_t,
    ticks_beyond_current: u64,
) {
    unsafe { arg(store, "wasmo_store_set_epoch_deadline", "store") }
        .store
        .set_epoch_deadline(ticks_beyond_current);
}

/// Caps what the store may allocate from now on, as wasmtime's `wasmtime_store_limiter` does
/// (a negative value is no cap): bytes of one linear memory, elements of one table, and how
/// many instances, tables and memories the store may hold. `memory.grow`, `table.grow`,
/// `wasm_memory_grow` and `wasm_table_grow` fail past a cap as past a maximum;
/// `wasm_instance_new`, `wasm_memory_new` and `wasm_table_new` past one return NULL, with the
/// cap named in `wasmo_error_message()`. Keeps the total set by
/// `wasmo_store_set_total_memory_limit`.
#[no_mangle]
pub unsafe extern "C" fn wasmo_store_limiter(
    store: *mut wasm_store_t,
    memory_size: i64,
    table_elements: i64,
    instances: i64,
    tables: i64,
    memories: i64,
) {
    let store = &unsafe { arg(store, "wasmo_store_limiter", "store") }.store;
    let cap = |v: i64| (v >= 0).then_some(v as u64);
    let count = |v: i64| (v >= 0).then(|| usize::try_from(v).unwrap_or(usize::MAX));
    store.set_limits(crate::api::StoreLimits {
        memory_size: cap(memory_size),
        total_memory: store.limits().total_memory,
        table_elements: cap(table_elements),
        instances: count(instances),
        tables: count(tables),
        memories: count(memories),
    });
}

/// Caps the bytes of all the store's linear memories together (negative: no cap), as
/// `wasmo_store_limiter` does for each.
#[no_mangle]
pub unsafe extern "C" fn wasmo_store_set_total_memory_limit(store: *mut wasm_store_t, bytes: i64) {
    let store = &unsafe { arg(store, "wasmo_store_set_total_memory_limit", "store") }.store;
    let mut limits = store.limits();
    limits.total_memory = (bytes >= 0).then_some(bytes as u64);
    store.set_limits(limits);
}

// ---- exception tags (Wasm 3.0 exception handling) -------------------------------------------

/// The extern kind of a tag (`wasm_extern_kind`, `wasm_externtype_kind`): upstream wasm.h has
/// none.
pub const WASMO_EXTERN_TAG: super::types::wasm_externkind_t = 4;

/// An exception tag: an exception's kind, which `catch` clauses name. An extern like a function
/// (a `wasm_ref_t` underneath): owned, deleted with `wasmo_tag_delete`; each copy is a new
/// handle to the same tag.
#[derive(Clone)]
#[repr(transparent)]
pub struct wasmo_tag_t {
    pub(crate) r: super::r#ref::wasm_ref_t,
}

impl wasmo_tag_t {
    /// A new owned handle to `tag` of `store`.
    fn new_raw(store: &crate::api::Store, tag: crate::api::Tag) -> *mut wasmo_tag_t {
        let object = super::r#ref::Object::Tag(super::r#ref::StoreObject::new(store, tag));
        super::into_raw(wasmo_tag_t {
            r: super::r#ref::wasm_ref_t { object },
        })
    }

    fn tag(&self) -> (&crate::api::Store, crate::api::Tag) {
        match &self.r.object {
            super::r#ref::Object::Tag(o) => (o.store(), o.tag()),
            _ => unreachable!("a wasmo_tag_t always holds a tag"),
        }
    }
}

/// A new tag in `store` whose exceptions carry values of `type`'s parameters; NULL (with the
/// reason in `wasmo_error_message`) if `type` has results.
#[no_mangle]
pub unsafe extern "C" fn wasmo_tag_new(
    store: *mut wasm_store_t,
    r#type: *const super::types::wasm_functype_t,
) -> *mut wasmo_tag_t {
    let f = "wasmo_tag_new";
    let store = &unsafe { arg(store, f, "store") }.store;
    let ty = unsafe { arg(r#type, f, "type") }.to_core();
    report(
        crate::api::Tag::new(store, ty),
        |tag| wasmo_tag_t::new_raw(store, tag),
        std::ptr::null_mut(),
    )
}

/// Deletes a tag handle (the tag lives on with its store and its other handles).
#[no_mangle]
pub unsafe extern "C" fn wasmo_tag_delete(tag: *mut wasmo_tag_t) {
    // SAFETY: the caller passes ownership of a handle we returned (or NULL).
    unsafe { super::delete_box(tag) }
}

/// A new handle to the same tag.
#[no_mangle]
pub unsafe extern "C" fn wasmo_tag_copy(tag: *const wasmo_tag_t) -> *mut wasmo_tag_t {
    super::into_raw(unsafe { arg(tag, "wasmo_tag_copy", "self") }.clone())
}

/// Whether two handles denote the same tag (a tag's identity: an import is its exporter's tag,
/// each definition in each instance a new one).
#[no_mangle]
pub unsafe extern "C" fn wasmo_tag_same(a: *const wasmo_tag_t, b: *const wasmo_tag_t) -> bool {
    let a = unsafe { arg(a, "wasmo_tag_same", "a") };
    let b = unsafe { arg(b, "wasmo_tag_same", "b") };
    a.r.object.same(&b.r.object)
}

/// The tag's type, as a new function type (its payload as parameters, no results).
#[no_mangle]
pub unsafe extern "C" fn wasmo_tag_type(
    tag: *const wasmo_tag_t,
) -> *mut super::types::wasm_functype_t {
    let (store, tag) = unsafe { arg(tag, "wasmo_tag_type", "self") }.tag();
    super::into_raw(super::types::wasm_functype_t::from_core(&tag.ty(store)))
}

/// The tag as an extern (of kind `WASMO_EXTERN_TAG`), e.g. for `wasm_instance_new`'s imports;
/// the same object, not a copy.
#[no_mangle]
pub extern "C" fn wasmo_tag_as_extern(
    tag: *mut wasmo_tag_t,
) -> *mut super::external::wasm_extern_t {
    tag.cast()
}

/// `wasmo_tag_as_extern` for a const pointer.
#[no_mangle]
pub extern "C" fn wasmo_tag_as_extern_const(
    tag: *const wasmo_tag_t,
) -> *const super::external::wasm_extern_t {
    tag.cast()
}

/// The extern as a tag (the same object), or NULL if it is not one.
#[no_mangle]
pub unsafe extern "C" fn wasmo_extern_as_tag(
    e: *mut super::external::wasm_extern_t,
) -> *mut wasmo_tag_t {
    unsafe { wasmo_extern_as_tag_const(e) }.cast_mut()
}

/// `wasmo_extern_as_tag` for a const pointer.
#[no_mangle]
pub unsafe extern "C" fn wasmo_extern_as_tag_const(
    e: *const super::external::wasm_extern_t,
) -> *const wasmo_tag_t {
    match unsafe { arg(e, "wasmo_extern_as_tag_const", "self") }
        .r
        .object
    {
        super::r#ref::Object::Tag(_) => e.cast(),
        _ => std::ptr::null(),
    }
}

/// The type of a tag import or export (an extern type of kind `WASMO_EXTERN_TAG`) as a new
/// function type, or NULL for another kind.
#[no_mangle]
pub unsafe extern "C" fn wasmo_externtype_tag_type(
    t: *const super::types::wasm_externtype_t,
) -> *mut super::types::wasm_functype_t {
    match unsafe { arg(t, "wasmo_externtype_tag_type", "self") }.to_core() {
        crate::api::ExternType::Tag(ty) => {
            super::into_raw(super::types::wasm_functype_t::from_core(&ty))
        }
        _ => std::ptr::null_mut(),
    }
}

/// A trap that, returned by a host function's callback, throws an exception of `tag` with
/// `payload` (copied; one value per tag parameter, of its type) into the wasm that called it,
/// where a handler can catch it. The host function has returned by then: no host frame is
/// unwound. A payload that does not match the tag makes the call trap instead. Returned to the
/// host (or uncaught), it is the trap "uncaught exception". v128 payloads cannot be given.
#[no_mangle]
pub unsafe extern "C" fn wasmo_exception_new(
    store: *mut wasm_store_t,
    tag: *const wasmo_tag_t,
    payload: *const super::val::wasm_val_vec_t,
) -> *mut super::trap::wasm_trap_t {
    use super::vec::CVec;
    let f = "wasmo_exception_new";
    let store = &unsafe { arg(store, f, "store") }.store;
    let (_, tag) = unsafe { arg(tag, f, "tag") }.tag();
    let given = unsafe { arg(payload, f, "payload").as_slice() };
    let ty = tag.ty(store);
    let values = match super::val::vals_from_c(store, given, &ty.params) {
        Ok(v) => v,
        Err(e) => {
            let mut m = format!("wasmo_exception_new: payload of tag {ty}: {e}").into_bytes();
            m.push(0);
            return super::trap::trap_from_message(m);
        }
    };
    super::trap::exception_trap(store, tag, values)
}

/// If `trap` is an "uncaught exception" trap (or one `wasmo_exception_new` made): true, with a
/// new handle to its tag in `*tag_out` (unless NULL) and its payload as a new vector in
/// `*payload_out` (unless NULL; v128 values come out as kind `WASMO_V128` with no bits). False,
/// touching neither, for any other trap.
#[no_mangle]
pub unsafe extern "C" fn wasmo_trap_exception(
    trap: *const super::trap::wasm_trap_t,
    tag_out: *mut *mut wasmo_tag_t,
    payload_out: *mut super::val::wasm_val_vec_t,
) -> bool {
    use super::vec::CVec;
    let trap = unsafe { arg(trap, "wasmo_trap_exception", "self") };
    let Some((store, tag, payload)) = trap.exception() else {
        return false;
    };
    if !tag_out.is_null() {
        // SAFETY: the caller's out-parameter.
        unsafe { *tag_out = wasmo_tag_t::new_raw(&store, tag) };
    }
    if !payload_out.is_null() {
        let values = payload
            .iter()
            .map(|&v| super::val::val_to_c(&store, v))
            .collect();
        // SAFETY: the caller's out-parameter, overwritten without being read.
        unsafe { payload_out.write(super::val::wasm_val_vec_t::from_vec(values)) };
    }
    true
}
