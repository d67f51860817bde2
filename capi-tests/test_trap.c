// Traps and frames: every spec trap comes back from wasm_func_call with its spec message
// (NUL-terminated) and a backtrace of wasm frames (function index, instance, module offset); a
// trap a host function returns crosses wasm frames unchanged; the store and instance keep working
// after any trap. Trap objects: wasm_trap_new, copies, host info, references; frame copies and
// frame vectors.
#include "harness.h"

static wasm_engine_t* engine;
static wasm_store_t* store;
static wasm_module_t* module;
static wasm_instance_t* instance;
static wasm_extern_vec_t exports;
static wasm_func_t* fail_fn;
static size_t binary_size;
// A copy of traps.wasm, to read the opcode at a frame's module offset.
static unsigned char binary_data[4096];
// Where each function body of traps.wasm starts (after its size) and ends, by function index;
// from the binary's code section. wasm_frame_func_offset counts from body_offset.
static size_t body_offset[32], body_end[32];

// Function indices in data/traps.wat.
enum {
  F_FAIL = 0, F_SEVEN, F_INC, F_UNREACHABLE, F_DIV_U, F_DIV_S, F_LOAD, F_CALL_INDIRECT, F_RECURSE,
  F_INNER, F_MIDDLE, F_OUTER, F_VIA_HOST, F_OK_FN
};

