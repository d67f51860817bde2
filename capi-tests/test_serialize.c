// wasm_module_serialize / wasm_module_deserialize: the round trip in one engine, in another
// engine, in another process (a child loading the artifact from a file; also `--load FILE`),
// from a lift-off module, and every kind of bad artifact refused with a message; the same artifact
// mapped from its file (wasmo_module_deserialize_file).
#include "harness.h"

// Trap messages carry a trailing NUL: compare without it.
#define CHECK_MSG(vec, str) \
  CHECK((vec)->size == strlen(str) + 1 && memcmp((vec)->data, (str), strlen(str)) == 0)

static wasm_trap_t* add1(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  results->data[0] = (wasm_val_t)WASM_I32_VAL(args->data[0].of.i32 + 1);
  return NULL;
}

// Instantiates `module` and returns run(7): 7*7 + (100 + 42) + 1 = 192 on a fresh instance.
static int32_t run(wasm_store_t* store, const wasm_module_t* module) {
  wasm_functype_t* ty = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* host = wasm_func_new(store, ty, add1);
  wasm_functype_delete(ty);
  wasm_extern_t* ext[1] = {wasm_func_as_extern(host)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(ext);
  wasm_instance_t* inst = wasm_instance_new(store, module, &imports, NULL);
  int32_t result = -1;
  if (inst) {
    wasm_extern_vec_t exports;
    wasm_instance_exports(inst, &exports);
    wasm_val_t a[1] = {WASM_I32_VAL(7)}, r[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(a), results = WASM_ARRAY_VEC(r);
    wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(exports.data[1]), &args, &results);
    if (!trap) result = r[0].of.i32;
    else wasm_trap_delete(trap);
    // A trap in deserialised code is a trap like any other.
    wasm_val_vec_t none = WASM_EMPTY_VEC;
    wasm_val_t r2[1] = {WASM_INIT_VAL};
    wasm_val_vec_t results2 = WASM_ARRAY_VEC(r2);
    trap = wasm_func_call(wasm_extern_as_func(exports.data[2]), &none, &results2);
    CHECK(trap != NULL);
    if (trap) {
      wasm_message_t msg;
      wasm_trap_message(trap, &msg);
      CHECK_MSG(&msg, "integer divide by zero");
      wasm_byte_vec_delete(&msg);
      wasm_trap_delete(trap);
    }
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(inst);
  }
  wasm_func_delete(host);
  return result;
}

static void refuse(wasm_store_t* store, const wasm_byte_vec_t* bytes, const char* reason) {
  wasmo_error_clear();
  wasm_module_t* m = wasm_module_deserialize(store, bytes);
  CHECK(m == NULL);
  if (m) wasm_module_delete(m);
  const char* msg = wasmo_error_message();
  CHECK(msg != NULL && strstr(msg, reason) != NULL);
  if (msg && !strstr(msg, reason)) fprintf(stderr, "  expected '%s' in: %s\n", reason, msg);
}

static int load_file(const char* path) {
  FILE* f = fopen(path, "rb");
  if (!f) return 2;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_t bytes;
  wasm_byte_vec_new_uninitialized(&bytes, (size_t)size);
  size_t got = fread(bytes.data, 1, (size_t)size, f);
  fclose(f);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = got == (size_t)size ? wasm_module_deserialize(store, &bytes) : NULL;
  int32_t result = module ? run(store, module) : -1;
  if (module) wasm_module_delete(module);
  // The same file, mapped.
  wasm_module_t* mapped = wasmo_module_deserialize_file(store, path);
  if (!mapped || run(store, mapped) != 192) result = -1;
  if (mapped) wasm_module_delete(mapped);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  wasm_byte_vec_delete(&bytes);
  return result == 192 && test_failures == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc == 3 && strcmp(argv[1], "--load") == 0) return load_file(argv[2]);

  // Optimised engines until the fork below: a forked child has only the forking thread, and
  // valgrind counts what a lift-off engine's compile thread held as leaked there.
  wasm_config_t* config1 = wasm_config_new();
  CHECK(wasmo_config_set_mode(config1, WASMO_MODE_OPTIMIZED));
  wasm_engine_t* engine = wasm_engine_new_with_config(config1);
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  load_wasm("serialize", &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module != NULL);
  if (!module) return test_finish("test_serialize");
  CHECK(run(store, module) == 192);

  wasm_byte_vec_t artifact;
  wasm_module_serialize(module, &artifact);
  CHECK(artifact.size > 64);

  // Same engine, twice (each load is its own module), and a fresh engine.
  wasm_module_t* a = wasm_module_deserialize(store, &artifact);
  wasm_module_t* b = wasm_module_deserialize(store, &artifact);
  CHECK(a != NULL && b != NULL);
  if (a) CHECK(run(store, a) == 192);
  if (b) CHECK(run(store, b) == 192);
  if (a) {
    wasm_importtype_vec_t imports;
    wasm_module_imports(a, &imports);
    CHECK(imports.size == 1);
    wasm_importtype_vec_delete(&imports);
  }
  wasm_config_t* config2 = wasm_config_new();
  CHECK(wasmo_config_set_mode(config2, WASMO_MODE_OPTIMIZED));
  wasm_engine_t* engine2 = wasm_engine_new_with_config(config2);
  wasm_store_t* store2 = wasm_store_new(engine2);
  wasm_module_t* c = wasm_module_deserialize(store2, &artifact);
  CHECK(c != NULL);
  if (c) {
    CHECK(run(store2, c) == 192);
    // A deserialised module serialises again.
    wasm_byte_vec_t again;
    wasm_module_serialize(c, &again);
    wasm_module_t* d = wasm_module_deserialize(store2, &again);
    CHECK(d != NULL && run(store2, d) == 192);
    if (d) wasm_module_delete(d);
    wasm_byte_vec_delete(&again);
    wasm_module_delete(c);
  }

  // Another process loading the artifact from a file with its own engine. A forked child (not
  // exec: under valgrind, an exec'd child would run natively, on a CPU with other features than
  // the emulated one the artifact was compiled for, and be refused for that, rightly).
  char path[] = "/tmp/wasmo-serialize-XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  if (fd >= 0) {
    CHECK(write(fd, artifact.data, artifact.size) == (ssize_t)artifact.size);
    close(fd);
    pid_t pid = fork();
    if (pid == 0) _exit(load_file(path));
    int status = -1;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    // Mapped here too; the mapping outlives the file's name.
    wasm_module_t* mapped = wasmo_module_deserialize_file(store, path);
    CHECK(mapped != NULL);
    unlink(path);
    if (mapped) {
      CHECK(run(store, mapped) == 192);
      wasm_module_delete(mapped);
    }
    wasmo_error_clear();
    CHECK(wasmo_module_deserialize_file(store, path) == NULL);
    CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), "cannot read serialized module"));
    CHECK(wasmo_module_deserialize_file(store, NULL) == NULL);
  }

  // Bad artifacts.
  wasm_byte_vec_t bad;
  wasm_byte_vec_new_empty(&bad);
  refuse(store, &bad, "magic");
  wasm_byte_vec_delete(&bad);
  refuse(store, &binary, "magic");  // plain wasm is not an artifact
  for (size_t len = 0; len < artifact.size; len += artifact.size / 7 + 1) {
    wasm_byte_vec_new(&bad, len, artifact.data);
    refuse(store, &bad, len < 8 ? "magic" : "truncated");
    wasm_byte_vec_delete(&bad);
  }
  size_t spots[] = {30, 200, artifact.size / 2, artifact.size - 1};
  for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
    wasm_byte_vec_copy(&bad, &artifact);
    bad.data[spots[i]] ^= 0x40;
    refuse(store, &bad, "checksum");
    wasm_byte_vec_delete(&bad);
  }
  wasm_byte_vec_copy(&bad, &artifact);
  bad.data[8] = 9;
  refuse(store, &bad, "format version 9");
  wasm_byte_vec_delete(&bad);

  // A lift-off module serialises its optimised code.
  wasm_config_t* config = wasm_config_new();
  wasmo_config_set_mode(config, WASMO_MODE_LIFTOFF);
  wasm_engine_t* liftoff = wasm_engine_new_with_config(config);
  wasm_store_t* store3 = wasm_store_new(liftoff);
  wasm_module_t* lm = wasm_module_new(store3, &binary);
  CHECK(lm != NULL);
  if (lm) {
    CHECK(run(store3, lm) == 192);
    wasm_byte_vec_t lart;
    wasm_module_serialize(lm, &lart);
    wasm_module_t* e = wasm_module_deserialize(store, &lart);
    CHECK(e != NULL);
    if (e) {
      wasmo_tier_counts_t counts;
      wasmo_module_tier_counts(e, &counts);
      CHECK(counts.optimized == 3 && counts.baseline == 0 && counts.not_compiled == 0);
      CHECK(run(store, e) == 192);
      wasm_module_delete(e);
    }
    wasm_byte_vec_delete(&lart);
    wasm_module_delete(lm);
  }
  wasm_store_delete(store3);
  wasm_engine_delete(liftoff);

  if (a) wasm_module_delete(a);
  if (b) wasm_module_delete(b);
  wasm_byte_vec_delete(&artifact);
  wasm_byte_vec_delete(&binary);
  wasm_module_delete(module);
  wasm_store_delete(store2);
  wasm_engine_delete(engine2);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_serialize");
}
