// Module reflection beyond test_module.c: every extern kind as import and export (with
// re-exports, empty and non-ASCII names, multi-memory), SIMD signatures (WASMO_V128), copies of
// the reflected types, constructs wasm.h cannot express ("unsupported: ..."), and malformed or
// invalid binaries, on which wasm_module_new and wasm_module_validate agree.
#include "harness.h"

static wasm_engine_t* engine;
static wasm_store_t* store;

static wasm_module_t* load_module(const char* name) {
  wasm_byte_vec_t binary;
  load_wasm(name, &binary);
  CHECK(wasm_module_validate(store, &binary));
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module != NULL && wasmo_error_message() == NULL);
  wasm_byte_vec_delete(&binary);
  return module;
}

static int valkinds_are(const wasm_valtype_vec_t* v, size_t n, const wasm_valkind_t* kinds) {
  if (v->size != n) return 0;
  for (size_t i = 0; i < n; i++)
    if (wasm_valtype_kind(v->data[i]) != kinds[i]) return 0;
  return 1;
}

static int limits_are(const wasm_limits_t* l, uint32_t min, uint32_t max) {
  return l->min == min && l->max == max;
}

static void check_extern_imports(const wasm_importtype_vec_t* imports) {
  CHECK(imports->size == 4);
  if (imports->size != 4) return;
  const wasm_importtype_t* const* im = (const wasm_importtype_t* const*)imports->data;

  // (import "" "" (func (param i32) (result i32)))
  CHECK(wasm_importtype_module(im[0])->size == 0 && wasm_importtype_name(im[0])->size == 0);
  const wasm_externtype_t* e = wasm_importtype_type(im[0]);
  CHECK(wasm_externtype_kind(e) == WASM_EXTERN_FUNC);
  const wasm_functype_t* f = wasm_externtype_as_functype_const(e);
  const wasm_valkind_t i32[1] = {WASM_I32};
  CHECK(f != NULL && valkinds_are(wasm_functype_params(f), 1, i32) &&
        valkinds_are(wasm_functype_results(f), 1, i32));

  // (import "mé" "glob" (global i64)): names are raw UTF-8 bytes.
  CHECK_STR(wasm_importtype_module(im[1]), "m\xc3\xa9");
  CHECK_STR(wasm_importtype_name(im[1]), "glob");
  e = wasm_importtype_type(im[1]);
  CHECK(wasm_externtype_kind(e) == WASM_EXTERN_GLOBAL);
  const wasm_globaltype_t* g = wasm_externtype_as_globaltype_const(e);
  CHECK(g != NULL && wasm_globaltype_mutability(g) == WASM_CONST);
  CHECK(wasm_valtype_kind(wasm_globaltype_content(g)) == WASM_I64);
  CHECK(wasm_externtype_as_functype_const(e) == NULL);

  // (import "mod" "tab" (table 0 externref))
  CHECK_STR(wasm_importtype_module(im[2]), "mod");
  CHECK_STR(wasm_importtype_name(im[2]), "tab");
  e = wasm_importtype_type(im[2]);
  CHECK(wasm_externtype_kind(e) == WASM_EXTERN_TABLE);
  const wasm_tabletype_t* t = wasm_externtype_as_tabletype_const(e);
  CHECK(t != NULL && wasm_valtype_kind(wasm_tabletype_element(t)) == WASM_EXTERNREF);
  CHECK(limits_are(wasm_tabletype_limits(t), 0, wasm_limits_max_default));

  // (import "mod" "mem" (memory 0 65536))
  CHECK_STR(wasm_importtype_name(im[3]), "mem");
  e = wasm_importtype_type(im[3]);
  CHECK(wasm_externtype_kind(e) == WASM_EXTERN_MEMORY);
  const wasm_memorytype_t* m = wasm_externtype_as_memorytype_const(e);
  CHECK(m != NULL && limits_are(wasm_memorytype_limits(m), 0, 65536));
}

