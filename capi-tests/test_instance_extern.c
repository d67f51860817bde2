// Instances and externs: instantiation with an import of every kind made by the host, the
// exports (kinds, types, identity of re-exported imports), code of the instance using the host
// objects; link errors, trapping start functions and out-of-bounds active segments (NULL, a
// message and a trap); the casts between externs and functions, globals, tables and memories;
// extern vectors.
#include "harness.h"

static wasm_engine_t* engine;
static wasm_store_t* store;

// The host's imports for data/instance.wat.
static wasm_func_t* f;       // x -> x * 2
static wasm_func_t* plus100;  // x -> x + 100 (not imported; put into the table)
static wasm_global_t* g;     // mut i32 = 5
static wasm_table_t* t;      // funcref, 2 elements, all `f`
static wasm_memory_t* m;     // 1 to 4 pages

static int f_calls;
static wasm_trap_t* host_double(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  f_calls++;
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 * 2;
  return NULL;
}
static wasm_trap_t* host_plus100(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 + 100;
  return NULL;
}
static int hello_calls;
static wasm_trap_t* host_hello(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  hello_calls++;
  return NULL;
}

static wasm_module_t* load_module(const char* name) {
  wasm_byte_vec_t binary;
  load_wasm(name, &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  if (!module) {
    fprintf(stderr, "cannot compile %s: %s\n", name, wasmo_error_message());
    exit(1);
  }
  return module;
}

static wasm_limits_t limits(uint32_t min, uint32_t max) {
  wasm_limits_t l = {min, max};
  return l;
}

static wasm_global_t* new_global(wasm_valkind_t kind, wasm_mutability_t mut, wasm_val_t value) {
  wasm_globaltype_t* ty = wasm_globaltype_new(wasm_valtype_new(kind), mut);
  wasm_global_t* global = wasm_global_new(store, ty, &value);
  wasm_globaltype_delete(ty);
  return global;
}

static wasm_table_t* new_table(wasm_valkind_t kind, uint32_t min, uint32_t max, wasm_ref_t* init) {
  wasm_limits_t l = limits(min, max);
  wasm_tabletype_t* ty = wasm_tabletype_new(wasm_valtype_new(kind), &l);
  wasm_table_t* table = wasm_table_new(store, ty, init);
  wasm_tabletype_delete(ty);
  return table;
}

static wasm_memory_t* new_memory(uint32_t min, uint32_t max) {
  wasm_limits_t l = limits(min, max);
  wasm_memorytype_t* ty = wasm_memorytype_new(&l);
  wasm_memory_t* memory = wasm_memory_new(store, ty);
  wasm_memorytype_delete(ty);
  return memory;
}

static void setup(void) {
  engine = wasm_engine_new();
  store = wasm_store_new(engine);
  wasm_functype_t* i_i = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  f = wasm_func_new(store, i_i, host_double);
  plus100 = wasm_func_new(store, i_i, host_plus100);
  wasm_functype_delete(i_i);
  g = new_global(WASM_I32, WASM_VAR, (wasm_val_t)WASM_I32_VAL(5));
  t = new_table(WASM_FUNCREF, 2, wasm_limits_max_default, wasm_func_as_ref(f));
  m = new_memory(1, 4);
  CHECK(f && plus100 && g && t && m);
}

static const wasm_func_t* export_func(const wasm_module_t* module, const wasm_extern_vec_t* exports, const char* name) {
  return wasm_extern_as_func_const(export_named(module, exports, name));
}

static int32_t call_i32(const wasm_func_t* func, int argc, int32_t a, int32_t b) {
  wasm_val_t args[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)};
  wasm_val_t results[1] = {WASM_I32_VAL(-999)};
  wasm_val_vec_t av = {(size_t)argc, args};
  wasm_val_vec_t rv = {wasm_func_result_arity(func), results};
  wasm_trap_t* trap = wasm_func_call(func, &av, &rv);
  CHECK(trap == NULL);
  if (trap) {
    wasm_message_t msg;
    wasm_trap_message(trap, &msg);
    fprintf(stderr, "unexpected trap: %s\n", msg.data);
    wasm_byte_vec_delete(&msg);
    wasm_trap_delete(trap);
  }
  return results[0].of.i32;
}

