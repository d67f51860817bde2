// Store limits through wasmo.h: wasmo_store_limiter caps a memory's bytes, a table's elements
// and the store's instances; wasmo_store_set_total_memory_limit all memories together. Growth
// past a cap fails from wasm and from the host; instantiation past one fails with a message;
// a deleted instance gives its memory's bytes back.
#include <string.h>

#include "harness.h"
#include "wasmo.h"

static int32_t grow(wasm_func_t* f, int32_t pages) {
  wasm_val_t arg[1] = {WASM_I32_VAL(pages)};
  wasm_val_t out[1];
  wasm_val_vec_t args = WASM_ARRAY_VEC(arg);
  wasm_val_vec_t results = WASM_ARRAY_VEC(out);
  wasm_trap_t* trap = wasm_func_call(f, &args, &results);
  CHECK(trap == NULL);
  if (trap) wasm_trap_delete(trap);
  return out[0].of.i32;
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  load_wasm("limits", &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);

  // 3 pages per memory, 5 table elements, 1 instance; tables and memories unlimited.
  wasmo_store_limiter(store, 3 * 65536, 5, 1, -1, -1);
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_memory_t* mem = wasm_extern_as_memory(export_named(module, &exports, "mem"));
  wasm_table_t* tab = wasm_extern_as_table(export_named(module, &exports, "tab"));
  wasm_func_t* grow_f = wasm_extern_as_func(export_named(module, &exports, "grow"));
  CHECK(grow(grow_f, 2) == 1);
  CHECK(grow(grow_f, 1) == -1);
  CHECK(!wasm_memory_grow(mem, 1));
  CHECK(wasm_memory_size(mem) == 3);
  CHECK(wasm_table_grow(tab, 4, NULL));
  CHECK(!wasm_table_grow(tab, 1, NULL));
  // A second instance is past the instance limit.
  wasm_trap_t* trap = NULL;
  CHECK(wasm_instance_new(store, module, &imports, &trap) == NULL);
  CHECK(strstr(wasmo_error_message(), "store limit") != NULL);
  if (trap) wasm_trap_delete(trap);

  // A total of 4 pages for all memories: the instance holds 3, so a host memory of 2 is refused.
  wasmo_store_set_total_memory_limit(store, 4 * 65536);
  wasm_limits_t limits = {2, wasm_limits_max_default};
  wasm_memorytype_t* mt = wasm_memorytype_new(&limits);
  CHECK(wasm_memory_new(store, mt) == NULL);
  CHECK(strstr(wasmo_error_message(), "in all") != NULL);
  limits.min = 1;
  wasm_memorytype_delete(mt);
  mt = wasm_memorytype_new(&limits);
  wasm_memory_t* small = wasm_memory_new(store, mt);
  CHECK(small != NULL);
  CHECK(!wasm_memory_grow(small, 1));
  wasm_memorytype_delete(mt);
  if (small) wasm_memory_delete(small);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  // The deleted instance's 3 pages are given back (runtime/collect.rs); the host memory's page
  // stays with the store until it goes, as every store entity does. So 3 pages of the total fit
  // in one new memory, and not a page more.
  limits.min = 3;
  mt = wasm_memorytype_new(&limits);
  wasm_memory_t* whole = wasm_memory_new(store, mt);
  CHECK(whole != NULL);
  if (whole) {
    CHECK(!wasm_memory_grow(whole, 1));
    wasm_memory_delete(whole);
  }
  wasm_memorytype_delete(mt);

  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_limits");
}
