// Vectors: the five functions of every vector type (byte, val and the eight type vectors).
// Empty vectors have a NULL `data`; `new` takes the element pointers over; `copy` is deep (new
// element objects with equal contents, NULL elements stay NULL); `delete` releases the elements,
// which valgrind checks: a leaked or doubly freed element fails the test.
#include "harness.h"

// ---- element makers and comparators, one pair per pointer vector type ------------------------

static const wasm_valkind_t kinds[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASM_EXTERNREF,
                                       WASM_FUNCREF};
#define NKINDS (sizeof kinds / sizeof *kinds)

static wasm_valtype_t* make_valtype(int i) { return wasm_valtype_new(kinds[i % NKINDS]); }
static int valtype_is(const wasm_valtype_t* t, int i) {
  return t != NULL && wasm_valtype_kind(t) == kinds[i % NKINDS];
}

// A function type with i+1 parameters of kind i and one result of kind i+1.
static wasm_functype_t* make_functype(int i) {
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new_uninitialized(&params, (size_t)i + 1);
  for (int k = 0; k <= i; k++) params.data[k] = make_valtype(i);
  wasm_valtype_vec_new_uninitialized(&results, 1);
  results.data[0] = make_valtype(i + 1);
  return wasm_functype_new(&params, &results);
}
static int functype_is(const wasm_functype_t* f, int i) {
  if (f == NULL) return 0;
  const wasm_valtype_vec_t* p = wasm_functype_params(f);
  const wasm_valtype_vec_t* r = wasm_functype_results(f);
  if (p->size != (size_t)i + 1 || r->size != 1) return 0;
  for (size_t k = 0; k < p->size; k++)
    if (!valtype_is(p->data[k], i)) return 0;
  return valtype_is(r->data[0], i + 1);
}

static wasm_globaltype_t* make_globaltype(int i) {
  return wasm_globaltype_new(make_valtype(i), i % 2 ? WASM_VAR : WASM_CONST);
}
static int globaltype_is(const wasm_globaltype_t* g, int i) {
  return g != NULL && valtype_is(wasm_globaltype_content(g), i) &&
         wasm_globaltype_mutability(g) == (i % 2 ? WASM_VAR : WASM_CONST);
}

static wasm_tabletype_t* make_tabletype(int i) {
  wasm_limits_t limits = {(uint32_t)i, (uint32_t)i + 10};
  return wasm_tabletype_new(wasm_valtype_new(i % 2 ? WASM_FUNCREF : WASM_EXTERNREF), &limits);
}
static int tabletype_is(const wasm_tabletype_t* t, int i) {
  return t != NULL &&
         wasm_valtype_kind(wasm_tabletype_element(t)) == (i % 2 ? WASM_FUNCREF : WASM_EXTERNREF) &&
         wasm_tabletype_limits(t)->min == (uint32_t)i &&
         wasm_tabletype_limits(t)->max == (uint32_t)i + 10;
}

static wasm_memorytype_t* make_memorytype(int i) {
  wasm_limits_t limits = {(uint32_t)i * 3, i % 2 ? wasm_limits_max_default : (uint32_t)i * 4};
  return wasm_memorytype_new(&limits);
}
static int memorytype_is(const wasm_memorytype_t* m, int i) {
  return m != NULL && wasm_memorytype_limits(m)->min == (uint32_t)i * 3 &&
         wasm_memorytype_limits(m)->max == (i % 2 ? wasm_limits_max_default : (uint32_t)i * 4);
}

// Extern types cycle through the four kinds.
static wasm_externtype_t* make_externtype(int i) {
  switch (i % 4) {
    case 0: return wasm_functype_as_externtype(make_functype(i));
    case 1: return wasm_globaltype_as_externtype(make_globaltype(i));
    case 2: return wasm_tabletype_as_externtype(make_tabletype(i));
    default: return wasm_memorytype_as_externtype(make_memorytype(i));
  }
}
static int externtype_is(const wasm_externtype_t* e, int i) {
  if (e == NULL) return 0;
  switch (i % 4) {
    case 0:
      return wasm_externtype_kind(e) == WASM_EXTERN_FUNC &&
             functype_is(wasm_externtype_as_functype_const(e), i);
    case 1:
      return wasm_externtype_kind(e) == WASM_EXTERN_GLOBAL &&
             globaltype_is(wasm_externtype_as_globaltype_const(e), i);
    case 2:
      return wasm_externtype_kind(e) == WASM_EXTERN_TABLE &&
             tabletype_is(wasm_externtype_as_tabletype_const(e), i);
    default:
      return wasm_externtype_kind(e) == WASM_EXTERN_MEMORY &&
             memorytype_is(wasm_externtype_as_memorytype_const(e), i);
  }
}

