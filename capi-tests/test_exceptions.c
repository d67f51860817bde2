// Wasm exceptions through wasm.h, in both modes and through serialisation, under valgrind: a
// module whose tags stay inside it throws and catches; an exception no handler catches comes
// back from wasm_func_call as the trap "uncaught exception" with the thrower's frame; a module
// tags cross wasm.h as externs of kind WASMO_EXTERN_TAG (reflection, host tags as imports,
// exported tags); a host function throws into wasm; uncaught exceptions give their tag and
// payload back; exnref values cross as kind WASMO_EXNREF; the legacy instructions free every
// exception exactly once; the store works after all of it.
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

// Tags through wasm.h: a host tag imported, a host function throwing it, an exported tag.
static const char kBoundary[] =
    "(module\n"
    "  (import \"h\" \"t\" (tag $t (param i32)))\n"
    "  (import \"h\" \"f\" (func $f (param i32)))\n"
    "  (tag $e (export \"e\") (param i32 i64))\n"
    "  (func (export \"caught\") (param i32) (result i32)\n"
    "    (block $h (result i32)\n"
    "      (try_table (catch $t $h) (call $f (local.get 0)))\n"
    "      (i32.const -1))\n"
    "    (i32.const 1) (i32.add))\n"
    "  (func (export \"uncaught\") (call $f (i32.const 41)))\n"
    "  (func (export \"thrown\") (throw $e (i32.const 7) (i64.const 8)))\n"
    "  (func (export \"trap\") (unreachable)))\n";

typedef struct {
  wasm_store_t* store;
  wasmo_tag_t* tag;
} thrower_env;

// Throws its argument as the payload of the host tag.
static wasm_trap_t* throw_arg(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  thrower_env* e = env;
  wasm_val_t payload[1] = {WASM_I32_VAL(args->data[0].of.i32)};
  wasm_val_vec_t vec = WASM_ARRAY_VEC(payload);
  return wasmo_exception_new(e->store, e->tag, &vec);
}

static wasm_trap_t* call0(wasm_func_t* f, int32_t arg, int32_t* out) {
  wasm_val_t a[1] = {WASM_I32_VAL(arg)};
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(a);
  wasm_val_vec_t results = WASM_ARRAY_VEC(r);
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  wasm_functype_t* ty = wasm_func_type(f);
  int takes = wasm_functype_params(ty)->size == 1;
  int gives = wasm_functype_results(ty)->size == 1;
  wasm_functype_delete(ty);
  wasm_trap_t* trap = wasm_func_call(f, takes ? &args : &none, gives ? &results : &none);
  if (!trap && out) *out = r[0].of.i32;
  return trap;
}

