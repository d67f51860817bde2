// The on-disk code cache through wasmo.h: off by default, entries written on a miss, used on a
// hit, damaged entries ignored and rewritten, NULL turns it off.
#include <dirent.h>
#include "harness.h"

static int count_entries(const char* dir) {
  DIR* d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) != NULL)
    if (strstr(e->d_name, ".cwasm") && e->d_name[0] != '.') n++;
  closedir(d);
  return n;
}

static const char* first_entry(const char* dir, char* path, size_t size) {
  DIR* d = opendir(dir);
  struct dirent* e;
  path[0] = 0;
  while (d && (e = readdir(d)) != NULL)
    if (strstr(e->d_name, ".cwasm") && e->d_name[0] != '.') snprintf(path, size, "%s/%s", dir, e->d_name);
  if (d) closedir(d);
  return path;
}

// Compiles the module with the cache in `dir` (NULL: none) and checks f() == 42.
static void compile_and_run(const char* dir, const wasm_byte_vec_t* binary) {
  wasm_config_t* config = wasm_config_new();
  // Optimised mode, whose modules go to the cache whole (lift-off keeps tier-up records there:
  // tests/tier_cache.rs).
  CHECK(wasmo_config_set_mode(config, WASMO_MODE_OPTIMIZED));
  CHECK(wasmo_config_set_cache_dir(config, dir));
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = wasm_module_new(store, binary);
  CHECK(module != NULL);
  if (module) {
    wasm_extern_vec_t imports = WASM_EMPTY_VEC;
    wasm_instance_t* inst = wasm_instance_new(store, module, &imports, NULL);
    CHECK(inst != NULL);
    if (inst) {
      wasm_extern_vec_t exports;
      wasm_instance_exports(inst, &exports);
      wasm_val_t r[1] = {WASM_INIT_VAL};
      wasm_val_vec_t args = WASM_EMPTY_VEC, results = WASM_ARRAY_VEC(r);
      wasm_trap_t* trap = wasm_func_call(wasm_extern_as_func(exports.data[0]), &args, &results);
      CHECK(trap == NULL && r[0].of.i32 == 42);
      if (trap) wasm_trap_delete(trap);
      wasm_extern_vec_delete(&exports);
      wasm_instance_delete(inst);
    }
    wasm_module_delete(module);
  }
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

int main(void) {
  char dir[] = "/tmp/wasmo-cache-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char sub[256];
  snprintf(sub, sizeof sub, "%s/entries", dir);
  wasm_byte_vec_t binary;
  load_wasm("cache", &binary);

  compile_and_run(NULL, &binary);  // no cache: nothing written anywhere
  CHECK(count_entries(sub) == -1);

  compile_and_run(sub, &binary);  // miss: the directory and one entry appear
  CHECK(count_entries(sub) == 1);
  compile_and_run(sub, &binary);  // hit
  CHECK(count_entries(sub) == 1);

  // A damaged entry is ignored (the module still works) and rewritten.
  char path[512];
  first_entry(sub, path, sizeof path);
  FILE* f = fopen(path, "r+b");
  CHECK(f != NULL);
  if (f) {
    fseek(f, 100, SEEK_SET);
    fputc(0x5a, f);
    fclose(f);
  }
  compile_and_run(sub, &binary);
  CHECK(count_entries(sub) == 1);
  compile_and_run(sub, &binary);

  // Clean up the scratch directory.
  first_entry(sub, path, sizeof path);
  unlink(path);
  rmdir(sub);
  rmdir(dir);
  wasm_byte_vec_delete(&binary);
  return test_finish("test_cache");
}