// ---- instantiation with host imports --------------------------------------------------------

static void test_instance_with_imports(void) {
  wasm_module_t* module = load_module("instance");

  // An owned import vector: it takes the extern copies and deletes them.
  wasm_extern_t* items[4] = {wasm_extern_copy(wasm_func_as_extern(f)), wasm_extern_copy(wasm_global_as_extern(g)),
                             wasm_extern_copy(wasm_table_as_extern(t)), wasm_extern_copy(wasm_memory_as_extern(m))};
  wasm_extern_vec_t imports;
  wasm_extern_vec_new(&imports, 4, items);
  CHECK(imports.size == 4 && imports.data[0] == items[0]);
  wasm_trap_t* trap = (wasm_trap_t*)&engine;  // overwritten with NULL on success
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance != NULL && trap == NULL);
  CHECK(wasmo_error_message() == NULL);
  if (!instance) exit(1);

  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 13);
  for (size_t i = 0; i < 9 && i < exports.size; i++) CHECK(wasm_extern_kind(exports.data[i]) == WASM_EXTERN_FUNC);
  const wasm_extern_t* ef = export_named(module, &exports, "f");
  wasm_extern_t* eg = export_named(module, &exports, "g");
  wasm_extern_t* et = export_named(module, &exports, "t");
  wasm_extern_t* em = export_named(module, &exports, "m");
  CHECK(wasm_extern_kind(ef) == WASM_EXTERN_FUNC && wasm_extern_kind(eg) == WASM_EXTERN_GLOBAL);
  CHECK(wasm_extern_kind(et) == WASM_EXTERN_TABLE && wasm_extern_kind(em) == WASM_EXTERN_MEMORY);

  // Re-exported imports are the host's objects.
  CHECK(wasm_func_same(wasm_extern_as_func_const(ef), f));
  CHECK(wasm_global_same(wasm_extern_as_global(eg), g));
  CHECK(wasm_table_same(wasm_extern_as_table(et), t));
  CHECK(wasm_memory_same(wasm_extern_as_memory(em), m));
  CHECK(wasm_extern_same(ef, wasm_func_as_extern(f)) && !wasm_extern_same(ef, wasm_func_as_extern(plus100)));

  // Their types, through the externs.
  wasm_externtype_t* ty = wasm_extern_type(ef);
  CHECK(wasm_externtype_kind(ty) == WASM_EXTERN_FUNC);
  const wasm_functype_t* ft = wasm_externtype_as_functype_const(ty);
  CHECK(ft && wasm_functype_params(ft)->size == 1 && wasm_valtype_kind(wasm_functype_results(ft)->data[0]) == WASM_I32);
  wasm_externtype_delete(ty);
  ty = wasm_extern_type(eg);
  const wasm_globaltype_t* gt = wasm_externtype_as_globaltype_const(ty);
  CHECK(gt && wasm_globaltype_mutability(gt) == WASM_VAR && wasm_valtype_kind(wasm_globaltype_content(gt)) == WASM_I32);
  wasm_externtype_delete(ty);
  ty = wasm_extern_type(et);
  const wasm_tabletype_t* tt = wasm_externtype_as_tabletype_const(ty);
  CHECK(tt && wasm_valtype_kind(wasm_tabletype_element(tt)) == WASM_FUNCREF && wasm_tabletype_limits(tt)->min == 2);
  CHECK(tt && wasm_tabletype_limits(tt)->max == wasm_limits_max_default);
  wasm_externtype_delete(ty);
  ty = wasm_extern_type(em);
  const wasm_memorytype_t* mt = wasm_externtype_as_memorytype_const(ty);
  CHECK(mt && wasm_memorytype_limits(mt)->min == 1 && wasm_memorytype_limits(mt)->max == 4);
  wasm_externtype_delete(ty);
  ty = wasm_extern_type(exports.data[0]);  // call_f: defined in the module
  CHECK(wasm_externtype_kind(ty) == WASM_EXTERN_FUNC);
  wasm_externtype_delete(ty);

  // The module's code uses the host's objects.
  int before = f_calls;
  CHECK(call_i32(export_func(module, &exports, "call_f"), 1, 21, 0) == 42 && f_calls == before + 1);
  CHECK(call_i32(export_func(module, &exports, "get_g"), 0, 0, 0) == 5);
  call_i32(export_func(module, &exports, "set_g"), 1, 9, 0);
  wasm_val_t v;
  wasm_global_get(g, &v);
  CHECK(v.kind == WASM_I32 && v.of.i32 == 9);
  wasm_val_t eleven = WASM_I32_VAL(11);
  wasm_global_set(g, &eleven);
  CHECK(call_i32(export_func(module, &exports, "get_g"), 0, 0, 0) == 11);

  char* data = wasm_memory_data(m);
  memcpy(data + 100, "\x78\x56\x34\x12", 4);
  CHECK(call_i32(export_func(module, &exports, "load"), 1, 100, 0) == 0x12345678);
  call_i32(export_func(module, &exports, "store"), 2, 200, -2);
  CHECK(memcmp(wasm_memory_data(m) + 200, "\xfe\xff\xff\xff", 4) == 0);
  CHECK(call_i32(export_func(module, &exports, "pages"), 0, 0, 0) == 1);
  CHECK(wasm_memory_grow(m, 1));
  CHECK(call_i32(export_func(module, &exports, "pages"), 0, 0, 0) == 2);
  call_i32(export_func(module, &exports, "store"), 2, 70000, 77);
  CHECK(wasm_memory_data_size(m) == 2 * MEMORY_PAGE_SIZE && wasm_memory_data(m)[70000] == 77);

  CHECK(call_i32(export_func(module, &exports, "call_t"), 2, 0, 7) == 14);
  CHECK(wasm_table_set(t, 1, wasm_func_as_ref(plus100)));
  CHECK(call_i32(export_func(module, &exports, "call_t"), 2, 1, 1) == 101);
  CHECK(call_i32(export_func(module, &exports, "table_size"), 0, 0, 0) == 2);
  CHECK(wasm_table_grow(t, 3, NULL));
  CHECK(call_i32(export_func(module, &exports, "table_size"), 0, 0, 0) == 5);
  ty = wasm_extern_type(et);  // tables report their current size
  CHECK(wasm_tabletype_limits(wasm_externtype_as_tabletype(ty))->min == 5);
  wasm_externtype_delete(ty);

  // A reference wasm takes to an imported host function is that function.
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t rv = WASM_ARRAY_VEC(r);
  CHECK(wasm_func_call(export_func(module, &exports, "ref_f"), NULL, &rv) == NULL);
  CHECK(r[0].kind == WASM_FUNCREF && r[0].of.ref != NULL);
  wasm_func_t* rf = wasm_ref_as_func(r[0].of.ref);
  CHECK(rf != NULL && wasm_func_same(rf, f));
  if (rf) CHECK(call_i32(rf, 1, 4, 0) == 8);
  wasm_val_delete(&r[0]);

  // A second instance shares the imports with the first.
  wasm_instance_t* second = wasm_instance_new(store, module, &imports, NULL);
  CHECK(second != NULL && !wasm_instance_same(second, instance));
  wasm_extern_vec_t exports2;
  wasm_instance_exports(second, &exports2);
  call_i32(export_func(module, &exports2, "set_g"), 1, 123, 0);
  CHECK(call_i32(export_func(module, &exports, "get_g"), 0, 0, 0) == 123);
  CHECK(!wasm_func_same(export_func(module, &exports, "get_g"), export_func(module, &exports2, "get_g")));
  CHECK(wasm_global_same(wasm_extern_as_global(export_named(module, &exports2, "g")), g));
  wasm_extern_vec_delete(&exports2);
  wasm_instance_delete(second);

  // The exports vector is a fresh one on every call.
  wasm_extern_vec_t again;
  wasm_instance_exports(instance, &again);
  CHECK(again.size == exports.size && again.data[0] != exports.data[0] && wasm_extern_same(again.data[0], exports.data[0]));
  wasm_extern_vec_delete(&again);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_extern_vec_delete(&imports);
  wasm_module_delete(module);

  // The host objects outlive the instance.
  wasm_global_get(g, &v);
  CHECK(v.of.i32 == 123);
}

