// Loads global.wasm, creates its imported globals in C with wasm_global_new (immutable and mutable,
// i32, i64, f32 and f64), and reads and writes imported and exported globals from C
// (wasm_global_get/set) and from wasm (global.get/set in exported functions).
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

static const char* kind_name(wasm_valkind_t k) {
  switch (k) {
    case WASM_I32: return "i32";
    case WASM_I64: return "i64";
    case WASM_F32: return "f32";
    case WASM_F64: return "f64";
    default: return "?";
  }
}

// Exports by name.
static wasm_extern_vec_t exports;
static wasm_exporttype_vec_t export_types;

static wasm_extern_t* find_export(const char* name) {
  for (size_t i = 0; i < export_types.size && i < exports.size; i++) {
    const wasm_name_t* n = wasm_exporttype_name(export_types.data[i]);
    if (n->size == strlen(name) && memcmp(n->data, name, n->size) == 0) return exports.data[i];
  }
  printf("> missing export %s\n", name);
  exit(1);
}

static wasm_global_t* export_global(const char* name) {
  wasm_global_t* g = wasm_extern_as_global(find_export(name));
  if (!g) {
    printf("> export %s is not a global\n", name);
    exit(1);
  }
  return g;
}

static const wasm_func_t* export_func(const char* prefix, const char* name) {
  char full[64];
  snprintf(full, sizeof full, "%s%s", prefix, name);
  const wasm_func_t* f = wasm_extern_as_func(find_export(full));
  if (!f) {
    printf("> export %s is not a function\n", full);
    exit(1);
  }
  return f;
}

// Calls a getter exported by the module.
static wasm_val_t wasm_get(const char* name) {
  const wasm_func_t* getter = export_func("get_", name);
  wasm_val_t result = WASM_INIT_VAL;
  wasm_val_vec_t args = WASM_EMPTY_VEC;
  wasm_val_vec_t results = {1, &result};
  wasm_trap_t* trap = wasm_func_call(getter, &args, &results);
  if (trap) {
    printf("> get_%s trapped\n", name);
    wasm_trap_delete(trap);
    failures++;
  }
  return result;
}

// Calls a setter exported by the module.
static void wasm_set(const char* name, wasm_val_t value) {
  const wasm_func_t* setter = export_func("set_", name);
  wasm_val_vec_t args = {1, &value};
  wasm_val_vec_t results = WASM_EMPTY_VEC;
  wasm_trap_t* trap = wasm_func_call(setter, &args, &results);
  if (trap) {
    printf("> set_%s trapped\n", name);
    wasm_trap_delete(trap);
    failures++;
  }
}

static void check_c_get(const char* name, const wasm_global_t* g, wasm_val_t expected) {
  wasm_val_t v;
  wasm_global_get(g, &v);
  check(same_val(&v, &expected), "C    get %-13s = %s (got %s)", name, show_val(&expected), show_val(&v));
}

static void check_wasm_get(const char* name, wasm_val_t expected) {
  wasm_val_t v = wasm_get(name);
  check(same_val(&v, &expected), "wasm get %-13s = %s (got %s)", name, show_val(&expected), show_val(&v));
}

static void check_type(const char* name, const wasm_global_t* g, wasm_valkind_t kind,
                       wasm_mutability_t mutability) {
  wasm_globaltype_t* type = wasm_global_type(g);
  wasm_valkind_t k = wasm_valtype_kind(wasm_globaltype_content(type));
  wasm_mutability_t m = wasm_globaltype_mutability(type);
  wasm_globaltype_delete(type);
  check(k == kind && m == mutability, "type of %-13s = %s %s", name,
        mutability == WASM_VAR ? "var" : "const", kind_name(kind));
}