static void check_extern_exports(const wasm_exporttype_vec_t* exports) {
  CHECK(exports->size == 9);
  if (exports->size != 9) return;
  wasm_exporttype_t** ex = exports->data;
  const char* names[9] = {"f1", "g1", "t1", "m1", "f0", "g0", "t0", "m0", ""};
  const wasm_externkind_t kinds[9] = {WASM_EXTERN_FUNC,  WASM_EXTERN_GLOBAL, WASM_EXTERN_TABLE,
                                      WASM_EXTERN_MEMORY, WASM_EXTERN_FUNC,  WASM_EXTERN_GLOBAL,
                                      WASM_EXTERN_TABLE,  WASM_EXTERN_MEMORY, WASM_EXTERN_FUNC};
  int names_ok = 1, kinds_ok = 1;
  for (int i = 0; i < 9; i++) {
    const wasm_name_t* n = wasm_exporttype_name(ex[i]);
    names_ok &= n->size == strlen(names[i]) && memcmp(n->data, names[i], n->size) == 0;
    kinds_ok &= wasm_externtype_kind(wasm_exporttype_type(ex[i])) == kinds[i];
  }
  CHECK(names_ok);
  CHECK(kinds_ok);

  // f1: (param f32 f64) (result i64 i32); the "" export is the same function.
  const wasm_valkind_t params[2] = {WASM_F32, WASM_F64}, results[2] = {WASM_I64, WASM_I32};
  for (int i = 0; i < 9; i += 8) {
    const wasm_functype_t* f = wasm_externtype_as_functype_const(wasm_exporttype_type(ex[i]));
    CHECK(f != NULL && valkinds_are(wasm_functype_params(f), 2, params) &&
          valkinds_are(wasm_functype_results(f), 2, results));
  }
  const wasm_globaltype_t* g1 = wasm_externtype_as_globaltype_const(wasm_exporttype_type(ex[1]));
  CHECK(g1 != NULL && wasm_globaltype_mutability(g1) == WASM_VAR &&
        wasm_valtype_kind(wasm_globaltype_content(g1)) == WASM_FUNCREF);
  const wasm_tabletype_t* t1 = wasm_externtype_as_tabletype_const(wasm_exporttype_type(ex[2]));
  CHECK(t1 != NULL && wasm_valtype_kind(wasm_tabletype_element(t1)) == WASM_FUNCREF &&
        limits_are(wasm_tabletype_limits(t1), 10, 20));
  const wasm_memorytype_t* m1 = wasm_externtype_as_memorytype_const(wasm_exporttype_type(ex[3]));
  CHECK(m1 != NULL && limits_are(wasm_memorytype_limits(m1), 7, wasm_limits_max_default));

  // Re-exported imports carry the imported types.
  const wasm_functype_t* f0 = wasm_externtype_as_functype_const(wasm_exporttype_type(ex[4]));
  CHECK(f0 != NULL && wasm_functype_params(f0)->size == 1 &&
        wasm_valtype_kind(wasm_functype_results(f0)->data[0]) == WASM_I32);
  const wasm_globaltype_t* g0 = wasm_externtype_as_globaltype_const(wasm_exporttype_type(ex[5]));
  CHECK(g0 != NULL && wasm_globaltype_mutability(g0) == WASM_CONST &&
        wasm_valtype_kind(wasm_globaltype_content(g0)) == WASM_I64);
  const wasm_tabletype_t* t0 = wasm_externtype_as_tabletype_const(wasm_exporttype_type(ex[6]));
  CHECK(t0 != NULL && wasm_valtype_kind(wasm_tabletype_element(t0)) == WASM_EXTERNREF &&
        limits_are(wasm_tabletype_limits(t0), 0, wasm_limits_max_default));
  const wasm_memorytype_t* m0 = wasm_externtype_as_memorytype_const(wasm_exporttype_type(ex[7]));
  CHECK(m0 != NULL && limits_are(wasm_memorytype_limits(m0), 0, 65536));
}

static void test_every_extern_kind(void) {
  wasm_module_t* module = load_module("externs");
  if (!module) return;

  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  check_extern_imports(&imports);
  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  check_extern_exports(&exports);

  // Each call returns fresh objects, owned by the caller.
  wasm_importtype_vec_t imports2;
  wasm_module_imports(module, &imports2);
  CHECK(imports2.size == imports.size && imports2.data != imports.data &&
        imports2.data[0] != imports.data[0]);
  wasm_importtype_vec_delete(&imports2);

  // Deep copies of the reflected vectors and types outlive the originals and the module.
  wasm_importtype_vec_t imports_copy;
  wasm_importtype_vec_copy(&imports_copy, &imports);
  wasm_exporttype_vec_t exports_copy;
  wasm_exporttype_vec_copy(&exports_copy, &exports);
  wasm_importtype_t* import_copy = wasm_importtype_copy(imports.data[2]);
  wasm_exporttype_t* export_copy = wasm_exporttype_copy(exports.data[0]);
  wasm_externtype_t* type_copy = wasm_externtype_copy(wasm_exporttype_type(exports.data[3]));
  wasm_importtype_vec_delete(&imports);
  wasm_exporttype_vec_delete(&exports);
  wasm_module_delete(module);

  check_extern_imports(&imports_copy);
  check_extern_exports(&exports_copy);
  CHECK_STR(wasm_importtype_name(import_copy), "tab");
  CHECK(wasm_externtype_kind(wasm_importtype_type(import_copy)) == WASM_EXTERN_TABLE);
  CHECK_STR(wasm_exporttype_name(export_copy), "f1");
  CHECK(wasm_externtype_as_memorytype(type_copy) != NULL &&
        wasm_memorytype_limits(wasm_externtype_as_memorytype(type_copy))->min == 7);
  wasm_externtype_delete(type_copy);
  wasm_exporttype_delete(export_copy);
  wasm_importtype_delete(import_copy);
  wasm_exporttype_vec_delete(&exports_copy);
  wasm_importtype_vec_delete(&imports_copy);
}

