// Creates many objects with host info and a finalizer (wasm_*_set_host_info_with_finalizer):
// instances of finalize.wasm, their exported functions, host functions (which also have an
// environment with a finalizer), foreign objects (some of them held by wasm in an externref
// table) and the module. Deletes them all, then the store, and checks that every finalizer ran
// exactly once, and never while wasm could still reach its object.
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

// Host info: counts how often its finalizer ran.
typedef struct {
  int finalized;
} record_t;

static int total_finalized = 0;

static void finalize_record(void* data) {
  record_t* record = data;
  record->finalized++;
  total_finalized++;
}

enum { INSTANCES = 100, HOST_FUNCS = 10, FOREIGNS = 64, KEPT_PER_INSTANCE = 4 };

static record_t instance_info[INSTANCES];
static record_t run_info[INSTANCES];  // the exported function `run` of each instance
static record_t host_func_info[HOST_FUNCS];
static record_t host_func_env[HOST_FUNCS];  // environments of wasm_func_new_with_env
static record_t foreign_info[FOREIGNS];
static record_t module_info;
static record_t replaced_info;  // host info replaced by another one

// Checks that every record of `records` was finalized `expected` times.
static void check_records(const char* what, const record_t* records, int n, int expected) {
  int wrong = 0;
  for (int i = 0; i < n; i++) wrong += records[i].finalized != expected;
  check(wrong == 0, "%-26s: %d finalized %d time(s) (%d wrong)", what, n, expected, wrong);
}

// The host function each instance imports: i32 -> i32, its argument plus its environment's index.
static wasm_trap_t* tick_callback(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  int index = (int)((record_t*)env - host_func_env);
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 + index;
  return NULL;
}

