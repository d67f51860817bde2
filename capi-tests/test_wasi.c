// WASI through wasi.h: a configuration (argv, env, stdin bytes, stdout to a file, a preopened
// directory), imports in module order with a host function of the embedder's own in between, the
// exit status of proc_exit read from the trap, and the errors of each step. Under valgrind.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "wasi.h"
#include "wasmo.h"

static wasm_trap_t* add(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 + args->data[1].of.i32;
  return NULL;
}

static wasm_trap_t* noop_cb(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  return NULL;
}

static char* read_file(const char* path) {
  static char buf[4096];
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  return buf;
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  load_wasm("wasi_copy", &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);

  char dir[] = "/tmp/wasmo-test-wasi-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char in_path[256], out_path[256];
  snprintf(in_path, sizeof in_path, "%s/in.txt", dir);
  snprintf(out_path, sizeof out_path, "%s/out.txt", dir);
  FILE* f = fopen(in_path, "w");
  fputs("from the file\n", f);
  fclose(f);

  wasi_config_t* config = wasi_config_new();
  const char* argv[] = {"prog", "x"};
  CHECK(wasi_config_set_argv(config, 2, argv));
  const char* names[] = {"K"};
  const char* values[] = {"V"};
  CHECK(wasi_config_set_env(config, 1, names, values));
  wasm_byte_vec_t input;
  wasm_byte_vec_new(&input, 10, "from stdin");
  wasi_config_set_stdin_bytes(config, &input);  // takes it
  CHECK(wasi_config_set_stdout_file(config, out_path));
  char err_path[256];
  snprintf(err_path, sizeof err_path, "%s/err.txt", dir);
  CHECK(wasi_config_set_stderr_file(config, err_path));
  wasi_config_inherit_stderr(config);  // replaces the file (which stays, empty)
  CHECK(!wasi_config_preopen_dir(config, "/nonexistent/wasmo", "/x", true));
  CHECK(strstr(wasmo_error_message(), "is not a directory") != NULL);
  CHECK(wasi_config_preopen_dir(config, dir, "/", false));
  CHECK(!wasi_config_set_stdin_file(config, "/nonexistent/wasmo-stdin"));
  CHECK(wasmo_error_message() != NULL);

  wasi_env_t* env = wasi_env_new(store, config);
  CHECK(env != NULL);
  wasm_extern_vec_t imports;
  CHECK(wasi_get_imports(store, env, module, &imports));
  CHECK(imports.size == 6);
  // The embedder's own import is left for it.
  CHECK(imports.data[0] != NULL && imports.data[1] == NULL && imports.data[5] != NULL);
  // A NULL left in makes instantiation fail, with a message.
  wasm_trap_t* trap = NULL;
  CHECK(wasm_instance_new(store, module, &imports, &trap) == NULL);
  CHECK(wasmo_error_message() != NULL);
  if (trap) wasm_trap_delete(trap);
  trap = NULL;

  wasm_functype_t* add_type = wasm_functype_new_2_1(wasm_valtype_new_i32(), wasm_valtype_new_i32(),
                                                    wasm_valtype_new_i32());
  wasm_func_t* add_func = wasm_func_new(store, add_type, add);
  wasm_functype_delete(add_type);
  imports.data[1] = wasm_func_as_extern(add_func);
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance != NULL && trap == NULL);
  CHECK(wasi_env_initialize_instance(env, store, instance));
  wasm_func_t* start = wasi_get_start_function(instance);
  CHECK(start != NULL);

  wasm_val_vec_t none = WASM_EMPTY_VEC;
  trap = wasm_func_call(start, &none, &none);
  CHECK(trap != NULL);
  int status = -1;
  CHECK(trap && wasmo_trap_exit_status(trap, &status));
  CHECK(status == 5);  // argc 2 + 3
  if (trap) {
    CHECK(trap_message_is(trap, "the WASI program exited with status 5"));
    wasm_trap_delete(trap);
  }
  const char* out = read_file(out_path);
  CHECK(out && strcmp(out, "from stdinfrom the file\n") == 0);

  // An ordinary trap carries no exit status, and the store stays usable.
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* crash = wasm_extern_as_func(export_named(module, &exports, "crash"));
  trap = wasm_func_call(crash, &none, &none);
  CHECK(trap != NULL && !wasmo_trap_exit_status(trap, NULL));
  if (trap) wasm_trap_delete(trap);
  trap = wasm_func_call(start, &none, &none);
  CHECK(trap && wasmo_trap_exit_status(trap, &status) && status == 5);
  if (trap) wasm_trap_delete(trap);
  wasm_extern_vec_delete(&exports);

  wasm_func_delete(start);
  wasm_instance_delete(instance);
  wasm_extern_vec_delete(&imports);  // deletes add_func too
  wasi_env_delete(env);

  // A WASI import that preview 1 does not have is refused, with the name in the message.
  wasm_byte_vec_t bad;
  load_wasm("wasi_bad", &bad);
  wasm_module_t* bad_module = wasm_module_new(store, &bad);
  wasm_byte_vec_delete(&bad);
  CHECK(bad_module != NULL);
  if (bad_module) {
    wasi_config_t* c2 = wasi_config_new();
    wasi_config_inherit_argv(c2);
    wasi_config_inherit_env(c2);
    wasi_config_inherit_stdin(c2);
    wasi_config_inherit_stdout(c2);
    wasi_env_t* e2 = wasi_env_new(store, c2);
    wasm_extern_vec_t im2;
    CHECK(!wasi_get_imports(store, e2, bad_module, &im2));
    CHECK(im2.size == 0);
    CHECK(strstr(wasmo_error_message(), "wasi_snapshot_preview1.bad") != NULL);
    wasm_extern_vec_delete(&im2);
    // An instance without a _start export has no start function.
    wasm_extern_vec_t stand_in = WASM_EMPTY_VEC;
    wasm_functype_t* nothing = wasm_functype_new_0_0();
    wasm_func_t* noop = wasm_func_new(store, nothing, noop_cb);
    wasm_functype_delete(nothing);
    wasm_extern_t* one[] = {wasm_func_as_extern(noop)};
    wasm_extern_vec_new(&stand_in, 1, one);
    wasm_instance_t* i2 = wasm_instance_new(store, bad_module, &stand_in, NULL);
    CHECK(i2 != NULL && wasi_get_start_function(i2) == NULL);
    if (i2) wasm_instance_delete(i2);
    wasm_extern_vec_delete(&stand_in);
    wasi_env_delete(e2);
    wasm_module_delete(bad_module);
  }
  // A configuration never used is deleted on its own.
  wasi_config_delete(wasi_config_new());
  // wasi_env_new takes the configuration also when it fails.
  wasi_config_t* c3 = wasi_config_new();
  CHECK(wasi_config_preopen_dir(c3, dir, "/d", true));
  CHECK(rmdir(dir) != 0);  // not empty yet
  unlink(in_path);
  unlink(out_path);
  unlink(err_path);
  CHECK(rmdir(dir) == 0);
  CHECK(wasi_env_new(store, c3) == NULL);
  CHECK(strstr(wasmo_error_message(), "cannot preopen") != NULL);

  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_wasi");
}
