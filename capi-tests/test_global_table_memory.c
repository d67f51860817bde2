// Globals, tables and memories, exported by wasm (data/gtm.wat) and made by the host: types,
// get/set (immutable globals and values of the wrong kind are refused), table get/set/size/grow
// with function identity, memory data/size/grow, and changes on either side seen by the other.
#include "harness.h"

static wasm_engine_t* engine;
static wasm_store_t* store;
static wasm_module_t* module;
static wasm_instance_t* instance;
static wasm_extern_vec_t exports;
static wasm_foreign_t* foreign;

static wasm_extern_t* exp_(const char* name) { return export_named(module, &exports, name); }
static const wasm_func_t* func(const char* name) { return wasm_extern_as_func(exp_(name)); }

// Calls a function of at most two i32 parameters and at most one result; the trap if any.
static wasm_trap_t* call(const char* name, int argc, int32_t a, int32_t b, wasm_val_t* result) {
  wasm_val_t args[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  const wasm_func_t* f = func(name);
  wasm_val_vec_t av = {(size_t)argc, args}, rv = {wasm_func_result_arity(f), results};
  wasm_trap_t* trap = wasm_func_call(f, &av, &rv);
  if (result) *result = results[0];
  else wasm_val_delete(&results[0]);
  return trap;
}

static int32_t call_i32(const char* name, int argc, int32_t a, int32_t b) {
  wasm_val_t r;
  wasm_trap_t* trap = call(name, argc, a, b, &r);
  CHECK(trap == NULL);
  wasm_trap_delete(trap);
  return r.of.i32;
}

// ---- globals ---------------------------------------------------------------------------------

static void check_global_type(const wasm_global_t* g, wasm_valkind_t kind, wasm_mutability_t mut) {
  wasm_globaltype_t* ty = wasm_global_type(g);
  CHECK(ty != NULL && wasm_valtype_kind(wasm_globaltype_content(ty)) == kind && wasm_globaltype_mutability(ty) == mut);
  wasm_globaltype_delete(ty);
}

static void test_exported_globals(void) {
  wasm_global_t* c = wasm_extern_as_global(exp_("c_i32"));
  wasm_global_t* v64 = wasm_extern_as_global(exp_("v_i64"));
  wasm_global_t* f32 = wasm_extern_as_global(exp_("v_f32"));
  wasm_global_t* f64 = wasm_extern_as_global(exp_("v_f64"));
  wasm_global_t* ext = wasm_extern_as_global(exp_("v_ext"));
  wasm_global_t* fn = wasm_extern_as_global(exp_("v_func"));
  CHECK(c && v64 && f32 && f64 && ext && fn);
  check_global_type(c, WASM_I32, WASM_CONST);
  check_global_type(v64, WASM_I64, WASM_VAR);
  check_global_type(f32, WASM_F32, WASM_VAR);
  check_global_type(f64, WASM_F64, WASM_VAR);
  check_global_type(ext, WASM_EXTERNREF, WASM_VAR);
  check_global_type(fn, WASM_FUNCREF, WASM_VAR);

  // Initial values.
  wasm_val_t v;
  wasm_global_get(c, &v);
  CHECK(v.kind == WASM_I32 && v.of.i32 == 42);
  wasm_global_get(v64, &v);
  CHECK(v.kind == WASM_I64 && v.of.i64 == -5);
  wasm_global_get(f32, &v);
  CHECK(v.kind == WASM_F32 && v.of.f32 == 1.5f);
  wasm_global_get(f64, &v);
  CHECK(v.kind == WASM_F64 && v.of.f64 == -2.25);
  wasm_global_get(ext, &v);
  CHECK(v.kind == WASM_EXTERNREF && v.of.ref == NULL);
  wasm_global_get(fn, &v);
  CHECK(v.kind == WASM_FUNCREF && v.of.ref == NULL);

  // An immutable global refuses a new value and keeps its own.
  wasm_val_t seven = WASM_I32_VAL(7);
  wasmo_error_clear();
  wasm_global_set(c, &seven);
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), "immutable") != NULL);
  wasm_global_get(c, &v);
  CHECK(v.kind == WASM_I32 && v.of.i32 == 42);

  // Host writes are seen by wasm, and wasm writes by the host.
  wasm_val_t big = WASM_I64_VAL(INT64_MAX);
  wasm_global_set(v64, &big);
  CHECK(wasmo_error_message() == NULL);  // a successful set clears the error
  wasm_val_t r;
  CHECK(call("get_i64", 0, 0, 0, &r) == NULL && r.kind == WASM_I64 && r.of.i64 == INT64_MAX);
  wasm_val_t arg[1] = {WASM_I64_VAL(-77)};
  wasm_val_vec_t argv = WASM_ARRAY_VEC(arg), none = WASM_EMPTY_VEC;
  CHECK(wasm_func_call(func("set_i64"), &argv, &none) == NULL);
  wasm_global_get(v64, &v);
  CHECK(v.of.i64 == -77);
  // A value of the wrong kind is refused.
  wasm_global_set(v64, &seven);
  CHECK(wasmo_error_message() != NULL);
  wasm_global_get(v64, &v);
  CHECK(v.kind == WASM_I64 && v.of.i64 == -77);

  wasm_val_t x = WASM_F32_VAL(-0.125f);
  wasm_global_set(f32, &x);
  wasm_global_get(f32, &v);
  CHECK(v.kind == WASM_F32 && v.of.f32 == -0.125f);
  x = (wasm_val_t)WASM_F64_VAL(6.02e23);
  wasm_global_set(f64, &x);
  wasm_global_get(f64, &v);
  CHECK(v.kind == WASM_F64 && v.of.f64 == 6.02e23);
  wasm_global_set(f32, &x);  // f64 into f32: refused
  wasm_global_get(f32, &v);
  CHECK(v.of.f32 == -0.125f);

  // externref: a host object goes in, wasm reads the same object.
  wasm_val_t e = WASM_REF_VAL(wasm_foreign_as_ref(foreign));
  wasm_global_set(ext, &e);
  CHECK(wasmo_error_message() == NULL);
  CHECK(call("get_ext", 0, 0, 0, &r) == NULL);
  CHECK(r.kind == WASM_EXTERNREF && r.of.ref != NULL && wasm_ref_same(r.of.ref, wasm_foreign_as_ref(foreign)));
  wasm_val_delete(&r);
  wasm_global_get(ext, &v);
  CHECK(v.kind == WASM_EXTERNREF && wasm_ref_as_foreign(v.of.ref) != NULL &&
        wasm_foreign_same(wasm_ref_as_foreign(v.of.ref), foreign));
  wasm_val_delete(&v);
  e.of.ref = NULL;  // back to null
  wasm_global_set(ext, &e);
  CHECK(call("get_ext", 0, 0, 0, &r) == NULL && r.of.ref == NULL);

  // funcref: wasm stores `eleven`; the host sees that function and stores `twelve`.
  wasm_val_t none_r;
  CHECK(call("set_func_from_tab", 1, 0, 0, &none_r) == NULL);
  wasm_global_get(fn, &v);
  CHECK(v.kind == WASM_FUNCREF && wasm_ref_as_func(v.of.ref) != NULL &&
        wasm_func_same(wasm_ref_as_func(v.of.ref), func("eleven")));
  wasm_val_delete(&v);
  CHECK(call_i32("call_global_func", 0, 0, 0) == 11);
  wasm_val_t tw = {.kind = WASM_FUNCREF, .of = {.ref = wasm_func_as_ref((wasm_func_t*)func("twelve"))}};
  wasm_global_set(fn, &tw);
  CHECK(wasmo_error_message() == NULL);
  CHECK(call_i32("call_global_func", 0, 0, 0) == 12);
  // A foreign object is not a function.
  wasm_val_t not_fn = {.kind = WASM_FUNCREF, .of = {.ref = wasm_foreign_as_ref(foreign)}};
  wasm_global_set(fn, &not_fn);
  CHECK(wasmo_error_message() != NULL);
  CHECK(call_i32("call_global_func", 0, 0, 0) == 12);
  // Nor an externref-kind value.
  wasm_val_t ext_kind = WASM_REF_VAL(NULL);
  wasm_global_set(fn, &ext_kind);
  CHECK(wasmo_error_message() != NULL);
  CHECK(call_i32("call_global_func", 0, 0, 0) == 12);
}

