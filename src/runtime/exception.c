// Wasm exceptions (exception handling, Wasm 3.0) on the platform's zero-cost unwinder: `throw`
// allocates an exception object and raises it with `_Unwind_RaiseException`; compiled code
// catches it in landing pads (LLVM `invoke`/`landingpad` with a catch-all clause under
// libstdc++'s personality, which catches foreign exceptions only with catch-all clauses) and
// picks its handler by comparing tags itself. The search for a handler ends at the first frame
// without unwind tables: the host-to-wasm trampolines have none, so an exception never unwinds a
// host frame; `_Unwind_RaiseException` then returns, and the compiled code raises the
// "uncaught exception" trap. Traps do not unwind (they `siglongjmp`), so wasm never catches one.
// Layout: docs/DESIGN.md "Exceptions" and `vm::exception`.

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unwind.h>

typedef struct wasmo_exception {
  struct _Unwind_Exception header;  // 0: 32 bytes, 16-aligned
  const void* tag;                  // 32: the tag's identity (its VMTag's address)
  uint32_t count;                   // 40: payload values
  uint32_t kept;                    // 44: an exnref to it exists: its store frees it
  unsigned __int128 values[];       // 48: the payload, one 16-byte slot per value
} wasmo_exception;

_Static_assert(sizeof(struct _Unwind_Exception) == 32, "unwind header");
_Static_assert(__builtin_offsetof(wasmo_exception, tag) == 32, "tag offset");
_Static_assert(__builtin_offsetof(wasmo_exception, kept) == 44, "kept offset");
_Static_assert(__builtin_offsetof(wasmo_exception, values) == 48, "values offset");

// "WASMOEXC" as the unwinder's exception class: foreign to every language runtime.
static const uint64_t WASMO_CLASS = 0x5741534d4f455843ull;

static void cleanup(_Unwind_Reason_Code reason, struct _Unwind_Exception* header) {
  (void)reason;
  wasmo_exception* e = (wasmo_exception*)header;
  if (!e->kept) free(e);
}

// Raises `e`. Returns only when no frame up to the innermost host entry handles it; the compiled
// code then raises the "uncaught exception" trap.
static void raise(wasmo_exception* e) {
  memset(&e->header, 0, sizeof e->header);
  e->header.exception_class = WASMO_CLASS;
  e->header.exception_cleanup = cleanup;
  _Unwind_RaiseException(&e->header);
  if (!e->kept) free(e);
}

// `throw`: a new exception of `tag` with `count` payload values copied from `values`.
__attribute__((noinline)) void wasmo_builtin_throw(const void* tag, const unsigned __int128* values,
                                                     uint32_t count) {
  wasmo_exception* e = aligned_alloc(16, sizeof(wasmo_exception) + (size_t)count * 16);
  if (!e) return;
  e->tag = tag;
  e->count = count;
  e->kept = 0;
  if (count) memcpy(e->values, values, (size_t)count * 16);
  raise(e);
}

// `throw_ref`, and a landing pad none of whose clauses matched: raises `e` again, searching
// from the current frame outwards.
__attribute__((noinline)) void wasmo_builtin_rethrow(wasmo_exception* e) { raise(e); }

// A handler without `_ref` took the payload: the exception is done unless an exnref holds it.
void wasmo_builtin_exception_done(wasmo_exception* e) {
  if (!e->kept) free(e);
}

// An exnref to `e` is about to exist: returns 1 the first time, when its store must take it.
int wasmo_exception_keep(wasmo_exception* e) {
  if (e->kept) return 0;
  e->kept = 1;
  return 1;
}

void wasmo_exception_free(wasmo_exception* e) { free(e); }

// The personality of the LLVM-made host-to-wasm trampolines: the search for a handler ends at
// them (a wasm exception never unwinds a host frame), and `_Unwind_RaiseException` returns to
// the throw, which raises "uncaught exception" with the wasm frames still on the stack for the
// trap's backtrace.
_Unwind_Reason_Code wasmo_entry_personality(int version, _Unwind_Action actions, uint64_t exception_class,
                                            struct _Unwind_Exception* header, struct _Unwind_Context* context) {
  (void)version;
  (void)exception_class;
  (void)header;
  (void)context;
  if (actions & _UA_SEARCH_PHASE) return _URC_FATAL_PHASE1_ERROR;
  return _URC_CONTINUE_UNWIND;
}
