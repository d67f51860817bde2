// Loads reflect.wasm and prints its imports and exports with their types, then checks them.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"
#include "wasmo.h"

static void print_valtype(const wasm_valtype_t* t) {
  switch (wasm_valtype_kind(t)) {
    case WASM_I32: printf("i32"); break;
    case WASM_I64: printf("i64"); break;
    case WASM_F32: printf("f32"); break;
    case WASM_F64: printf("f64"); break;
    case WASM_EXTERNREF: printf("externref"); break;
    case WASM_FUNCREF: printf("funcref"); break;
    case WASMO_V128: printf("v128"); break;
    default: printf("?");
  }
}

static void print_valtypes(const wasm_valtype_vec_t* v) {
  printf("(");
  for (size_t i = 0; i < v->size; i++) {
    if (i) printf(" ");
    print_valtype(v->data[i]);
  }
  printf(")");
}

static void print_limits(const wasm_limits_t* l) {
  printf("%u", l->min);
  if (l->max != wasm_limits_max_default) printf("..%u", l->max);
}

static void print_externtype(const wasm_externtype_t* t) {
  switch (wasm_externtype_kind(t)) {
    case WASM_EXTERN_FUNC: {
      const wasm_functype_t* f = wasm_externtype_as_functype_const(t);
      printf("func ");
      print_valtypes(wasm_functype_params(f));
      printf(" -> ");
      print_valtypes(wasm_functype_results(f));
      break;
    }
    case WASM_EXTERN_GLOBAL: {
      const wasm_globaltype_t* g = wasm_externtype_as_globaltype_const(t);
      printf("global %s ", wasm_globaltype_mutability(g) == WASM_VAR ? "var" : "const");
      print_valtype(wasm_globaltype_content(g));
      break;
    }
    case WASM_EXTERN_TABLE: {
      const wasm_tabletype_t* tt = wasm_externtype_as_tabletype_const(t);
      printf("table ");
      print_limits(wasm_tabletype_limits(tt));
      printf(" ");
      print_valtype(wasm_tabletype_element(tt));
      break;
    }
    case WASM_EXTERN_MEMORY: {
      printf("memory ");
      print_limits(wasm_memorytype_limits(wasm_externtype_as_memorytype_const(t)));
      break;
    }
  }
}

int main(void) {
  FILE* file = fopen("reflect.wasm", "rb");
  if (!file) {
    printf("> cannot open reflect.wasm\n");
    return 1;
  }
  fseek(file, 0L, SEEK_END);
  size_t file_size = (size_t)ftell(file);
  fseek(file, 0L, SEEK_SET);
  wasm_byte_vec_t binary;
  wasm_byte_vec_new_uninitialized(&binary, file_size);
  if (fread(binary.data, file_size, 1, file) != 1) {
    printf("> cannot read reflect.wasm\n");
    return 1;
  }
  fclose(file);

  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  if (!module) {
    printf("> compiling failed: %s\n", wasmo_error_message());
    return 1;
  }

  int failures = 0;
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  printf("imports (%zu):\n", imports.size);
  for (size_t i = 0; i < imports.size; i++) {
    const wasm_name_t* m = wasm_importtype_module(imports.data[i]);
    const wasm_name_t* n = wasm_importtype_name(imports.data[i]);
    printf("  %.*s.%.*s: ", (int)m->size, m->data, (int)n->size, n->data);
    print_externtype(wasm_importtype_type(imports.data[i]));
    printf("\n");
  }
  failures += imports.size != 4;
  failures += wasm_externtype_kind(wasm_importtype_type(imports.data[2])) != WASM_EXTERN_TABLE;

  wasm_exporttype_vec_t exports;
  wasm_module_exports(module, &exports);
  printf("exports (%zu):\n", exports.size);
  for (size_t i = 0; i < exports.size; i++) {
    const wasm_name_t* n = wasm_exporttype_name(exports.data[i]);
    printf("  %.*s: ", (int)n->size, n->data);
    print_externtype(wasm_exporttype_type(exports.data[i]));
    printf("\n");
  }
  failures += exports.size != 6;
  const wasm_functype_t* pair = wasm_externtype_as_functype_const(wasm_exporttype_type(exports.data[1]));
  failures += pair == NULL || wasm_functype_results(pair)->size != 2 ||
              wasm_valtype_kind(wasm_functype_results(pair)->data[1]) != WASM_EXTERNREF;

  wasm_exporttype_vec_delete(&exports);
  wasm_importtype_vec_delete(&imports);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);

  printf("reflect: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
