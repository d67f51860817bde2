// Wasmo's trap catch point and signal handler. sigsetjmp/siglongjmp cannot be used soundly from
// Rust, so the few lines that need them live here (see DESIGN.md, "Traps").
//
// The handler runs on the thread's alternate signal stack if it has one (SA_ONSTACK) and on the
// thread's stack otherwise: wasm code never exhausts the native stack (every prologue checks the
// stack limit, which keeps a reserve), so a wasm fault always has stack to be handled on.
//
// wasmo_catch(body, data, fault_code, host_code) runs body(data) and returns 0, or 1 if a trap
// unwound to it; the two codes are what a fault in wasm code and a parked host trap report (the
// codes are vm::TrapCode's, so none is written here). A trap is raised by wasmo_raise (from builtins) or by the SIGSEGV/SIGBUS handler when wasm code touches a
// guard page; the innermost catch on the thread receives it. While a host function runs, the
// thread's catch chain is suspended (wasmo_enter_host), so the host's own faults are not taken
// for wasm traps and reach the previously installed handler.
#define _GNU_SOURCE
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <ucontext.h>


typedef struct wasmo_catch_frame {
  sigjmp_buf buf;
  struct wasmo_catch_frame* prev;
  // The trap codes (vm::TrapCode, given by the Rust side) this catch point reports for a fault
  // in wasm code and for a trap a host function parked.
  uint32_t fault_code, host_code;
} wasmo_catch_frame;

static __thread wasmo_catch_frame* current;
static __thread uint32_t trap_code;
// The trap's native backtrace, captured before unwinding (the frames die with the unwind): the
// faulting pc (if any), then the return address of each frame-pointer-linked frame up to the
// catch point. The Rust side keeps the addresses that lie in wasm code.
#define WASMO_TRACE_MAX 256
static __thread uintptr_t trap_trace[WASMO_TRACE_MAX];
static __thread int trap_trace_len;

static struct sigaction previous_segv, previous_bus;
static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;


static void chain(int sig, siginfo_t* info, void* uctx) {
  struct sigaction* prev = sig == SIGSEGV ? &previous_segv : &previous_bus;
  if (prev->sa_flags & SA_SIGINFO) {
    prev->sa_sigaction(sig, info, uctx);
  } else if (prev->sa_handler == SIG_DFL) {
    // Restore the default action; returning re-executes the faulting instruction.
    sigaction(sig, prev, NULL);
  } else if (prev->sa_handler != SIG_IGN) {
    prev->sa_handler(sig);
  }
}

static void capture(uintptr_t pc, uintptr_t fp) {
  int n = 0;
  if (pc) trap_trace[n++] = pc;
  // Frames between here and the catch point lie below the catch frame; stop at anything else
  // (frames without frame pointers break the chain).
  uintptr_t limit = (uintptr_t)current;
  while (fp && (fp & 7) == 0 && fp < limit && n < WASMO_TRACE_MAX) {
    uintptr_t next = ((uintptr_t*)fp)[0];
    trap_trace[n++] = ((uintptr_t*)fp)[1];
    if (next <= fp) break;
    fp = next;
  }
  trap_trace_len = n;
}

static void handler(int sig, siginfo_t* info, void* uctx) {
  if (!current) {
    chain(sig, info, uctx);
    return;
  }
  ucontext_t* uc = (ucontext_t*)uctx;
#if defined(__x86_64__)
  capture((uintptr_t)uc->uc_mcontext.gregs[REG_RIP], (uintptr_t)uc->uc_mcontext.gregs[REG_RBP]);
#else
  (void)uc;
  trap_trace_len = 0;
#endif
  trap_code = current->fault_code;
  siglongjmp(current->buf, 1);
}

static void install_handlers(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = handler;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, &previous_segv);
  sigaction(SIGBUS, &sa, &previous_bus);
}

uint64_t wasmo_exceptions_mark(void);
uint64_t wasmo_exceptions_abandon(uint64_t mark);
void wasmo_exceptions_returned(uint64_t mark);

int wasmo_catch(void (*body)(void*), void* data, uint32_t fault_code, uint32_t host_code) {
  pthread_once(&handlers_once, install_handlers);
  uint64_t exceptions = wasmo_exceptions_mark();
  wasmo_catch_frame frame;
  frame.prev = current;
  frame.fault_code = fault_code;
  frame.host_code = host_code;
  if (sigsetjmp(frame.buf, 0) == 0) {
    current = &frame;
    body(data);
    current = frame.prev;
    // No exception outlives the call that made it but those exnrefs hold (the store's).
    wasmo_exceptions_returned(exceptions);
    return 0;
  }
  current = frame.prev;
  // The trap abandoned the frames that owned the exceptions made since.
  wasmo_exceptions_abandon(exceptions);
  return 1;
}

void wasmo_raise(uint32_t code, uintptr_t pc, uintptr_t fp) {
  trap_code = code;
  capture(pc, fp);
  siglongjmp(current->buf, 1);
}

// Called by compiled code for explicit traps; its frame starts the backtrace. Wasm code keeps
// only 8-byte stack alignment (codegen/stack_align.rs), so the builtins it calls from C realign.
__attribute__((noinline, force_align_arg_pointer)) void wasmo_builtin_trap(uint32_t code) {
  wasmo_raise(code, 0, (uintptr_t)__builtin_frame_address(0));
}

// The table index the next trap's message names ("uninitialized element 2"), or -1.
static __thread int64_t trap_index = -1;
__attribute__((force_align_arg_pointer)) void wasmo_builtin_record_trap_index(void* vmctx,
                                                                             uint32_t index) {
  (void)vmctx;
  trap_index = index;
}
int64_t wasmo_trap_index_take(void) {
  int64_t index = trap_index;
  trap_index = -1;
  return index;
}

void* wasmo_exception_take_pending(void);

// TrapCode::UncaughtException (a unit test in trap.rs checks it).
const uint32_t wasmo_trap_uncaught_exception = 14;
void wasmo_builtin_rethrow(void* exception);

// Called by host stubs after a host function returned a trap (parked on the Rust side). One
// that carries an exception is raised into wasm from here, after the host function returned
// (so no host frame is unwound); only if no handler takes it does the trap follow.
__attribute__((noinline, force_align_arg_pointer)) void wasmo_builtin_raise_pending(void) {
  void* exception = wasmo_exception_take_pending();
  uint32_t code = current->host_code;
  if (exception) {
    wasmo_builtin_rethrow(exception);
    code = wasmo_trap_uncaught_exception;
  }
  wasmo_raise(code, 0, (uintptr_t)__builtin_frame_address(0));
}

void* wasmo_enter_host(void) {
  void* saved = current;
  current = NULL;
  return saved;
}

void wasmo_leave_host(void* saved) { current = (wasmo_catch_frame*)saved; }

uint32_t wasmo_trap_code(void) { return trap_code; }
const uintptr_t* wasmo_trap_trace(int* len) {
  *len = trap_trace_len;
  return trap_trace;
}

// This thread's stack: its lowest address (0 if unknown) and its size, found once per thread.
static __thread uintptr_t stack_low, stack_size;
static void find_stack(void) {
  if (stack_low) return;
  pthread_attr_t attr;
  void* addr;
  size_t size;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
    stack_low = (uintptr_t)addr;
    stack_size = size;
  }
  pthread_attr_destroy(&attr);
}
uintptr_t wasmo_stack_low(void) {
  find_stack();
  return stack_low;
}
uintptr_t wasmo_stack_size(void) {
  find_stack();
  return stack_size;
}
