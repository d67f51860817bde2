// WASI preview 1 for the WebAssembly C API, as Wasmo implements it.
//
// GENERATED FILE: the declarations between the @generated markers come from src/capi/wasi.rs
// through cbindgen; the rest is the template src/capi/header/wasi.h.in. Regenerate with
// `scripts/gen-headers.sh`; `cargo test --test headers` fails when they drift apart.
//
// The configuration functions have the names and signatures of wasmtime's wasi.h (wasmer's
// wasi_config_new takes a program name; this one, as wasmtime's, takes none: set argv with
// wasi_config_set_argv). wasm.h has no linker, so instantiation follows wasmer's wasi.h:
//
//   wasi_config_t *config = wasi_config_new();
//   wasi_config_set_argv(config, argc, argv);
//   wasi_config_inherit_stdout(config);
//   wasi_config_preopen_dir(config, "data", "/data", false);
//   wasi_env_t *env = wasi_env_new(store, config);              // takes the config
//   wasm_extern_vec_t imports;
//   wasi_get_imports(store, env, module, &imports);             // NULL where not WASI
//   ... put the host's own imports into the NULL slots ...
//   wasm_instance_t *instance = wasm_instance_new(store, module, &imports, &trap);
//   wasi_env_initialize_instance(env, store, instance);         // binds its "memory"
//   wasm_func_t *start = wasi_get_start_function(instance);
//   wasm_trap_t *trap = wasm_func_call(start, &args, &results);
//   int status = 0;
//   if (trap && wasmo_trap_exit_status(trap, &status)) { ... proc_exit(status) ... }
//
// The guest reaches only the preopened directories: every path is resolved beneath one by the
// kernel, so `..` past it, absolute paths and symlinks that lead out are refused (ENOTCAPABLE);
// a read-only preopen refuses every write. Sockets cannot be preopened (sock_* answer ENOTSOCK).

#ifndef WASI_H
#define WASI_H

#include "wasm.h"

#ifdef __cplusplus
extern "C" {
#endif

// What a WASI program will see (arguments, environment, standard streams, directories).
typedef struct wasi_config_t wasi_config_t;
// A WASI program's descriptors and the memory its calls use, for one instance.
typedef struct wasi_env_t wasi_env_t;

// A new configuration: no arguments, no environment, no preopened directory, and standard
// streams that read nothing and discard what is written (as wasmtime's).
WASM_API_EXTERN wasi_config_t *wasi_config_new(void);

// Deletes a configuration that was not passed to `wasi_env_new` (NULL is ignored).
WASM_API_EXTERN void wasi_config_delete(wasi_config_t *config);

// Sets `argv` (the program's name first), copying the `argc` strings. False, with
// `wasmo_error_message()` set, if one is NULL or not UTF-8 (as wasmtime).
WASM_API_EXTERN bool wasi_config_set_argv(wasi_config_t *config, size_t argc, const char **argv);

// Sets `argv` to this process's own arguments.
WASM_API_EXTERN void wasi_config_inherit_argv(wasi_config_t *config);

// Sets the environment to `envc` pairs of `names[i]=values[i]`, copied. False if one is NULL
// or not UTF-8.
WASM_API_EXTERN
bool wasi_config_set_env(wasi_config_t *config,
                         size_t envc,
                         const char **names,
                         const char **values);

// Sets the environment to this process's own.
WASM_API_EXTERN void wasi_config_inherit_env(wasi_config_t *config);

// Standard input from the file at `path`; false if it cannot be opened for reading.
WASM_API_EXTERN bool wasi_config_set_stdin_file(wasi_config_t *config, const char *path);

// Standard input from these bytes, then end of file. Takes ownership of `binary`.
WASM_API_EXTERN void wasi_config_set_stdin_bytes(wasi_config_t *config, wasm_byte_vec_t *binary);

// Standard input is this process's own.
WASM_API_EXTERN void wasi_config_inherit_stdin(wasi_config_t *config);

// Standard output to the file at `path`, created or truncated now; false if that fails.
WASM_API_EXTERN bool wasi_config_set_stdout_file(wasi_config_t *config, const char *path);

// Standard output is this process's own.
WASM_API_EXTERN void wasi_config_inherit_stdout(wasi_config_t *config);

// Standard error to the file at `path`, created or truncated now; false if that fails.
WASM_API_EXTERN bool wasi_config_set_stderr_file(wasi_config_t *config, const char *path);

// Standard error is this process's own.
WASM_API_EXTERN void wasi_config_inherit_stderr(wasi_config_t *config);

// Gives the program the host directory `host_path` as `guest_path`; nothing outside it can be
// reached through it (no `..` past it, no absolute path, no symlink leading out). With
// `fs_mutable` false nothing in it can be written, created, removed, renamed or linked
// (wasmtime's signature). Preopens get descriptors 3, 4, ... in the order they are added.
// False if `host_path` is not a directory.
WASM_API_EXTERN
bool wasi_config_preopen_dir(wasi_config_t *config,
                             const char *host_path,
                             const char *guest_path,
                             bool fs_mutable);

// A WASI environment for one instance in `store`, opening what `config` names. Takes
// ownership of `config` (also when it fails). NULL, with `wasmo_error_message()` set, if a
// preopened directory or a stdio file cannot be opened.
WASM_API_EXTERN wasi_env_t *wasi_env_new(wasm_store_t *store, wasi_config_t *config);

// Deletes an environment (NULL is ignored). The host functions `wasi_get_imports` made keep
// what they need.
WASM_API_EXTERN void wasi_env_delete(wasi_env_t *env);

// Fills `imports` with one entry per import of `module`, in import order, for
// `wasm_instance_new`: a host function for each import from `wasi_snapshot_preview1`, and NULL
// for the imports of other modules, which the host puts in before instantiating (a NULL left
// there makes `wasm_instance_new` fail). False, with `imports` empty and `wasmo_error_message()`
// set, if the module imports from `wasi_snapshot_preview1` something preview 1 does not have
// or with another type. The vector is the caller's (`wasm_extern_vec_delete`).
WASM_API_EXTERN
bool wasi_get_imports(const wasm_store_t *store,
                      wasi_env_t *env,
                      const wasm_module_t *module,
                      wasm_extern_vec_t *imports);

// Binds the environment to the instance made with its imports: the WASI functions read and
// write the instance's exported `memory`. False if it exports none. Call it before calling
// into the instance; a WASI call before it (from a start function) traps.
WASM_API_EXTERN
bool wasi_env_initialize_instance(wasi_env_t *env,
                                  wasm_store_t *store,
                                  wasm_instance_t *instance);

// The instance's `_start` export (a WASI command's entry point), or NULL if it has none. The
// function is the caller's (`wasm_func_delete`).
WASM_API_EXTERN wasm_func_t *wasi_get_start_function(wasm_instance_t *instance);

// Whether `trap` is a WASI program's `proc_exit`; if so its status goes to `*status`. (A
// command that returns from `_start` exits with 0 and makes no trap.)
WASM_API_EXTERN bool wasmo_trap_exit_status(const wasm_trap_t *trap, int *status);

#ifdef __cplusplus
}  // extern "C"
#endif

#endif  // WASI_H
