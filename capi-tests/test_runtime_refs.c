// Reference plumbing of the store-owned runtime objects (functions, globals, tables, memories,
// instances) and externs: copies, `same`, the casts to and from wasm_ref_t (NULL for another
// kind), host info shared by every handle (an extern and the function it casts to included),
// with finalizers that run exactly once, when the store is deleted. Also reference values:
// wasm_val_copy/wasm_val_delete of funcref values and the lifetime of externrefs held by wasm.
#include "harness.h"

static wasm_engine_t* engine;

// A finalizer counting its calls in the int its host info points to.
static void bump(void* p) { (*(int*)p)++; }

static wasm_trap_t* host_nop(const wasm_val_vec_t* args, wasm_val_vec_t* results) { return NULL; }

// Which ref_as_* casts accept `r` (bit per kind).
enum { K_FUNC = 1, K_GLOBAL = 2, K_TABLE = 4, K_MEMORY = 8, K_EXTERN = 16, K_INSTANCE = 32, K_OTHER = 64 };
static int casts_of(wasm_ref_t* r) {
  int k = 0;
  if (wasm_ref_as_func(r)) k |= K_FUNC;
  if (wasm_ref_as_global(r)) k |= K_GLOBAL;
  if (wasm_ref_as_table(r)) k |= K_TABLE;
  if (wasm_ref_as_memory(r)) k |= K_MEMORY;
  if (wasm_ref_as_extern(r)) k |= K_EXTERN;
  if (wasm_ref_as_instance(r)) k |= K_INSTANCE;
  if (wasm_ref_as_foreign(r) || wasm_ref_as_trap(r) || wasm_ref_as_module(r)) k |= K_OTHER;
  // The const casts agree.
  const wasm_ref_t* c = r;
  int kc = 0;
  if (wasm_ref_as_func_const(c)) kc |= K_FUNC;
  if (wasm_ref_as_global_const(c)) kc |= K_GLOBAL;
  if (wasm_ref_as_table_const(c)) kc |= K_TABLE;
  if (wasm_ref_as_memory_const(c)) kc |= K_MEMORY;
  if (wasm_ref_as_extern_const(c)) kc |= K_EXTERN;
  if (wasm_ref_as_instance_const(c)) kc |= K_INSTANCE;
  if (wasm_ref_as_foreign_const(c) || wasm_ref_as_trap_const(c) || wasm_ref_as_module_const(c)) kc |= K_OTHER;
  return k == kc ? k : -1;
}

// Checks the plumbing every reference type has, on `x` (and `other`, another object of the same
// type): copy, same, as_ref/ref_as (plain and const), wasm_ref_copy, and host info set on one
// handle seen through the others. Leaves `x` with host info `fin` and finalizer `bump`.
#define CHECK_REF_TYPE(x, other, fin, copy, same, del, as_ref, as_ref_const, ref_as, ref_as_const, \
                       get_info, set_info, set_info_fin)                                              \
  do {                                                                                             \
    __typeof__(x) c_ = copy(x);                                                                    \
    CHECK(c_ != NULL && c_ != (x));                                                                \
    CHECK(same(c_, x) && same(x, c_) && same(x, x));                                               \
    CHECK(!same(x, other) && !same(c_, other));                                                    \
    wasm_ref_t* r_ = as_ref(x);                                                                    \
    CHECK(r_ != NULL && ref_as(r_) == (x) && as_ref_const(x) == r_ && ref_as_const(r_) == (x));   \
    CHECK(ref_as(NULL) == NULL && ref_as_const(NULL) == NULL);                                     \
    CHECK(wasm_ref_same(r_, as_ref(c_)) && !wasm_ref_same(r_, as_ref(other)));                     \
    wasm_ref_t* rc_ = wasm_ref_copy(r_);                                                           \
    CHECK(rc_ != NULL && rc_ != r_ && wasm_ref_same(rc_, r_));                                     \
    CHECK(ref_as(rc_) != NULL && same(ref_as(rc_), x));                                            \
    /* Host info: one slot per object, whatever the handle. */                                     \
    CHECK(get_info(x) == NULL && get_info(c_) == NULL && wasm_ref_get_host_info(rc_) == NULL);    \
    int replaced_ = 0;                                                                             \
    set_info(c_, &replaced_);                                                                      \
    CHECK(get_info(x) == &replaced_ && wasm_ref_get_host_info(rc_) == &replaced_);               \
    CHECK(get_info(other) == NULL);                                                                \
    set_info_fin(x, &replaced_, bump);                                                             \
    wasm_ref_set_host_info_with_finalizer(rc_, (fin), bump); /* runs the previous finalizer */     \
    CHECK(replaced_ == 1 && get_info(c_) == (fin) && *(fin) == 0);                                 \
    set_info(c_, &replaced_); /* plain info replaces it, running `bump` on fin */                  \
    CHECK(*(fin) == 1 && get_info(x) == &replaced_);                                               \
    *(fin) = 0;                                                                                    \
    set_info_fin(c_, (fin), bump);                                                                 \
    CHECK(replaced_ == 1 && get_info(x) == (fin));                                                 \
    wasm_ref_delete(rc_);                                                                          \
    del(c_);                                                                                       \
    CHECK(*(fin) == 0); /* handles are gone, the object (and its host info) stays */               \
    CHECK(get_info(x) == (fin));                                                                   \
  } while (0)