// SIMD modules validate and compile; their v128 imports and exports reflect as WASMO_V128.
static void test_simd(void) {
  wasm_byte_vec_t binary;
  load_wasm("simd", &binary);
  CHECK(wasm_module_validate(store, &binary));
  wasmo_error_clear();
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module != NULL);
  CHECK(wasmo_error_message() == NULL);
  if (module) {
    wasm_exporttype_vec_t exports;
    wasm_module_exports(module, &exports);
    CHECK(exports.size == 3);
    if (exports.size == 3) {
      const wasm_functype_t* splat = wasm_externtype_as_functype_const(wasm_exporttype_type(exports.data[2]));
      CHECK(splat != NULL && wasm_functype_results(splat)->size == 1);
      if (splat && wasm_functype_results(splat)->size == 1)
        CHECK(wasm_valtype_kind(wasm_functype_results(splat)->data[0]) == WASMO_V128);
      const wasm_globaltype_t* zero = wasm_externtype_as_globaltype_const(wasm_exporttype_type(exports.data[1]));
      CHECK(zero != NULL && wasm_valtype_kind(wasm_globaltype_content(zero)) == WASMO_V128);
    }
    wasm_exporttype_vec_delete(&exports);
    wasm_module_delete(module);
  }
  wasm_byte_vec_delete(&binary);
}

// Valid modules Wasmo cannot represent: validate and module_new agree (validate says what
// module_new would do), both refusing them with the same "unsupported: ..." message naming the
// proposal.
static void check_unsupported(const wasm_byte_vec_t* binary, const char* proposal) {
  wasmo_error_clear();
  CHECK(!wasm_module_validate(store, binary));
  const char* why = wasmo_error_message();
  CHECK(why != NULL && strncmp(why, "unsupported:", 12) == 0);
  char* validate_message = NULL;
  if (why) {
    validate_message = malloc(strlen(why) + 1);
    if (validate_message) memcpy(validate_message, why, strlen(why) + 1);
  }
  wasmo_error_clear();
  wasm_module_t* module = wasm_module_new(store, binary);
  CHECK(module == NULL);
  if (module) wasm_module_delete(module);
  const char* msg = wasmo_error_message();
  CHECK(msg != NULL && strncmp(msg, "unsupported:", 12) == 0);
  CHECK(msg != NULL && strstr(msg, proposal) != NULL);
  if (msg && strncmp(msg, "unsupported:", 12) != 0) fprintf(stderr, "  message: %s\n", msg);
  CHECK(msg != NULL && validate_message != NULL && strcmp(msg, validate_message) == 0);
  free(validate_message);
}

