// The child process of tests/no_crash.rs: feeds modules to libwasmo.so through wasm.h and says
// what became of each, so that the parent can tell which module a crash happened on.
//
//   child MODULES_FILE FIRST LAST MODE
//
// MODULES_FILE holds modules as [u32 little-endian length][bytes], one after the other. For each
// module index i in FIRST..LAST (exclusive), the child prints "begin i", then creates the module
// with wasm_module_new in a fresh store of an engine in MODE (opt or liftoff) and, if that
// worked, instantiates it with stand-ins for its imports (a function that traps, a zero global,
// an empty-filled table, a fresh memory, a fresh tag), then deletes everything and prints
// "end i STATUS MESSAGE": STATUS is `refused` (wasm_module_new returned NULL; MESSAGE is
// wasmo_error_message()), `failed` (wasm_instance_new returned NULL; MESSAGE is the reason) or
// `instantiated`. Every line is flushed at once.

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"
#include "wasmo.h"

static wasm_trap_t *stand_in(void *env, const wasm_val_vec_t *args, wasm_val_vec_t *results) {
  (void)args;
  (void)results;
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, "stand-in import called");
  wasm_trap_t *trap = wasm_trap_new((wasm_store_t *)env, &message);
  wasm_byte_vec_delete(&message);
  return trap;
}

// One line: newlines in the message become spaces.
static void print_end(size_t i, const char *status, const char *message) {
  printf("end %zu %s ", i, status);
  for (const char *c = message ? message : ""; *c; c++) putchar(*c == '\n' ? ' ' : *c);
  putchar('\n');
  fflush(stdout);
}

static wasm_extern_t *make_stand_in(wasm_store_t *store, const wasm_externtype_t *type) {
  switch (wasm_externtype_kind(type)) {
    case WASM_EXTERN_FUNC: {
      const wasm_functype_t *ft = wasm_externtype_as_functype_const(type);
      wasm_func_t *f = wasm_func_new_with_env(store, ft, stand_in, store, NULL);
      return f ? wasm_func_as_extern(f) : NULL;
    }
    case WASM_EXTERN_GLOBAL: {
      const wasm_globaltype_t *gt = wasm_externtype_as_globaltype_const(type);
      wasm_valkind_t kind = wasm_valtype_kind(wasm_globaltype_content(gt));
      wasm_global_t *g;
      if (kind == WASMO_V128) {
        uint8_t zero[16] = {0};
        g = wasmo_global_new_v128(store, gt, zero);
      } else {
        wasm_val_t v;
        memset(&v, 0, sizeof v);
        v.kind = kind;
        g = wasm_global_new(store, gt, &v);
      }
      return g ? wasm_global_as_extern(g) : NULL;
    }
    case WASM_EXTERN_TABLE: {
      wasm_table_t *t = wasm_table_new(store, wasm_externtype_as_tabletype_const(type), NULL);
      return t ? wasm_table_as_extern(t) : NULL;
    }
    case WASM_EXTERN_MEMORY: {
      wasm_memory_t *m = wasm_memory_new(store, wasm_externtype_as_memorytype_const(type));
      return m ? wasm_memory_as_extern(m) : NULL;
    }
    case WASMO_EXTERN_TAG: {
      wasm_functype_t *ft = wasmo_externtype_tag_type(type);
      wasmo_tag_t *t = ft ? wasmo_tag_new(store, ft) : NULL;
      wasm_functype_delete(ft);
      return t ? wasmo_tag_as_extern(t) : NULL;
    }
  }
  return NULL;
}

static void run_one(wasm_engine_t *engine, size_t i, const uint8_t *bytes, uint32_t len) {
  printf("begin %zu\n", i);
  fflush(stdout);
  wasm_store_t *store = wasm_store_new(engine);
  wasm_byte_vec_t binary;
  wasm_byte_vec_new(&binary, len, (const wasm_byte_t *)bytes);
  wasm_module_t *module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  if (!module) {
    print_end(i, "refused", wasmo_error_message());
    wasm_store_delete(store);
    return;
  }
  wasm_importtype_vec_t imports;
  wasm_module_imports(module, &imports);
  wasm_extern_vec_t externs;
  wasm_extern_vec_new_uninitialized(&externs, imports.size);
  for (size_t k = 0; k < imports.size; k++) {
    externs.data[k] = make_stand_in(store, wasm_importtype_type(imports.data[k]));
  }
  wasm_trap_t *trap = NULL;
  wasm_instance_t *instance = wasm_instance_new(store, module, &externs, &trap);
  if (instance) {
    print_end(i, "instantiated", "");
    wasm_instance_delete(instance);
  } else {
    print_end(i, "failed", wasmo_error_message());
  }
  if (trap) wasm_trap_delete(trap);
  wasm_extern_vec_delete(&externs);
  wasm_importtype_vec_delete(&imports);
  wasm_module_delete(module);
  wasm_store_delete(store);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s MODULES_FILE FIRST LAST opt|liftoff\n", argv[0]);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *data = malloc(size > 0 ? (size_t)size : 1);
  if (fread(data, 1, (size_t)size, f) != (size_t)size) {
    perror("read");
    return 2;
  }
  fclose(f);
  size_t first = strtoull(argv[2], NULL, 10), last = strtoull(argv[3], NULL, 10);

  wasm_config_t *config = wasm_config_new();
  if (!wasmo_config_set_mode(config, strcmp(argv[4], "liftoff") == 0 ? WASMO_MODE_LIFTOFF
                                                                     : WASMO_MODE_OPTIMIZED)) {
    return 2;
  }
  wasm_engine_t *engine = wasm_engine_new_with_config(config);

  size_t at = 0;
  for (size_t i = 0; at + 4 <= (size_t)size && i < last; i++) {
    uint32_t len;
    memcpy(&len, data + at, 4);
    at += 4;
    if (at + len > (size_t)size) break;
    if (i >= first) run_one(engine, i, data + at, len);
    at += len;
  }
  wasm_engine_delete(engine);
  free(data);
  printf("done\n");
  fflush(stdout);
  return 0;
}