static void test_store_objects(void) {
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  load_wasm("gtm", &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  wasm_instance_t* instance = wasm_instance_new(store, module, NULL, NULL);
  wasm_instance_t* instance2 = wasm_instance_new(store, module, NULL, NULL);
  CHECK(instance != NULL && instance2 != NULL);
  if (!instance || !instance2) exit(1);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);

  wasm_func_t* eleven = wasm_extern_as_func(export_named(module, &exports, "eleven"));
  wasm_func_t* twelve = wasm_extern_as_func(export_named(module, &exports, "twelve"));
  wasm_global_t* g1 = wasm_extern_as_global(export_named(module, &exports, "v_i64"));
  wasm_global_t* g2 = wasm_extern_as_global(export_named(module, &exports, "c_i32"));
  wasm_table_t* t1 = wasm_extern_as_table(export_named(module, &exports, "tab"));
  wasm_table_t* t2 = wasm_extern_as_table(export_named(module, &exports, "etab"));
  wasm_memory_t* m1 = wasm_extern_as_memory(export_named(module, &exports, "mem"));
  wasm_limits_t l = {1, 1};
  wasm_memorytype_t* mt = wasm_memorytype_new(&l);
  wasm_memory_t* m2 = wasm_memory_new(store, mt);  // a host memory
  wasm_memorytype_delete(mt);
  wasm_functype_t* ft = wasm_functype_new_0_0();
  wasm_func_t* host = wasm_func_new(store, ft, host_nop);  // a host function
  wasm_functype_delete(ft);
  CHECK(eleven && twelve && g1 && g2 && t1 && t2 && m1 && m2 && host);

  // The kinds the casts accept.
  CHECK(casts_of(wasm_func_as_ref(eleven)) == (K_FUNC | K_EXTERN));
  CHECK(casts_of(wasm_func_as_ref(host)) == (K_FUNC | K_EXTERN));
  CHECK(casts_of(wasm_global_as_ref(g1)) == (K_GLOBAL | K_EXTERN));
  CHECK(casts_of(wasm_table_as_ref(t1)) == (K_TABLE | K_EXTERN));
  CHECK(casts_of(wasm_memory_as_ref(m1)) == (K_MEMORY | K_EXTERN));
  CHECK(casts_of(wasm_instance_as_ref(instance)) == K_INSTANCE);
  CHECK(casts_of(wasm_extern_as_ref(exports.data[0])) == (K_GLOBAL | K_EXTERN));  // c_i32
  // Objects of different kinds are never the same.
  CHECK(!wasm_ref_same(wasm_func_as_ref(eleven), wasm_global_as_ref(g1)));
  CHECK(!wasm_ref_same(wasm_table_as_ref(t1), wasm_memory_as_ref(m1)));
  CHECK(!wasm_ref_same(wasm_instance_as_ref(instance), wasm_func_as_ref(eleven)));

  int fin[8] = {0};
  CHECK_REF_TYPE(eleven, twelve, &fin[0], wasm_func_copy, wasm_func_same, wasm_func_delete, wasm_func_as_ref,
                 wasm_func_as_ref_const, wasm_ref_as_func, wasm_ref_as_func_const, wasm_func_get_host_info,
                 wasm_func_set_host_info, wasm_func_set_host_info_with_finalizer);
  CHECK_REF_TYPE(host, twelve, &fin[1], wasm_func_copy, wasm_func_same, wasm_func_delete, wasm_func_as_ref,
                 wasm_func_as_ref_const, wasm_ref_as_func, wasm_ref_as_func_const, wasm_func_get_host_info,
                 wasm_func_set_host_info, wasm_func_set_host_info_with_finalizer);
  CHECK_REF_TYPE(g1, g2, &fin[2], wasm_global_copy, wasm_global_same, wasm_global_delete, wasm_global_as_ref,
                 wasm_global_as_ref_const, wasm_ref_as_global, wasm_ref_as_global_const, wasm_global_get_host_info,
                 wasm_global_set_host_info, wasm_global_set_host_info_with_finalizer);
  CHECK_REF_TYPE(t1, t2, &fin[3], wasm_table_copy, wasm_table_same, wasm_table_delete, wasm_table_as_ref,
                 wasm_table_as_ref_const, wasm_ref_as_table, wasm_ref_as_table_const, wasm_table_get_host_info,
                 wasm_table_set_host_info, wasm_table_set_host_info_with_finalizer);
  CHECK_REF_TYPE(m1, m2, &fin[4], wasm_memory_copy, wasm_memory_same, wasm_memory_delete, wasm_memory_as_ref,
                 wasm_memory_as_ref_const, wasm_ref_as_memory, wasm_ref_as_memory_const, wasm_memory_get_host_info,
                 wasm_memory_set_host_info, wasm_memory_set_host_info_with_finalizer);
  CHECK_REF_TYPE(instance, instance2, &fin[5], wasm_instance_copy, wasm_instance_same, wasm_instance_delete,
                 wasm_instance_as_ref, wasm_instance_as_ref_const, wasm_ref_as_instance, wasm_ref_as_instance_const,
                 wasm_instance_get_host_info, wasm_instance_set_host_info,
                 wasm_instance_set_host_info_with_finalizer);
  wasm_extern_t* e_global = export_named(module, &exports, "c_i32");  // g2's extern: no host info yet
  wasm_extern_t* e_table = export_named(module, &exports, "etab");
  CHECK_REF_TYPE(e_global, e_table, &fin[6], wasm_extern_copy, wasm_extern_same, wasm_extern_delete,
                 wasm_extern_as_ref, wasm_extern_as_ref_const, wasm_ref_as_extern, wasm_ref_as_extern_const,
                 wasm_extern_get_host_info, wasm_extern_set_host_info, wasm_extern_set_host_info_with_finalizer);
  // The global behind that extern has the same host info.
  CHECK(wasm_global_get_host_info(g2) == &fin[6]);

  // An extern and the function it casts to share one object: host info set through either.
  wasm_extern_t* e_eleven = export_named(module, &exports, "eleven");
  CHECK(wasm_extern_get_host_info(e_eleven) == &fin[0]);
  CHECK(wasm_extern_get_host_info(wasm_func_as_extern(eleven)) == &fin[0]);
  wasm_extern_t* e_twelve = export_named(module, &exports, "twelve");
  wasm_extern_set_host_info_with_finalizer(e_twelve, &fin[7], bump);
  CHECK(wasm_func_get_host_info(twelve) == &fin[7]);
  wasm_func_t* twelve_copy = wasm_func_copy(wasm_extern_as_func(e_twelve));
  CHECK(wasm_func_get_host_info(twelve_copy) == &fin[7]);
  wasm_func_delete(twelve_copy);
  // A second export listing gives the same objects, with their host info.
  wasm_extern_vec_t again;
  wasm_instance_exports(instance, &again);
  CHECK(wasm_func_get_host_info(wasm_extern_as_func(export_named(module, &again, "twelve"))) == &fin[7]);
  CHECK(wasm_table_get_host_info(wasm_extern_as_table(export_named(module, &again, "tab"))) == &fin[3]);
  wasm_extern_vec_delete(&again);
  // A function reference wasm returns is the same function, host info included.
  wasm_ref_t* from_table = wasm_table_get(t1, 0);
  CHECK(from_table != NULL && wasm_func_same(wasm_ref_as_func(from_table), eleven));
  CHECK(wasm_ref_get_host_info(from_table) == &fin[0]);
  wasm_ref_delete(from_table);
  // The second instance's objects are others.
  wasm_extern_vec_t exports2;
  wasm_instance_exports(instance2, &exports2);
  wasm_func_t* eleven2 = wasm_extern_as_func(export_named(module, &exports2, "eleven"));
  CHECK(!wasm_func_same(eleven, eleven2) && wasm_func_get_host_info(eleven2) == NULL);
  wasm_extern_vec_delete(&exports2);

  // No finalizer has run while the objects live in the store, whatever happens to the handles.
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_instance_delete(instance2);
  wasm_memory_delete(m2);
  wasm_func_delete(host);
  wasm_module_delete(module);
  for (int i = 0; i < 8; i++) CHECK(fin[i] == 0);
  // The store runs each finalizer once.
  wasm_store_delete(store);
  for (int i = 0; i < 8; i++) {
    CHECK(fin[i] == 1);
    if (fin[i] != 1) fprintf(stderr, "finalizer %d ran %d times\n", i, fin[i]);
  }
}