static void test_unsupported(void) {
  wasm_byte_vec_t binary;
  load_wasm("gc_struct", &binary);
  check_unsupported(&binary, "gc");
  wasm_byte_vec_delete(&binary);

  // An exported tag is Wasmo's extern kind WASMO_EXTERN_TAG (wasmo.h): the module loads and
  // its export's type is a tag type with the exception's parameters.
  load_wasm("tag", &binary);
  CHECK(wasm_module_validate(store, &binary));
  wasm_module_t* tag_module = wasm_module_new(store, &binary);
  CHECK(tag_module != NULL);
  if (tag_module) {
    wasm_exporttype_vec_t exports;
    wasm_module_exports(tag_module, &exports);
    CHECK(exports.size == 1);
    if (exports.size == 1) {
      const wasm_externtype_t* type = wasm_exporttype_type(exports.data[0]);
      CHECK(wasm_externtype_kind(type) == WASMO_EXTERN_TAG);
      wasm_functype_t* params = wasmo_externtype_tag_type(type);  // owned
      CHECK(params != NULL && wasm_functype_params(params)->size == 1);
      if (params && wasm_functype_params(params)->size == 1)
        CHECK(wasm_valtype_kind(wasm_functype_params(params)->data[0]) == WASM_I32);
      if (params) wasm_functype_delete(params);
      CHECK(wasm_externtype_as_functype_const(type) == NULL);
    }
    wasm_exporttype_vec_delete(&exports);
    wasm_module_delete(tag_module);
  }
  wasm_byte_vec_delete(&binary);

  // (module (type (func (param anyref)))): a GC reference type in a signature.
  wasm_byte_vec_new(&binary, 15, "\0asm\1\0\0\0\1\5\1\x60\1\x6e\0");
  check_unsupported(&binary, "gc");
  wasm_byte_vec_delete(&binary);

  // (module (global anyref (ref.null any))) and (module (table 1 anyref)).
  wasm_byte_vec_new(&binary, 16, "\0asm\1\0\0\0\6\6\1\x6e\0\xd0\x6e\x0b");
  check_unsupported(&binary, "gc");
  wasm_byte_vec_delete(&binary);
  wasm_byte_vec_new(&binary, 14, "\0asm\1\0\0\0\4\4\1\x6e\0\1");
  check_unsupported(&binary, "gc");
  wasm_byte_vec_delete(&binary);

  // Types and operators of unsupported proposals inside function bodies are refused too.
  // (module (func (local anyref))) and (module (func i32.const 0 ref.i31 drop)), although the
  // same anyref in a signature, global or table is "unsupported: ... (gc proposal)".
  // (module (func (local anyref)))
  wasm_byte_vec_new(&binary, 26, "\0asm\1\0\0\0\1\4\1\x60\0\0\3\2\1\0\n\6\1\4\1\1\x6e\x0b");
  check_unsupported(&binary, "gc");
  wasm_byte_vec_delete(&binary);
  // (module (func i32.const 0 ref.i31 drop))
  wasm_byte_vec_new(&binary, 29, "\0asm\1\0\0\0\1\4\1\x60\0\0\3\2\1\0\n\x09\1\7\0\x41\0\xfb\x1c\x1a\x0b");
  check_unsupported(&binary, "gc");
  wasm_byte_vec_delete(&binary);
  // (module (func (local exnref))): supported.
  wasm_byte_vec_new(&binary, 26, "\0asm\1\0\0\0\1\4\1\x60\0\0\3\2\1\0\n\6\1\4\1\1\x69\x0b");
  CHECK(wasm_module_validate(store, &binary));
  wasm_module_t* exn_module = wasm_module_new(store, &binary);
  CHECK(exn_module != NULL);
  if (exn_module) wasm_module_delete(exn_module);
  wasm_byte_vec_delete(&binary);
}

// Rejected input: NULL/false, the same message from both, and nothing leaked.
static void check_rejected(const char* what, const char* bytes, size_t len, const char* expected) {
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, len, bytes);
  wasmo_error_clear();
  CHECK(!wasm_module_validate(store, &binary));
  const char* msg = wasmo_error_message();
  CHECK(msg != NULL && strstr(msg, expected) != NULL);
  if (msg && !strstr(msg, expected)) fprintf(stderr, "  %s: validate said: %s\n", what, msg);
  wasmo_error_clear();
  wasm_module_t* module = wasm_module_new(store, &binary);
  CHECK(module == NULL);
  if (module) wasm_module_delete(module);
  msg = wasmo_error_message();
  CHECK(msg != NULL && strstr(msg, expected) != NULL && strstr(msg, "offset") != NULL);
  if (msg && !strstr(msg, expected)) fprintf(stderr, "  %s: module_new said: %s\n", what, msg);
  wasm_byte_vec_delete(&binary);
}

#define REJECTED(what, lit, expected) check_rejected(what, lit, sizeof lit - 1, expected)