static void run_boundary(wasm_store_t* store) {
  // A host tag: its type, handles, and its extern view.
  wasm_valtype_vec_t params, none;
  wasm_valtype_vec_new_empty(&none);
  wasm_valtype_t* i32 = wasm_valtype_new_i32();
  wasm_valtype_vec_new(&params, 1, &i32);
  wasm_functype_t* ty = wasm_functype_new(&params, &none);
  wasmo_tag_t* tag = wasmo_tag_new(store, ty);
  CHECK(tag != NULL);
  wasm_functype_t* got = wasmo_tag_type(tag);
  CHECK(wasm_functype_params(got)->size == 1 && wasm_functype_results(got)->size == 0);
  wasm_functype_delete(got);
  wasmo_tag_t* copy = wasmo_tag_copy(tag);
  CHECK(wasmo_tag_same(tag, copy));
  wasmo_tag_delete(copy);
  wasm_extern_t* tag_extern = wasmo_tag_as_extern(tag);
  CHECK(wasm_extern_kind(tag_extern) == WASMO_EXTERN_TAG);
  CHECK(wasmo_extern_as_tag(tag_extern) == tag);
  CHECK(wasmo_extern_as_tag_const(wasmo_tag_as_extern_const(tag)) == tag);
  wasm_externtype_t* et = wasm_extern_type(tag_extern);
  CHECK(wasm_externtype_kind(et) == WASMO_EXTERN_TAG);
  wasm_externtype_delete(et);

  // A tag type with results is no tag type.
  wasm_valtype_vec_t one_result;
  wasm_valtype_t* r32 = wasm_valtype_new_i32();
  wasm_valtype_vec_new(&one_result, 1, &r32);
  wasm_valtype_vec_t no_params;
  wasm_valtype_vec_new_empty(&no_params);
  wasm_functype_t* bad = wasm_functype_new(&no_params, &one_result);
  wasmo_error_clear();
  CHECK(wasmo_tag_new(store, bad) == NULL);
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), "result") != NULL);
  wasm_functype_delete(bad);

  thrower_env env = {store, tag};
  wasm_func_t* thrower = wasm_func_new_with_env(store, ty, throw_arg, &env, NULL);
  wasm_functype_delete(ty);

  wasm_module_t* module = wasmo_module_new_text(store, kBoundary, strlen(kBoundary));
  CHECK(module != NULL);
  if (module) {
    // Reflection: the tag import and export, with their types.
    wasm_importtype_vec_t imports;
    wasm_module_imports(module, &imports);
    CHECK(imports.size == 2);
    const wasm_externtype_t* import0 = wasm_importtype_type(imports.data[0]);
    CHECK(wasm_externtype_kind(import0) == WASMO_EXTERN_TAG);
    wasm_functype_t* import_ty = wasmo_externtype_tag_type(import0);
    CHECK(import_ty && wasm_functype_params(import_ty)->size == 1);
    wasm_functype_delete(import_ty);
    CHECK(wasmo_externtype_tag_type(wasm_importtype_type(imports.data[1])) == NULL);
    wasm_importtype_vec_delete(&imports);
    wasm_exporttype_vec_t exports_ty;
    wasm_module_exports(module, &exports_ty);
    CHECK(exports_ty.size == 5);
    CHECK(wasm_externtype_kind(wasm_exporttype_type(exports_ty.data[0])) == WASMO_EXTERN_TAG);
    wasm_exporttype_vec_delete(&exports_ty);

    wasm_extern_t* externs[2] = {tag_extern, wasm_func_as_extern(thrower)};
    wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(externs);
    wasm_instance_t* instance = wasm_instance_new(store, module, &import_vec, NULL);
    CHECK(instance != NULL);
    if (instance) {
      wasm_extern_vec_t exports;
      wasm_instance_exports(instance, &exports);
      wasmo_tag_t* e = wasmo_extern_as_tag(export_named(module, &exports, "e"));
      wasm_func_t* caught = wasm_extern_as_func(export_named(module, &exports, "caught"));
      wasm_func_t* uncaught = wasm_extern_as_func(export_named(module, &exports, "uncaught"));
      wasm_func_t* thrown = wasm_extern_as_func(export_named(module, &exports, "thrown"));
      wasm_func_t* trapping = wasm_extern_as_func(export_named(module, &exports, "trap"));
      CHECK(e != NULL && !wasmo_tag_same(e, tag));
      for (int round = 0; round < 2; round++) {
        // The host function's exception is caught in wasm.
        int32_t out = 0;
        wasm_trap_t* trap = call0(caught, 41, &out);
        CHECK(trap == NULL && out == 42);
        if (trap) wasm_trap_delete(trap);

        // Uncaught: the host tag and the payload come back with the trap.
        trap = call0(uncaught, 0, NULL);
        CHECK(trap_message_has(trap, "uncaught exception (tag host tag)"));
        wasmo_tag_t* which = NULL;
        wasm_val_vec_t payload;
        CHECK(trap && wasmo_trap_exception(trap, &which, &payload));
        if (which) {
          CHECK(wasmo_tag_same(which, tag));
          wasmo_tag_delete(which);
          CHECK(payload.size == 1 && payload.data[0].kind == WASM_I32 && payload.data[0].of.i32 == 41);
          wasm_val_vec_delete(&payload);
        }
        if (trap) wasm_trap_delete(trap);

        // Thrown by wasm with the exported tag.
        trap = call0(thrown, 0, NULL);
        CHECK(trap_message_has(trap, "uncaught exception (tag \"e\")"));
        which = NULL;
        CHECK(trap && wasmo_trap_exception(trap, &which, &payload));
        if (which) {
          CHECK(wasmo_tag_same(which, e));
          wasmo_tag_delete(which);
          CHECK(payload.size == 2 && payload.data[0].of.i32 == 7 && payload.data[1].kind == WASM_I64 &&
                payload.data[1].of.i64 == 8);
          wasm_val_vec_delete(&payload);
        }
        if (trap) wasm_trap_delete(trap);

        // Other traps carry no exception.
        trap = call0(trapping, 0, NULL);
        CHECK(trap != NULL && !wasmo_trap_exception(trap, NULL, NULL));
        if (trap) wasm_trap_delete(trap);
      }
      // A payload that does not match the tag's type is refused as a trap.
      wasm_val_t wrong[1] = {WASM_I64_VAL(1)};
      wasm_val_vec_t wrong_vec = WASM_ARRAY_VEC(wrong);
      wasm_trap_t* refused = wasmo_exception_new(store, tag, &wrong_vec);
      CHECK(trap_message_has(refused, "payload"));
      CHECK(!wasmo_trap_exception(refused, NULL, NULL));
      if (refused) wasm_trap_delete(refused);
      wasm_extern_vec_delete(&exports);
      wasm_instance_delete(instance);
    }
    wasm_module_delete(module);
  }
  // wasm_module_validate accepts tags in a module's interface too.
  wasm_byte_vec_t binary;
  CHECK(wasmo_wat2wasm(kBoundary, strlen(kBoundary), &binary));
  CHECK(wasm_module_validate(store, &binary));
  wasm_byte_vec_delete(&binary);
  wasm_func_delete(thrower);
  wasmo_tag_delete(tag);
}

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

