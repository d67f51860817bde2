// Typed function references (Wasm 3.0) through the C API: how wasm.h reflects them (every
// function reference type as WASM_FUNCREF, told apart by wasmo_valtype_is_nullable and
// wasmo_valtype_is_concrete), a host function made with an import's own type, and every value
// from C checked against the typed reference it lands in (arguments, globals, tables).
#include "harness.h"

// (module
//   (type $t (func (param i32) (result i32)))
//   (type $u (func (result i32)))
//   (import "host" "inc" (func $inc (type $t)))
//   (func $k (export "k") (type $u) (i32.const 7))
//   (func (export "apply") (param (ref $t)) (param i32) (result i32)
//     (call_ref $t (local.get 1) (local.get 0)))
//   (global (export "g") (mut (ref null $t)) (ref.null $t))
//   (table (export "tab") 1 (ref $t) (ref.func $inc))
//   (elem declare func $inc))
// Inline because wabt's wat2wasm cannot write typed references.
static const uint8_t typed_module[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x03, 0x60,
    0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x01, 0x7f, 0x60, 0x02, 0x64, 0x00,
    0x7f, 0x01, 0x7f, 0x02, 0x0c, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x03,
    0x69, 0x6e, 0x63, 0x00, 0x00, 0x03, 0x03, 0x02, 0x01, 0x02, 0x04, 0x0a,
    0x01, 0x40, 0x00, 0x64, 0x00, 0x00, 0x01, 0xd2, 0x00, 0x0b, 0x06, 0x07,
    0x01, 0x63, 0x00, 0x01, 0xd0, 0x00, 0x0b, 0x07, 0x17, 0x04, 0x01, 0x6b,
    0x00, 0x01, 0x05, 0x61, 0x70, 0x70, 0x6c, 0x79, 0x00, 0x02, 0x01, 0x67,
    0x03, 0x00, 0x03, 0x74, 0x61, 0x62, 0x01, 0x00, 0x09, 0x05, 0x01, 0x03,
    0x00, 0x01, 0x00, 0x0a, 0x0f, 0x02, 0x04, 0x00, 0x41, 0x07, 0x0b, 0x08,
    0x00, 0x20, 0x01, 0x20, 0x00, 0x14, 0x00, 0x0b, 0x00, 0x19, 0x04, 0x6e,
    0x61, 0x6d, 0x65, 0x01, 0x09, 0x02, 0x00, 0x03, 0x69, 0x6e, 0x63, 0x01,
    0x01, 0x6b, 0x04, 0x07, 0x02, 0x00, 0x01, 0x74, 0x01, 0x01, 0x75,
};

static wasm_trap_t* inc(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  results->data[0] = (wasm_val_t)WASM_I32_VAL(args->data[0].of.i32 + 1);
  return NULL;
}