static void make_name(wasm_name_t* out, const char* prefix, int i) {
  char buf[32];
  snprintf(buf, sizeof buf, "%s%d", prefix, i);
  wasm_byte_vec_new(out, strlen(buf), buf);
}
static int name_is(const wasm_name_t* n, const char* prefix, int i) {
  char buf[32];
  snprintf(buf, sizeof buf, "%s%d", prefix, i);
  return n != NULL && n->size == strlen(buf) && memcmp(n->data, buf, n->size) == 0;
}

static wasm_importtype_t* make_importtype(int i) {
  wasm_name_t module, name;
  make_name(&module, "mod", i);
  make_name(&name, "imp", i);
  return wasm_importtype_new(&module, &name, make_externtype(i));
}
static int importtype_is(const wasm_importtype_t* t, int i) {
  return t != NULL && name_is(wasm_importtype_module(t), "mod", i) &&
         name_is(wasm_importtype_name(t), "imp", i) && externtype_is(wasm_importtype_type(t), i);
}

static wasm_exporttype_t* make_exporttype(int i) {
  wasm_name_t name;
  make_name(&name, "exp", i);
  return wasm_exporttype_new(&name, make_externtype(i));
}
static int exporttype_is(const wasm_exporttype_t* t, int i) {
  return t != NULL && name_is(wasm_exporttype_name(t), "exp", i) &&
         externtype_is(wasm_exporttype_type(t), i);
}

// ---- the same scenario for every pointer vector type ----------------------------------------
//
// The macro takes the full function names so that each one appears literally in this file.
#define PTR_VEC_TEST(T, NEW_EMPTY, NEW_UNINIT, NEW, COPY, DELETE, MAKE, IS)                       \
  static void test_##T##_vec(void) {                                                              \
    wasm_##T##_vec_t v, c;                                                                        \
    /* new_empty overwrites whatever the struct held. */                                          \
    memset(&v, 0x5a, sizeof v);                                                                   \
    NEW_EMPTY(&v);                                                                                \
    CHECK(v.size == 0 && v.data == NULL);                                                         \
    COPY(&c, &v);                                                                                 \
    CHECK(c.size == 0 && c.data == NULL);                                                         \
    DELETE(&c);                                                                                   \
    DELETE(&v);                                                                                   \
    NEW_UNINIT(&v, 0);                                                                            \
    CHECK(v.size == 0 && v.data == NULL);                                                         \
    DELETE(&v);                                                                                   \
    NEW(&v, 0, NULL);                                                                             \
    CHECK(v.size == 0 && v.data == NULL);                                                         \
    DELETE(&v);                                                                                   \
                                                                                                  \
    /* An uninitialized vector holds NULLs; copying and deleting it is fine. */                   \
    NEW_UNINIT(&v, 4);                                                                            \
    CHECK(v.size == 4 && v.data != NULL);                                                         \
    int all_null = 1;                                                                             \
    for (size_t k = 0; k < v.size; k++) all_null &= v.data[k] == NULL;                            \
    CHECK(all_null);                                                                              \
    COPY(&c, &v);                                                                                 \
    CHECK(c.size == 4 && c.data != NULL && c.data != v.data);                                     \
    all_null = 1;                                                                                 \
    for (size_t k = 0; k < c.size; k++) all_null &= c.data[k] == NULL;                            \
    CHECK(all_null);                                                                              \
    DELETE(&c);                                                                                   \
    DELETE(&v);                                                                                   \
                                                                                                  \
    /* Filled in place: the vector owns what is stored in it. */                                  \
    NEW_UNINIT(&v, 3);                                                                            \
    for (int k = 0; k < 3; k++) v.data[k] = MAKE(k);                                              \
    CHECK(IS(v.data[0], 0) && IS(v.data[1], 1) && IS(v.data[2], 2));                              \
    DELETE(&v);                                                                                   \
                                                                                                  \
    /* new takes the element pointers over (same pointers, a different array). */                 \
    wasm_##T##_t* elems[5] = {MAKE(0), MAKE(1), NULL, MAKE(3), MAKE(4)};                          \
    NEW(&v, 5, elems);                                                                            \
    CHECK(v.size == 5 && v.data != NULL && v.data != elems);                                      \
    CHECK(v.data[0] == elems[0] && v.data[2] == NULL && v.data[4] == elems[4]);                   \
    /* copy is deep: new objects with equal contents, NULL stays NULL. */                         \
    COPY(&c, &v);                                                                                 \
    CHECK(c.size == 5 && c.data != v.data);                                                       \
    int distinct = 1, equal = 1;                                                                  \
    for (int k = 0; k < 5; k++) {                                                                 \
      if (k == 2) continue;                                                                       \
      distinct &= c.data[k] != v.data[k];                                                         \
      equal &= IS(c.data[k], k);                                                                  \
    }                                                                                             \
    CHECK(distinct);                                                                              \
    CHECK(equal);                                                                                 \
    CHECK(c.data[2] == NULL);                                                                     \
    /* The copy outlives the original. */                                                         \
    DELETE(&v);                                                                                   \
    CHECK(IS(c.data[0], 0) && IS(c.data[1], 1) && IS(c.data[3], 3) && IS(c.data[4], 4));          \
    /* A copy of a copy. */                                                                       \
    wasm_##T##_vec_t cc;                                                                          \
    COPY(&cc, &c);                                                                                \
    DELETE(&c);                                                                                   \
    CHECK(cc.size == 5 && IS(cc.data[4], 4) && cc.data[2] == NULL);                               \
    DELETE(&cc);                                                                                  \
                                                                                                  \
    /* A vector of NULL elements only. */                                                         \
    wasm_##T##_t* nulls[2] = {NULL, NULL};                                                        \
    NEW(&v, 2, nulls);                                                                            \
    CHECK(v.size == 2 && v.data[0] == NULL && v.data[1] == NULL);                                 \
    COPY(&c, &v);                                                                                 \
    CHECK(c.size == 2 && c.data[0] == NULL && c.data[1] == NULL);                                 \
    DELETE(&v);                                                                                   \
    DELETE(&c);                                                                                   \
                                                                                                  \
    /* Deleting a NULL vector pointer is ignored, like free(NULL). */                             \
    DELETE(NULL);                                                                                 \
  }

