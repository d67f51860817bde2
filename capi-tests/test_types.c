// Type representations: value, function, global, table, memory, extern, import and export
// types; their constructors (which take ownership), accessors, deep copies and the casts between
// the four extern kinds and wasm_externtype_t.
#include "harness.h"

static void test_valtypes(void) {
  const wasm_valkind_t valid[] = {WASM_I32,       WASM_I64,     WASM_F32,    WASM_F64, WASMO_V128,
                                  WASM_EXTERNREF, WASM_FUNCREF, WASMO_EXNREF};
  for (size_t i = 0; i < sizeof valid / sizeof *valid; i++) {
    wasm_valtype_t* t = wasm_valtype_new(valid[i]);
    CHECK(t != NULL && wasm_valtype_kind(t) == valid[i]);
    wasm_valtype_t* c = wasm_valtype_copy(t);
    CHECK(c != NULL && c != t && wasm_valtype_kind(c) == valid[i]);
    wasm_valtype_delete(t);
    CHECK(wasm_valtype_kind(c) == valid[i]);
    wasm_valtype_delete(c);
  }
  // Kinds neither wasm.h nor wasmo.h defines.
  const wasm_valkind_t invalid[] = {5, 100, 127, 131, 255};
  for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
    wasmo_error_clear();
    CHECK(wasm_valtype_new(invalid[i]) == NULL);
    const char* msg = wasmo_error_message();
    CHECK(msg != NULL && strstr(msg, "wasm_valtype_new") != NULL);
  }
  CHECK(strstr(wasmo_error_message(), "255") != NULL);
  wasmo_error_clear();
  CHECK(wasmo_error_message() == NULL);
  wasm_valtype_delete(NULL);  // ignored, like free(NULL)
}

static void test_functypes(void) {
  wasm_valtype_vec_t params, results;
  wasm_valtype_t* ps[3] = {wasm_valtype_new(WASM_I32), wasm_valtype_new(WASMO_V128),
                           wasm_valtype_new(WASM_EXTERNREF)};
  wasm_valtype_t* rs[1] = {wasm_valtype_new(WASM_F64)};
  wasm_valtype_vec_new(&params, 3, ps);
  wasm_valtype_vec_new(&results, 1, rs);
  wasm_functype_t* f = wasm_functype_new(&params, &results);
  CHECK(f != NULL);
  // The vectors' contents were taken: the caller's vectors are left empty.
  CHECK(params.size == 0 && params.data == NULL);
  CHECK(results.size == 0 && results.data == NULL);
  wasm_valtype_vec_delete(&params);  // deleting the emptied vectors is harmless
  wasm_valtype_vec_delete(&results);

  const wasm_valtype_vec_t* p = wasm_functype_params(f);
  const wasm_valtype_vec_t* r = wasm_functype_results(f);
  CHECK(p->size == 3 && r->size == 1);
  CHECK(p->data[0] == ps[0] && p->data[2] == ps[2]);  // the same value type objects
  CHECK(wasm_valtype_kind(p->data[1]) == WASMO_V128);
  CHECK(wasm_valtype_kind(r->data[0]) == WASM_F64);

  // A copy is deep: new value type objects with the same kinds.
  wasm_functype_t* c = wasm_functype_copy(f);
  CHECK(c != NULL && c != f);
  const wasm_valtype_vec_t* cp = wasm_functype_params(c);
  CHECK(cp != p && cp->size == 3 && cp->data != p->data && cp->data[0] != p->data[0]);
  wasm_functype_delete(f);
  CHECK(wasm_valtype_kind(cp->data[0]) == WASM_I32);
  CHECK(wasm_valtype_kind(cp->data[2]) == WASM_EXTERNREF);
  CHECK(wasm_valtype_kind(wasm_functype_results(c)->data[0]) == WASM_F64);

  // Extern type casts are views of the same object, checked against its kind.
  wasm_externtype_t* e = wasm_functype_as_externtype(c);
  CHECK(e != NULL && wasm_externtype_kind(e) == WASM_EXTERN_FUNC);
  CHECK(wasm_externtype_as_functype(e) == c);
  CHECK(wasm_externtype_as_globaltype(e) == NULL);
  CHECK(wasm_externtype_as_tabletype(e) == NULL);
  CHECK(wasm_externtype_as_memorytype(e) == NULL);
  const wasm_externtype_t* ce = wasm_functype_as_externtype_const(c);
  CHECK(ce == e && wasm_externtype_as_functype_const(ce) == c);
  CHECK(wasm_externtype_as_globaltype_const(ce) == NULL);
  // Copying through the extern view copies the function type.
  wasm_externtype_t* ec = wasm_externtype_copy(e);
  CHECK(ec != e && wasm_externtype_kind(ec) == WASM_EXTERN_FUNC);
  CHECK(wasm_functype_params(wasm_externtype_as_functype_const(ec))->size == 3);
  wasm_externtype_delete(ec);
  // Deleting through the extern view deletes the function type.
  wasm_externtype_delete(e);

  // No parameters, no results.
  wasm_valtype_vec_new_empty(&params);
  wasm_valtype_vec_new_empty(&results);
  f = wasm_functype_new(&params, &results);
  CHECK(wasm_functype_params(f)->size == 0 && wasm_functype_params(f)->data == NULL);
  CHECK(wasm_functype_results(f)->size == 0);
  c = wasm_functype_copy(f);
  CHECK(wasm_functype_params(c)->size == 0 && wasm_functype_results(c)->data == NULL);
  wasm_functype_delete(c);
  wasm_functype_delete(f);
  wasm_functype_delete(NULL);
}