// A module without imports: NULL imports are allowed.
static void test_no_imports(void) {
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, 8, "\0asm\1\0\0\0");
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  wasm_instance_t* instance = wasm_instance_new(store, module, NULL, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 0);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_extern_vec_t empty = WASM_EMPTY_VEC;
  instance = wasm_instance_new(store, module, &empty, NULL);
  CHECK(instance != NULL);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
}

// ---- failures --------------------------------------------------------------------------------

// Instantiation fails: NULL, the message in wasmo_error_message() and the same in the trap.
static void check_fails(const wasm_module_t* module, wasm_extern_t* const* items, size_t n, const char* expected) {
  wasm_extern_vec_t imports = {n, (wasm_extern_t**)items};
  wasm_trap_t* trap = NULL;
  wasmo_error_clear();
  CHECK(wasm_instance_new(store, module, &imports, &trap) == NULL);
  const char* msg = wasmo_error_message();
  CHECK(msg != NULL && strstr(msg, expected) != NULL);
  if (msg && !strstr(msg, expected)) fprintf(stderr, "message: %s (expected %s)\n", msg, expected);
  CHECK(trap != NULL && trap_message_has(trap, expected));
  if (trap && msg) CHECK(trap_message_is(trap, msg));
  wasm_trap_delete(trap);
  // Without a trap slot: the same failure.
  CHECK(wasm_instance_new(store, module, &imports, NULL) == NULL);
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), expected) != NULL);
}