// exnref values through wasm.h (kind WASMO_EXNREF): returned by a call, passed back as an
// argument and to a host function, stored in a global and a table, compared.
static const char kExnrefs[] =
    "(module\n"
    "  (import \"h\" \"keep\" (func $keep (param exnref) (result exnref)))\n"
    "  (tag $e (param i32))\n"
    "  (global (export \"g\") (mut exnref) (ref.null exn))\n"
    "  (table (export \"t\") 2 exnref)\n"
    "  (func (export \"make\") (param i32) (result exnref)\n"
    "    (block $h (result i32 exnref)\n"
    "      (try_table (catch_ref $e $h) (throw $e (local.get 0)))\n"
    "      (unreachable))\n"
    "    (call $keep)\n"
    "    (return))\n"
    "  (func (export \"value\") (param exnref) (result i32)\n"
    "    (block $h (result i32)\n"
    "      (try_table (catch $e $h) (throw_ref (local.get 0)))\n"
    "      (unreachable))))\n";

typedef struct {
  int calls;
  int saw_exnref;
} keep_env;

// Passes its exnref argument back, noting that it came as one.
static wasm_trap_t* keep(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  keep_env* k = env;
  k->calls++;
  k->saw_exnref = args->data[0].kind == WASMO_EXNREF && args->data[0].of.ref != NULL;
  wasm_val_copy(&results->data[0], &args->data[0]);
  return NULL;
}

// Calls "value" with `exn` (not consumed) and returns the payload it finds (-1 on a trap).
static int32_t value_of(wasm_func_t* value, const wasm_val_t* exn) {
  wasm_val_t a[1];
  wasm_val_copy(&a[0], exn);
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t args = WASM_ARRAY_VEC(a);
  wasm_val_vec_t results = WASM_ARRAY_VEC(r);
  wasm_trap_t* trap = wasm_func_call(value, &args, &results);
  wasm_val_delete(&a[0]);
  if (trap) {
    wasm_trap_delete(trap);
    return -1;
  }
  return r[0].of.i32;
}

