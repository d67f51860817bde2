// Values and references: wasm_val_t copies and deletes (a reference value owns its handle),
// foreign objects, generic wasm_ref_t handles, and host info with finalizers: shared by all
// handles of an object and finalized exactly once, when its last handle is deleted.
#include "harness.h"

#include <pthread.h>

static wasm_engine_t* engine;
static wasm_store_t* store;

// A finalizer counting its calls in the int its host info points to.
static void bump(void* p) { (*(int*)p)++; }

static void test_number_values(void) {
  wasm_val_t src[4] = {WASM_I32_VAL(42), WASM_I64_VAL(-1), WASM_F32_VAL(3.25f), WASM_F64_VAL(1e300)};
  for (int i = 0; i < 4; i++) {
    wasm_val_t out;
    memset(&out, 0x5a, sizeof out);
    wasm_val_copy(&out, &src[i]);
    CHECK(out.kind == src[i].kind);
    switch (i) {
      case 0: CHECK(out.of.i32 == 42); break;
      case 1: CHECK(out.of.i64 == -1); break;
      case 2: CHECK(out.of.f32 == 3.25f); break;
      default: CHECK(out.of.f64 == 1e300); break;
    }
    // Deleting a number value releases nothing and leaves the number alone.
    wasm_val_delete(&out);
    CHECK(out.kind == src[i].kind);
  }
  // A null reference copies to a null reference.
  wasm_val_t null_ref = WASM_INIT_VAL, out;
  wasm_val_copy(&out, &null_ref);
  CHECK(out.kind == WASM_EXTERNREF && out.of.ref == NULL);
  wasm_val_delete(&out);
  CHECK(out.of.ref == NULL);
}

static void test_foreign_in_values(void) {
  int finalized = 0;
  wasm_foreign_t* foreign = wasm_foreign_new(store);
  CHECK(foreign != NULL);
  wasm_foreign_set_host_info_with_finalizer(foreign, &finalized, bump);

  // A value holding the foreign's reference owns that handle.
  wasm_val_t v = WASM_REF_VAL(wasm_foreign_as_ref(foreign));
  CHECK(v.kind == WASM_EXTERNREF && v.of.ref == wasm_foreign_as_ref(foreign));
  wasm_val_t c;
  wasm_val_copy(&c, &v);
  CHECK(c.kind == WASM_EXTERNREF && c.of.ref != NULL && c.of.ref != v.of.ref);
  CHECK(wasm_ref_same(c.of.ref, v.of.ref));
  CHECK(wasm_ref_get_host_info(c.of.ref) == &finalized);
  wasm_val_t cc;
  wasm_val_copy(&cc, &c);
  CHECK(wasm_ref_same(cc.of.ref, c.of.ref));

  wasm_val_delete(&v);  // deletes `foreign`
  CHECK(v.of.ref == NULL);  // left a null reference
  CHECK(finalized == 0);
  wasm_val_delete(&v);  // deleting a null reference again is harmless
  wasm_val_delete(&c);
  CHECK(c.of.ref == NULL && finalized == 0);
  wasm_val_delete(&cc);
  CHECK(finalized == 1);

  // A funcref-kind value is released the same way (here with a foreign object's handle).
  finalized = 0;
  foreign = wasm_foreign_new(store);
  wasm_foreign_set_host_info_with_finalizer(foreign, &finalized, bump);
  wasm_val_t f = {.kind = WASM_FUNCREF, .of = {.ref = wasm_foreign_as_ref(foreign)}};
  wasm_val_copy(&c, &f);
  wasm_val_delete(&f);
  CHECK(finalized == 0 && c.kind == WASM_FUNCREF);
  wasm_val_delete(&c);
  CHECK(finalized == 1);
}

