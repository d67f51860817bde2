#include <stdio.h>
#include "wasm.h"

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  int ok = engine != NULL && store != NULL;
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  printf("uses_wasmo: %s\n", ok ? "ok" : "failed");
  return ok ? 0 : 1;
}