static uint32_t read_leb(const unsigned char* p, size_t* pos) {
  uint32_t v = 0;
  for (int shift = 0;; shift += 7) {
    unsigned char b = p[(*pos)++];
    v |= (uint32_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
}

// Fills body_offset from the code section (section 10); the one imported function comes first.
static void find_bodies(const wasm_byte_vec_t* binary) {
  const unsigned char* p = (const unsigned char*)binary->data;
  size_t pos = 8;
  while (pos < binary->size) {
    unsigned char id = p[pos++];
    uint32_t size = read_leb(p, &pos);
    if (id == 10) {
      uint32_t count = read_leb(p, &pos);
      for (uint32_t i = 0; i < count && i + 1 < 32; i++) {
        uint32_t body_size = read_leb(p, &pos);
        body_offset[i + 1] = pos;  // index 0 is the import
        pos += body_size;
        body_end[i + 1] = pos;
      }
      return;
    }
    pos += size;
  }
}

static const wasm_func_t* export_func(const char* name) {
  return wasm_extern_as_func(export_named(module, &exports, name));
}

// The host import: traps for arguments 0 to 3, recurses through wasm from 1000 on, else returns
// x * 2.
static int fail_calls;
static wasm_trap_t* host_fail(void* env, const wasm_val_vec_t* args, wasm_val_vec_t* results) {
  wasm_store_t* s = env;
  fail_calls++;
  int32_t x = args->data[0].of.i32;
  if (x == 0) {  // a message without its NUL: the library adds it
    wasm_message_t msg;
    wasm_name_new_from_string(&msg, "boom");
    wasm_trap_t* trap = wasm_trap_new(s, &msg);
    wasm_name_delete(&msg);
    return trap;
  }
  if (x == 1) {  // a NUL-terminated message is kept as is
    wasm_message_t msg;
    wasm_name_new_from_string_nt(&msg, "host says no");
    wasm_trap_t* trap = wasm_trap_new(s, &msg);
    wasm_name_delete(&msg);
    return trap;
  }
  if (x == 2) {  // a wasm trap caught in the host and handed on
    return wasm_func_call(export_func("unreachable"), NULL, NULL);
  }
  if (x == 3) {  // a message that is not UTF-8
    wasm_message_t msg = {3, "\xff\xfe!"};
    return wasm_trap_new(s, &msg);
  }
  if (x >= 1000) {  // runaway recursion through the host: via_host(x + 1), forever
    wasm_val_t a[1] = {WASM_I32_VAL(x + 1)}, r[1] = {WASM_INIT_VAL};
    wasm_val_vec_t av = WASM_ARRAY_VEC(a), rv = WASM_ARRAY_VEC(r);
    wasm_trap_t* trap = wasm_func_call(export_func("via_host"), &av, &rv);
    if (trap) return trap;
    results->data[0] = r[0];
    return NULL;
  }
  results->data[0].kind = WASM_I32;
  results->data[0].of.i32 = x * 2;
  return NULL;
}

static void setup(void) {
  engine = wasm_engine_new();
  store = wasm_store_new(engine);
  wasm_functype_t* i_i = wasm_functype_new_1_1(wasm_valtype_new_i32(), wasm_valtype_new_i32());
  fail_fn = wasm_func_new_with_env(store, i_i, host_fail, store, NULL);
  wasm_functype_delete(i_i);

  wasm_byte_vec_t binary;
  load_wasm("traps", &binary);
  binary_size = binary.size;
  if (binary_size > sizeof binary_data) {
    fprintf(stderr, "traps.wasm is larger than %zu bytes\n", sizeof binary_data);
    exit(1);
  }
  memcpy(binary_data, binary.data, binary_size);
  find_bodies(&binary);
  module = wasm_module_new(store, &binary);
  wasm_byte_vec_delete(&binary);
  CHECK(module != NULL);
  wasm_extern_t* imports[1] = {wasm_func_as_extern(fail_fn)};
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(imports);
  instance = wasm_instance_new(store, module, &import_vec, NULL);
  if (!instance) {
    fprintf(stderr, "instantiation failed: %s\n", wasmo_error_message());
    exit(1);
  }
  wasm_instance_exports(instance, &exports);
}

// Calls export `name` with one or two i32 arguments (`argc`) and returns the trap, if any.
static wasm_trap_t* call_i32(const char* name, int argc, int32_t a, int32_t b, int32_t* result) {
  wasm_val_t args[2] = {WASM_I32_VAL(a), WASM_I32_VAL(b)};
  wasm_val_t results[1] = {WASM_INIT_VAL};
  wasm_val_vec_t av = {(size_t)argc, args}, rv = WASM_ARRAY_VEC(results);
  wasm_trap_t* trap = wasm_func_call(export_func(name), &av, &rv);
  if (!trap && result) *result = results[0].of.i32;
  return trap;
}

// After a trap, the same instance (and a host import) still work.
static void check_still_works(void) {
  int32_t r = 0;
  CHECK(call_i32("ok", 1, 1, 0, &r) == NULL && r == 101);
  r = 0;
  CHECK(call_i32("via_host", 1, 20, 0, &r) == NULL && r == 41);
  r = 0;
  CHECK(call_i32("call_indirect", 1, 0, 0, &r) == NULL && r == 7);
}

// The opcode of the instruction a frame of each function can be at: the one that traps, or the
// call to the next frame. A stack overflow in $recurse is detected on entry, at its first
// instruction (local.get).
enum { OP_UNREACHABLE = 0x00, OP_CALL = 0x10, OP_CALL_INDIRECT = 0x11, OP_LOCAL_GET = 0x20,
       OP_I32_LOAD = 0x28, OP_I32_DIV_S = 0x6d, OP_I32_DIV_U = 0x6e };
static int opcode_fits(uint32_t func_index, unsigned char op) {
  switch (func_index) {
    case F_UNREACHABLE: return op == OP_UNREACHABLE;
    case F_DIV_U: return op == OP_I32_DIV_U;
    case F_DIV_S: return op == OP_I32_DIV_S;
    case F_LOAD: return op == OP_I32_LOAD;
    case F_CALL_INDIRECT: return op == OP_CALL_INDIRECT;
    case F_RECURSE: return op == OP_LOCAL_GET || op == OP_CALL;
    case F_INNER: return op == OP_UNREACHABLE || op == OP_CALL;
    case F_MIDDLE: case F_OUTER: case F_VIA_HOST: return op == OP_CALL;
    default: return 0;
  }
}

// The opcode at a frame's module offset.
static unsigned char frame_opcode(const wasm_frame_t* frame) {
  return binary_data[wasm_frame_module_offset(frame)];
}

// Checks a frame: its function, instance and offsets (the instruction it is at lies in its
// function's body and is one that function can trap or call at).
static int frame_ok(const wasm_frame_t* frame, uint32_t func_index) {
  if (!frame) return 0;
  int ok = wasm_frame_func_index(frame) == func_index;
  ok = ok && wasm_frame_instance(frame) != NULL && wasm_instance_same(wasm_frame_instance(frame), instance);
  ok = ok && wasm_frame_module_offset(frame) > 0 && wasm_frame_module_offset(frame) < binary_size;
  ok = ok && func_index < 32 && wasm_frame_module_offset(frame) > body_offset[func_index] &&
       wasm_frame_module_offset(frame) < body_end[func_index];
  ok = ok && wasm_frame_func_offset(frame) == wasm_frame_module_offset(frame) - body_offset[func_index];
  ok = ok && opcode_fits(func_index, frame_opcode(frame));
  if (!ok)
    fprintf(stderr, "frame: func %u (want %u), module offset %zu, func offset %zu\n",
            wasm_frame_func_index(frame), func_index, wasm_frame_module_offset(frame),
            wasm_frame_func_offset(frame));
  return ok;
}

// A trap in a leaf function: message, origin and a one-frame trace naming that function.
static void check_leaf_trap(wasm_trap_t* trap, const char* message, uint32_t func_index) {
  CHECK(trap_message_is(trap, message));
  if (!trap) return;
  wasm_frame_t* origin = wasm_trap_origin(trap);
  CHECK(frame_ok(origin, func_index));
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  CHECK(trace.size == 1 && frame_ok(trace.data[0], func_index));
  if (trace.size != 1) fprintf(stderr, "%s: trace of %zu frames\n", message, trace.size);
  wasm_frame_vec_delete(&trace);
  wasm_frame_delete(origin);
  wasm_trap_delete(trap);
  check_still_works();
}

static void test_spec_traps(void) {
  check_leaf_trap(wasm_func_call(export_func("unreachable"), NULL, NULL), "unreachable", F_UNREACHABLE);
  check_leaf_trap(call_i32("div_u", 2, 1, 0, NULL), "integer divide by zero", F_DIV_U);
  check_leaf_trap(call_i32("div_s", 2, 7, 0, NULL), "integer divide by zero", F_DIV_S);
  check_leaf_trap(call_i32("div_s", 2, INT32_MIN, -1, NULL), "integer overflow", F_DIV_S);
  check_leaf_trap(call_i32("load", 1, 65536, 0, NULL), "out of bounds memory access", F_LOAD);
  check_leaf_trap(call_i32("load", 1, 65533, 0, NULL), "out of bounds memory access", F_LOAD);
  check_leaf_trap(call_i32("load", 1, -4, 0, NULL), "out of bounds memory access", F_LOAD);
  check_leaf_trap(call_i32("call_indirect", 1, 4, 0, NULL), "undefined element", F_CALL_INDIRECT);
  check_leaf_trap(call_i32("call_indirect", 1, 1000, 0, NULL), "undefined element", F_CALL_INDIRECT);
  check_leaf_trap(call_i32("call_indirect", 1, 3, 0, NULL), "uninitialized element 3", F_CALL_INDIRECT);
  check_leaf_trap(call_i32("call_indirect", 1, 1, 0, NULL), "indirect call type mismatch", F_CALL_INDIRECT);
  // A function with a result that traps, called without room for its result (as the upstream
  // `trap` examples do): its own trap comes back.
  wasm_val_t zero[2] = {WASM_I32_VAL(1), WASM_I32_VAL(0)};
  wasm_val_vec_t zerov = WASM_ARRAY_VEC(zero), no_results = WASM_EMPTY_VEC;
  check_leaf_trap(wasm_func_call(export_func("div_u"), &zerov, &no_results), "integer divide by zero", F_DIV_U);
  check_leaf_trap(wasm_func_call(export_func("div_u"), &zerov, NULL), "integer divide by zero", F_DIV_U);

  // The results of good calls next to the trapping ones.
  int32_t r = 0;
  CHECK(call_i32("div_u", 2, 42, 5, &r) == NULL && r == 8);
  CHECK(call_i32("div_s", 2, -42, 5, &r) == NULL && r == -8);
  CHECK(call_i32("load", 1, 65532, 0, &r) == NULL && r == 0);
}

static void test_stack_exhaustion(void) {
  for (int round = 0; round < 2; round++) {  // twice: the guard is in place again
    wasm_trap_t* trap = call_i32("recurse", 1, 0, 0, NULL);
    CHECK(trap_message_is(trap, "call stack exhausted"));
    if (!trap) return;
    wasm_frame_t* origin = wasm_trap_origin(trap);
    CHECK(frame_ok(origin, F_RECURSE));
    wasm_frame_delete(origin);
    wasm_frame_vec_t trace;
    wasm_trap_trace(trap, &trace);
    int all_recurse = trace.size > 100;
    for (size_t i = 0; i < trace.size && all_recurse; i++)
      all_recurse = wasm_frame_func_index(trace.data[i]) == F_RECURSE;
    CHECK(all_recurse);
    wasm_frame_vec_delete(&trace);
    wasm_trap_delete(trap);
    check_still_works();
  }

  // Runaway recursion through host calls: wasm -> host -> wasm -> ... The trap unwinds every
  // level (each host callback hands it on) and reaches the outermost call.
  int before = fail_calls;
  wasm_trap_t* trap = call_i32("via_host", 1, 1000, 0, NULL);
  CHECK(trap_message_is(trap, "call stack exhausted"));
  CHECK(fail_calls - before > 100);
  wasm_frame_t* origin = trap ? wasm_trap_origin(trap) : NULL;
  CHECK(frame_ok(origin, F_VIA_HOST));
  wasm_frame_delete(origin);
  wasm_trap_delete(trap);
  check_still_works();
}

static void test_backtrace(void) {
  // outer -> middle -> inner (x 7): every frame is on the stack, innermost first.
  wasm_trap_t* trap = call_i32("outer", 1, 3, 0, NULL);
  CHECK(trap_message_is(trap, "unreachable"));
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  CHECK(trace.size >= 2);
  if (trace.size >= 2) {
    CHECK(frame_ok(trace.data[0], F_INNER));  // the recursive function cannot be inlined away
    CHECK(frame_ok(trace.data[trace.size - 1], F_OUTER));
    size_t inner = 0, middle = 0;
    int known = 1;
    for (size_t i = 0; i < trace.size; i++) {
      uint32_t f = wasm_frame_func_index(trace.data[i]);
      if (f == F_INNER) inner++;
      else if (f == F_MIDDLE) middle++;
      else if (f != F_OUTER || i != trace.size - 1) known = 0;
      // The frames are ordered: all inner frames, then middle (unless inlined), then outer.
      if (i > 0 && f == F_INNER && wasm_frame_func_index(trace.data[i - 1]) != F_INNER) known = 0;
    }
    CHECK(known && inner >= 1 && middle <= 1);
    // The innermost frame is at the unreachable, every other one at a call: all the calls of
    // inner to itself at the same one.
    CHECK(frame_opcode(trace.data[0]) == OP_UNREACHABLE);
    for (size_t i = 1; i < trace.size; i++) CHECK(frame_opcode(trace.data[i]) == OP_CALL);
    if (inner >= 3) CHECK(wasm_frame_module_offset(trace.data[1]) == wasm_frame_module_offset(trace.data[2]));
  }

  // The origin is the first frame of the trace.
  wasm_frame_t* origin = wasm_trap_origin(trap);
  CHECK(origin != NULL && trace.size > 0 &&
        wasm_frame_func_index(origin) == wasm_frame_func_index(trace.data[0]) &&
        wasm_frame_module_offset(origin) == wasm_frame_module_offset(trace.data[0]));

  // Frame copies are independent objects with the same contents.
  wasm_frame_t* copy = wasm_frame_copy(origin);
  CHECK(copy != NULL && copy != origin && frame_ok(copy, F_INNER));
  CHECK(wasm_frame_module_offset(copy) == wasm_frame_module_offset(origin));
  CHECK(wasm_frame_instance(copy) != NULL && wasm_instance_same(wasm_frame_instance(copy), wasm_frame_instance(origin)));
  wasm_frame_delete(origin);
  CHECK(frame_ok(copy, F_INNER));  // still valid without the original

  // Frame vectors: copy (deep), new (takes ownership), new_empty, new_uninitialized.
  wasm_frame_vec_t trace_copy;
  wasm_frame_vec_copy(&trace_copy, &trace);
  CHECK(trace_copy.size == trace.size && (trace.size == 0 || trace_copy.data != trace.data));
  int same = 1;
  for (size_t i = 0; i < trace.size; i++)
    same = same && trace_copy.data[i] != trace.data[i] &&
           wasm_frame_func_index(trace_copy.data[i]) == wasm_frame_func_index(trace.data[i]);
  CHECK(same);
  wasm_frame_vec_delete(&trace);
  if (trace_copy.size > 0) CHECK(frame_ok(trace_copy.data[trace_copy.size - 1], F_OUTER));
  wasm_frame_vec_delete(&trace_copy);

  wasm_frame_t* frames[2] = {copy, wasm_frame_copy(copy)};
  wasm_frame_vec_t owned;
  wasm_frame_vec_new(&owned, 2, frames);
  CHECK(owned.size == 2 && owned.data[0] == copy && frame_ok(owned.data[1], F_INNER));
  wasm_frame_vec_delete(&owned);  // deletes both frames
  wasm_frame_vec_t empty;
  wasm_frame_vec_new_empty(&empty);
  CHECK(empty.size == 0);
  wasm_frame_vec_delete(&empty);
  wasm_frame_vec_t slots;
  wasm_frame_vec_new_uninitialized(&slots, 3);
  CHECK(slots.size == 3 && slots.data != NULL);
  slots.data[1] = wasm_trap_origin(trap);
  CHECK(frame_ok(slots.data[1], F_INNER));
  wasm_frame_vec_delete(&slots);
  wasm_trap_delete(trap);
  check_still_works();
}

static void test_host_traps(void) {
  // A trap a host function returns reaches the outer call with its message, and the wasm
  // frame that called the host.
  int before = fail_calls;
  wasm_trap_t* trap = call_i32("via_host", 1, 0, 0, NULL);
  CHECK(fail_calls == before + 1);
  CHECK(trap_message_is(trap, "boom"));
  wasm_message_t msg;
  wasm_trap_message(trap, &msg);
  CHECK(msg.size == 5 && msg.data[4] == 0);
  wasm_byte_vec_delete(&msg);
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  CHECK(trace.size == 1 && frame_ok(trace.data[0], F_VIA_HOST));
  wasm_frame_vec_delete(&trace);
  wasm_frame_t* origin = wasm_trap_origin(trap);
  CHECK(frame_ok(origin, F_VIA_HOST));
  wasm_frame_delete(origin);
  wasm_trap_delete(trap);
  check_still_works();

  trap = call_i32("via_host", 1, 1, 0, NULL);
  CHECK(trap_message_is(trap, "host says no"));  // the given NUL is not doubled
  wasm_trap_delete(trap);
  check_still_works();

  // A wasm trap the host got from a nested call and returned.
  trap = call_i32("via_host", 1, 2, 0, NULL);
  CHECK(trap_message_is(trap, "unreachable"));
  origin = wasm_trap_origin(trap);
  CHECK(origin != NULL);
  wasm_frame_delete(origin);
  wasm_trap_delete(trap);
  check_still_works();

  // Host trap messages keep their exact bytes, even when they are not UTF-8.
  trap = call_i32("via_host", 1, 3, 0, NULL);
  CHECK(trap_message_is(trap, "\xff\xfe!"));
  wasm_trap_delete(trap);
  trap = call_i32("via_host", 1, 3, 0, NULL);  // still a trap, whatever its message
  CHECK(trap != NULL);
  wasm_trap_delete(trap);
  check_still_works();

  // The host function called directly: the trap has no wasm frames.
  wasm_val_t a[1] = {WASM_I32_VAL(0)}, r[1] = {WASM_INIT_VAL};
  wasm_val_vec_t av = WASM_ARRAY_VEC(a), rv = WASM_ARRAY_VEC(r);
  trap = wasm_func_call(fail_fn, &av, &rv);
  CHECK(trap_message_is(trap, "boom"));
  CHECK(trap != NULL && wasm_trap_origin(trap) == NULL);
  wasm_trap_trace(trap, &trace);
  CHECK(trace.size == 0);
  wasm_frame_vec_delete(&trace);
  wasm_trap_delete(trap);
  a[0].of.i32 = 8;
  CHECK(wasm_func_call(fail_fn, &av, &rv) == NULL && r[0].of.i32 == 16);
}

// Frames of a second instance of the module.
static void test_second_instance(void) {
  wasm_extern_t* imports[1] = {wasm_func_as_extern(fail_fn)};
  wasm_extern_vec_t import_vec = WASM_ARRAY_VEC(imports);
  wasm_instance_t* second = wasm_instance_new(store, module, &import_vec, NULL);
  CHECK(second != NULL && !wasm_instance_same(second, instance));
  if (!second) return;
  wasm_extern_vec_t exports2;
  wasm_instance_exports(second, &exports2);
  const wasm_func_t* unreachable2 = wasm_extern_as_func(export_named(module, &exports2, "unreachable"));
  wasm_trap_t* trap = wasm_func_call(unreachable2, NULL, NULL);
  CHECK(trap_message_is(trap, "unreachable"));
  wasm_frame_t* origin = trap ? wasm_trap_origin(trap) : NULL;
  CHECK(origin != NULL && wasm_frame_func_index(origin) == F_UNREACHABLE);
  CHECK(origin != NULL && wasm_frame_instance(origin) != NULL);
  // The frame names the instance the call entered, not another instance of the same module.
  CHECK(origin != NULL && wasm_instance_same(wasm_frame_instance(origin), second));
  CHECK(origin != NULL && !wasm_instance_same(wasm_frame_instance(origin), instance));
  wasm_frame_delete(origin);
  wasm_trap_delete(trap);
  wasm_extern_vec_delete(&exports2);
  wasm_instance_delete(second);
  check_still_works();
}

static int finalized;
static void bump(void* p) { (*(int*)p)++; }

static void test_trap_objects(void) {
  // wasm_trap_new copies the message and adds the NUL if missing.
  wasm_message_t msg;
  wasm_name_new_from_string(&msg, "made by the host");
  wasm_trap_t* trap = wasm_trap_new(store, &msg);
  msg.data[0] = 'X';  // the trap has its own copy
  wasm_name_delete(&msg);
  CHECK(trap_message_is(trap, "made by the host"));
  CHECK(wasm_trap_origin(trap) == NULL);
  wasm_frame_vec_t trace;
  wasm_trap_trace(trap, &trace);
  CHECK(trace.size == 0);
  wasm_frame_vec_delete(&trace);
  wasm_message_t empty = WASM_EMPTY_VEC;
  wasm_trap_t* blank = wasm_trap_new(store, &empty);
  wasm_trap_message(blank, &msg);
  CHECK(msg.size == 1 && msg.data[0] == 0);
  wasm_byte_vec_delete(&msg);

  // Copies are the same trap and share host info; the finalizer runs with the last handle.
  wasm_trap_t* copy = wasm_trap_copy(trap);
  CHECK(copy != NULL && copy != trap && wasm_trap_same(copy, trap) && !wasm_trap_same(copy, blank));
  CHECK(trap_message_is(copy, "made by the host"));
  CHECK(wasm_trap_get_host_info(trap) == NULL);
  wasm_trap_set_host_info(trap, &engine);
  CHECK(wasm_trap_get_host_info(copy) == &engine);
  wasm_trap_set_host_info_with_finalizer(copy, &finalized, bump);
  CHECK(wasm_trap_get_host_info(trap) == &finalized && finalized == 0);

  // As a reference.
  wasm_ref_t* r = wasm_trap_as_ref(trap);
  CHECK(r != NULL && wasm_ref_as_trap(r) == trap && wasm_ref_as_foreign(r) == NULL);
  CHECK(wasm_ref_as_func(r) == NULL && wasm_ref_as_instance(r) == NULL);
  const wasm_ref_t* cr = wasm_trap_as_ref_const(trap);
  CHECK(cr == r && wasm_ref_as_trap_const(cr) == trap && wasm_ref_as_extern_const(cr) == NULL);
  CHECK(wasm_ref_as_trap(NULL) == NULL && wasm_ref_as_trap_const(NULL) == NULL);
  CHECK(wasm_ref_get_host_info(r) == &finalized);
  wasm_ref_t* r2 = wasm_ref_copy(r);
  CHECK(wasm_ref_same(r2, wasm_trap_as_ref(copy)) && !wasm_ref_same(r2, wasm_trap_as_ref(blank)));
  CHECK(wasm_ref_as_trap(r2) != NULL && trap_message_is(wasm_ref_as_trap(r2), "made by the host"));

  wasm_trap_delete(trap);
  wasm_trap_delete(copy);
  CHECK(finalized == 0);  // r2 still holds it
  wasm_ref_delete(r2);
  CHECK(finalized == 1);
  wasm_trap_delete(blank);
  CHECK(finalized == 1);

  // A wasm trap's host info, the same way.
  trap = wasm_func_call(export_func("unreachable"), NULL, NULL);
  wasm_trap_set_host_info_with_finalizer(trap, &finalized, bump);
  copy = wasm_trap_copy(trap);
  wasm_trap_delete(trap);
  CHECK(finalized == 1 && wasm_trap_get_host_info(copy) == &finalized);
  CHECK(trap_message_is(copy, "unreachable"));
  wasm_frame_t* origin = wasm_trap_origin(copy);
  CHECK(frame_ok(origin, F_UNREACHABLE));
  wasm_frame_delete(origin);
  wasm_trap_delete(copy);
  CHECK(finalized == 2);
  wasm_trap_delete(NULL);
  wasm_frame_delete(NULL);
}

// ---- forbidden arguments ---------------------------------------------------------------------

static void message_of_null(void) {
  wasm_message_t m;
  wasm_trap_message(NULL, &m);
}
static void new_without_message(void) { wasm_trap_new(store, NULL); }
static void origin_of_null(void) { wasm_trap_origin(NULL); }
static void frame_index_of_null(void) { wasm_frame_func_index(NULL); }

int main(void) {
  setup();
  test_spec_traps();
  test_stack_exhaustion();
  test_backtrace();
  test_host_traps();
  test_second_instance();
  test_trap_objects();

  CHECK(aborts_with(message_of_null, "wasmo: wasm_trap_message: argument `self` must not be NULL"));
  CHECK(aborts_with(new_without_message, "wasmo: wasm_trap_new: argument `message` must not be NULL"));
  CHECK(aborts_with(origin_of_null, "wasmo: wasm_trap_origin: argument `self` must not be NULL"));
  CHECK(aborts_with(frame_index_of_null, "wasmo: wasm_frame_func_index: argument `self` must not be NULL"));

  wasm_extern_vec_delete(&exports);
  wasm_instance_delete(instance);
  wasm_module_delete(module);
  wasm_func_delete(fail_fn);
  wasm_store_delete(store);
  wasm_engine_delete(engine);
  return test_finish("test_trap");
}