static void test_globaltypes(void) {
  wasm_valtype_t* content = wasm_valtype_new(WASM_I64);
  wasm_globaltype_t* g = wasm_globaltype_new(content, WASM_VAR);
  CHECK(g != NULL);
  CHECK(wasm_globaltype_content(g) == content);  // taken over, not copied
  CHECK(wasm_valtype_kind(wasm_globaltype_content(g)) == WASM_I64);
  CHECK(wasm_globaltype_mutability(g) == WASM_VAR);
  wasm_globaltype_t* c = wasm_globaltype_copy(g);
  CHECK(c != g && wasm_globaltype_content(c) != content);
  wasm_globaltype_delete(g);
  CHECK(wasm_valtype_kind(wasm_globaltype_content(c)) == WASM_I64);
  CHECK(wasm_globaltype_mutability(c) == WASM_VAR);

  wasm_externtype_t* e = wasm_globaltype_as_externtype(c);
  CHECK(wasm_externtype_kind(e) == WASM_EXTERN_GLOBAL);
  CHECK(wasm_externtype_as_globaltype(e) == c);
  CHECK(wasm_externtype_as_functype(e) == NULL);
  CHECK(wasm_externtype_as_tabletype(e) == NULL);
  CHECK(wasm_externtype_as_memorytype(e) == NULL);
  const wasm_externtype_t* ce = wasm_globaltype_as_externtype_const(c);
  CHECK(ce == e && wasm_externtype_as_globaltype_const(ce) == c);
  CHECK(wasm_externtype_as_tabletype_const(ce) == NULL);
  wasm_globaltype_delete(c);

  g = wasm_globaltype_new(wasm_valtype_new(WASM_FUNCREF), WASM_CONST);
  CHECK(wasm_globaltype_mutability(g) == WASM_CONST);
  CHECK(wasm_valtype_kind(wasm_globaltype_content(g)) == WASM_FUNCREF);
  wasm_globaltype_delete(g);

  // A bad mutability: NULL with a message; the content was still taken (valgrind: no leak).
  wasmo_error_clear();
  CHECK(wasm_globaltype_new(wasm_valtype_new(WASM_I32), 2) == NULL);
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), "mutability") != NULL);
  wasm_globaltype_delete(NULL);
}

