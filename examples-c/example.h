// What every example shares: printing and counting checks, loading a module from a file,
// instantiating it, and showing and comparing number values.
// Each example prints one line per check and exits non-zero if any failed.
#ifndef WASMO_EXAMPLE_H
#define WASMO_EXAMPLE_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm.h"
#include "wasmo.h"

static int failures = 0;

// Prints one check and counts it if it failed.
static void check(bool ok, const char* format, ...) {
  va_list args;
  va_start(args, format);
  printf("  %s ", ok ? "[ok]    " : "[FAILED]");
  vprintf(format, args);
  printf("\n");
  va_end(args);
  if (!ok) failures++;
}

static wasm_module_t* load_module(wasm_store_t* store, const char* path) {
  FILE* file = fopen(path, "rb");
  if (!file) {
    printf("> cannot open %s\n", path);
    return NULL;
  }
  fseek(file, 0L, SEEK_END);
  size_t file_size = (size_t)ftell(file);
  fseek(file, 0L, SEEK_SET);
  wasm_byte_vec_t binary;
  wasm_byte_vec_new_uninitialized(&binary, file_size);
  bool read = fread(binary.data, file_size, 1, file) == 1;
  fclose(file);
  wasm_module_t* module = read ? wasm_module_new(store, &binary) : NULL;
  wasm_byte_vec_delete(&binary);
  if (!read) printf("> cannot read %s\n", path);
  else if (!module) printf("> compiling %s failed: %s\n", path, wasmo_error_message());
  return module;
}

// Instantiates `module` (no trap out-parameter), checking it worked; on failure prints why and
// returns NULL.
static inline wasm_instance_t* instantiate(wasm_store_t* store, const wasm_module_t* module,
                                          const wasm_extern_vec_t* imports) {
  wasm_instance_t* instance = wasm_instance_new(store, module, imports, NULL);
  check(instance != NULL, "wasm_instance_new");
  if (!instance) printf("> %s\n", wasmo_error_message());
  return instance;
}

// Formats a number value as "<kind> <value>" (in one of 8 rotating buffers).
static inline const char* show_val(const wasm_val_t* v) {
  static char buffers[8][64];
  static int next = 0;
  char* out = buffers[next++ % 8];
  switch (v->kind) {
    case WASM_I32: snprintf(out, 64, "i32 %" PRId32, v->of.i32); break;
    case WASM_I64: snprintf(out, 64, "i64 %" PRId64, v->of.i64); break;
    case WASM_F32: snprintf(out, 64, "f32 %.9g", (double)v->of.f32); break;
    case WASM_F64: snprintf(out, 64, "f64 %.17g", v->of.f64); break;
    default: snprintf(out, 64, "kind %d", v->kind);
  }
  return out;
}

// Whether two number values have the same kind and the same bits.
static inline bool same_val(const wasm_val_t* a, const wasm_val_t* b) {
  if (a->kind != b->kind) return false;
  switch (a->kind) {
    case WASM_I32: return a->of.i32 == b->of.i32;
    case WASM_I64: return a->of.i64 == b->of.i64;
    case WASM_F32: return memcmp(&a->of.f32, &b->of.f32, sizeof(float)) == 0;
    case WASM_F64: return memcmp(&a->of.f64, &b->of.f64, sizeof(double)) == 0;
    default: return false;
  }
}

#endif
