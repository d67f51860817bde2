// Modules: creation, validation, reflection, copies, sharing, host info; malformed and invalid
// input gives NULL/false with the validator's message, never a crash.
#include "harness.h"

static wasm_engine_t* engine;
static wasm_store_t* store;

static void check_reflection(const wasm_module_t* module) {
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  CHECK(imports.size == 4);
  CHECK_STR(wasm_importtype_module(imports.data[0]), "env");
  CHECK_STR(wasm_importtype_name(imports.data[3]), "m");
  const wasm_functype_t* f = wasm_externtype_as_functype_const(wasm_importtype_type(imports.data[0]));
  CHECK(f != NULL);
  CHECK(wasm_functype_params(f)->size == 2);
  CHECK(wasm_valtype_kind(wasm_functype_params(f)->data[1]) == WASM_I64);
  CHECK(wasm_valtype_kind(wasm_functype_results(f)->data[0]) == WASM_F32);
  const wasm_globaltype_t* g = wasm_externtype_as_globaltype_const(wasm_importtype_type(imports.data[1]));
  CHECK(g != NULL && wasm_globaltype_mutability(g) == WASM_VAR);
  CHECK(wasm_valtype_kind(wasm_globaltype_content(g)) == WASM_F64);
  const wasm_tabletype_t* t = wasm_externtype_as_tabletype_const(wasm_importtype_type(imports.data[2]));
  CHECK(t != NULL && wasm_tabletype_limits(t)->min == 1 && wasm_tabletype_limits(t)->max == 5);
  const wasm_memorytype_t* m = wasm_externtype_as_memorytype_const(wasm_importtype_type(imports.data[3]));
  CHECK(m != NULL && wasm_memorytype_limits(m)->min == 2);
  CHECK(wasm_memorytype_limits(m)->max == wasm_limits_max_default);
  wasm_importtype_vec_delete(&imports);

  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  CHECK(exports.size == 4);
  CHECK_STR(wasm_exporttype_name(exports.data[0]), "run");
  const wasm_functype_t* run = wasm_externtype_as_functype_const(wasm_exporttype_type(exports.data[0]));
  CHECK(run != NULL && wasm_valtype_kind(wasm_functype_params(run)->data[0]) == WASM_EXTERNREF);
  CHECK(wasm_valtype_kind(wasm_functype_results(run)->data[1]) == WASM_FUNCREF);
  CHECK(wasm_externtype_kind(wasm_exporttype_type(exports.data[1])) == WASM_EXTERN_GLOBAL);
  CHECK(wasm_externtype_kind(wasm_exporttype_type(exports.data[2])) == WASM_EXTERN_TABLE);
  CHECK(wasm_externtype_kind(wasm_exporttype_type(exports.data[3])) == WASM_EXTERN_MEMORY);
  wasm_exporttype_vec_delete(&exports);
}

static void check_rejected(const char* bytes, size_t len, const char* expected) {
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, len, bytes);
  CHECK(!wasm_module_validate(store, &binary));
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), expected) != NULL);
  wasmo_error_clear();
  CHECK(wasm_module_new(store, &binary) == NULL);
  const char* msg = wasmo_error_message();
  CHECK(msg != NULL && strstr(msg, expected) != NULL);
  if (msg && !strstr(msg, expected)) fprintf(stderr, "  message: %s\n", msg);
  wasm_byte_vec_delete(&binary);
}

static void new_with_null_store(void) {
  wasm_byte_vec_t binary = WASM_EMPTY_VEC;
  wasm_module_new(NULL, &binary);
}

int main(void) {
  engine = wasm_engine_new();
  store = wasm_store_new(engine);

  wasm_byte_vec_t binary;
  load_wasm("reflect", &binary);
  CHECK(wasm_module_validate(store, &binary));
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module != NULL);
  CHECK(wasmo_error_message() == NULL);
  check_reflection(module);

  // Truncation at every length that cuts a section: NULL with an offset, never a crash.
  int all_rejected = 1;
  for (size_t len = 9; len < binary.size; len++) {
    wasm_byte_vec_t prefix;
    wasm_byte_vec_new(&prefix, len, binary.data);
    wasm_module_t* m = wasm_module_new(store, &prefix);
    if (m) {
      wasm_module_delete(m);  // a prefix ending between two sections is a valid module
    } else if (!strstr(wasmo_error_message(), "offset")) {
      all_rejected = 0;
    }
    wasm_byte_vec_delete(&prefix);
  }
  CHECK(all_rejected);
  wasm_byte_vec_delete(&binary);

  // Copies share the module and its host info; `same` tells handles of one module apart from others.
  wasm_module_t* copy = wasm_module_copy(module);
  CHECK(wasm_module_same(module, copy));
  wasm_module_set_host_info(module, &engine);
  CHECK(wasm_module_get_host_info(copy) == &engine);
  wasm_ref_t* ref = wasm_module_as_ref(copy);
  CHECK(wasm_ref_as_module(ref) == copy);
  CHECK(wasm_ref_as_foreign(ref) == NULL);
  wasm_ref_t* ref_copy = wasm_ref_copy(ref);
  CHECK(wasm_ref_same(ref, ref_copy));
  CHECK(wasm_ref_get_host_info(ref_copy) == &engine);
  wasm_ref_delete(ref_copy);

  // Sharing: the obtained module is a new object of the same compiled module.
  wasm_shared_module_t* shared = wasm_module_share(module);
  wasm_module_t* obtained = wasm_module_obtain(store, shared);
  CHECK(obtained != NULL && !wasm_module_same(obtained, module));
  if (obtained) {
    check_reflection(obtained);
    wasm_module_delete(obtained);
  }
  wasm_engine_t* other_engine = wasm_engine_new();
  wasm_store_t* other_store = wasm_store_new(other_engine);
  CHECK(wasm_module_obtain(other_store, shared) == NULL);
  CHECK(strstr(wasmo_error_message(), "another engine") != NULL);
  wasm_store_delete(other_store);
  wasm_engine_delete(other_engine);
  wasm_shared_module_delete(shared);
  wasm_module_delete(copy);
  wasm_module_delete(module);

  // Malformed and invalid modules.
  check_rejected("\0asm", 4, "offset");
  check_rejected("\0asm\x02\0\0\0", 8, "unknown binary version");
  check_rejected("hello, world", 12, "magic");
  // (module (func (result i32) i64.const 0)): a type mismatch in the body.
  check_rejected("\0asm\1\0\0\0\1\5\1\x60\0\1\x7f\3\2\1\0\n\6\1\4\0\x42\0\x0b", 27, "type mismatch");

  CHECK(aborts_with(new_with_null_store, "wasm_module_new: argument `store` must not be NULL"));

  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_module");
}