static void test_tabletypes(void) {
  wasm_limits_t limits = {2, 9};
  wasm_valtype_t* element = wasm_valtype_new(WASM_FUNCREF);
  wasm_tabletype_t* t = wasm_tabletype_new(element, &limits);
  CHECK(t != NULL && wasm_tabletype_element(t) == element);
  limits.min = 100;  // the limits were copied
  CHECK(wasm_tabletype_limits(t)->min == 2 && wasm_tabletype_limits(t)->max == 9);
  CHECK(wasm_tabletype_limits(t) != &limits);
  wasm_tabletype_t* c = wasm_tabletype_copy(t);
  CHECK(c != t && wasm_tabletype_element(c) != element);
  wasm_tabletype_delete(t);
  CHECK(wasm_valtype_kind(wasm_tabletype_element(c)) == WASM_FUNCREF);
  CHECK(wasm_tabletype_limits(c)->min == 2 && wasm_tabletype_limits(c)->max == 9);

  wasm_externtype_t* e = wasm_tabletype_as_externtype(c);
  CHECK(wasm_externtype_kind(e) == WASM_EXTERN_TABLE);
  CHECK(wasm_externtype_as_tabletype(e) == c);
  CHECK(wasm_externtype_as_functype(e) == NULL && wasm_externtype_as_globaltype(e) == NULL);
  CHECK(wasm_externtype_as_memorytype(e) == NULL);
  const wasm_externtype_t* ce = wasm_tabletype_as_externtype_const(c);
  CHECK(ce == e && wasm_externtype_as_tabletype_const(ce) == c);
  CHECK(wasm_externtype_as_memorytype_const(ce) == NULL);
  wasm_tabletype_delete(c);

  // No maximum.
  wasm_limits_t open = {0, wasm_limits_max_default};
  t = wasm_tabletype_new(wasm_valtype_new(WASM_EXTERNREF), &open);
  CHECK(wasm_valtype_kind(wasm_tabletype_element(t)) == WASM_EXTERNREF);
  CHECK(wasm_tabletype_limits(t)->max == wasm_limits_max_default);
  wasm_tabletype_delete(t);

  // Elements must be references: NULL with a message, and the element is still consumed.
  const wasm_valkind_t numeric[] = {WASM_I32, WASM_I64, WASM_F32, WASM_F64, WASMO_V128};
  for (size_t i = 0; i < sizeof numeric / sizeof *numeric; i++) {
    wasmo_error_clear();
    CHECK(wasm_tabletype_new(wasm_valtype_new(numeric[i]), &limits) == NULL);
    CHECK(wasmo_error_message() != NULL &&
          strstr(wasmo_error_message(), "wasm_tabletype_new") != NULL);
  }
  wasm_tabletype_delete(NULL);
}

static void test_memorytypes(void) {
  wasm_limits_t limits = {1, 65536};
  wasm_memorytype_t* m = wasm_memorytype_new(&limits);
  limits.max = 3;
  CHECK(m != NULL && wasm_memorytype_limits(m)->min == 1);
  CHECK(wasm_memorytype_limits(m)->max == 65536);
  wasm_memorytype_t* c = wasm_memorytype_copy(m);
  CHECK(c != m && wasm_memorytype_limits(c) != wasm_memorytype_limits(m));
  wasm_memorytype_delete(m);
  CHECK(wasm_memorytype_limits(c)->min == 1 && wasm_memorytype_limits(c)->max == 65536);

  wasm_externtype_t* e = wasm_memorytype_as_externtype(c);
  CHECK(wasm_externtype_kind(e) == WASM_EXTERN_MEMORY);
  CHECK(wasm_externtype_as_memorytype(e) == c);
  CHECK(wasm_externtype_as_functype(e) == NULL && wasm_externtype_as_globaltype(e) == NULL);
  CHECK(wasm_externtype_as_tabletype(e) == NULL);
  const wasm_externtype_t* ce = wasm_memorytype_as_externtype_const(c);
  CHECK(ce == e && wasm_externtype_as_memorytype_const(ce) == c);
  CHECK(wasm_externtype_as_functype_const(ce) == NULL);
  wasm_memorytype_delete(c);

  wasm_limits_t none = {0, wasm_limits_max_default};
  m = wasm_memorytype_new(&none);
  CHECK(wasm_memorytype_limits(m)->min == 0);
  CHECK(wasm_memorytype_limits(m)->max == 0xffffffffu);
  wasm_memorytype_delete(m);
  wasm_memorytype_delete(NULL);
}