static void test_link_errors(void) {
  wasm_module_t* module = load_module("instance");
  wasm_extern_t* good[4] = {wasm_func_as_extern(f), wasm_global_as_extern(g), wasm_table_as_extern(t),
                            wasm_memory_as_extern(m)};

  // Wrong number of imports.
  check_fails(module, good, 3, "expects 4 imports, 3 given");
  check_fails(module, good, 0, "expects 4 imports, 0 given");
  wasm_extern_t* five[5] = {good[0], good[1], good[2], good[3], good[0]};
  check_fails(module, five, 5, "expects 4 imports, 5 given");

  // Wrong kind: a global where the function goes, the memory where the table goes.
  wasm_extern_t* swapped[4] = {good[1], good[0], good[3], good[2]};
  check_fails(module, swapped, 4, "incompatible import type for `env` `f`");

  // A function of another type.
  wasm_functype_t* l_l = wasm_functype_new_1_1(wasm_valtype_new_i64(), wasm_valtype_new_i64());
  wasm_func_t* wrong_f = wasm_func_new(store, l_l, host_double);
  wasm_functype_delete(l_l);
  wasm_extern_t* bad_f[4] = {wasm_func_as_extern(wrong_f), good[1], good[2], good[3]};
  check_fails(module, bad_f, 4, "incompatible import type for `env` `f`");
  wasm_func_delete(wrong_f);

  // Globals of the wrong type or mutability.
  wasm_global_t* g64 = new_global(WASM_I64, WASM_VAR, (wasm_val_t)WASM_I64_VAL(5));
  wasm_global_t* gconst = new_global(WASM_I32, WASM_CONST, (wasm_val_t)WASM_I32_VAL(5));
  wasm_extern_t* bad_g[4] = {good[0], wasm_global_as_extern(g64), good[2], good[3]};
  check_fails(module, bad_g, 4, "incompatible import type for `env` `g`");
  bad_g[1] = wasm_global_as_extern(gconst);
  check_fails(module, bad_g, 4, "incompatible import type for `env` `g`");
  wasm_global_delete(g64);
  wasm_global_delete(gconst);

  // Tables: too small, or of externrefs.
  wasm_table_t* t1 = new_table(WASM_FUNCREF, 1, 10, NULL);
  wasm_table_t* text = new_table(WASM_EXTERNREF, 2, 10, NULL);
  wasm_extern_t* bad_t[4] = {good[0], good[1], wasm_table_as_extern(t1), good[3]};
  check_fails(module, bad_t, 4, "incompatible import type for `env` `t`");
  bad_t[2] = wasm_table_as_extern(text);
  check_fails(module, bad_t, 4, "incompatible import type for `env` `t`");
  wasm_table_delete(t1);
  wasm_table_delete(text);

  // Memories: too small, maximum too large, no maximum where one is required.
  wasm_memory_t* m0 = new_memory(0, 4);
  wasm_memory_t* m5 = new_memory(1, 5);
  wasm_memory_t* munbounded = new_memory(1, wasm_limits_max_default);
  wasm_extern_t* bad_m[4] = {good[0], good[1], good[2], wasm_memory_as_extern(m0)};
  check_fails(module, bad_m, 4, "incompatible import type for `env` `m`");
  bad_m[3] = wasm_memory_as_extern(m5);
  check_fails(module, bad_m, 4, "incompatible import type for `env` `m`");
  bad_m[3] = wasm_memory_as_extern(munbounded);
  check_fails(module, bad_m, 4, "incompatible import type for `env` `m`");
  // A memory that is larger, with a smaller maximum, fits.
  wasm_memory_t* m23 = new_memory(2, 3);
  bad_m[3] = wasm_memory_as_extern(m23);
  wasm_extern_vec_t fits = {4, bad_m};
  wasm_instance_t* ok = wasm_instance_new(store, module, &fits, NULL);
  CHECK(ok != NULL);
  wasm_instance_delete(ok);
  wasm_memory_delete(m0);
  wasm_memory_delete(m5);
  wasm_memory_delete(munbounded);
  wasm_memory_delete(m23);

  // NULL imports, imports of another store.
  wasm_extern_t* with_null[4] = {good[0], NULL, good[2], good[3]};
  check_fails(module, with_null, 4, "import 1 is NULL");
  wasm_store_t* other = wasm_store_new(engine);
  wasm_limits_t l = limits(1, 4);
  wasm_memorytype_t* mt = wasm_memorytype_new(&l);
  wasm_memory_t* alien = wasm_memory_new(other, mt);
  wasm_memorytype_delete(mt);
  wasm_extern_t* foreign_store[4] = {good[0], good[1], good[2], wasm_memory_as_extern(alien)};
  check_fails(module, foreign_store, 4, "import 3 belongs to another store");
  wasm_memory_delete(alien);
  wasm_store_delete(other);

  // After all that, the right imports still work.
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(good);
  ok = wasm_instance_new(store, module, &imports, NULL);
  CHECK(ok != NULL && wasmo_error_message() == NULL);
  wasm_instance_delete(ok);
  wasm_module_delete(module);
}