static wasm_trap_t* apply(const wasm_func_t* f, wasm_ref_t* fn, int32_t x, int32_t* result) {
  wasm_val_t args[2] = {{.kind = WASM_FUNCREF, .of = {.ref = fn}}, WASM_I32_VAL(x)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  wasm_val_vec_t av = {2, args}, rv = {1, results};
  wasm_trap_t* trap = wasm_func_call(f, &av, &rv);
  *result = results[0].of.i32;
  return trap;
}

static void test_reflection(const wasm_module_t* module) {
  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  CHECK(exports.size == 4);
  // apply: (param (ref $t) i32)
  const wasm_functype_t* ft = wasm_externtype_as_functype_const(wasm_exporttype_type(exports.data[1]));
  const wasm_valtype_t* p = wasm_functype_params(ft)->data[0];
  CHECK(wasm_valtype_kind(p) == WASM_FUNCREF && wasm_valtype_is_ref(p));
  CHECK(!wasmo_valtype_is_nullable(p) && wasmo_valtype_is_concrete(p));
  const wasm_valtype_t* n = wasm_functype_params(ft)->data[1];
  CHECK(!wasmo_valtype_is_nullable(n) && !wasmo_valtype_is_concrete(n));
  // g: (mut (ref null $t))
  const wasm_globaltype_t* gt = wasm_externtype_as_globaltype_const(wasm_exporttype_type(exports.data[2]));
  const wasm_valtype_t* c = wasm_globaltype_content(gt);
  CHECK(wasm_valtype_kind(c) == WASM_FUNCREF && wasmo_valtype_is_nullable(c) && wasmo_valtype_is_concrete(c));
  // A copy keeps the concrete type.
  wasm_valtype_t* copy = wasm_valtype_copy(c);
  CHECK(wasmo_valtype_is_concrete(copy) && wasmo_valtype_is_nullable(copy));
  wasm_valtype_delete(copy);
  // tab: (ref $t)
  const wasm_tabletype_t* tt = wasm_externtype_as_tabletype_const(wasm_exporttype_type(exports.data[3]));
  CHECK(!wasmo_valtype_is_nullable(wasm_tabletype_element(tt)));
  wasm_exporttype_vec_delete(&exports);
  // What wasm_valtype_new makes is the abstract, nullable funcref.
  wasm_valtype_t* f = wasm_valtype_new(WASM_FUNCREF);
  CHECK(wasmo_valtype_is_nullable(f) && !wasmo_valtype_is_concrete(f));
  wasm_valtype_delete(f);
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t bytes = {sizeof typed_module, (wasm_byte_t*)typed_module};
  wasm_module_t* module = wasm_module_new(store, &bytes);
  CHECK(module != NULL);
  if (!module) return test_finish("test_typed_refs");
  test_reflection(module);

  // The host function takes its type from the import.
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  const wasm_functype_t* import_type = wasm_externtype_as_functype_const(wasm_importtype_type(imports.data[0]));
  wasm_func_t* host = wasm_func_new(store, import_type, inc);
  wasm_importtype_vec_delete(&imports);
  wasm_extern_t* externs[] = {wasm_func_as_extern(host)};
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(externs);
  wasm_instance_t* instance = wasm_instance_new(store, module, &import_vec, NULL);
  CHECK(instance != NULL);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  const wasm_func_t* k = wasm_extern_as_func(export_named(module, &exports, "k"));
  const wasm_func_t* apply_f = wasm_extern_as_func(export_named(module, &exports, "apply"));
  wasm_global_t* g = wasm_extern_as_global(export_named(module, &exports, "g"));
  wasm_table_t* tab = wasm_extern_as_table(export_named(module, &exports, "tab"));

  int32_t r = 0;
  wasm_ref_t* inc_ref = wasm_func_as_ref(host);
  wasm_ref_t* k_ref = wasm_func_as_ref((wasm_func_t*)k);
  CHECK(apply(apply_f, inc_ref, 41, &r) == NULL && r == 42);
  // A function of another type, and null, are not a (ref $t).
  wasm_trap_t* trap = apply(apply_f, k_ref, 1, &r);
  CHECK(trap_message_has(trap, "argument type mismatch"));
  wasm_trap_delete(trap);
  trap = apply(apply_f, NULL, 1, &r);
  CHECK(trap_message_has(trap, "argument type mismatch"));
  wasm_trap_delete(trap);

  // The global takes inc and null, not k.
  wasm_val_t v = {.kind = WASM_FUNCREF, .of = {.ref = k_ref}};
  wasm_global_set(g, &v);
  CHECK(wasmo_error_message() != NULL);
  v.of.ref = inc_ref;
  wasm_global_set(g, &v);
  CHECK(wasmo_error_message() == NULL);
  wasm_val_t got;
  wasm_global_get(g, &got);
  CHECK(got.kind == WASM_FUNCREF && got.of.ref != NULL && wasm_ref_same(got.of.ref, inc_ref));
  wasm_ref_delete(got.of.ref);
  v.of.ref = NULL;
  wasm_global_set(g, &v);
  CHECK(wasmo_error_message() == NULL);

  // The table was filled by its initialiser and takes no null and no k.
  wasm_ref_t* e = wasm_table_get(tab, 0);
  CHECK(e != NULL && wasm_ref_same(e, inc_ref));
  wasm_ref_delete(e);
  CHECK(!wasm_table_set(tab, 0, NULL));
  CHECK(!wasm_table_set(tab, 0, k_ref));
  CHECK(wasm_table_set(tab, 0, inc_ref));
  CHECK(!wasm_table_grow(tab, 1, NULL) && wasm_table_size(tab) == 1);
  CHECK(wasm_table_grow(tab, 1, inc_ref) && wasm_table_size(tab) == 2);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(host);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_typed_refs");
}
