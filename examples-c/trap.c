// Loads trap.wasm and makes it trap in two ways: a host function returning a trap made with
// wasm_trap_new, and wasm code executing `unreachable` three calls deep, whose trap has a
// backtrace (wasm_trap_origin, wasm_trap_trace). The store stays usable after both.
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "example.h"

static const char* const host_message = "the host refuses";

// The store the host function makes its trap in.
static wasm_store_t* the_store;
static int fail_calls = 0;

// The host function: always returns a trap.
static wasm_trap_t* fail_callback(const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  (void)args;
  (void)results;
  fail_calls++;
  printf("> fail called, returning a trap\n");
  wasm_message_t message;
  wasm_name_new_from_string_nt(&message, host_message);
  wasm_trap_t* trap = wasm_trap_new(the_store, &message);
  wasm_name_delete(&message);
  return trap;
}

// Whether a trap's message is `expected` (the message vector includes the terminating NUL).
static bool message_is(const wasm_trap_t* trap, const char* expected) {
  wasm_message_t message;
  wasm_trap_message(trap, &message);
  bool same = message.size == strlen(expected) + 1 && message.data[message.size - 1] == '\0' &&
              strcmp(message.data, expected) == 0;
  printf("> trap message: \"%.*s\"\n", (int)message.size, message.data);
  wasm_byte_vec_delete(&message);
  return same;
}

static wasm_trap_t* call0(const wasm_func_t* func) {
  wasm_val_vec_t args = WASM_EMPTY_VEC;
  wasm_val_vec_t results = WASM_EMPTY_VEC;
  return wasm_func_call(func, &args, &results);
}

static void print_frame(const char* what, const wasm_frame_t* frame) {
  printf("> %s: function %u, module offset 0x%zx, function offset 0x%zx\n", what,
         wasm_frame_func_index(frame), wasm_frame_module_offset(frame),
         wasm_frame_func_offset(frame));
}

// Calls add(a, b) and checks the sum.
static void check_add(const wasm_func_t* add, int32_t a, int32_t b) {
  wasm_val_t args_array[] = {WASM_I32_VAL(a), WASM_I32_VAL(b)};
  wasm_val_t result = WASM_INIT_VAL;
  wasm_val_vec_t args = WASM_ARRAY_VEC(args_array);
  wasm_val_vec_t results = {1, &result};
  wasm_trap_t* trap = wasm_func_call(add, &args, &results);
  check(trap == NULL && result.kind == WASM_I32 && result.of.i32 == a + b, "add(%d, %d) = %d",
        a, b, a + b);
  if (trap) wasm_trap_delete(trap);
}