static void test_start_function(void) {
  wasm_module_t* module = load_module("start");
  wasm_functype_t* v_v = wasm_functype_new_0_0();
  wasm_func_t* hello = wasm_func_new(store, v_v, host_hello);
  wasm_functype_delete(v_v);
  wasm_global_t* no = new_global(WASM_I32, WASM_CONST, (wasm_val_t)WASM_I32_VAL(0));
  wasm_global_t* yes = new_global(WASM_I32, WASM_CONST, (wasm_val_t)WASM_I32_VAL(1));

  // The start function runs during instantiation.
  wasm_extern_t* items[2] = {wasm_func_as_extern(hello), wasm_global_as_extern(no)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(items);
  wasm_trap_t* trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance != NULL && trap == NULL && hello_calls == 1);
  wasm_instance_delete(instance);

  // A start function that traps: NULL, and the trap.
  items[1] = wasm_global_as_extern(yes);
  instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance == NULL && hello_calls == 2);
  CHECK(trap_message_is(trap, "unreachable"));
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), "unreachable") != NULL);
  if (trap) {
    wasm_frame_t* origin = wasm_trap_origin(trap);
    CHECK(origin != NULL && wasm_frame_func_index(origin) == 1);  // $start
    wasm_frame_delete(origin);
    wasm_trap_delete(trap);
  }
  CHECK(wasm_instance_new(store, module, &imports, NULL) == NULL && hello_calls == 3);

  // The store still works.
  items[1] = wasm_global_as_extern(no);
  instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL && hello_calls == 4);
  wasm_instance_delete(instance);

  wasm_global_delete(no);
  wasm_global_delete(yes);
  wasm_func_delete(hello);
  wasm_module_delete(module);
}

