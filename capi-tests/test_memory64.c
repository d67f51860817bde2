// 64-bit memories (memory64) through the C API: wasmo.h's 64-bit memory types (new, is64, exact
// limits; wasm.h's 32-bit limits view), a host-made 64-bit memory as an import, reflection of
// a module's 64-bit memories, accesses and traps at i64 addresses, size and grow from both sides.
#include "harness.h"

static wasm_engine_t* engine;
static wasm_store_t* store;

static wasm_trap_t* call(const wasm_func_t* f, wasm_val_t* args, size_t nargs, wasm_val_t* result) {
  wasm_val_t results[1] = {WASM_INIT_VAL};
  wasm_val_vec_t av = {nargs, args}, rv = {wasm_func_result_arity(f), results};
  wasm_trap_t* trap = wasm_func_call(f, &av, &rv);
  if (result) *result = results[0];
  return trap;
}

static void test_types(void) {
  wasm_memorytype_t* t = wasmo_memorytype_new64(3, true, 0x100000000ull);
  CHECK(t && wasmo_memorytype_is64(t));
  uint64_t min = 0, max = 0;
  CHECK(wasmo_memorytype_limits64(t, &min, &max) && min == 3 && max == 0x100000000ull);
  // wasm.h's view: a maximum beyond 32 bits reads as "no maximum".
  const wasm_limits_t* l = wasm_memorytype_limits(t);
  CHECK(l->min == 3 && l->max == wasm_limits_max_default);
  wasm_memorytype_t* copy = wasm_memorytype_copy(t);
  CHECK(wasmo_memorytype_is64(copy));
  wasm_memorytype_delete(copy);
  wasm_memorytype_delete(t);

  t = wasmo_memorytype_new64(1, false, 0);
  max = 77;
  CHECK(!wasmo_memorytype_limits64(t, &min, &max) && min == 1 && max == 77);
  wasm_memorytype_delete(t);

  wasm_limits_t limits = {2, 5};
  t = wasm_memorytype_new(&limits);
  CHECK(!wasmo_memorytype_is64(t));
  CHECK(wasmo_memorytype_limits64(t, &min, &max) && min == 2 && max == 5);
  wasm_memorytype_delete(t);
}

int main(void) {
  engine = wasm_engine_new();
  store = wasm_store_new(engine);
  test_types();

  wasm_byte_vec_t binary;
  load_wasm("memory64", &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);

  // Reflection: the import and the export are 64-bit memory types with their limits.
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  CHECK(imports.size == 1);
  const wasm_memorytype_t* it = wasm_externtype_as_memorytype_const(wasm_importtype_type(imports.data[0]));
  uint64_t min = 0, max = 0;
  CHECK(it && wasmo_memorytype_is64(it) && wasmo_memorytype_limits64(it, &min, &max) && min == 1 && max == 4);
  wasm_importtype_vec_delete(&imports);

  // A 32-bit memory does not satisfy the 64-bit import.
  wasm_limits_t limits32 = {1, 4};
  wasm_memorytype_t* t32 = wasm_memorytype_new(&limits32);
  wasm_memory_t* mem32 = wasm_memory_new(store, t32);
  wasm_memorytype_delete(t32);
  wasm_extern_t* wrong[1] = {wasm_memory_as_extern(mem32)};
  wasm_extern_vec_t wrong_imports = {1, wrong};
  CHECK(wasm_instance_new(store, module, &wrong_imports, NULL) == NULL);
  wasm_memory_delete(mem32);

  // A host-made 64-bit memory does.
  wasm_memorytype_t* t64 = wasmo_memorytype_new64(1, true, 4);
  wasm_memory_t* mem = wasm_memory_new(store, t64);
  wasm_memorytype_delete(t64);
  CHECK(mem != NULL && wasm_memory_size(mem) == 1 && wasm_memory_data_size(mem) == 65536);
  wasm_memorytype_t* mt = wasm_memory_type(mem);
  CHECK(wasmo_memorytype_is64(mt));
  wasm_memorytype_delete(mt);
  wasm_memory_data(mem)[65532] = 42;
  wasm_extern_t* ok[1] = {wasm_memory_as_extern(mem)};
  wasm_extern_vec_t ok_imports = {1, ok};
  wasm_instance_t* instance = wasm_instance_new(store, module, &ok_imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 6);
  const wasm_func_t* store_own = wasm_extern_as_func(export_named(module, &exports, "store_own"));
  const wasm_func_t* load_own = wasm_extern_as_func(export_named(module, &exports, "load_own"));
  const wasm_func_t* load_imported = wasm_extern_as_func(export_named(module, &exports, "load_imported"));
  const wasm_func_t* size_own = wasm_extern_as_func(export_named(module, &exports, "size_own"));
  const wasm_func_t* grow_own = wasm_extern_as_func(export_named(module, &exports, "grow_own"));
  wasm_memory_t* own = wasm_extern_as_memory(export_named(module, &exports, "own"));
  CHECK(own && wasm_memory_size(own) == 2);

  wasm_val_t r;
  wasm_val_t a[2] = {WASM_I64_VAL(65532)};
  CHECK(call(load_imported, a, 1, &r) == NULL && r.of.i32 == 42);
  // The last 4 bytes are in bounds, one byte further is not.
  a[0] = (wasm_val_t)WASM_I64_VAL(65533);
  wasm_trap_t* trap = call(load_imported, a, 1, NULL);
  CHECK(trap_message_is(trap, "out of bounds memory access"));
  wasm_trap_delete(trap);
  // An address past 2^32 is out of bounds too, not wrapped.
  a[0] = (wasm_val_t)WASM_I64_VAL(0x100000000ll);
  trap = call(load_own, a, 1, NULL);
  CHECK(trap_message_is(trap, "out of bounds memory access"));
  wasm_trap_delete(trap);

  wasm_val_t s[2] = {WASM_I64_VAL(131068), WASM_I32_VAL(7)};
  CHECK(call(store_own, s, 2, NULL) == NULL);
  CHECK(((int32_t*)wasm_memory_data(own))[131068 / 4] == 7);
  CHECK(call(size_own, NULL, 0, &r) == NULL && r.of.i64 == 2);
  wasm_val_t g[1] = {WASM_I64_VAL(3)};
  CHECK(call(grow_own, g, 1, &r) == NULL && r.of.i64 == 2);
  CHECK(wasm_memory_size(own) == 5);
  CHECK(wasm_memory_grow(own, 3) && wasm_memory_size(own) == 8);
  CHECK(!wasm_memory_grow(own, 1));
  g[0] = (wasm_val_t)WASM_I64_VAL(1);
  CHECK(call(grow_own, g, 1, &r) == NULL && r.of.i64 == -1);
  a[0] = (wasm_val_t)WASM_I64_VAL(8 * 65536 - 4);
  CHECK(call(load_own, a, 1, &r) == NULL && r.of.i32 == 0);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_memory_delete(mem);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_memory64");
}