static wasm_global_t* new_global(wasm_store_t* store, wasm_mutability_t mutability,
                                 wasm_val_t value) {
  wasm_globaltype_t* type = wasm_globaltype_new(wasm_valtype_new(value.kind), mutability);
  wasm_global_t* global = wasm_global_new(store, type, &value);
  wasm_globaltype_delete(type);
  if (!global) {
    printf("> wasm_global_new failed: %s\n", wasmo_error_message());
    exit(1);
  }
  return global;
}

// One imported global: its name, mutability and the values it takes in turn.
typedef struct {
  const char* name;
  wasm_mutability_t mutability;
  wasm_val_t initial, from_c, from_wasm;
  wasm_global_t* global;
} host_global_t;

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, "global.wasm");
  if (!module) return 1;

  host_global_t host[] = {
      {"const_i32", WASM_CONST, WASM_I32_VAL(7), WASM_I32_VAL(0), WASM_I32_VAL(0), NULL},
      {"const_i64", WASM_CONST, WASM_I64_VAL(INT64_C(1) << 40), WASM_I64_VAL(0), WASM_I64_VAL(0),
       NULL},
      {"const_f32", WASM_CONST, WASM_F32_VAL(3.5f), WASM_F32_VAL(0), WASM_F32_VAL(0), NULL},
      {"const_f64", WASM_CONST, WASM_F64_VAL(2.718281828459045), WASM_F64_VAL(0), WASM_F64_VAL(0),
       NULL},
      {"var_i32", WASM_VAR, WASM_I32_VAL(-5), WASM_I32_VAL(INT32_MIN), WASM_I32_VAL(123456),
       NULL},
      {"var_i64", WASM_VAR, WASM_I64_VAL(-1000000000000), WASM_I64_VAL(INT64_MAX),
       WASM_I64_VAL(-42), NULL},
      {"var_f32", WASM_VAR, WASM_F32_VAL(0.125f), WASM_F32_VAL(-1e30f), WASM_F32_VAL(6.25f),
       NULL},
      {"var_f64", WASM_VAR, WASM_F64_VAL(-9.75), WASM_F64_VAL(1e-300), WASM_F64_VAL(-0.5), NULL},
  };
  const size_t n_host = sizeof host / sizeof host[0];

  printf("creating the imported globals with wasm_global_new\n");
  for (size_t i = 0; i < n_host; i++) {
    host[i].global = new_global(store, host[i].mutability, host[i].initial);
    check_type(host[i].name, host[i].global, host[i].initial.kind, host[i].mutability);
    check_c_get(host[i].name, host[i].global, host[i].initial);
  }
  {
    wasm_globaltype_t* type = wasm_globaltype_new(wasm_valtype_new_i32(), WASM_CONST);
    wasm_val_t wrong = WASM_F64_VAL(1.0);
    wasm_global_t* bad = wasm_global_new(store, type, &wrong);
    wasm_globaltype_delete(type);
    check(bad == NULL, "wasm_global_new refuses an f64 value for an i32 global: %s",
          wasmo_error_message());
    if (bad) wasm_global_delete(bad);
  }

  printf("instantiating\n");
  wasm_extern_t* imports_array[8];
  for (size_t i = 0; i < n_host; i++) imports_array[i] = wasm_global_as_extern(host[i].global);
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_array);
  wasm_instance_t* instance = instantiate(store, module, &imports);
  if (!instance) {
    return 1;
  }
  wasm_instance_exports(instance, &exports);
  wasm_module_exports(module, &export_types);

  printf("wasm reads the imported globals\n");
  for (size_t i = 0; i < n_host; i++) check_wasm_get(host[i].name, host[i].initial);

  printf("C writes the mutable imported globals, wasm reads them\n");
  for (size_t i = 4; i < n_host; i++) {
    wasm_global_set(host[i].global, &host[i].from_c);
    check_c_get(host[i].name, host[i].global, host[i].from_c);
    check_wasm_get(host[i].name, host[i].from_c);
  }

  printf("wasm writes the mutable imported globals, C reads them\n");
  for (size_t i = 4; i < n_host; i++) {
    wasm_set(host[i].name, host[i].from_wasm);
    check_c_get(host[i].name, host[i].global, host[i].from_wasm);
    check_wasm_get(host[i].name, host[i].from_wasm);
  }

  printf("C cannot write immutable globals or values of the wrong type\n");
  {
    wasm_val_t v = WASM_I32_VAL(99);
    wasmo_error_clear();
    wasm_global_set(host[0].global, &v);
    check(wasmo_error_message() != NULL, "setting const_i32 is refused: %s",
          wasmo_error_message());
    check_c_get("const_i32", host[0].global, host[0].initial);
    check_wasm_get("const_i32", host[0].initial);
    wasm_val_t wrong = WASM_I64_VAL(99);
    wasmo_error_clear();
    wasm_global_set(host[4].global, &wrong);
    check(wasmo_error_message() != NULL, "setting var_i32 to an i64 is refused: %s",
          wasmo_error_message());
    check_c_get("var_i32", host[4].global, host[4].from_wasm);
  }

  printf("the module's exported globals\n");
  struct {
    const char* name;
    wasm_mutability_t mutability;
    wasm_val_t initial, from_c, from_wasm;
  } own[] = {
      {"own_const_i32", WASM_CONST, WASM_I32_VAL(7), WASM_I32_VAL(0), WASM_I32_VAL(0)},
      {"own_const_i64", WASM_CONST, WASM_I64_VAL(-1234567890123), WASM_I64_VAL(0),
       WASM_I64_VAL(0)},
      {"own_var_i32", WASM_VAR, WASM_I32_VAL(10), WASM_I32_VAL(-77), WASM_I32_VAL(INT32_MAX)},
      {"own_var_i64", WASM_VAR, WASM_I64_VAL(20), WASM_I64_VAL(INT64_MIN), WASM_I64_VAL(5)},
      {"own_var_f32", WASM_VAR, WASM_F32_VAL(30.5f), WASM_F32_VAL(-0.0f), WASM_F32_VAL(1.5e-7f)},
      {"own_var_f64", WASM_VAR, WASM_F64_VAL(2.718281828459045), WASM_F64_VAL(1e308),
       WASM_F64_VAL(-3.25)},
  };
  for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
    wasm_global_t* g = export_global(own[i].name);
    check_type(own[i].name, g, own[i].initial.kind, own[i].mutability);
    check_c_get(own[i].name, g, own[i].initial);
    if (own[i].mutability == WASM_CONST) continue;
    check_wasm_get(own[i].name, own[i].initial);
    wasm_global_set(g, &own[i].from_c);
    check_c_get(own[i].name, g, own[i].from_c);
    check_wasm_get(own[i].name, own[i].from_c);
    wasm_set(own[i].name, own[i].from_wasm);
    check_c_get(own[i].name, g, own[i].from_wasm);
    check_wasm_get(own[i].name, own[i].from_wasm);
  }
  {
    wasm_global_t* g = export_global("own_const_i64");
    wasm_val_t v = WASM_I64_VAL(1);
    wasmo_error_clear();
    wasm_global_set(g, &v);
    check(wasmo_error_message() != NULL, "setting own_const_i64 is refused: %s",
          wasmo_error_message());
    check_c_get("own_const_i64", g, own[1].initial);
    check_wasm_get("own_const_i64", own[1].initial);
  }

  printf("an imported global exported again is the same global\n");
  {
    wasm_global_t* again = export_global("var_i64_again");
    check(wasm_global_same(again, host[5].global), "wasm_global_same(var_i64_again, var_i64)");
    wasm_val_t v = WASM_I64_VAL(314159);
    wasm_global_set(again, &v);
    check_c_get("var_i64", host[5].global, v);
    check_wasm_get("var_i64", v);
  }

  wasm_exporttype_vec_delete(&export_types);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  for (size_t i = 0; i < n_host; i++) wasm_global_delete(host[i].global);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);

  printf("global: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