static void test_segments(void) {
  wasm_module_t* module = load_module("segments");
  wasm_table_t* t1 = new_table(WASM_FUNCREF, 1, wasm_limits_max_default, NULL);
  wasm_table_t* t2 = new_table(WASM_FUNCREF, 2, wasm_limits_max_default, NULL);
  wasm_memory_t* m1 = new_memory(1, wasm_limits_max_default);
  wasm_memory_t* m2 = new_memory(2, wasm_limits_max_default);

  // The element segment does not fit the table.
  wasm_extern_t* items[2] = {wasm_table_as_extern(t1), wasm_memory_as_extern(m2)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(items);
  wasm_trap_t* trap = NULL;
  CHECK(wasm_instance_new(store, module, &imports, &trap) == NULL);
  CHECK(trap_message_is(trap, "out of bounds table access"));
  wasm_trap_delete(trap);

  // The data segment does not fit the memory.
  items[0] = wasm_table_as_extern(t2);
  items[1] = wasm_memory_as_extern(m1);
  trap = NULL;
  CHECK(wasm_instance_new(store, module, &imports, &trap) == NULL);
  CHECK(trap_message_is(trap, "out of bounds memory access"));
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), "out of bounds memory access"));
  wasm_trap_delete(trap);

  // Both fit: the segments are in the host's table and memory.
  items[1] = wasm_memory_as_extern(m2);
  trap = NULL;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, &trap);
  CHECK(instance != NULL && trap == NULL);
  CHECK(memcmp(wasm_memory_data(m2) + 65536, "wasmo", 5) == 0);
  wasm_ref_t* three = wasm_table_get(t2, 1);
  CHECK(three != NULL && wasm_ref_as_func(three) != NULL);
  if (three && wasm_ref_as_func(three)) CHECK(call_i32(wasm_ref_as_func(three), 0, 0, 0) == 3);
  wasm_ref_delete(three);
  CHECK(wasm_table_get(t2, 0) == NULL);
  wasm_instance_delete(instance);

  wasm_table_delete(t1);
  wasm_table_delete(t2);
  wasm_memory_delete(m1);
  wasm_memory_delete(m2);
  wasm_module_delete(module);
}

// ---- extern casts and vectors ----------------------------------------------------------------