static void test_host_globals(void) {
  // One host global per kind, with its value and type.
  wasm_val_t values[6] = {WASM_I32_VAL(-1), WASM_I64_VAL(1LL << 40), WASM_F32_VAL(0.5f), WASM_F64_VAL(-1e-300),
                          WASM_REF_VAL(wasm_foreign_as_ref(foreign)),
                          {.kind = WASM_FUNCREF, .of = {.ref = wasm_func_as_ref((wasm_func_t*)func("eleven"))}}};
  for (int i = 0; i < 6; i++) {
    wasm_globaltype_t* ty = wasm_globaltype_new(wasm_valtype_new(values[i].kind), i % 2 ? WASM_VAR : WASM_CONST);
    wasm_global_t* g = wasm_global_new(store, ty, &values[i]);
    wasm_globaltype_delete(ty);
    CHECK(g != NULL);
    if (!g) continue;
    check_global_type(g, values[i].kind, i % 2 ? WASM_VAR : WASM_CONST);
    wasm_val_t v;
    wasm_global_get(g, &v);
    CHECK(v.kind == values[i].kind);
    switch (i) {
      case 0: CHECK(v.of.i32 == -1); break;
      case 1: CHECK(v.of.i64 == 1LL << 40); break;
      case 2: CHECK(v.of.f32 == 0.5f); break;
      case 3: CHECK(v.of.f64 == -1e-300); break;
      case 4: CHECK(v.of.ref != NULL && wasm_ref_same(v.of.ref, wasm_foreign_as_ref(foreign))); break;
      default: CHECK(v.of.ref != NULL && wasm_func_same(wasm_ref_as_func(v.of.ref), func("eleven"))); break;
    }
    wasm_val_delete(&v);
    wasm_global_delete(g);
  }

  // A value that does not match the type: NULL and a message.
  wasm_globaltype_t* ty = wasm_globaltype_new(wasm_valtype_new_i64(), WASM_VAR);
  wasm_val_t wrong = WASM_I32_VAL(1);
  wasmo_error_clear();
  CHECK(wasm_global_new(store, ty, &wrong) == NULL);
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), "wasm_global_new") != NULL);
  wasm_globaltype_delete(ty);
  ty = wasm_globaltype_new(wasm_valtype_new_funcref(), WASM_VAR);
  wasm_val_t foreign_as_func = {.kind = WASM_FUNCREF, .of = {.ref = wasm_foreign_as_ref(foreign)}};
  CHECK(wasm_global_new(store, ty, &foreign_as_func) == NULL && wasmo_error_message() != NULL);
  // A null funcref is fine.
  wasm_val_t null_func = {.kind = WASM_FUNCREF, .of = {.ref = NULL}};
  wasm_global_t* g = wasm_global_new(store, ty, &null_func);
  CHECK(g != NULL && wasmo_error_message() == NULL);
  wasm_val_t v;
  wasm_global_get(g, &v);
  CHECK(v.kind == WASM_FUNCREF && v.of.ref == NULL);
  wasm_global_delete(g);
  wasm_globaltype_delete(ty);
}