static void test_rejected(void) {
  REJECTED("empty input", "", "end-of-file");
  REJECTED("bad section id", "\0asm\1\0\0\0\x7f\0", "malformed section id");
  REJECTED("section id after the last known one", "\0asm\1\0\0\0\x0e\0", "malformed section id");
  REJECTED("LEB128 section size too large", "\0asm\1\0\0\0\1\xff\xff\xff\xff\x7f", "invalid var_u32");
  REJECTED("LEB128 count too long", "\0asm\1\0\0\0\1\6\xff\xff\xff\xff\xff\x0f", "invalid var_u32");
  REJECTED("section longer than the input", "\0asm\1\0\0\0\1\x10\1\x60\0\0", "end-of-file");
  REJECTED("trailing bytes in a section", "\0asm\1\0\0\0\1\5\1\x60\0\0\0", "section size mismatch");
  REJECTED("section out of order", "\0asm\1\0\0\0\1\1\0\1\1\0", "out of order");
  // (export "f" (func 5)) without functions.
  REJECTED("exported function index out of range", "\0asm\1\0\0\0\7\5\1\1f\0\5", "unknown function 5");
  // (func call 7) with one function.
  REJECTED("called function index out of range",
           "\0asm\1\0\0\0\1\4\1\x60\0\0\3\2\1\0\n\6\1\4\0\x10\7\x0b", "unknown function 7");
  REJECTED("start function index out of range", "\0asm\1\0\0\0\x08\1\3", "unknown function 3");
  REJECTED("type index out of range", "\0asm\1\0\0\0\1\4\1\x60\0\0\3\2\1\5\n\4\1\2\0\x0b", "unknown type 5");
  // Two exports named "f" of the same function.
  REJECTED("duplicate export name",
           "\0asm\1\0\0\0\1\4\1\x60\0\0\3\2\1\0\7\t\2\1f\0\0\1f\0\0\n\4\1\2\0\x0b",
           "duplicate export name");
  REJECTED("function without a body", "\0asm\1\0\0\0\1\4\1\x60\0\0\3\2\1\0", "code section is absent");
  REJECTED("export name not UTF-8", "\0asm\1\0\0\0\5\3\1\0\1\7\5\1\1\xff\2\0", "UTF-8");
}

static void count_finalizer(void* p) { (*(int*)p)++; }

static void test_module_handles(void) {
  wasm_module_t* module = load_module("externs");
  if (!module) return;
  const wasm_ref_t* r = wasm_module_as_ref_const(module);
  CHECK(r != NULL && wasm_ref_as_module_const(r) == module);
  // An obtained module is a new object: same reflection, its own host info. A shared module is
  // not a handle of the module object: deleting the module's last handle finalizes its host info.
  int finalized = 0;
  wasm_module_set_host_info_with_finalizer(module, &finalized, count_finalizer);
  wasm_shared_module_t* shared = wasm_module_share(module);
  CHECK(shared != NULL);
  wasm_module_delete(module);
  CHECK(finalized == 1);
  wasm_module_t* obtained = wasm_module_obtain(store, shared);
  wasm_shared_module_delete(shared);
  CHECK(obtained != NULL && wasm_module_get_host_info(obtained) == NULL);
  wasm_exporttype_vec_t exports;
  wasm_module_exports(obtained, &exports);
  CHECK(exports.size == 9);
  CHECK_STR(wasm_exporttype_name(exports.data[2]), "t1");
  wasm_exporttype_vec_delete(&exports);
  wasm_module_delete(obtained);

  // A module without imports or exports reflects empty vectors.
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, 8, "\0asm\1\0\0\0");
  module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  CHECK(imports.size == 0 && imports.data == NULL);
  wasm_module_exports(module, &exports);
  CHECK(exports.size == 0 && exports.data == NULL);
  wasm_importtype_vec_delete(&imports);
  wasm_exporttype_vec_delete(&exports);
  wasm_module_delete(module);
}

// ---- forbidden arguments ---------------------------------------------------------------------

static void validate_null_binary(void) { wasm_module_validate(store, NULL); }
static void imports_of_null(void) {
  wasm_importtype_vec_t out;
  wasm_module_imports(NULL, &out);
}
static void share_null(void) { wasm_module_share(NULL); }
static void obtain_null(void) { wasm_module_obtain(store, NULL); }

int main(void) {
  engine = wasm_engine_new();
  store = wasm_store_new(engine);

  test_every_extern_kind();
  test_simd();
  test_unsupported();
  test_rejected();
  test_module_handles();

  CHECK(aborts_with(validate_null_binary, "wasmo: wasm_module_validate: argument `binary` must not be NULL"));
  CHECK(aborts_with(imports_of_null, "wasmo: wasm_module_imports: argument `self` must not be NULL"));
  CHECK(aborts_with(share_null, "wasmo: wasm_module_share: argument `self` must not be NULL"));
  CHECK(aborts_with(obtain_null, "wasmo: wasm_module_obtain: argument `shared` must not be NULL"));

  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_module_reflection");
}
