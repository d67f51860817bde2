// The static inline helpers and convenience macros of wasm.h, which expand into calls of the
// exported functions: every wasm_functype_new_X_Y, wasm_valtype_new_*, the valkind/valtype
// predicates, the name constructors, wasm_val_init_ptr/wasm_val_ptr and the value/vector macros.
#include "harness.h"

// Whether `v` holds exactly the kinds `kinds[0..n)`.
static int kinds_are(const wasm_valtype_vec_t* v, size_t n, const wasm_valkind_t* kinds) {
  if (v->size != n) return 0;
  if (n == 0) return v->data == NULL;
  for (size_t i = 0; i < n; i++)
    if (wasm_valtype_kind(v->data[i]) != kinds[i]) return 0;
  return 1;
}

// Checks a function type built by a helper, then deletes it.
static void check_functype(wasm_functype_t* f, size_t np, const wasm_valkind_t* ps, size_t nr,
                           const wasm_valkind_t* rs, const char* what) {
  CHECK(f != NULL);
  if (!f) return;
  int ok = kinds_are(wasm_functype_params(f), np, ps) && kinds_are(wasm_functype_results(f), nr, rs);
  if (!ok) fprintf(stderr, "  wrong signature from %s\n", what);
  CHECK(ok);
  wasm_functype_delete(f);
}

static void test_valtype_helpers(void) {
  struct {
    wasm_valtype_t* t;
    wasm_valkind_t kind;
    bool num;
  } cases[] = {
      {wasm_valtype_new_i32(), WASM_I32, true},
      {wasm_valtype_new_i64(), WASM_I64, true},
      {wasm_valtype_new_f32(), WASM_F32, true},
      {wasm_valtype_new_f64(), WASM_F64, true},
      {wasm_valtype_new_externref(), WASM_EXTERNREF, false},
      {wasm_valtype_new_funcref(), WASM_FUNCREF, false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    CHECK(cases[i].t != NULL && wasm_valtype_kind(cases[i].t) == cases[i].kind);
    CHECK(wasm_valtype_is_num(cases[i].t) == cases[i].num);
    CHECK(wasm_valtype_is_ref(cases[i].t) == !cases[i].num);
    CHECK(wasm_valkind_is_num(cases[i].kind) == cases[i].num);
    CHECK(wasm_valkind_is_ref(cases[i].kind) == !cases[i].num);
    wasm_valtype_delete(cases[i].t);
  }
  // v128 is a number type; kinds from 128 up are references.
  CHECK(wasm_valkind_is_num(WASMO_V128) && !wasm_valkind_is_ref(WASMO_V128));
  wasm_valtype_t* v128 = wasm_valtype_new(WASMO_V128);
  CHECK(wasm_valtype_is_num(v128) && !wasm_valtype_is_ref(v128));
  wasm_valtype_delete(v128);
  CHECK(wasm_valkind_is_num(127) && wasm_valkind_is_ref(128) && wasm_valkind_is_ref(255));
}

static void test_functype_helpers(void) {
  const wasm_valkind_t p3[3] = {WASM_I32, WASM_F64, WASM_EXTERNREF};
  const wasm_valkind_t r2[2] = {WASM_I64, WASM_FUNCREF};

  check_functype(wasm_functype_new_0_0(), 0, NULL, 0, NULL, "wasm_functype_new_0_0");
  check_functype(wasm_functype_new_1_0(wasm_valtype_new_i32()), 1, p3, 0, NULL,
                 "wasm_functype_new_1_0");
  check_functype(wasm_functype_new_2_0(wasm_valtype_new_i32(), wasm_valtype_new_f64()), 2, p3, 0,
                 NULL, "wasm_functype_new_2_0");
  check_functype(wasm_functype_new_3_0(wasm_valtype_new_i32(), wasm_valtype_new_f64(),
                                       wasm_valtype_new_externref()),
                 3, p3, 0, NULL, "wasm_functype_new_3_0");
  check_functype(wasm_functype_new_0_1(wasm_valtype_new_i64()), 0, NULL, 1, r2,
                 "wasm_functype_new_0_1");
  check_functype(wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i64()), 1, p3, 1,
                 r2, "wasm_functype_new_1_1");
  check_functype(wasm_functype_new_2_1(wasm_valtype_new_i32(), wasm_valtype_new_f64(),
                                       wasm_valtype_new_i64()),
                 2, p3, 1, r2, "wasm_functype_new_2_1");
  check_functype(wasm_functype_new_3_1(wasm_valtype_new_i32(), wasm_valtype_new_f64(),
                                       wasm_valtype_new_externref(), wasm_valtype_new_i64()),
                 3, p3, 1, r2, "wasm_functype_new_3_1");
  check_functype(wasm_functype_new_0_2(wasm_valtype_new_i64(), wasm_valtype_new_funcref()), 0, NULL,
                 2, r2, "wasm_functype_new_0_2");
  check_functype(wasm_functype_new_1_2(wasm_valtype_new_i32(), wasm_valtype_new_i64(),
                                       wasm_valtype_new_funcref()),
                 1, p3, 2, r2, "wasm_functype_new_1_2");
  check_functype(wasm_functype_new_2_2(wasm_valtype_new_i32(), wasm_valtype_new_f64(),
                                       wasm_valtype_new_i64(), wasm_valtype_new_funcref()),
                 2, p3, 2, r2, "wasm_functype_new_2_2");
  check_functype(wasm_functype_new_3_2(wasm_valtype_new_i32(), wasm_valtype_new_f64(),
                                       wasm_valtype_new_externref(), wasm_valtype_new_i64(),
                                       wasm_valtype_new_funcref()),
                 3, p3, 2, r2, "wasm_functype_new_3_2");

  // The helpers take the value types over: the very objects passed in end up in the type.
  wasm_valtype_t* p = wasm_valtype_new_f32();
  wasm_valtype_t* r = wasm_valtype_new_f32();
  wasm_functype_t* f = wasm_functype_new_1_1(p, r);
  CHECK(wasm_functype_params(f)->data[0] == p && wasm_functype_results(f)->data[0] == r);
  wasm_functype_delete(f);
}