// ---- tables ----------------------------------------------------------------------------------

static int ref_is_func(wasm_ref_t* r, const wasm_func_t* f) {
  int ok = r != NULL && wasm_ref_as_func(r) != NULL && wasm_func_same(wasm_ref_as_func(r), f);
  wasm_ref_delete(r);
  return ok;
}

static void check_table_type(const wasm_table_t* t, wasm_valkind_t kind, uint32_t min, uint32_t max) {
  wasm_tabletype_t* ty = wasm_table_type(t);
  CHECK(ty != NULL && wasm_valtype_kind(wasm_tabletype_element(ty)) == kind);
  CHECK(ty && wasm_tabletype_limits(ty)->min == min && wasm_tabletype_limits(ty)->max == max);
  wasm_tabletype_delete(ty);
}

static void test_exported_table(void) {
  wasm_table_t* tab = wasm_extern_as_table(exp_("tab"));
  CHECK(tab != NULL);
  check_table_type(tab, WASM_FUNCREF, 2, 10);
  CHECK(wasm_table_size(tab) == 2);

  // Element 0 is `eleven` (from the element segment), element 1 null, 2 out of range.
  CHECK(ref_is_func(wasm_table_get(tab, 0), func("eleven")));
  CHECK(wasm_table_get(tab, 1) == NULL);
  CHECK(wasm_table_get(tab, 2) == NULL);
  CHECK(wasm_table_get(tab, UINT32_MAX) == NULL);

  // Two gets give two handles of one function.
  wasm_ref_t* a = wasm_table_get(tab, 0);
  wasm_ref_t* b = wasm_table_get(tab, 0);
  CHECK(a != NULL && b != NULL && a != b && wasm_ref_same(a, b));
  wasm_ref_delete(a);
  wasm_ref_delete(b);

  // Set: wasm calls what the host put there.
  wasm_func_t* twelve = (wasm_func_t*)func("twelve");
  CHECK(wasm_table_set(tab, 1, wasm_func_as_ref(twelve)));
  CHECK(call_i32("call_tab", 1, 1, 0) == 12);
  CHECK(ref_is_func(wasm_table_get(tab, 1), twelve));
  CHECK(!wasm_table_set(tab, 2, wasm_func_as_ref(twelve)));  // out of range
  CHECK(wasmo_error_message() != NULL);
  CHECK(!wasm_table_set(tab, 0, wasm_foreign_as_ref(foreign)));  // not a function
  CHECK(ref_is_func(wasm_table_get(tab, 0), func("eleven")));  // unchanged
  CHECK(wasm_table_set(tab, 0, NULL));  // null
  CHECK(wasm_table_get(tab, 0) == NULL);
  wasm_trap_t* trap = call("call_tab", 1, 0, 0, NULL);
  CHECK(trap_message_is(trap, "uninitialized element 0"));
  wasm_trap_delete(trap);
  CHECK(wasm_table_set(tab, 0, wasm_func_as_ref((wasm_func_t*)func("eleven"))));
  CHECK(call_i32("call_tab", 1, 0, 0) == 11);

  // Grow with an initial function, up to the maximum.
  CHECK(wasm_table_grow(tab, 3, wasm_func_as_ref(twelve)));
  CHECK(wasm_table_size(tab) == 5 && call_i32("tab_size", 0, 0, 0) == 5);
  for (uint32_t i = 2; i < 5; i++) CHECK(ref_is_func(wasm_table_get(tab, i), twelve));
  CHECK(call_i32("call_tab", 1, 4, 0) == 12);
  check_table_type(tab, WASM_FUNCREF, 5, 10);
  CHECK(wasm_table_grow(tab, 0, NULL) && wasm_table_size(tab) == 5);
  CHECK(wasm_table_grow(tab, 5, NULL) && wasm_table_size(tab) == 10);
  CHECK(wasm_table_get(tab, 9) == NULL);
  CHECK(!wasm_table_grow(tab, 1, NULL));  // past the maximum
  CHECK(wasmo_error_message() != NULL);
  CHECK(wasm_table_size(tab) == 10 && call_i32("tab_size", 0, 0, 0) == 10);
  CHECK(!wasm_table_grow(tab, UINT32_MAX, NULL) && wasm_table_size(tab) == 10);

  // An externref table: what the host stores, wasm reads.
  wasm_table_t* etab = wasm_extern_as_table(exp_("etab"));
  check_table_type(etab, WASM_EXTERNREF, 1, wasm_limits_max_default);
  CHECK(wasm_table_set(etab, 0, wasm_foreign_as_ref(foreign)));
  wasm_val_t r;
  CHECK(call("etab_get", 1, 0, 0, &r) == NULL);
  CHECK(r.kind == WASM_EXTERNREF && r.of.ref != NULL && wasm_ref_same(r.of.ref, wasm_foreign_as_ref(foreign)));
  wasm_val_delete(&r);
  wasm_ref_t* got = wasm_table_get(etab, 0);
  CHECK(got != NULL && wasm_ref_same(got, wasm_foreign_as_ref(foreign)));
  wasm_ref_delete(got);
  // A function in an externref table is an object like any other.
  CHECK(wasm_table_grow(etab, 1, wasm_func_as_ref(twelve)));
  CHECK(ref_is_func(wasm_table_get(etab, 1), twelve));
}