static void test_import_export_types(void) {
  wasm_name_t module, name;
  wasm_name_new_from_string(&module, "env");
  wasm_name_new_from_string(&name, "memory");
  wasm_limits_t limits = {1, 2};
  wasm_externtype_t* ty = wasm_memorytype_as_externtype(wasm_memorytype_new(&limits));
  const char* module_data = module.data;
  wasm_importtype_t* i = wasm_importtype_new(&module, &name, ty);
  CHECK(i != NULL);
  CHECK(module.size == 0 && module.data == NULL && name.size == 0);  // names taken over
  CHECK(wasm_importtype_module(i)->data == module_data);
  CHECK_STR(wasm_importtype_module(i), "env");
  CHECK_STR(wasm_importtype_name(i), "memory");
  CHECK(wasm_importtype_type(i) == ty);
  wasm_importtype_t* ic = wasm_importtype_copy(i);
  CHECK(ic != i && wasm_importtype_type(ic) != ty);
  CHECK(wasm_importtype_module(ic)->data != module_data);
  wasm_importtype_delete(i);
  CHECK_STR(wasm_importtype_module(ic), "env");
  CHECK_STR(wasm_importtype_name(ic), "memory");
  CHECK(wasm_externtype_kind(wasm_importtype_type(ic)) == WASM_EXTERN_MEMORY);
  CHECK(wasm_memorytype_limits(wasm_externtype_as_memorytype_const(wasm_importtype_type(ic)))->max ==
        2);
  wasm_importtype_delete(ic);

  // Empty names are allowed.
  wasm_name_new_empty(&module);
  wasm_name_new_empty(&name);
  i = wasm_importtype_new(&module, &name, wasm_functype_as_externtype(wasm_functype_new_0_0()));
  CHECK(wasm_importtype_module(i)->size == 0 && wasm_importtype_name(i)->size == 0);
  CHECK(wasm_externtype_kind(wasm_importtype_type(i)) == WASM_EXTERN_FUNC);
  wasm_importtype_delete(i);

  wasm_name_new_from_string(&name, "counter");
  ty = wasm_globaltype_as_externtype(wasm_globaltype_new(wasm_valtype_new(WASM_I32), WASM_VAR));
  wasm_exporttype_t* x = wasm_exporttype_new(&name, ty);
  CHECK(x != NULL && name.size == 0 && name.data == NULL);
  CHECK_STR(wasm_exporttype_name(x), "counter");
  CHECK(wasm_exporttype_type(x) == ty);
  wasm_exporttype_t* xc = wasm_exporttype_copy(x);
  CHECK(xc != x && wasm_exporttype_type(xc) != ty);
  CHECK(wasm_exporttype_name(xc)->data != wasm_exporttype_name(x)->data);
  wasm_exporttype_delete(x);
  CHECK_STR(wasm_exporttype_name(xc), "counter");
  const wasm_globaltype_t* g = wasm_externtype_as_globaltype_const(wasm_exporttype_type(xc));
  CHECK(g != NULL && wasm_globaltype_mutability(g) == WASM_VAR);
  wasm_exporttype_delete(xc);

  wasm_importtype_delete(NULL);
  wasm_exporttype_delete(NULL);
}

