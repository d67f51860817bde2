// Loads table.wasm, which exports a funcref table and a function `call` that calls an element of
// it with call_indirect, and works on the table from C: wasm_table_get/set/size/grow, a host
// function stored in the table and called from wasm, and the traps of call_indirect.
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

// The outcome of a call returning one i32.
typedef struct {
  bool trapped;
  char message[128];
  int32_t value;
} outcome_t;

static outcome_t call_i32(const wasm_func_t* func, size_t n, const int32_t* values) {
  outcome_t outcome = {false, "", 0};
  wasm_val_t args_array[2];
  for (size_t i = 0; i < n; i++) {
    args_array[i].kind = WASM_I32;
    args_array[i].of.i32 = values[i];
  }
  wasm_val_t result = WASM_INIT_VAL;
  wasm_val_vec_t args = {n, args_array};
  wasm_val_vec_t results = {1, &result};
  wasm_trap_t* trap = wasm_func_call(func, &args, &results);
  if (trap) {
    wasm_message_t message;
    wasm_trap_message(trap, &message);
    outcome.trapped = true;
    snprintf(outcome.message, sizeof outcome.message, "%s", message.data);
    wasm_byte_vec_delete(&message);
    wasm_trap_delete(trap);
  } else {
    outcome.value = result.of.i32;
  }
  return outcome;
}

static const wasm_func_t* call_func;

// Calls table[index](argument) from wasm.
static outcome_t call_indirect(int32_t index, int32_t argument) {
  int32_t args[2] = {index, argument};
  return call_i32(call_func, 2, args);
}

static void check_result(int32_t index, int32_t argument, int32_t expected) {
  outcome_t o = call_indirect(index, argument);
  if (o.trapped) {
    check(false, "call(%d, %d) = %d (trapped: %s)", index, argument, expected, o.message);
  } else {
    check(o.value == expected, "call(%d, %d) = %d (got %d)", index, argument, expected, o.value);
  }
}

// Trap messages are matched by prefix, as the spec's test scripts do: an engine may add detail
// such as the element index ("uninitialized element 3").
static void check_trap(int32_t index, int32_t argument, const char* message) {
  outcome_t o = call_indirect(index, argument);
  check(o.trapped && strncmp(o.message, message, strlen(message)) == 0,
        "call(%d, %d) traps: \"%s\" (got %s%s%s)",
        index, argument, message, o.trapped ? "\"" : "no trap", o.trapped ? o.message : "",
        o.trapped ? "\"" : "");
}

static int triple_calls = 0;

// The host function stored in the table: i32 -> i32, three times its argument.
static wasm_trap_t* triple_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  triple_calls++;
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = args->data[0].of.i32 * 3;
  return NULL;
}