static void test_host_tables(void) {
  wasm_limits_t l = {3, 6};
  wasm_tabletype_t* ty = wasm_tabletype_new(wasm_valtype_new_externref(), &l);
  wasm_table_t* t = wasm_table_new(store, ty, wasm_foreign_as_ref(foreign));
  wasm_tabletype_delete(ty);
  CHECK(t != NULL);
  check_table_type(t, WASM_EXTERNREF, 3, 6);
  CHECK(wasm_table_size(t) == 3);
  for (uint32_t i = 0; i < 3; i++) {
    wasm_ref_t* r = wasm_table_get(t, i);
    CHECK(r != NULL && wasm_ref_same(r, wasm_foreign_as_ref(foreign)));
    wasm_ref_delete(r);
  }
  CHECK(wasm_table_grow(t, 3, NULL) && wasm_table_size(t) == 6 && wasm_table_get(t, 5) == NULL);
  CHECK(!wasm_table_grow(t, 1, NULL) && wasm_table_size(t) == 6);
  wasm_table_delete(t);

  // A funcref table of null references, and one initialised with a function.
  l = (wasm_limits_t){1, wasm_limits_max_default};
  ty = wasm_tabletype_new(wasm_valtype_new_funcref(), &l);
  t = wasm_table_new(store, ty, NULL);
  CHECK(t != NULL && wasm_table_size(t) == 1 && wasm_table_get(t, 0) == NULL);
  CHECK(wasm_table_grow(t, 1000, NULL) && wasm_table_size(t) == 1001);
  wasm_table_delete(t);
  t = wasm_table_new(store, ty, wasm_func_as_ref((wasm_func_t*)func("eleven")));
  CHECK(t != NULL && ref_is_func(wasm_table_get(t, 0), func("eleven")));
  wasm_table_delete(t);
  // A foreign object cannot fill a funcref table.
  wasmo_error_clear();
  CHECK(wasm_table_new(store, ty, wasm_foreign_as_ref(foreign)) == NULL);
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), "wasm_table_new") != NULL);
  wasm_tabletype_delete(ty);

  // A minimum above the maximum is refused (as for memories).
  l = (wasm_limits_t){5, 2};
  ty = wasm_tabletype_new(wasm_valtype_new_funcref(), &l);
  CHECK(wasm_table_new(store, ty, NULL) == NULL);
  wasm_tabletype_delete(ty);
}