PTR_VEC_TEST(valtype, wasm_valtype_vec_new_empty, wasm_valtype_vec_new_uninitialized,
             wasm_valtype_vec_new, wasm_valtype_vec_copy, wasm_valtype_vec_delete, make_valtype,
             valtype_is)
PTR_VEC_TEST(functype, wasm_functype_vec_new_empty, wasm_functype_vec_new_uninitialized,
             wasm_functype_vec_new, wasm_functype_vec_copy, wasm_functype_vec_delete,
             make_functype, functype_is)
PTR_VEC_TEST(globaltype, wasm_globaltype_vec_new_empty, wasm_globaltype_vec_new_uninitialized,
             wasm_globaltype_vec_new, wasm_globaltype_vec_copy, wasm_globaltype_vec_delete,
             make_globaltype, globaltype_is)
PTR_VEC_TEST(tabletype, wasm_tabletype_vec_new_empty, wasm_tabletype_vec_new_uninitialized,
             wasm_tabletype_vec_new, wasm_tabletype_vec_copy, wasm_tabletype_vec_delete,
             make_tabletype, tabletype_is)
PTR_VEC_TEST(memorytype, wasm_memorytype_vec_new_empty, wasm_memorytype_vec_new_uninitialized,
             wasm_memorytype_vec_new, wasm_memorytype_vec_copy, wasm_memorytype_vec_delete,
             make_memorytype, memorytype_is)
PTR_VEC_TEST(externtype, wasm_externtype_vec_new_empty, wasm_externtype_vec_new_uninitialized,
             wasm_externtype_vec_new, wasm_externtype_vec_copy, wasm_externtype_vec_delete,
             make_externtype, externtype_is)
PTR_VEC_TEST(importtype, wasm_importtype_vec_new_empty, wasm_importtype_vec_new_uninitialized,
             wasm_importtype_vec_new, wasm_importtype_vec_copy, wasm_importtype_vec_delete,
             make_importtype, importtype_is)
