// Loads memory.wasm, which exports a memory of 1 page (at most 2), and works on that memory from C
// (wasm_memory_data, wasm_memory_grow, ...) and from wasm (load, store, memory.grow), including
// out-of-bounds accesses, which trap. Then creates a memory in C with wasm_memory_new and hands
// it to memory_import.wasm, which imports it.
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

// The outcome of calling a function with i32 arguments and at most one i32 result.
typedef struct {
  bool trapped;
  char message[128];  // the trap's message
  int32_t value;      // the result, if any
} outcome_t;

static outcome_t call_i32(const wasm_func_t* func, size_t n, const int32_t* values) {
  outcome_t outcome = {false, "", 0};
  wasm_val_t args_array[3];
  for (size_t i = 0; i < n; i++) {
    args_array[i].kind = WASM_I32;
    args_array[i].of.i32 = values[i];
  }
  wasm_val_t results_array[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = {n, args_array};
  wasm_val_vec_t results = {wasm_func_result_arity(func), results_array};
  wasm_trap_t* trap = wasm_func_call(func, &args, &results);
  if (trap) {
    wasm_message_t message;
    wasm_trap_message(trap, &message);
    outcome.trapped = true;
    snprintf(outcome.message, sizeof outcome.message, "%s", message.data);
    wasm_byte_vec_delete(&message);
    wasm_trap_delete(trap);
  } else if (results.size == 1) {
    outcome.value = results_array[0].of.i32;
  }
  return outcome;
}

// Calls a function expected to return an i32 without trapping; -999 if it traps.
static int32_t call0(const wasm_func_t* f) {
  outcome_t o = call_i32(f, 0, NULL);
  return o.trapped ? -999 : o.value;
}
static int32_t call1(const wasm_func_t* f, int32_t a) {
  outcome_t o = call_i32(f, 1, &a);
  return o.trapped ? -999 : o.value;
}
static bool call_void(const wasm_func_t* f, size_t n, const int32_t* args) {
  return !call_i32(f, n, args).trapped;
}

// Finds an export by name.
static wasm_extern_t* find_export(const wasm_module_t* module, const wasm_extern_vec_t* exports,
                                  const char* name) {
  wasm_exporttype_vec_t types;
  wasm_module_exports(module, &types);
  wasm_extern_t* found = NULL;
  for (size_t i = 0; i < types.size && i < exports->size; i++) {
    const wasm_name_t* n = wasm_exporttype_name(types.data[i]);
    if (n->size == strlen(name) && memcmp(n->data, name, n->size) == 0) found = exports->data[i];
  }
  wasm_exporttype_vec_delete(&types);
  if (!found) {
    printf("> missing export %s\n", name);
    exit(1);
  }
  return found;
}

static void exported_memory(wasm_store_t* store) {
  printf("instantiating memory.wasm\n");
  wasm_module_t* module = load_module(store, "memory.wasm");
  if (!module) exit(1);
  wasm_instance_t* instance = instantiate(store, module, NULL);
  if (!instance) {
    exit(1);
  }
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_memory_t* memory = wasm_extern_as_memory(find_export(module, &exports, "memory"));
  const wasm_func_t* load = wasm_extern_as_func(find_export(module, &exports, "load"));
  const wasm_func_t* load32 = wasm_extern_as_func(find_export(module, &exports, "load32"));
  const wasm_func_t* store_byte = wasm_extern_as_func(find_export(module, &exports, "store"));
  const wasm_func_t* size = wasm_extern_as_func(find_export(module, &exports, "size"));
  const wasm_func_t* grow = wasm_extern_as_func(find_export(module, &exports, "grow"));
  check(memory && load && load32 && store_byte && size && grow, "exports of the right kinds");
  if (!(memory && load && load32 && store_byte && size && grow)) exit(1);

  printf("the memory's type and size\n");
  wasm_memorytype_t* type = wasm_memory_type(memory);
  const wasm_limits_t* limits = wasm_memorytype_limits(type);
  check(limits->min == 1 && limits->max == 2, "limits 1..2 (got %u..%u)", limits->min,
        limits->max);
  wasm_memorytype_delete(type);
  check(wasm_memory_size(memory) == 1, "wasm_memory_size = 1 page");
  check(wasm_memory_data_size(memory) == 0x10000, "wasm_memory_data_size = 65536 (got %zu)",
        wasm_memory_data_size(memory));
  check(call0(size) == 1, "memory.size in wasm = 1");

  printf("reading and writing through wasm_memory_data\n");
  char* data = wasm_memory_data(memory);
  check(data != NULL, "wasm_memory_data is not NULL");
  check(data[0x1000] == 1 && data[0x1001] == 2 && data[0x1002] == 3 && data[0x1003] == 4,
        "the data segment is at 0x1000");
  check(data[0] == 0 && data[0xffff] == 0, "the rest starts zeroed");
  check(call1(load32, 0x1000) == 0x04030201, "wasm load32(0x1000) = 0x04030201");
  data[100] = 42;
  data[0xffff] = (char)0xab;
  check(call1(load, 100) == 42, "C wrote 42 at 100, wasm load(100) = 42");
  check(call1(load, 0xffff) == 0xab, "C wrote 0xab at 65535, wasm load(65535) = 0xab");
  int32_t args[2] = {200, 7};
  check(call_void(store_byte, 2, args) && data[200] == 7, "wasm store(200, 7), C reads 7");

  printf("out-of-bounds accesses from wasm\n");
  outcome_t o = call_i32(load, 1, (int32_t[]){0x10000});
  check(o.trapped && strcmp(o.message, "out of bounds memory access") == 0,
        "load(65536) traps: \"%s\"", o.message);
  o = call_i32(load32, 1, (int32_t[]){0xfffd});
  check(o.trapped && strcmp(o.message, "out of bounds memory access") == 0,
        "load32(65533), straddling the end, traps: \"%s\"", o.message);
  o = call_i32(load, 1, (int32_t[]){-1});
  check(o.trapped && strcmp(o.message, "out of bounds memory access") == 0,
        "load(0xffffffff) traps: \"%s\"", o.message);
  int32_t far_args[2] = {0x7fffffff, 1};
  o = call_i32(store_byte, 2, far_args);
  check(o.trapped && strcmp(o.message, "out of bounds memory access") == 0,
        "store(0x7fffffff, 1) traps: \"%s\"", o.message);
  check(call1(load, 100) == 42 && call1(load32, 0x1000) == 0x04030201,
        "the instance still works after the traps");

  printf("growing\n");
  check(call1(grow, 0) == 1, "wasm grow(0) = 1 (the current size)");
  check(wasm_memory_grow(memory, 1), "wasm_memory_grow(1) succeeds");
  check(wasm_memory_size(memory) == 2 && wasm_memory_data_size(memory) == 0x20000,
        "now 2 pages, 131072 bytes");
  check(call0(size) == 2, "memory.size in wasm = 2");
  data = wasm_memory_data(memory);  // may have moved
  check(data[100] == 42 && data[0x1000] == 1, "the old contents are kept");
  check(data[0x10000] == 0 && data[0x1ffff] == 0, "the new page is zeroed");
  data[0x1ffff] = 9;
  check(call1(load, 0x1ffff) == 9, "C wrote 9 at 131071, wasm load(131071) = 9");
  o = call_i32(load, 1, (int32_t[]){0x20000});
  check(o.trapped && strcmp(o.message, "out of bounds memory access") == 0,
        "load(131072) traps: \"%s\"", o.message);
  check(!wasm_memory_grow(memory, 1), "wasm_memory_grow(1) past the maximum fails");
  check(wasmo_error_message() != NULL, "with a reason: %s", wasmo_error_message());
  check(call1(grow, 1) == -1, "wasm grow(1) past the maximum = -1");
  check(wasm_memory_grow(memory, 0), "wasm_memory_grow(0) succeeds");
  check(wasm_memory_size(memory) == 2 && call0(size) == 2, "still 2 pages");
  check(call1(load, 100) == 42 && wasm_memory_data(memory)[0x1ffff] == 9,
        "contents unchanged by the failed grows");

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}

static void host_memory(wasm_store_t* store) {
  printf("creating a memory in C (1 page, at most 3)\n");
  wasm_limits_t limits = {1, 3};
  wasm_memorytype_t* type = wasm_memorytype_new(&limits);
  wasm_memory_t* memory = wasm_memory_new(store, type);
  wasm_memorytype_delete(type);
  check(memory != NULL, "wasm_memory_new");
  if (!memory) exit(1);
  check(wasm_memory_size(memory) == 1 && wasm_memory_data_size(memory) == 0x10000,
        "1 page, 65536 bytes");
  char* data = wasm_memory_data(memory);
  bool zero = true;
  for (size_t i = 0; i < 0x10000; i++) zero = zero && data[i] == 0;
  check(zero, "all zero");
  for (int i = 0; i < 10; i++) data[i] = (char)(i + 1);  // 1 + 2 + ... + 10 = 55

  printf("instantiating memory_import.wasm with it\n");
  wasm_module_t* module = load_module(store, "memory_import.wasm");
  if (!module) exit(1);
  wasm_extern_t* imports_array[] = {wasm_memory_as_extern(memory)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_array);
  wasm_instance_t* instance = instantiate(store, module, &imports);
  if (!instance) {
    exit(1);
  }
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  const wasm_func_t* sum = wasm_extern_as_func(find_export(module, &exports, "sum"));
  const wasm_func_t* fill = wasm_extern_as_func(find_export(module, &exports, "fill"));
  const wasm_func_t* size = wasm_extern_as_func(find_export(module, &exports, "size"));
  const wasm_func_t* grow = wasm_extern_as_func(find_export(module, &exports, "grow"));
  check(sum && fill && size && grow, "exports of the right kinds");
  if (!(sum && fill && size && grow)) exit(1);

  outcome_t o = call_i32(sum, 2, (int32_t[]){0, 10});
  check(!o.trapped && o.value == 55, "C wrote 1..10, wasm sum(0, 10) = 55 (got %d)", o.value);
  check(call_void(fill, 3, (int32_t[]){1000, 0x5a, 16}), "wasm fill(1000, 0x5a, 16)");
  check(data[999] == 0 && data[1000] == 0x5a && data[1015] == 0x5a && data[1016] == 0,
        "C sees the 16 bytes");

  check(call1(grow, 1) == 1, "wasm grow(1) = 1");
  check(wasm_memory_size(memory) == 2 && wasm_memory_data_size(memory) == 0x20000,
        "C sees 2 pages");
  check(wasm_memory_grow(memory, 1), "wasm_memory_grow(1)");
  check(call0(size) == 3, "wasm sees 3 pages");
  data = wasm_memory_data(memory);
  data[0x2ffff] = 100;
  o = call_i32(sum, 2, (int32_t[]){0x2fff0, 16});
  check(!o.trapped && o.value == 100, "wasm sum of the last 16 bytes = 100 (got %d)", o.value);
  check(!wasm_memory_grow(memory, 1) && call1(grow, 1) == -1,
        "no growing past 3 pages, from C or wasm");
  o = call_i32(fill, 3, (int32_t[]){0x2fff0, 1, 17});
  check(o.trapped && strcmp(o.message, "out of bounds memory access") == 0,
        "fill past the end traps: \"%s\"", o.message);
  check(data[0x2fff0] == 0, "and writes nothing");

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_memory_delete(memory);
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);

  exported_memory(store);
  host_memory(store);

  wasm_store_delete(store);
  wasm_engine_delete(engine);

  printf("memory: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