static void test_name_helpers(void) {
  wasm_name_t n;
  wasm_name_new_from_string(&n, "hello");
  CHECK(n.size == 5);
  CHECK_STR(&n, "hello");
  wasm_name_delete(&n);

  wasm_name_new_from_string_nt(&n, "hello");
  CHECK(n.size == 6);  // includes the terminating NUL
  CHECK(memcmp(n.data, "hello", 6) == 0 && n.data[5] == '\0');
  CHECK(strcmp(n.data, "hello") == 0);
  wasm_name_delete(&n);

  wasm_name_new_from_string(&n, "");
  CHECK(n.size == 0 && n.data == NULL);
  wasm_name_delete(&n);
  wasm_name_new_from_string_nt(&n, "");
  CHECK(n.size == 1 && n.data != NULL && n.data[0] == '\0');
  wasm_name_delete(&n);

  // UTF-8 is just bytes.
  wasm_name_new_from_string(&n, "\xc3\xa9t\xc3\xa9");
  CHECK(n.size == 5);
  wasm_name_delete(&n);
}

static void test_value_helpers(void) {
  int target = 0;
  wasm_val_t v;
  wasm_val_init_ptr(&v, &target);
  CHECK(wasm_val_ptr(&v) == &target);
  CHECK(v.kind == (sizeof(void*) == 8 ? WASM_I64 : WASM_I32));
  wasm_val_init_ptr(&v, NULL);
  CHECK(wasm_val_ptr(&v) == NULL);
  // A pointer survives wasm_val_copy.
  wasm_val_t c;
  wasm_val_init_ptr(&v, &c);
  wasm_val_copy(&c, &v);
  CHECK(wasm_val_ptr(&c) == &c);

  wasm_val_t i32 = WASM_I32_VAL(-123456);
  CHECK(i32.kind == WASM_I32 && i32.of.i32 == -123456);
  wasm_val_t i64 = WASM_I64_VAL(0x123456789abcdefLL);
  CHECK(i64.kind == WASM_I64 && i64.of.i64 == 0x123456789abcdefLL);
  wasm_val_t f32 = WASM_F32_VAL(-2.5f);
  CHECK(f32.kind == WASM_F32 && f32.of.f32 == -2.5f);
  wasm_val_t f64 = WASM_F64_VAL(6.02214076e23);
  CHECK(f64.kind == WASM_F64 && f64.of.f64 == 6.02214076e23);
  wasm_val_t init = WASM_INIT_VAL;
  CHECK(init.kind == WASM_EXTERNREF && init.of.ref == NULL);

  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_foreign_t* foreign = wasm_foreign_new(store);
  wasm_val_t ref = WASM_REF_VAL(wasm_foreign_as_ref(foreign));
  CHECK(ref.kind == WASM_EXTERNREF && wasm_ref_as_foreign(ref.of.ref) == foreign);
  wasm_val_delete(&ref);  // owns the foreign's handle
  CHECK(ref.of.ref == NULL);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

static void test_vec_macros(void) {
  wasm_byte_vec_t empty = WASM_EMPTY_VEC;
  CHECK(empty.size == 0 && empty.data == NULL);
  wasm_val_vec_t no_vals = WASM_EMPTY_VEC;
  CHECK(no_vals.size == 0 && no_vals.data == NULL);

  // An array-backed vector belongs to the caller: it is only read, e.g. by copy.
  wasm_val_t vals[3] = {WASM_I32_VAL(1), WASM_I64_VAL(2), WASM_F64_VAL(3.0)};
  wasm_val_vec_t args = WASM_ARRAY_VEC(vals);
  CHECK(args.size == 3 && args.data == vals);
  wasm_val_vec_t copy;
  wasm_val_vec_copy(&copy, &args);
  CHECK(copy.size == 3 && copy.data != vals);
  CHECK(copy.data[1].kind == WASM_I64 && copy.data[1].of.i64 == 2 && copy.data[2].of.f64 == 3.0);
  wasm_val_vec_delete(&copy);

  char bytes[4] = {'w', 'a', 's', 'm'};
  wasm_byte_vec_t b = WASM_ARRAY_VEC(bytes);
  CHECK(b.size == 4 && b.data == bytes);
  wasm_byte_vec_t bc;
  wasm_byte_vec_copy(&bc, &b);
  CHECK_STR(&bc, "wasm");
  wasm_byte_vec_delete(&bc);

  // An array-backed module binary, validated without giving it away.
  char module[8] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  wasm_byte_vec_t binary = WASM_ARRAY_VEC(module);
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  CHECK(wasm_module_validate(store, &binary));
  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

int main(void) {
  test_valtype_helpers();
  test_functype_helpers();
  test_name_helpers();
  test_value_helpers();
  test_vec_macros();
  return test_finish("test_inline_helpers");
}
