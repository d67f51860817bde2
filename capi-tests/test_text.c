// The text format through wasmo.h: wasmo_wat2wasm gives the binary or the line and column of
// the first problem; wasmo_module_new_text makes a module from text. Under valgrind.
#include <string.h>

#include "harness.h"
#include "wasmo.h"

static const char kText[] =
    "(module\n"
    "  (func (export \"answer\") (result i32) (i32.const 42)))\n";

static int32_t call_answer(wasm_store_t* store, wasm_module_t* module) {
  wasm_extern_vec_t imports = WASM_EMPTY_VEC;
  wasm_instance_t* instance = wasm_instance_new(store, module, &imports, NULL);
  CHECK(instance != NULL);
  if (!instance) return -1;
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  wasm_func_t* answer = wasm_extern_as_func(exports.data[0]);
  wasm_val_t out[1];
  wasm_val_vec_t none = WASM_EMPTY_VEC;
  wasm_val_vec_t results = WASM_ARRAY_VEC(out);
  wasm_trap_t* trap = wasm_func_call(answer, &none, &results);
  CHECK(trap == NULL);
  if (trap) wasm_trap_delete(trap);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  return out[0].of.i32;
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);

  // Text to binary, then the standard wasm_module_new.
  wasm_byte_vec_t binary;
  CHECK(wasmo_wat2wasm(kText, strlen(kText), &binary));
  CHECK(binary.size > 8 && memcmp(binary.data, "\0asm", 4) == 0);
  CHECK(wasmo_error_message() == NULL);
  wasm_module_t* module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  if (module) {
    CHECK(call_answer(store, module) == 42);
    wasm_module_delete(module);
  }

  // An error names the line and column (here line 2, column 9) and leaves an empty vector.
  const char bad[] = "(module\n  (func (i32.const)))\n";
  CHECK(!wasmo_wat2wasm(bad, strlen(bad), &binary));
  CHECK(binary.size == 0 && binary.data == NULL);
  CHECK(wasmo_error_message() != NULL && strstr(wasmo_error_message(), ":2:") != NULL);
  wasm_byte_vec_delete(&binary);
  // Not UTF-8.
  const char latin1[] = "(module (func $caf\xe9))";
  CHECK(!wasmo_wat2wasm(latin1, strlen(latin1), &binary));
  CHECK(strstr(wasmo_error_message(), "UTF-8") != NULL);
  wasm_byte_vec_delete(&binary);
  // Only the given length is read: the same text cut before its last parenthesis is invalid.
  CHECK(!wasmo_wat2wasm(kText, strlen(kText) - 2, &binary));
  wasm_byte_vec_delete(&binary);

  // Straight from text.
  module = wasmo_module_new_text(store, kText, strlen(kText));
  CHECK(module != NULL);
  if (module) {
    CHECK(call_answer(store, module) == 42);
    wasm_module_delete(module);
  }
  CHECK(wasmo_module_new_text(store, bad, strlen(bad)) == NULL);
  CHECK(strstr(wasmo_error_message(), ":2:") != NULL);
  // Valid text of an invalid module: refused by validation, with its message.
  const char invalid[] = "(module (func (result i32) (i64.const 1)))";
  CHECK(wasmo_module_new_text(store, invalid, strlen(invalid)) == NULL);
  CHECK(wasmo_error_message() != NULL);

  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_text");
}