// ---- memories --------------------------------------------------------------------------------

static void check_memory_type(const wasm_memory_t* m, uint32_t min, uint32_t max) {
  wasm_memorytype_t* ty = wasm_memory_type(m);
  CHECK(ty != NULL && wasm_memorytype_limits(ty)->min == min && wasm_memorytype_limits(ty)->max == max);
  wasm_memorytype_delete(ty);
}

static void test_exported_memory(void) {
  wasm_memory_t* mem = wasm_extern_as_memory(exp_("mem"));
  CHECK(mem != NULL);
  check_memory_type(mem, 1, 3);
  CHECK(wasm_memory_size(mem) == 1 && wasm_memory_data_size(mem) == MEMORY_PAGE_SIZE);
  char* data = wasm_memory_data(mem);
  CHECK(data != NULL && memcmp(data + 16, "hello", 5) == 0 && data[15] == 0 && data[21] == 0);

  // Host writes, wasm reads; wasm writes, host reads.
  data[100] = (char)0xab;
  CHECK(call_i32("load8", 1, 100, 0) == 0xab);
  data[MEMORY_PAGE_SIZE - 1] = 9;
  CHECK(call_i32("load8", 1, (int32_t)MEMORY_PAGE_SIZE - 1, 0) == 9);
  wasm_val_t none;
  CHECK(call("store8", 2, 200, 0x1234, &none) == NULL);
  CHECK(data[200] == 0x34 && data[201] == 0);

  // Grow by the host: wasm sees the new size, both see the new bytes.
  CHECK(wasm_memory_grow(mem, 1));
  CHECK(wasm_memory_size(mem) == 2 && wasm_memory_data_size(mem) == 2 * MEMORY_PAGE_SIZE);
  CHECK(call_i32("pages", 0, 0, 0) == 2);
  data = wasm_memory_data(mem);  // may have moved
  CHECK(memcmp(data + 16, "hello", 5) == 0 && data[100] == (char)0xab);
  CHECK(data[MEMORY_PAGE_SIZE] == 0 && data[2 * MEMORY_PAGE_SIZE - 1] == 0);  // zeroed
  data[MEMORY_PAGE_SIZE + 5] = 55;
  CHECK(call_i32("load8", 1, (int32_t)MEMORY_PAGE_SIZE + 5, 0) == 55);
  check_memory_type(mem, 2, 3);

  // Grow by wasm: the host sees it.
  CHECK(call_i32("grow", 1, 1, 0) == 2);  // the old size
  CHECK(wasm_memory_size(mem) == 3 && wasm_memory_data_size(mem) == 3 * MEMORY_PAGE_SIZE);
  data = wasm_memory_data(mem);
  CHECK(call("store8", 2, 3 * MEMORY_PAGE_SIZE - 1, 77, &none) == NULL);
  CHECK(data[3 * MEMORY_PAGE_SIZE - 1] == 77);

  // Past the maximum: refused on both sides, size unchanged.
  CHECK(!wasm_memory_grow(mem, 1));
  CHECK(wasmo_error_message() != NULL);
  CHECK(!wasm_memory_grow(mem, UINT32_MAX));
  CHECK(call_i32("grow", 1, 1, 0) == -1);
  CHECK(wasm_memory_size(mem) == 3 && call_i32("pages", 0, 0, 0) == 3);
  CHECK(wasm_memory_grow(mem, 0));  // growing by nothing is fine
  CHECK(wasm_memory_size(mem) == 3);
  // An access past the end still traps.
  wasm_trap_t* trap = call("load8", 1, 3 * MEMORY_PAGE_SIZE, 0, NULL);
  CHECK(trap_message_is(trap, "out of bounds memory access"));
  wasm_trap_delete(trap);
}

