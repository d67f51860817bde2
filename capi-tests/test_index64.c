// 64-bit memories and tables (memory64) through the C API: wasmo.h's 64-bit memory and table
// types (new, is64, exact limits; wasm.h's 32-bit limits view), host-made 64-bit memories and
// tables as imports, reflection of a module's 64-bit memories and tables, accesses and traps at
// i64 addresses, size and grow from both sides.
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

  wasm_tabletype_t* tt = wasmo_tabletype_new64(wasm_valtype_new(WASM_FUNCREF), 4, true, 0x200000000ull);
  CHECK(tt && wasmo_tabletype_is64(tt));
  CHECK(wasmo_tabletype_limits64(tt, &min, &max) && min == 4 && max == 0x200000000ull);
  CHECK(wasm_tabletype_limits(tt)->min == 4 && wasm_tabletype_limits(tt)->max == wasm_limits_max_default);
  CHECK(wasm_valtype_kind(wasm_tabletype_element(tt)) == WASM_FUNCREF);
  wasm_tabletype_delete(tt);
  CHECK(wasmo_tabletype_new64(wasm_valtype_new(WASM_I32), 1, false, 0) == NULL && wasmo_error_message() != NULL);
  tt = wasm_tabletype_new(wasm_valtype_new(WASM_EXTERNREF), &limits);
  CHECK(!wasmo_tabletype_is64(tt));
  max = 9;
  CHECK(wasmo_tabletype_limits64(tt, &min, &max) && min == 2 && max == 5);
  wasm_tabletype_delete(tt);
}

// (module
//   (import "host" "tab" (table $tab i64 2 funcref))
//   (func (export "table_size") (result i64) (table.size $tab)))
static const uint8_t table64_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
    0x00, 0x01, 0x7e, 0x02, 0x0e, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x03,
    0x74, 0x61, 0x62, 0x01, 0x70, 0x04, 0x02, 0x03, 0x02, 0x01, 0x00, 0x07,
    0x0e, 0x01, 0x0a, 0x74, 0x61, 0x62, 0x6c, 0x65, 0x5f, 0x73, 0x69, 0x7a,
    0x65, 0x00, 0x00, 0x0a, 0x07, 0x01, 0x05, 0x00, 0xfc, 0x10, 0x00, 0x0b,
    0x00, 0x0d, 0x04, 0x6e, 0x61, 0x6d, 0x65, 0x05, 0x06, 0x01, 0x00, 0x03,
    0x74, 0x61, 0x62,
};

// A host-made 64-bit table satisfies a 64-bit table import (a 32-bit one does not), and both
// sides see its size.
static void test_table64(void) {
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, sizeof table64_module, (const wasm_byte_t*)table64_module);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  uint64_t min = 0, max = 0;
  const wasm_tabletype_t* it = wasm_externtype_as_tabletype_const(wasm_importtype_type(imports.data[0]));
  CHECK(imports.size == 1 && it && wasmo_tabletype_is64(it) && !wasmo_tabletype_limits64(it, &min, &max) && min == 2);
  wasm_importtype_vec_delete(&imports);

  wasm_limits_t limits = {3, wasm_limits_max_default};
  wasm_tabletype_t* t32 = wasm_tabletype_new(wasm_valtype_new(WASM_FUNCREF), &limits);
  wasm_table_t* tab32 = wasm_table_new(store, t32, NULL);
  wasm_tabletype_delete(t32);
  wasm_extern_t* wrong[1] = {wasm_table_as_extern(tab32)};
  wasm_extern_vec_t wrong_imports = {1, wrong};
  CHECK(wasm_instance_new(store, module, &wrong_imports, NULL) == NULL);
  wasm_table_delete(tab32);

  wasm_tabletype_t* t64 = wasmo_tabletype_new64(wasm_valtype_new(WASM_FUNCREF), 3, false, 0);
  wasm_table_t* tab = wasm_table_new(store, t64, NULL);
  wasm_tabletype_delete(t64);
  CHECK(tab && wasm_table_size(tab) == 3);
  wasm_tabletype_t* ty = wasm_table_type(tab);
  CHECK(wasmo_tabletype_is64(ty));
  wasm_tabletype_delete(ty);
  wasm_extern_t* ok[1] = {wasm_table_as_extern(tab)};
  wasm_extern_vec_t ok_imports = {1, ok};
  wasm_instance_t* instance = wasm_instance_new(store, module, &ok_imports, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  const wasm_func_t* size = wasm_extern_as_func(exports.data[0]);
  wasm_val_t r;
  CHECK(call(size, NULL, 0, &r) == NULL && r.of.i64 == 3);
  CHECK(wasm_table_grow(tab, 2, NULL) && call(size, NULL, 0, &r) == NULL && r.of.i64 == 5);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_table_delete(tab);
  wasm_module_delete(module);
}

int main(void) {
  engine = wasm_engine_new();
  store = wasm_store_new(engine);
  test_types();

  wasm_byte_vec_t binary;
  load_wasm("index64", &binary);
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
  test_table64();
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_index64");
}