static wasm_trap_t* call(const wasm_func_t* func, size_t n_args, wasm_val_t* args_array,
                         size_t n_results, wasm_val_t* out) {
  wasm_val_vec_t args = {n_args, args_array};
  wasm_val_vec_t results = {n_results, out};
  return wasm_func_call(func, &args, &results);
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, "finalize.wasm");
  if (!module) return 1;
  wasm_module_set_host_info_with_finalizer(module, &module_info, finalize_record);

  printf("creating %d host functions with an environment and host info\n", HOST_FUNCS);
  wasm_functype_t* tick_type = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* host_funcs[HOST_FUNCS];
  for (int i = 0; i < HOST_FUNCS; i++) {
    host_funcs[i] =
        wasm_func_new_with_env(store, tick_type, tick_callback, &host_func_env[i], finalize_record);
    wasm_func_set_host_info_with_finalizer(host_funcs[i], &host_func_info[i], finalize_record);
  }
  wasm_functype_delete(tick_type);
  check(wasm_func_get_host_info(host_funcs[3]) == &host_func_info[3], "wasm_func_get_host_info");

  printf("creating %d foreign objects with host info\n", FOREIGNS);
  wasm_foreign_t* foreigns[FOREIGNS];
  for (int i = 0; i < FOREIGNS; i++) {
    foreigns[i] = wasm_foreign_new(store);
    wasm_foreign_set_host_info_with_finalizer(foreigns[i], &foreign_info[i], finalize_record);
  }

  printf("instantiating %d times, with host info on each instance and its export `run`\n",
         INSTANCES);
  int run_errors = 0, keep_errors = 0, info_errors = 0;
  int kept = 0;  // foreign objects handed to instances so far
  for (int i = 0; i < INSTANCES; i++) {
    wasm_extern_t* imports_array[] = {wasm_func_as_extern(host_funcs[i % HOST_FUNCS])};
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_array);
    wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
    if (!instance) {
      printf("> wasm_instance_new failed: %s\n", wasmo_error_message());
      return 1;
    }
    if (i == 0) {
      // Host info that is replaced right away: its finalizer must still run, once.
      wasm_instance_set_host_info_with_finalizer(instance, &replaced_info, finalize_record);
    }
    wasm_instance_set_host_info_with_finalizer(instance, &instance_info[i], finalize_record);
    wasm_extern_vec_t exports, again;
    wasm_instance_exports(instance, &exports);
    wasm_instance_exports(instance, &again);
    if (exports.size != 4 || again.size != 4) {
      printf("> expected 4 exports: refs, run, keep, get\n");
      return 1;
    }
    wasm_func_t* run = wasm_extern_as_func(exports.data[1]);
    const wasm_func_t* keep = wasm_extern_as_func(exports.data[2]);
    wasm_func_set_host_info_with_finalizer(run, &run_info[i], finalize_record);
    // Host info belongs to the function, not to the handle.
    info_errors += wasm_extern_get_host_info(again.data[1]) != &run_info[i];
    info_errors += wasm_instance_get_host_info(instance) != &instance_info[i];

    wasm_val_t args[] = {WASM_I32_VAL(1000)};
    wasm_val_t result = WASM_INIT_VAL;
    wasm_trap_t* trap = call(run, 1, args, 1, &result);
    run_errors += trap != NULL || result.of.i32 != 1000 + i % HOST_FUNCS;
    if (trap) wasm_trap_delete(trap);

    // Every other instance keeps up to 4 foreign objects in its table.
    for (int k = 0; i % 2 == 1 && k < KEPT_PER_INSTANCE && kept < FOREIGNS / 2; k++, kept++) {
      wasm_val_t keep_args[] = {WASM_I32_VAL(k), WASM_REF_VAL(wasm_foreign_as_ref(foreigns[kept]))};
      trap = call(keep, 2, keep_args, 0, NULL);
      keep_errors += trap != NULL;
      if (trap) wasm_trap_delete(trap);
    }

    wasm_extern_vec_delete(&again);
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
  }
  check(run_errors == 0, "every instance's run called its host function");
  check(keep_errors == 0, "%d foreign objects stored in externref tables", kept);
  check(info_errors == 0, "host info read back through other handles");
  printf("> %d finalizers ran so far\n", total_finalized);

  printf("deleting the foreign objects\n");
  // The first half is held by wasm tables: nothing may be finalized yet.
  for (int i = 0; i < FOREIGNS / 2; i++) wasm_foreign_delete(foreigns[i]);
  check_records("foreigns held by wasm", foreign_info, FOREIGNS / 2, 0);
  // The second half: a copy keeps each one alive until it is deleted too.
  int early = 0, late = 0, wrong_info = 0;
  for (int i = FOREIGNS / 2; i < FOREIGNS; i++) {
    wasm_foreign_t* copy = wasm_foreign_copy(foreigns[i]);
    wrong_info += !wasm_foreign_same(copy, foreigns[i]) ||
                  wasm_foreign_get_host_info(copy) != &foreign_info[i];
    wasm_foreign_delete(foreigns[i]);
    early += foreign_info[i].finalized != 0;
    wasm_foreign_delete(copy);
    late += foreign_info[i].finalized != 1;
  }
  check(wrong_info == 0, "copies share the host info");
  check(early == 0, "deleting one of two handles finalizes nothing");
  check(late == 0, "deleting the last handle finalizes once");

  printf("a foreign object only wasm holds is still alive\n");
  {
    wasm_foreign_t* foreign = wasm_foreign_new(store);
    static record_t late_info;
    wasm_foreign_set_host_info_with_finalizer(foreign, &late_info, finalize_record);
    wasm_extern_t* imports_array[] = {wasm_func_as_extern(host_funcs[0])};
    wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_array);
    wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
    if (!instance) {
      printf("> wasm_instance_new failed: %s\n", wasmo_error_message());
      return 1;
    }
    wasm_extern_vec_t exports;
    wasm_instance_exports(instance, &exports);
    wasm_val_t keep_args[] = {WASM_I32_VAL(2), WASM_REF_VAL(wasm_foreign_as_ref(foreign))};
    wasm_trap_t* trap = call(wasm_extern_as_func(exports.data[2]), 2, keep_args, 0, NULL);
    check(trap == NULL, "keep(2, foreign)");
    if (trap) wasm_trap_delete(trap);
    wasm_foreign_delete(foreign);
    check(late_info.finalized == 0, "its handle deleted, the foreign object is not finalized");
    wasm_val_t get_args[] = {WASM_I32_VAL(2)};
    wasm_val_t result = WASM_INIT_VAL;
    trap = call(wasm_extern_as_func(exports.data[3]), 1, get_args, 1, &result);
    check(trap == NULL && result.kind == WASM_EXTERNREF && result.of.ref != NULL, "get(2)");
    if (trap) wasm_trap_delete(trap);
    if (result.of.ref) {
      check(wasm_ref_get_host_info(result.of.ref) == &late_info,
            "returns the foreign object with its host info");
      wasm_foreign_t* back = wasm_ref_as_foreign(result.of.ref);
      check(back != NULL && wasm_foreign_get_host_info(back) == &late_info,
            "wasm_ref_as_foreign sees it too");
    }
    wasm_val_delete(&result);
    check(late_info.finalized == 0, "still not finalized");
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
    printf("deleting the host functions and the module\n");
    for (int i = 0; i < HOST_FUNCS; i++) wasm_func_delete(host_funcs[i]);
    wasm_module_delete(module);
    printf("> %d finalizers ran before deleting the store\n", total_finalized);

    printf("deleting the store\n");
    wasm_store_delete(store);
    check(late_info.finalized == 1, "that foreign object was finalized once");
  }

  check_records("instances", instance_info, INSTANCES, 1);
  check_records("exported functions", run_info, INSTANCES, 1);
  check_records("host functions", host_func_info, HOST_FUNCS, 1);
  check_records("host function environments", host_func_env, HOST_FUNCS, 1);
  check_records("foreign objects", foreign_info, FOREIGNS, 1);
  check_records("module", &module_info, 1, 1);
  check_records("replaced host info", &replaced_info, 1, 1);
  int expected_total = 2 * INSTANCES + 2 * HOST_FUNCS + FOREIGNS + 1 + 1 + 1;
  check(total_finalized == expected_total, "%d finalizer calls in all (got %d)", expected_total,
        total_finalized);

  wasm_engine_delete(engine);
  check(total_finalized == expected_total, "none after deleting the engine");

  printf("finalize: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
