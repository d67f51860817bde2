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

typedef struct wasmo_exception wasmo_exception;
struct wasmo_exception {
  struct _Unwind_Exception header;  // 0: 32 bytes, 16-aligned
  const void* tag;                  // 32: the tag's identity (its VMTag's address)
  uint32_t count;                   // 40: payload values
  uint32_t refs;                    // 44: owners (below); bit 31: an exnref exists (KEPT), 30: PINNED
  wasmo_exception* newer;           // 48: the thread's live list (below)
  wasmo_exception* older;           // 56
  uint64_t serial;                  // 64: the thread's allocation count when it was made
  uint64_t pad;
  unsigned __int128 values[];       // 80: the payload, one 16-byte slot per value
};

_Static_assert(sizeof(struct _Unwind_Exception) == 32, "unwind header");
_Static_assert(__builtin_offsetof(wasmo_exception, tag) == 32, "tag offset");
_Static_assert(__builtin_offsetof(wasmo_exception, refs) == 44, "refs offset");
_Static_assert(__builtin_offsetof(wasmo_exception, values) == 80, "values offset");

// The thread's exceptions no exnref holds, newest first. A trap abandons every wasm frame since
// its catch point (`wasmo_catch`), and with them whatever share of an exception those frames
// had: no exception made since then can be owned by an older frame (exceptions never unwind a
// host frame), so the catch point frees all of them (`wasmo_exceptions_abandon`).
static __thread wasmo_exception* live;
static __thread uint64_t made;

static void link_live(wasmo_exception* e) {
  e->serial = ++made;
  e->newer = NULL;
  e->older = live;
  if (live) live->newer = e;
  live = e;
}

static void unlink_live(wasmo_exception* e) {
  if (e->newer) e->newer->older = e->older;
  else live = e->older;
  if (e->older) e->older->newer = e->newer;
}

uint64_t wasmo_exceptions_mark(void) { return made; }

// Frees the thread's live exceptions made after `mark`; returns how many.
uint64_t wasmo_exceptions_abandon(uint64_t mark) {
  uint64_t n = 0;
  while (live && live->serial > mark) {
    wasmo_exception* e = live;
    unlink_live(e);
    free(e);
    n++;
  }
  return n;
}

// Exceptions still live when a call into wasm returned normally, freed then: each is a share
// the compiled code failed to let go of (tests check this stays 0).
static __thread uint64_t leaked;

void wasmo_exceptions_returned(uint64_t mark) { leaked += wasmo_exceptions_abandon(mark); }

uint64_t wasmo_exceptions_leaked(void) { return leaked; }

// "WASMOEXC" as the unwinder's exception class: foreign to every language runtime.
static const uint64_t WASMO_CLASS = 0x5741534d4f455843ull;

// An exception's owners: the unwinder while it is in flight (a landing pad that catches it takes
// that share), and each legacy `catch` clause running with it, which `rethrow` needs. The last
// owner to let go frees it, unless an exnref to it exists (KEPT): exnrefs are not counted (they
// can be stored anywhere), so such an exception belongs to its store from then on, which frees
// it in a sweep once nothing reaches it, or when the store goes.
#define KEPT 0x80000000u
// A kept exception whose handle the host was given (`api::Val::ExnRef`): the store's sweeps
// never free it, since the host may hold it anywhere; the store does when it goes.
#define PINNED 0x40000000u

static void release(wasmo_exception* e) {
  if (e->refs & KEPT) return;
  if (--e->refs == 0) {
    unlink_live(e);
    free(e);
  }
}

static void cleanup(_Unwind_Reason_Code reason, struct _Unwind_Exception* header) {
  (void)reason;
  release((wasmo_exception*)header);
}

// A copy of the last exception no handler caught on this thread, for the trap that follows
// (`wasmo_exception_take_uncaught`): the trap's catch point frees the exception itself.
static __thread wasmo_exception* uncaught;