static void run_exnrefs(wasm_store_t* store) {
  wasm_module_t* module = wasmo_module_new_text(store, kExnrefs, strlen(kExnrefs));
  CHECK(module != NULL);
  if (!module) return;
  // Reflection: the import's parameter and result are exnrefs.
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  const wasm_functype_t* keep_ty = wasm_externtype_as_functype_const(wasm_importtype_type(imports.data[0]));
  CHECK(keep_ty != NULL);
  wasm_functype_t* ty = keep_ty ? wasm_functype_copy(keep_ty) : NULL;
  wasm_importtype_vec_delete(&imports);
  if (!ty) {
    wasm_module_delete(module);
    return;
  }
  CHECK(wasm_valtype_kind(wasm_functype_params(ty)->data[0]) == WASMO_EXNREF);
  CHECK(wasm_valkind_is_ref(WASMO_EXNREF));
  keep_env env = {0, 0};
  wasm_func_t* host = wasm_func_new_with_env(store, ty, keep, &env, NULL);
  wasm_functype_delete(ty);
  wasm_extern_t* externs[1] = {wasm_func_as_extern(host)};
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &import_vec, NULL);
  CHECK(instance != NULL);
  if (instance) {
    wasm_extern_vec_t exports;
    wasm_instance_exports(instance, &exports);
    CHECK(exports.size == 4);
    wasm_global_t* global = wasm_extern_as_global(exports.data[0]);
    wasm_table_t* table = wasm_extern_as_table(exports.data[1]);
    wasm_func_t* make = wasm_extern_as_func(exports.data[2]);
    wasm_func_t* value = wasm_extern_as_func(exports.data[3]);

    // A call returns an exnref (through the host function), which a later call throws again.
    wasm_val_t a[1] = {WASM_I32_VAL(42)};
    wasm_val_t r[1] = {WASM_INIT_VAL};
    wasm_val_vec_t args = WASM_ARRAY_VEC(a);
    wasm_val_vec_t results = WASM_ARRAY_VEC(r);
    wasm_trap_t* trap = wasm_func_call(make, &args, &results);
    CHECK(trap == NULL);
    if (trap) wasm_trap_delete(trap);
    CHECK(env.calls == 1 && env.saw_exnref);
    CHECK(r[0].kind == WASMO_EXNREF && r[0].of.ref != NULL);
    CHECK(value_of(value, &r[0]) == 42);
    CHECK(value_of(value, &r[0]) == 42);

    // Into the global and a table slot and out again: the same exception.
    wasm_global_set(global, &r[0]);
    wasm_val_t g;
    wasm_global_get(global, &g);
    CHECK(g.kind == WASMO_EXNREF && g.of.ref != NULL && wasm_ref_same(g.of.ref, r[0].of.ref));
    CHECK(value_of(value, &g) == 42);
    wasm_val_delete(&g);
    CHECK(wasm_table_set(table, 1, r[0].of.ref));
    wasm_ref_t* slot = wasm_table_get(table, 1);
    CHECK(slot != NULL && wasm_ref_same(slot, r[0].of.ref));
    if (slot) wasm_ref_delete(slot);
    CHECK(wasm_table_get(table, 0) == NULL);
    // A function reference is no exnref: the call traps before wasm runs.
    wasm_val_t wrong[1];
    wrong[0].kind = WASM_FUNCREF;
    wrong[0].of.ref = wasm_func_as_ref(value);
    wasm_val_vec_t wrong_args = WASM_ARRAY_VEC(wrong);
    wasm_val_t out[1] = {WASM_INIT_VAL};
    wasm_val_vec_t out_vec = WASM_ARRAY_VEC(out);
    trap = wasm_func_call(value, &wrong_args, &out_vec);
    CHECK(trap != NULL);
    if (trap) wasm_trap_delete(trap);
    // A null exnref: throw_ref traps, the store goes on.
    wasm_val_t null_exn = {.kind = WASMO_EXNREF, .of = {.ref = NULL}};
    CHECK(value_of(value, &null_exn) == -1);
    wasm_val_delete(&r[0]);
    wasm_extern_vec_delete(&exports);
    wasm_instance_delete(instance);
  }
  wasm_func_delete(host);
  wasm_module_delete(module);
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
  run_boundary(store);
  run_exnrefs(store);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

int main(void) {
  in_mode(WASMO_MODE_LIFTOFF);
  in_mode(WASMO_MODE_OPTIMIZED);
  return test_finish("test_exceptions");
}