// Reference values: funcref values own a handle; externrefs held by wasm live with the store.
static void test_reference_values(void) {
  wasm_store_t* store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  load_wasm("gtm", &binary);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  wasm_instance_t* instance = wasm_instance_new(store, module, NULL, NULL);
  if (!instance) exit(1);
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* eleven = wasm_extern_as_func(export_named(module, &exports, "eleven"));

  // A funcref value: copies are new handles of the function, deleting one leaves the others.
  wasm_val_t v = {.kind = WASM_FUNCREF, .of = {.ref = wasm_func_as_ref(wasm_func_copy(eleven))}};
  wasm_val_t c;
  wasm_val_copy(&c, &v);
  CHECK(c.kind == WASM_FUNCREF && c.of.ref != NULL && c.of.ref != v.of.ref);
  CHECK(wasm_ref_same(c.of.ref, v.of.ref) && wasm_func_same(wasm_ref_as_func(c.of.ref), eleven));
  wasm_val_delete(&v);
  CHECK(v.of.ref == NULL);
  wasm_val_t r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t rv = WASM_ARRAY_VEC(r);
  CHECK(wasm_func_call(wasm_ref_as_func(c.of.ref), NULL, &rv) == NULL && r[0].of.i32 == 11);
  // The value can be used as a funcref argument and comes back as the same function.
  wasm_table_t* tab = wasm_extern_as_table(export_named(module, &exports, "tab"));
  CHECK(wasm_table_set(tab, 1, c.of.ref));
  wasm_ref_t* back = wasm_table_get(tab, 1);
  CHECK(back != NULL && wasm_ref_same(back, c.of.ref));
  wasm_ref_delete(back);
  wasm_val_delete(&c);
  CHECK(c.kind == WASM_FUNCREF && c.of.ref == NULL);
  // A null funcref value.
  wasm_val_t n = {.kind = WASM_FUNCREF, .of = {.ref = NULL}};
  wasm_val_copy(&c, &n);
  CHECK(c.kind == WASM_FUNCREF && c.of.ref == NULL);
  wasm_val_delete(&c);

  // A foreign object wasm holds stays alive (with its host info) after the host's last handle,
  // until the store goes.
  int finalized = 0;
  wasm_foreign_t* foreign = wasm_foreign_new(store);
  wasm_foreign_set_host_info_with_finalizer(foreign, &finalized, bump);
  wasm_table_t* etab = wasm_extern_as_table(export_named(module, &exports, "etab"));
  CHECK(wasm_table_set(etab, 0, wasm_foreign_as_ref(foreign)));
  wasm_foreign_delete(foreign);
  CHECK(finalized == 0);
  wasm_ref_t* held = wasm_table_get(etab, 0);
  CHECK(held != NULL && wasm_ref_as_foreign(held) != NULL && wasm_ref_get_host_info(held) == &finalized);
  wasm_ref_delete(held);
  // A foreign wasm never saw is finalized with its last handle, as before.
  int unseen = 0;
  wasm_foreign_t* other = wasm_foreign_new(store);
  wasm_foreign_set_host_info_with_finalizer(other, &unseen, bump);
  wasm_foreign_delete(other);
  CHECK(unseen == 1);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  CHECK(finalized == 0);
  wasm_store_delete(store);
  CHECK(finalized == 1);
}

// ---- forbidden arguments ---------------------------------------------------------------------

static void func_same_null(void) { wasm_func_same(NULL, NULL); }
static void instance_info_null(void) { wasm_instance_get_host_info(NULL); }
static void extern_copy_null(void) { wasm_extern_copy(NULL); }

int main(void) {
  engine = wasm_engine_new();
  test_store_objects();
  test_reference_values();

  CHECK(aborts_with(func_same_null, "wasmo: wasm_func_same: argument `a` must not be NULL"));
  CHECK(aborts_with(instance_info_null, "wasmo: wasm_instance_get_host_info: argument `self` must not be NULL"));
  CHECK(aborts_with(extern_copy_null, "wasmo: wasm_extern_copy: argument `self` must not be NULL"));

  wasm_engine_delete(engine);
  return test_finish("test_runtime_refs");
}