static void note_uncaught(const wasmo_exception* e) {
  size_t size = sizeof *e + (size_t)e->count * 16;
  wasmo_exception* copy = aligned_alloc(16, size);
  if (copy) memcpy(copy, e, size);
  free(uncaught);
  uncaught = copy;
}

// The copy of the exception of the last "uncaught exception" trap, or NULL; the caller frees it
// (`wasmo_exception_free`). Its tag and payload are at the offsets above.
wasmo_exception* wasmo_exception_take_uncaught(void) {
  wasmo_exception* e = uncaught;
  uncaught = NULL;
  return e;
}

// Raises `e`. Returns only when no frame up to the innermost host entry handles it; the compiled
// code then raises the "uncaught exception" trap.
static void raise(wasmo_exception* e) {
  memset(&e->header, 0, sizeof e->header);
  e->header.exception_class = WASMO_CLASS;
  e->header.exception_cleanup = cleanup;
  _Unwind_RaiseException(&e->header);
  note_uncaught(e);
  release(e);
}

// A new exception of `tag` with `count` payload values copied from `values`, owned by the
// caller (NULL when out of memory).
wasmo_exception* wasmo_exception_alloc(const void* tag, const unsigned __int128* values, uint32_t count) {
  wasmo_exception* e = aligned_alloc(16, sizeof(wasmo_exception) + (size_t)count * 16);
  if (!e) return NULL;
  e->tag = tag;
  e->count = count;
  e->refs = 1;
  link_live(e);
  if (count) memcpy(e->values, values, (size_t)count * 16);
  return e;
}

// `throw`: raises a new exception of `tag` with `count` payload values copied from `values`.
__attribute__((noinline, force_align_arg_pointer)) void wasmo_builtin_throw(const void* tag, const unsigned __int128* values,
                                                     uint32_t count) {
  wasmo_exception* e = wasmo_exception_alloc(tag, values, count);
  if (e) raise(e);
}

// An exception a host function throws into wasm (`Trap` with an exception), raised by
// `wasmo_builtin_raise_pending` from the host stub once the host function has returned.
static __thread wasmo_exception* pending;

void wasmo_exception_set_pending(wasmo_exception* e) { pending = e; }

wasmo_exception* wasmo_exception_take_pending(void) {
  wasmo_exception* e = pending;
  pending = NULL;
  return e;
}

// `throw_ref`, a landing pad passing an exception on, and legacy `rethrow` (after
// `exception_retain`): raises `e` again, searching from the current frame outwards. The caller's
// share of `e` goes with it.
__attribute__((noinline, force_align_arg_pointer)) void wasmo_builtin_rethrow(wasmo_exception* e) { raise(e); }

// An owner lets go of `e`: a handler without `_ref` took the payload, or a legacy `catch` clause
// ended.
__attribute__((force_align_arg_pointer)) void wasmo_builtin_exception_done(wasmo_exception* e) { release(e); }

// Legacy `rethrow`: the clause keeps its share, and the raise gets one of its own.
__attribute__((force_align_arg_pointer)) void wasmo_builtin_exception_retain(wasmo_exception* e) {
  if (!(e->refs & KEPT)) e->refs++;
}

// An exnref to `e` is about to exist: returns 1 the first time, when its store must take it.
int wasmo_exception_keep(wasmo_exception* e) {
  if (e->refs & KEPT) return 0;
  e->refs |= KEPT;
  unlink_live(e);
  return 1;
}

void wasmo_exception_free(wasmo_exception* e) { free(e); }

// A sweep's view of a kept exception (`Store::sweep_exceptions`): whether the host holds it,
// its tag, and its payload, whose exnref slots may reach other kept exceptions.
void wasmo_exception_pin(wasmo_exception* e) { e->refs |= PINNED; }
int wasmo_exception_pinned(const wasmo_exception* e) { return (e->refs & PINNED) != 0; }
const void* wasmo_exception_tag(const wasmo_exception* e) { return e->tag; }
const unsigned __int128* wasmo_exception_payload(const wasmo_exception* e, uint32_t* count) {
  *count = e->count;
  return e->values;
}

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