int main(void) {
  wasm_engine_t* engine = wasm_engine_new();
  wasm_store_t* store = wasm_store_new(engine);
  the_store = store;
  wasm_module_t* module = load_module(store, "trap.wasm");
  if (!module) return 1;

  printf("instantiating\n");
  wasm_functype_t* fail_type = wasm_functype_new_0_0();
  wasm_func_t* fail = wasm_func_new(store, fail_type, fail_callback);
  wasm_functype_delete(fail_type);
  wasm_extern_t* imports_array[] = {wasm_func_as_extern(fail)};
  wasm_extern_vec_t imports = WASM_ARRAY_VEC(imports_array);
  wasm_instance_t* instance = instantiate(store, module, &imports);
  if (!instance) {
    return 1;
  }
  wasm_extern_vec_t exports;
  wasm_instance_exports(instance, &exports);
  check(exports.size == 3, "3 exports: call_fail, crash, add");
  if (exports.size != 3) return 1;
  const wasm_func_t* call_fail = wasm_extern_as_func(exports.data[0]);
  const wasm_func_t* crash = wasm_extern_as_func(exports.data[1]);
  const wasm_func_t* add = wasm_extern_as_func(exports.data[2]);
  check(call_fail && crash && add, "the exports are functions");
  if (!(call_fail && crash && add)) return 1;

  printf("a trap made by a host function, through wasm\n");
  wasm_trap_t* trap = call0(call_fail);
  check(trap != NULL, "call_fail returned a trap");
  check(fail_calls == 1, "the host function was called once");
  if (trap) {
    check(message_is(trap, host_message), "with the host's message \"%s\"", host_message);
    wasm_frame_vec_t trace;
    wasm_trap_trace(trap, &trace);
    printf("> %zu wasm frame(s)\n", trace.size);
    for (size_t i = 0; i < trace.size; i++) print_frame("frame", trace.data[i]);
    wasm_frame_vec_delete(&trace);
    wasm_trap_delete(trap);
  }
  check_add(add, 1, 2);

  printf("the same trap, calling the host function directly\n");
  trap = call0(fail);
  check(trap != NULL && fail_calls == 2, "fail returned a trap");
  if (trap) {
    check(message_is(trap, host_message), "with the host's message");
    wasm_trap_delete(trap);
  }

  printf("a trap in wasm code: crash -> middle -> inner -> unreachable\n");
  trap = call0(crash);
  check(trap != NULL, "crash returned a trap");
  if (trap) {
    check(message_is(trap, "unreachable"), "with message \"unreachable\"");
    wasm_frame_t* origin = wasm_trap_origin(trap);
    check(origin != NULL, "wasm_trap_origin is not NULL");
    if (origin) {
      print_frame("origin", origin);
      check(wasm_frame_func_index(origin) == 2, "the origin is function 2 (inner)");
      check(wasm_frame_module_offset(origin) > 0, "at a non-zero module offset");
      wasm_instance_t* frame_instance = wasm_frame_instance(origin);
      check(frame_instance && wasm_instance_same(frame_instance, instance),
            "in our instance (wasm_frame_instance)");
      wasm_frame_delete(origin);
    }
    wasm_frame_vec_t trace;
    wasm_trap_trace(trap, &trace);
    printf("> %zu wasm frame(s), innermost first\n", trace.size);
    for (size_t i = 0; i < trace.size; i++) print_frame("frame", trace.data[i]);
    check(trace.size == 3, "3 frames");
    if (trace.size == 3) {
      check(wasm_frame_func_index(trace.data[0]) == 2 &&
                wasm_frame_func_index(trace.data[1]) == 3 &&
                wasm_frame_func_index(trace.data[2]) == 4,
            "functions 2, 3, 4 (inner, middle, crash)");
      size_t o0 = wasm_frame_module_offset(trace.data[0]);
      size_t o1 = wasm_frame_module_offset(trace.data[1]);
      size_t o2 = wasm_frame_module_offset(trace.data[2]);
      check(0 < o0 && o0 < o1 && o1 < o2,
            "at increasing module offsets (the functions are in that order in the binary)");
    }
    wasm_frame_vec_delete(&trace);
    wasm_trap_delete(trap);
  }

  printf("the store keeps working\n");
  check_add(add, 40, 2);
  check_add(add, -7, 7);
  trap = call0(crash);
  check(trap != NULL, "crash traps again");
  if (trap) {
    check(message_is(trap, "unreachable"), "with message \"unreachable\"");
    wasm_trap_delete(trap);
  }
  check_add(add, 1000, 1);

  printf("a trap made in C and never thrown\n");
  wasm_message_t message;
  wasm_name_new_from_string(&message, "made in C");  // without NUL: wasm_trap_new adds one
  trap = wasm_trap_new(store, &message);
  wasm_name_delete(&message);
  check(message_is(trap, "made in C"), "message \"made in C\", NUL-terminated");
  wasm_frame_t* origin = wasm_trap_origin(trap);
  check(origin == NULL, "no origin");
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  check(trace.size == 0, "an empty trace");
  wasm_frame_vec_delete(&trace);
  wasm_trap_delete(trap);

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_func_delete(fail);
  wasm_module_delete(module);
  wasm_store_delete(store);
  wasm_engine_delete(engine);

  printf("trap: %s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