static void test_foreign_handles(void) {
  int finalized = 0;
  wasm_foreign_t* a = wasm_foreign_new(store);
  wasm_foreign_t* b = wasm_foreign_new(store);
  CHECK(a != NULL && b != NULL && a != b);
  CHECK(wasm_foreign_same(a, a));
  CHECK(!wasm_foreign_same(a, b));
  CHECK(wasm_foreign_get_host_info(a) == NULL);  // no host info yet

  // Copies are handles to the same object and share its host info.
  wasm_foreign_t* a2 = wasm_foreign_copy(a);
  CHECK(a2 != NULL && a2 != a && wasm_foreign_same(a, a2) && wasm_foreign_same(a2, a));
  CHECK(!wasm_foreign_same(a2, b));
  wasm_foreign_set_host_info(a, &finalized);
  CHECK(wasm_foreign_get_host_info(a2) == &finalized);
  CHECK(wasm_foreign_get_host_info(b) == NULL);
  wasm_foreign_set_host_info_with_finalizer(a2, &finalized, bump);  // same pointer: no finalizer run
  CHECK(finalized == 0);
  CHECK(wasm_foreign_get_host_info(a) == &finalized);

  // As references.
  wasm_ref_t* ra = wasm_foreign_as_ref(a);
  CHECK(ra != NULL && wasm_ref_as_foreign(ra) == a);
  CHECK(wasm_ref_as_module(ra) == NULL);
  const wasm_ref_t* cra = wasm_foreign_as_ref_const(a);
  CHECK(cra == ra && wasm_ref_as_foreign_const(cra) == a);
  CHECK(wasm_ref_as_module_const(cra) == NULL);
  CHECK(wasm_ref_as_foreign(NULL) == NULL && wasm_ref_as_foreign_const(NULL) == NULL);
  CHECK(wasm_ref_get_host_info(ra) == &finalized);
  CHECK(wasm_ref_same(ra, wasm_foreign_as_ref(a2)));
  CHECK(!wasm_ref_same(ra, wasm_foreign_as_ref(b)));

  // A wasm_ref_t copy is one more handle to the object, usable as a foreign again.
  wasm_ref_t* r3 = wasm_ref_copy(ra);
  CHECK(r3 != NULL && r3 != ra && wasm_ref_same(r3, ra));
  wasm_foreign_t* a3 = wasm_ref_as_foreign(r3);
  CHECK(a3 != NULL && wasm_foreign_same(a3, a));

  wasm_foreign_delete(a);
  wasm_foreign_delete(a2);
  CHECK(finalized == 0);  // r3 still holds the object
  CHECK(wasm_ref_get_host_info(r3) == &finalized);
  wasm_ref_delete(r3);
  CHECK(finalized == 1);
  wasm_foreign_delete(b);
  CHECK(finalized == 1);
  wasm_foreign_delete(NULL);
  wasm_ref_delete(NULL);
}

static void test_host_info_replacement(void) {
  int first = 0, second = 0, third = 0;
  wasm_foreign_t* f = wasm_foreign_new(store);
  wasm_ref_t* r = wasm_foreign_as_ref(f);

  // Through the generic reference functions.
  wasm_ref_set_host_info_with_finalizer(r, &first, bump);
  CHECK(wasm_foreign_get_host_info(f) == &first);
  // New host info runs the previous finalizer.
  wasm_ref_set_host_info_with_finalizer(r, &second, bump);
  CHECK(first == 1 && second == 0);
  CHECK(wasm_ref_get_host_info(r) == &second);
  // Plain host info (no finalizer) also replaces it.
  wasm_ref_set_host_info(r, &third);
  CHECK(second == 1 && third == 0);
  CHECK(wasm_ref_get_host_info(r) == &third);
  // Clearing with NULL: the previous info had no finalizer, nothing runs.
  wasm_foreign_set_host_info(f, NULL);
  CHECK(wasm_foreign_get_host_info(f) == NULL && third == 0);
  // Setting the same pointer twice: the first finalizer is replaced, not run.
  wasm_foreign_set_host_info_with_finalizer(f, &third, bump);
  wasm_foreign_set_host_info_with_finalizer(f, &third, bump);
  CHECK(third == 0);
  // A NULL finalizer is allowed.
  wasm_foreign_t* g = wasm_foreign_new(store);
  wasm_foreign_set_host_info_with_finalizer(g, &first, NULL);
  CHECK(wasm_foreign_get_host_info(g) == &first);
  wasm_foreign_delete(g);
  CHECK(first == 1);

  wasm_foreign_delete(f);
  CHECK(first == 1 && second == 1 && third == 1);
}

// Finalizers may call back into Wasmo, may get NULL host info, and run once even when the last
// handle is deleted on another thread.
static wasm_foreign_t* victim;
static int reentrant_calls;
static void delete_victim(void* p) {
  (void)p;
  reentrant_calls++;
  if (wasm_foreign_get_host_info(victim) != NULL) wasm_foreign_delete(victim);
}
static int null_info_calls;
static void expect_null(void* p) { null_info_calls += p == NULL ? 1 : 100; }
static void* delete_foreign(void* f) {
  wasm_foreign_delete(f);
  return NULL;
}