// Extern types copied and deleted through wasm_externtype_t, for every kind.
static void test_externtypes(void) {
  wasm_limits_t limits = {4, 8};
  wasm_externtype_t* all[4] = {
      wasm_functype_as_externtype(wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i64())),
      wasm_globaltype_as_externtype(wasm_globaltype_new(wasm_valtype_new_f32(), WASM_CONST)),
      wasm_tabletype_as_externtype(wasm_tabletype_new(wasm_valtype_new_funcref(), &limits)),
      wasm_memorytype_as_externtype(wasm_memorytype_new(&limits)),
  };
  const wasm_externkind_t expected[4] = {WASM_EXTERN_FUNC, WASM_EXTERN_GLOBAL, WASM_EXTERN_TABLE,
                                         WASM_EXTERN_MEMORY};
  for (int k = 0; k < 4; k++) {
    wasm_externtype_t* c = wasm_externtype_copy(all[k]);
    wasm_externtype_delete(all[k]);
    CHECK(wasm_externtype_kind(c) == expected[k]);
    // Exactly one of the four casts succeeds.
    int casts = (wasm_externtype_as_functype(c) != NULL) + (wasm_externtype_as_globaltype(c) != NULL) +
                (wasm_externtype_as_tabletype(c) != NULL) + (wasm_externtype_as_memorytype(c) != NULL);
    CHECK(casts == 1);
    switch (k) {
      case 0: CHECK(wasm_valtype_kind(wasm_functype_results(wasm_externtype_as_functype(c))->data[0]) == WASM_I64); break;
      case 1: CHECK(wasm_valtype_kind(wasm_globaltype_content(wasm_externtype_as_globaltype(c))) == WASM_F32); break;
      case 2: CHECK(wasm_tabletype_limits(wasm_externtype_as_tabletype(c))->min == 4); break;
      default: CHECK(wasm_memorytype_limits(wasm_externtype_as_memorytype(c))->max == 8); break;
    }
    wasm_externtype_delete(c);
  }
  wasm_externtype_delete(NULL);
}

// ---- forbidden arguments ---------------------------------------------------------------------

static void kind_of_null(void) { wasm_valtype_kind(NULL); }
static void params_of_null(void) { wasm_functype_params(NULL); }
static void globaltype_of_null(void) { wasm_globaltype_new(NULL, WASM_CONST); }
static void tabletype_without_limits(void) { wasm_tabletype_new(wasm_valtype_new(WASM_FUNCREF), NULL); }
static void functype_with_null_param(void) {
  wasm_valtype_vec_t params, results;
  wasm_valtype_vec_new_uninitialized(&params, 1);
  wasm_valtype_vec_new_empty(&results);
  wasm_functype_new(&params, &results);
}
static void externkind_of_null(void) { wasm_externtype_kind(NULL); }
static void copy_of_null(void) { wasm_memorytype_copy(NULL); }

int main(void) {
  test_valtypes();
  test_functypes();
  test_globaltypes();
  test_tabletypes();
  test_memorytypes();
  test_import_export_types();
  test_externtypes();

  CHECK(aborts_with(kind_of_null, "wasmo: wasm_valtype_kind: argument `self` must not be NULL"));
  CHECK(aborts_with(params_of_null, "wasmo: wasm_functype_params: argument `self` must not be NULL"));
  CHECK(aborts_with(globaltype_of_null, "wasmo: wasm_globaltype_new: argument `content` must not be NULL"));
  CHECK(aborts_with(tabletype_without_limits, "wasmo: wasm_tabletype_new: argument `limits` must not be NULL"));
  CHECK(aborts_with(functype_with_null_param, "wasmo: wasm_functype_new: value type vectors must not contain NULL"));
  CHECK(aborts_with(externkind_of_null, "wasmo: wasm_externtype_kind: argument `self` must not be NULL"));
  CHECK(aborts_with(copy_of_null, "wasmo: wasm_memorytype_copy: argument `self` must not be NULL"));
  return test_finish("test_types");
}