static void test_host_memories(void) {
  wasm_limits_t l = {0, 2};
  wasm_memorytype_t* ty = wasm_memorytype_new(&l);
  wasm_memory_t* m = wasm_memory_new(store, ty);
  wasm_memorytype_delete(ty);
  CHECK(m != NULL);
  check_memory_type(m, 0, 2);
  CHECK(wasm_memory_size(m) == 0 && wasm_memory_data_size(m) == 0);
  CHECK(wasm_memory_grow(m, 2));
  CHECK(wasm_memory_size(m) == 2 && wasm_memory_data_size(m) == 2 * MEMORY_PAGE_SIZE);
  char* data = wasm_memory_data(m);
  CHECK(data != NULL && data[0] == 0 && data[2 * MEMORY_PAGE_SIZE - 1] == 0);
  memset(data, 0x11, 2 * MEMORY_PAGE_SIZE);  // all of it is writable
  CHECK(!wasm_memory_grow(m, 1) && wasm_memory_size(m) == 2);
  wasm_memory_delete(m);

  // No maximum.
  l = (wasm_limits_t){1, wasm_limits_max_default};
  ty = wasm_memorytype_new(&l);
  m = wasm_memory_new(store, ty);
  wasm_memorytype_delete(ty);
  CHECK(m != NULL);
  check_memory_type(m, 1, wasm_limits_max_default);
  CHECK(wasm_memory_grow(m, 15) && wasm_memory_size(m) == 16);
  CHECK(!wasm_memory_grow(m, 65536));  // past 4 GiB
  CHECK(wasm_memory_size(m) == 16);
  wasm_memory_delete(m);

  // Limits that are not a valid memory type: no memory, and a message.
  l = (wasm_limits_t){3, 1};  // minimum above the maximum
  ty = wasm_memorytype_new(&l);
  wasmo_error_clear();
  CHECK(wasm_memory_new(store, ty) == NULL && wasmo_error_message() != NULL);
  wasm_memorytype_delete(ty);
  l = (wasm_limits_t){65537, wasm_limits_max_default};  // more than 4 GiB
  ty = wasm_memorytype_new(&l);
  wasmo_error_clear();
  CHECK(wasm_memory_new(store, ty) == NULL && wasmo_error_message() != NULL);
  wasm_memorytype_delete(ty);
}

// ---- forbidden arguments ---------------------------------------------------------------------

static void global_get_into_null(void) { wasm_global_get(wasm_extern_as_global(exp_("c_i32")), NULL); }
static void global_set_null(void) { wasm_global_set(wasm_extern_as_global(exp_("v_i64")), NULL); }
static void size_of_null_table(void) { wasm_table_size(NULL); }
static void data_of_null_memory(void) { wasm_memory_data(NULL); }

int main(void) {
  engine = wasm_engine_new();
  store = wasm_store_new(engine);
  foreign = wasm_foreign_new(store);
  wasm_byte_vec_t binary;
  load_wasm("gtm", &binary);
  module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  instance = wasm_instance_new(store, module, NULL, NULL);
  if (!instance) {
    fprintf(stderr, "instantiation failed: %s\n", wasmo_error_message());
    return 1;
  }
  wasm_instance_exports(instance, &exports);

  test_exported_globals();
  test_host_globals();
  test_exported_table();
  test_host_tables();
  test_exported_memory();
  test_host_memories();

  CHECK(aborts_with(global_get_into_null, "wasmo: wasm_global_get: argument `out` must not be NULL"));
  CHECK(aborts_with(global_set_null, "wasmo: wasm_global_set: argument `value` must not be NULL"));
  CHECK(aborts_with(size_of_null_table, "wasmo: wasm_table_size: argument `self` must not be NULL"));
  CHECK(aborts_with(data_of_null_memory, "wasmo: wasm_memory_data: argument `self` must not be NULL"));

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_foreign_delete(foreign);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_global_table_memory");
}