static void test_finalizer_edge_cases(void) {
  wasm_foreign_t* f = wasm_foreign_new(store);
  wasm_foreign_set_host_info_with_finalizer(f, NULL, expect_null);
  CHECK(wasm_foreign_get_host_info(f) == NULL);
  wasm_foreign_delete(f);
  CHECK(null_info_calls == 1);

  int victim_finalized = 0;
  victim = wasm_foreign_new(store);
  wasm_foreign_set_host_info_with_finalizer(victim, &victim_finalized, bump);
  f = wasm_foreign_new(store);
  wasm_foreign_set_host_info_with_finalizer(f, &reentrant_calls, delete_victim);
  wasm_foreign_set_host_info(f, &victim_finalized);  // runs delete_victim, which deletes victim
  CHECK(reentrant_calls == 1 && victim_finalized == 1);
  CHECK(wasm_foreign_get_host_info(f) == &victim_finalized);
  wasm_foreign_delete(f);
  CHECK(reentrant_calls == 1 && victim_finalized == 1);  // plain host info: nothing more runs

  int finalized = 0;
  f = wasm_foreign_new(store);
  wasm_foreign_set_host_info_with_finalizer(f, &finalized, bump);
  wasm_foreign_t* copies[4];
  pthread_t threads[4];
  for (int i = 0; i < 4; i++) copies[i] = wasm_foreign_copy(f);
  wasm_foreign_delete(f);
  for (int i = 0; i < 4; i++) CHECK(pthread_create(&threads[i], NULL, delete_foreign, copies[i]) == 0);
  for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
  CHECK(finalized == 1);
}

static void test_module_refs(void) {
  // (module): the smallest valid module.
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, 8, "\0asm\1\0\0\0");
  wasm_module_t* m = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(m != NULL);

  int finalized = 0;
  wasm_module_set_host_info_with_finalizer(m, &finalized, bump);
  wasm_module_t* m2 = wasm_module_copy(m);
  CHECK(wasm_module_same(m, m2) && wasm_module_get_host_info(m2) == &finalized);
  wasm_ref_t* r = wasm_module_as_ref(m2);
  CHECK(wasm_ref_as_module(r) == m2 && wasm_ref_as_foreign(r) == NULL);
  const wasm_ref_t* cr = wasm_module_as_ref_const(m2);
  CHECK(cr == r && wasm_ref_as_module_const(cr) == m2 && wasm_ref_as_foreign_const(cr) == NULL);
  CHECK(wasm_ref_as_module(NULL) == NULL && wasm_ref_as_module_const(NULL) == NULL);

  // A module and a foreign are never the same object.
  wasm_foreign_t* f = wasm_foreign_new(store);
  CHECK(!wasm_ref_same(r, wasm_foreign_as_ref(f)));
  wasm_foreign_delete(f);

  // A module's reference can travel in a value.
  wasm_val_t v = WASM_REF_VAL(wasm_ref_copy(r)), vc;
  wasm_val_copy(&vc, &v);
  CHECK(wasm_ref_as_module(vc.of.ref) != NULL && wasm_module_same(wasm_ref_as_module(vc.of.ref), m));
  wasm_val_delete(&v);
  wasm_module_delete(m);
  wasm_module_delete(m2);
  CHECK(finalized == 0);
  wasm_val_delete(&vc);
  CHECK(finalized == 1);

  // Module host info without a finalizer, replaced through a copy.
  int other = 0;
  m = wasm_module_new(store, &(wasm_byte_vec_t){8, "\0asm\1\0\0\0"});
  wasm_module_set_host_info(m, &other);
  m2 = wasm_module_copy(m);
  wasm_module_set_host_info_with_finalizer(m2, &finalized, bump);
  CHECK(wasm_module_get_host_info(m) == &finalized);
  wasm_module_delete(m2);
  CHECK(finalized == 1);
  wasm_module_delete(m);
  CHECK(finalized == 2 && other == 0);
  wasm_module_delete(NULL);
}

// ---- forbidden arguments ---------------------------------------------------------------------

static void foreign_without_store(void) { wasm_foreign_new(NULL); }
static void same_with_null(void) { wasm_ref_same(NULL, NULL); }
static void val_copy_from_null(void) {
  wasm_val_t out;
  wasm_val_copy(&out, NULL);
}
static void val_delete_null(void) { wasm_val_delete(NULL); }
static void host_info_of_null(void) { wasm_foreign_get_host_info(NULL); }

int main(void) {
  engine = wasm_engine_new();
  store = wasm_store_new(engine);

  test_number_values();
  test_foreign_in_values();
  test_foreign_handles();
  test_host_info_replacement();
  test_finalizer_edge_cases();
  test_module_refs();

  CHECK(aborts_with(foreign_without_store, "wasmo: wasm_foreign_new: argument `store` must not be NULL"));
  CHECK(aborts_with(same_with_null, "wasmo: wasm_ref_same: argument `a` must not be NULL"));
  CHECK(aborts_with(val_copy_from_null, "wasmo: wasm_val_copy: argument `src` must not be NULL"));
  CHECK(aborts_with(val_delete_null, "wasmo: wasm_val_delete: argument `self` must not be NULL"));
  CHECK(aborts_with(host_info_of_null, "wasmo: wasm_foreign_get_host_info: argument `self` must not be NULL"));

  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_values_refs");
}
