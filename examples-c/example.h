// What every example shares: printing and counting checks, and loading a module from a file.
// Each example prints one line per check and exits non-zero if any failed.
#ifndef WASMO_EXAMPLE_H
#define WASMO_EXAMPLE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

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

#endif