static void test_extern_casts(void) {
  // Each kind: to extern and back, the kind, and NULL for the other kinds.
  wasm_extern_t* ef = wasm_func_as_extern(f);
  CHECK(ef != NULL && wasm_extern_kind(ef) == WASM_EXTERN_FUNC);
  CHECK(wasm_extern_as_func(ef) == f);
  CHECK(wasm_extern_as_global(ef) == NULL && wasm_extern_as_table(ef) == NULL && wasm_extern_as_memory(ef) == NULL);
  CHECK(wasm_func_as_extern_const(f) == ef && wasm_extern_as_func_const(ef) == f);
  CHECK(wasm_extern_as_global_const(ef) == NULL);

  wasm_extern_t* eg = wasm_global_as_extern(g);
  CHECK(eg != NULL && wasm_extern_kind(eg) == WASM_EXTERN_GLOBAL);
  CHECK(wasm_extern_as_global(eg) == g && wasm_extern_as_func(eg) == NULL);
  CHECK(wasm_extern_as_table(eg) == NULL && wasm_extern_as_memory(eg) == NULL);
  CHECK(wasm_global_as_extern_const(g) == eg && wasm_extern_as_global_const(eg) == g);
  CHECK(wasm_extern_as_func_const(eg) == NULL && wasm_extern_as_table_const(eg) == NULL);

  wasm_extern_t* et = wasm_table_as_extern(t);
  CHECK(et != NULL && wasm_extern_kind(et) == WASM_EXTERN_TABLE);
  CHECK(wasm_extern_as_table(et) == t && wasm_extern_as_func(et) == NULL);
  CHECK(wasm_extern_as_global(et) == NULL && wasm_extern_as_memory(et) == NULL);
  CHECK(wasm_table_as_extern_const(t) == et && wasm_extern_as_table_const(et) == t);
  CHECK(wasm_extern_as_memory_const(et) == NULL);

  wasm_extern_t* em = wasm_memory_as_extern(m);
  CHECK(em != NULL && wasm_extern_kind(em) == WASM_EXTERN_MEMORY);
  CHECK(wasm_extern_as_memory(em) == m && wasm_extern_as_func(em) == NULL);
  CHECK(wasm_extern_as_global(em) == NULL && wasm_extern_as_table(em) == NULL);
  CHECK(wasm_memory_as_extern_const(m) == em && wasm_extern_as_memory_const(em) == m);
  CHECK(wasm_extern_as_func_const(em) == NULL && wasm_extern_as_global_const(em) == NULL);
  CHECK(wasm_extern_as_table_const(em) == NULL);

  // Extern types match the objects' own types.
  wasm_externtype_t* ty = wasm_extern_type(em);
  wasm_memorytype_t* mty = wasm_memory_type(m);
  CHECK(wasm_externtype_kind(ty) == WASM_EXTERN_MEMORY &&
        wasm_memorytype_limits(wasm_externtype_as_memorytype(ty))->min == wasm_memorytype_limits(mty)->min &&
        wasm_memorytype_limits(wasm_externtype_as_memorytype(ty))->max == wasm_memorytype_limits(mty)->max);
  wasm_memorytype_delete(mty);
  wasm_externtype_delete(ty);
  ty = wasm_extern_type(eg);
  CHECK(wasm_externtype_kind(ty) == WASM_EXTERN_GLOBAL);
  wasm_externtype_delete(ty);
  ty = wasm_extern_type(et);
  CHECK(wasm_externtype_kind(ty) == WASM_EXTERN_TABLE);
  wasm_externtype_delete(ty);

  // An extern copy is a new handle to the same object, of the same kind.
  wasm_extern_t* copy = wasm_extern_copy(eg);
  CHECK(copy != NULL && copy != eg && wasm_extern_same(copy, eg) && !wasm_extern_same(copy, ef));
  CHECK(wasm_extern_kind(copy) == WASM_EXTERN_GLOBAL && wasm_global_same(wasm_extern_as_global(copy), g));
  wasm_extern_delete(copy);
  wasm_extern_delete(NULL);

  // Extern vectors.
  wasm_extern_vec_t empty, slots, copies;
  wasm_extern_vec_new_empty(&empty);
  CHECK(empty.size == 0);
  wasm_extern_vec_delete(&empty);
  wasm_extern_vec_new_uninitialized(&slots, 4);
  CHECK(slots.size == 4 && slots.data != NULL && slots.data[0] == NULL && slots.data[3] == NULL);
  slots.data[0] = wasm_extern_copy(ef);
  slots.data[2] = wasm_extern_copy(em);
  wasm_extern_vec_copy(&copies, &slots);
  CHECK(copies.size == 4 && copies.data != slots.data);
  CHECK(copies.data[0] != slots.data[0] && wasm_extern_same(copies.data[0], ef));
  CHECK(copies.data[1] == NULL && wasm_extern_kind(copies.data[2]) == WASM_EXTERN_MEMORY);
  wasm_extern_vec_delete(&slots);
  CHECK(wasm_memory_same(wasm_extern_as_memory(copies.data[2]), m));  // the copies are independent
  wasm_extern_vec_delete(&copies);
}

// ---- forbidden arguments ---------------------------------------------------------------------

static void instance_without_store(void) {
  wasm_module_t* module = load_module("start");
  wasm_instance_new(NULL, module, NULL, NULL);
}
static void instance_without_module(void) { wasm_instance_new(store, NULL, NULL, NULL); }
static void kind_of_null(void) { wasm_extern_kind(NULL); }
static void exports_of_null(void) {
  wasm_extern_vec_t out;
  wasm_instance_exports(NULL, &out);
}

int main(void) {
  setup();
  test_instance_with_imports();
  test_no_imports();
  test_link_errors();
  test_start_function();
  test_segments();
  test_extern_casts();

  CHECK(aborts_with(instance_without_store, "wasmo: wasm_instance_new: argument `store` must not be NULL"));
  CHECK(aborts_with(instance_without_module, "wasmo: wasm_instance_new: argument `module` must not be NULL"));
  CHECK(aborts_with(kind_of_null, "wasmo: wasm_extern_kind: argument `self` must not be NULL"));
  CHECK(aborts_with(exports_of_null, "wasmo: wasm_instance_exports: argument `self` must not be NULL"));

  wasm_func_delete(f);
  wasm_func_delete(plus100);
  wasm_global_delete(g);
  wasm_table_delete(t);
  wasm_memory_delete(m);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_instance_extern");
}