PTR_VEC_TEST(exporttype, wasm_exporttype_vec_new_empty, wasm_exporttype_vec_new_uninitialized,
             wasm_exporttype_vec_new, wasm_exporttype_vec_copy, wasm_exporttype_vec_delete,
             make_exporttype, exporttype_is)

// ---- byte vectors ----------------------------------------------------------------------------

static void test_byte_vec(void) {
  wasm_byte_vec_t v, c;
  memset(&v, 0x5a, sizeof v);
  wasm_byte_vec_new_empty(&v);
  CHECK(v.size == 0 && v.data == NULL);
  wasm_byte_vec_copy(&c, &v);
  CHECK(c.size == 0 && c.data == NULL);
  wasm_byte_vec_delete(&c);
  wasm_byte_vec_delete(&v);

  wasm_byte_vec_new_uninitialized(&v, 0);
  CHECK(v.size == 0 && v.data == NULL);
  wasm_byte_vec_delete(&v);

  // The bytes are copied in (the source is the caller's), including embedded NULs.
  const char bytes[6] = {'a', 0, 'b', (char)0xff, 'c', 0};
  wasm_byte_vec_new(&v, sizeof bytes, bytes);
  CHECK(v.size == 6 && v.data != NULL && v.data != bytes);
  CHECK(memcmp(v.data, bytes, 6) == 0);
  wasm_byte_vec_copy(&c, &v);
  CHECK(c.size == 6 && c.data != v.data && memcmp(c.data, bytes, 6) == 0);
  // A deep copy: changing the original does not change the copy.
  v.data[0] = 'z';
  CHECK(c.data[0] == 'a');
  wasm_byte_vec_delete(&v);
  CHECK(memcmp(c.data, bytes, 6) == 0);
  wasm_byte_vec_delete(&c);

  // Uninitialized bytes are writable storage of the requested size.
  wasm_byte_vec_new_uninitialized(&v, 1000);
  CHECK(v.size == 1000 && v.data != NULL);
  for (size_t i = 0; i < v.size; i++) v.data[i] = (char)i;
  wasm_byte_vec_copy(&c, &v);
  int same = 1;
  for (size_t i = 0; i < c.size; i++) same &= c.data[i] == (char)i;
  CHECK(c.size == 1000 && same);
  wasm_byte_vec_delete(&v);
  wasm_byte_vec_delete(&c);

  wasm_byte_vec_new(&v, 0, NULL);
  CHECK(v.size == 0 && v.data == NULL);
  wasm_byte_vec_delete(&v);
  wasm_byte_vec_delete(NULL);

  // The wasm_name_* aliases are the byte vector functions.
  wasm_name_t n, nc;
  wasm_name_new(&n, 3, "abc");
  wasm_name_copy(&nc, &n);
  wasm_name_delete(&n);
  CHECK_STR(&nc, "abc");
  wasm_name_delete(&nc);
  wasm_name_new_empty(&n);
  CHECK(n.size == 0 && n.data == NULL);
  wasm_name_new_new_uninitialized(&n, 2);
  CHECK(n.size == 2 && n.data != NULL);
  wasm_name_delete(&n);
}

// ---- value vectors ---------------------------------------------------------------------------

static int finalized;
static void count_finalize(void* p) { finalized += *(int*)p; }

