// Wasm exceptions through wasm.h, in both modes and through serialisation, under valgrind: a
// module whose tags stay inside it throws and catches; an exception no handler catches comes
// back from wasm_func_call as the trap "uncaught exception" with the thrower's frame; a module
// importing or exporting a tag is refused by wasm_module_new and wasm_module_validate alike
// (wasm.h has no extern kind for tags yet); the legacy instructions free every exception
// exactly once; the store works after all of it.
#include <string.h>

#include "harness.h"
#include "wasmo.h"

static const char kText[] =
    "(module\n"
    "  (tag $e (param i32))\n"
    "  (func $thrower (param i32) (throw $e (local.get 0)))\n"
    "  (func (export \"caught\") (param i32) (result i32)\n"
    "    (block $h (result i32)\n"
    "      (try_table (catch $e $h) (call $thrower (local.get 0)))\n"
    "      (i32.const -1)))\n"
    "  (func (export \"uncaught\") (call $thrower (i32.const 7))))\n";

static const char kTagExport[] = "(module (tag (export \"t\")))";

static void run(wasm_store_t* store, wasm_module_t* module) {
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  if (!instance) return;
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  CHECK(exports.size == 2);
  wasm_func_t* caught = wasm_extern_as_func(exports.data[0]);
  wasm_func_t* uncaught = wasm_extern_as_func(exports.data[1]);
  for (int round = 0; round < 2; round++) {
    wasm_val_t arg[1] = {WASM_I32_VAL(41 + round)};
    wasm_val_t out[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(arg);
    wasm_val_vec_t results = WASM_ARRAY_VEC(out);
    wasm_trap_t* trap = wasm_func_call(caught, &args, &results);
    CHECK(trap == NULL);
    if (trap) wasm_trap_delete(trap);
    CHECK(out[0].kind == WASM_I32 && out[0].of.i32 == 41 + round);

    wasm_val_vec_t none = WASM_EMPTY_VEC;
    trap = wasm_func_call(uncaught, &none, &none);
    CHECK(trap_message_has(trap, "uncaught exception"));
    if (trap) {
      // The innermost frame is the thrower's (function 0).
      wasm_frame_t* origin = wasm_trap_origin(trap);
      CHECK(origin != NULL && wasm_frame_func_index(origin) == 0);
      if (origin) wasm_frame_delete(origin);
      wasm_trap_delete(trap);
    }
  }
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
}

// Legacy exception handling (text/legacy_exceptions.wat): leaving `catch` clauses every way,
// a trap in a clause and an exception escaping one; valgrind fails the test on any exception
// not freed exactly once.
static void run_legacy(wasm_store_t* store, wasm_module_t* module) {
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  if (!instance) return;
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* leave_all = wasm_extern_as_func(export_named(module, &exports, "leave_all"));
  wasm_func_t* trap_in_clause =
      wasm_extern_as_func(export_named(module, &exports, "trap_in_clause"));
  wasm_func_t* uncaught = wasm_extern_as_func(export_named(module, &exports, "uncaught_from_clause"));
  CHECK(leave_all && trap_in_clause && uncaught);
  if (leave_all && trap_in_clause && uncaught) {
    for (int round = 0; round < 2; round++) {
      wasm_val_t arg[1] = {WASM_I32_VAL(200)};
      wasm_val_t out[1] = {WASM_INIT_VAL};
      wasm_val_vec_t args = WASM_ARRAY_VEC(arg);
      wasm_val_vec_t results = WASM_ARRAY_VEC(out);
      wasm_trap_t* trap = wasm_func_call(leave_all, &args, &results);
      CHECK(trap == NULL);
      if (trap) wasm_trap_delete(trap);
      CHECK(out[0].kind == WASM_I32 && out[0].of.i32 == 200 * 172);

      wasm_val_vec_t none = WASM_EMPTY_VEC;
      trap = wasm_func_call(trap_in_clause, &none, &none);
      CHECK(trap_message_has(trap, "unreachable"));
      if (trap) wasm_trap_delete(trap);
      trap = wasm_func_call(uncaught, &none, &none);
      CHECK(trap_message_has(trap, "uncaught exception"));
      if (trap) wasm_trap_delete(trap);
    }
  }
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
}

static void in_mode(uint32_t mode) {
  wasm_config_t* config = wasm_config_new();
  CHECK(wasmo_config_set_mode(config, mode));
  wasm_engine_t* engine = wasm_engine_new_with_config(config);
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = wasmo_module_new_text(store, kText, strlen(kText));
  CHECK(module != NULL);
  if (module) {
    run(store, module);
    // Serialised and back: the image keeps its unwind tables.
    wasm_byte_vec_t artifact;
    wasm_module_serialize(module, &artifact);
    CHECK(artifact.size > 0);
    wasm_module_t* loaded = wasm_module_deserialize(store, &artifact);
    CHECK(loaded != NULL);
    if (loaded) {
      run(store, loaded);
      wasm_module_delete(loaded);
    }
    wasm_byte_vec_delete(&artifact);
    wasm_module_delete(module);
  }
  wasm_byte_vec_t legacy;
  load_text("legacy_exceptions", &legacy);
  wasm_module_t* legacy_module = wasmo_module_new_text(store, legacy.data, legacy.size);
  CHECK(legacy_module != NULL);
  if (legacy_module) {
    run_legacy(store, legacy_module);
    wasm_byte_vec_t artifact;
    wasm_module_serialize(legacy_module, &artifact);
    wasm_module_t* loaded = wasm_module_deserialize(store, &artifact);
    CHECK(loaded != NULL);
    if (loaded) {
      run_legacy(store, loaded);
      wasm_module_delete(loaded);
    }
    wasm_byte_vec_delete(&artifact);
    wasm_module_delete(legacy_module);
  }
  wasm_byte_vec_delete(&legacy);
  // Tags at the boundary: refused, with the same message from both.
  wasm_byte_vec_t binary;
  CHECK(wasmo_wat2wasm(kTagExport, strlen(kTagExport), &binary));
  wasmo_error_clear();
  CHECK(!wasm_module_validate(store, &binary));
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), "unsupported: tag") != NULL);
  wasmo_error_clear();
  CHECK(wasm_module_new(store, &binary) == NULL);
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), "unsupported: tag") != NULL);
  wasm_byte_vec_delete(&binary);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

int main(void) {
  in_mode(WASMO_MODE_LIFTOFF);
  in_mode(WASMO_MODE_OPTIMIZED);
  return test_finish("test_exceptions");
}