// A host function of another type: no parameters, one i32 result.
static wasm_trap_t* seven_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = 7;
  return NULL;
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  wasm_module_t* module = load_module(store, "table.wasm");
  if (!module) return 1;

  printf("instantiating\n");
  wasm_instance_t* instance = instantiate(store, module, NULL);
  if (!instance) {
    return 1;
  }
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  check(exports.size == 4, "4 exports: table, double, call, size");
  if (exports.size != 4) return 1;
  wasm_table_t* table = wasm_extern_as_table(exports.data[0]);
  const wasm_func_t* double_func = wasm_extern_as_func(exports.data[1]);
  call_func = wasm_extern_as_func(exports.data[2]);
  const wasm_func_t* size_func = wasm_extern_as_func(exports.data[3]);
  check(table && double_func && call_func && size_func, "exports of the right kinds");
  if (!(table && double_func && call_func && size_func)) return 1;

  printf("the table's type and contents\n");
  wasm_tabletype_t* type = wasm_table_type(table);
  const wasm_limits_t* limits = wasm_tabletype_limits(type);
  check(wasm_valtype_kind(wasm_tabletype_element(type)) == WASM_FUNCREF && limits->min == 4 &&
            limits->max == 8,
        "funcref, limits 4..8 (got %u..%u)", limits->min, limits->max);
  wasm_tabletype_delete(type);
  check(wasm_table_size(table) == 4, "wasm_table_size = 4");
  check(call_i32(size_func, 0, NULL).value == 4, "table.size in wasm = 4");
  wasm_ref_t* element = wasm_table_get(table, 0);
  wasm_func_t* element_func = element ? wasm_ref_as_func(element) : NULL;
  check(element_func != NULL, "element 0 is a function");
  if (element_func) {
    check(wasm_func_same(element_func, double_func), "element 0 is the exported double");
    check(call_i32(element_func, 1, (int32_t[]){21}).value == 42,
          "calling element 0 from C: double(21) = 42");
  }
  wasm_ref_delete(element);
  element = wasm_table_get(table, 3);
  check(element == NULL, "element 3 is null");
  wasm_ref_delete(element);
  element = wasm_table_get(table, 100);
  check(element == NULL, "wasm_table_get(100), out of bounds, is NULL");
  wasm_ref_delete(element);

  printf("calling elements from wasm with call_indirect\n");
  check_result(0, 5, 10);
  check_result(1, 5, -5);
  check_trap(2, 5, "indirect call type mismatch");
  check_trap(3, 5, "uninitialized element");
  check_trap(4, 5, "undefined element");
  check_trap(-1, 5, "undefined element");
  check_result(0, 100, 200);  // the instance still works after the traps

  printf("a host function in the table\n");
  wasm_functype_t* triple_type =
      wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  wasm_func_t* triple = wasm_func_new(store, triple_type, triple_callback);
  wasm_functype_delete(triple_type);
  wasm_functype_t* seven_type = wasm_functype_new_0_1(wasm_valtype_new_i32());
  wasm_func_t* seven = wasm_func_new(store, seven_type, seven_callback);
  wasm_functype_delete(seven_type);
  check(wasm_table_set(table, 3, wasm_func_as_ref(triple)), "wasm_table_set(3, triple)");
  check_result(3, 7, 21);
  check(triple_calls == 1, "triple was called once");
  element = wasm_table_get(table, 3);
  check(element && wasm_ref_as_func(element) && wasm_func_same(wasm_ref_as_func(element), triple),
        "wasm_table_get(3) is triple");
  wasm_ref_delete(element);
  bool set_out_of_bounds = wasm_table_set(table, 4, wasm_func_as_ref(triple));
  check(!set_out_of_bounds && wasmo_error_message() != NULL,
        "wasm_table_set(4), out of bounds, fails: %s", wasmo_error_message());
  check(wasm_table_set(table, 1, wasm_func_as_ref(seven)), "wasm_table_set(1, seven)");
  check_trap(1, 5, "indirect call type mismatch");
  check(wasm_table_set(table, 1, NULL), "wasm_table_set(1, NULL)");
  check_trap(1, 5, "uninitialized element");

  printf("growing\n");
  check(wasm_table_grow(table, 2, NULL), "wasm_table_grow(2, NULL)");
  check(wasm_table_size(table) == 6, "wasm_table_size = 6");
  check(call_i32(size_func, 0, NULL).value == 6, "table.size in wasm = 6");
  check_trap(5, 1, "uninitialized element");
  check_trap(6, 1, "undefined element");
  check(wasm_table_grow(table, 2, wasm_func_as_ref(triple)), "wasm_table_grow(2, triple)");
  check(wasm_table_size(table) == 8, "wasm_table_size = 8");
  check_result(6, 4, 12);
  check_result(7, -4, -12);
  bool grown = wasm_table_grow(table, 1, NULL);
  check(!grown && wasmo_error_message() != NULL, "wasm_table_grow(1) past the maximum fails: %s",
        wasmo_error_message());
  check(wasm_table_size(table) == 8, "wasm_table_size is still 8");
  check_trap(8, 1, "undefined element");
  check(triple_calls == 3, "triple was called 3 times (%d)", triple_calls);
  check_result(0, 8, 16);
  check_result(3, 8, 24);

  wasm_func_delete(triple);
  wasm_func_delete(seven);
  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);

  printf("table: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