static void test_val_vec(void) {
  wasm_val_vec_t v, c;
  memset(&v, 0x5a, sizeof v);
  wasm_val_vec_new_empty(&v);
  CHECK(v.size == 0 && v.data == NULL);
  wasm_val_vec_copy(&c, &v);
  CHECK(c.size == 0 && c.data == NULL);
  wasm_val_vec_delete(&c);
  wasm_val_vec_delete(&v);

  wasm_val_vec_new_uninitialized(&v, 0);
  CHECK(v.size == 0 && v.data == NULL);
  wasm_val_vec_delete(&v);

  // An uninitialized value vector can be deleted and copied as it is.
  wasm_val_vec_new_uninitialized(&v, 3);
  CHECK(v.size == 3 && v.data != NULL);
  wasm_val_vec_copy(&c, &v);
  CHECK(c.size == 3 && c.data != v.data);
  wasm_val_vec_delete(&c);
  wasm_val_vec_delete(&v);

  // Numbers are copied by value; values are copied into the vector (the array is the caller's).
  wasm_val_t nums[4] = {WASM_I32_VAL(-7), WASM_I64_VAL(INT64_MIN), WASM_F32_VAL(1.5f),
                        WASM_F64_VAL(-0.25)};
  wasm_val_vec_new(&v, 4, nums);
  CHECK(v.size == 4 && v.data != nums);
  CHECK(v.data[0].kind == WASM_I32 && v.data[0].of.i32 == -7);
  CHECK(v.data[1].kind == WASM_I64 && v.data[1].of.i64 == INT64_MIN);
  CHECK(v.data[2].kind == WASM_F32 && v.data[2].of.f32 == 1.5f);
  CHECK(v.data[3].kind == WASM_F64 && v.data[3].of.f64 == -0.25);
  wasm_val_vec_copy(&c, &v);
  wasm_val_vec_delete(&v);
  CHECK(c.size == 4 && c.data[1].of.i64 == INT64_MIN && c.data[3].of.f64 == -0.25);
  wasm_val_vec_delete(&c);

  // References: the vector owns the reference of each reference value; a copy holds new handles
  // to the same objects. The object is finalized once, when its last handle goes.
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_foreign_t* foreign = wasm_foreign_new(store);
  int weight = 1;
  wasm_foreign_set_host_info_with_finalizer(foreign, &weight, count_finalize);
  wasm_ref_t* r = wasm_foreign_as_ref(foreign);  // borrowed: the vector owns `foreign` below
  wasm_val_t vals[3] = {WASM_REF_VAL(r), WASM_I32_VAL(1), WASM_INIT_VAL};
  vals[2].kind = WASM_FUNCREF;  // a null funcref
  wasm_val_vec_new(&v, 3, vals);
  CHECK(v.data[0].kind == WASM_EXTERNREF && v.data[0].of.ref == r);
  CHECK(v.data[2].kind == WASM_FUNCREF && v.data[2].of.ref == NULL);
  wasm_val_vec_copy(&c, &v);
  CHECK(c.data[0].kind == WASM_EXTERNREF && c.data[0].of.ref != NULL && c.data[0].of.ref != r);
  CHECK(wasm_ref_same(c.data[0].of.ref, r));
  CHECK(wasm_ref_get_host_info(c.data[0].of.ref) == &weight);
  CHECK(c.data[1].kind == WASM_I32 && c.data[1].of.i32 == 1);
  CHECK(c.data[2].kind == WASM_FUNCREF && c.data[2].of.ref == NULL);
  wasm_val_vec_delete(&v);  // deletes `foreign`'s handle
  CHECK(finalized == 0);
  CHECK(wasm_ref_as_foreign(c.data[0].of.ref) != NULL);
  CHECK(wasm_foreign_get_host_info(wasm_ref_as_foreign(c.data[0].of.ref)) == &weight);
  wasm_val_vec_t cc;
  wasm_val_vec_copy(&cc, &c);
  wasm_val_vec_delete(&c);
  CHECK(finalized == 0);
  wasm_val_vec_delete(&cc);
  CHECK(finalized == 1);
  wasm_val_vec_delete(NULL);

  wasm_store_delete(store);
  wasm_engine_delete(engine);
}

// ---- forbidden arguments ---------------------------------------------------------------------

static void copy_from_null(void) {
  wasm_byte_vec_t out;
  wasm_byte_vec_copy(&out, NULL);
}

static void new_with_null_data(void) {
  wasm_valtype_vec_t out;
  wasm_valtype_vec_new(&out, 2, NULL);
}

static void new_empty_into_null(void) { wasm_importtype_vec_new_empty(NULL); }

int main(void) {
  test_byte_vec();
  test_val_vec();
  test_valtype_vec();
  test_functype_vec();
  test_globaltype_vec();
  test_tabletype_vec();
  test_memorytype_vec();
  test_externtype_vec();
  test_importtype_vec();
  test_exporttype_vec();

  CHECK(aborts_with(copy_from_null, "wasm_*_vec_copy: argument `src` must not be NULL"));
  CHECK(aborts_with(new_with_null_data, "argument `data` must not be NULL when size > 0"));
  CHECK(aborts_with(new_empty_into_null, "argument `out` must not be NULL"));
  return test_finish("test_vectors");
}
