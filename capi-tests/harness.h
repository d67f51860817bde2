// Minimal test harness for the C API tests: CHECK records failures without stopping, and
// test_finish() prints a summary and returns the exit status.
#ifndef WASMO_CAPI_HARNESS_H
#define WASMO_CAPI_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <signal.h>
#include <unistd.h>

#include "wasm.h"
#include "wasmo.h"

static int test_checks, test_failures;

#define CHECK(cond)                                                          \
  do {                                                                       \
    test_checks++;                                                           \
    if (!(cond)) {                                                           \
      test_failures++;                                                       \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                        \
  } while (0)

#define CHECK_STR(vec, str) \
  CHECK((vec)->size == strlen(str) && memcmp((vec)->data, (str), (vec)->size) == 0)

static inline int test_finish(const char* name) {
  printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
  return test_failures == 0 ? 0 : 1;
}

// Reads the file at `path` into a new byte vector; exits if it cannot.
static inline void read_bytes(const char* path, wasm_byte_vec_t* out);

// Reads WASM_DIR/<name>.wasm (compiled from data/<name>.wat) into a new byte vector.
static inline void load_wasm(const char* name, wasm_byte_vec_t* out) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.wasm", WASM_DIR, name);
  read_bytes(path, out);
}

// Reads TEXT_DIR/<name>.wat into a new byte vector: text for wasmo_module_new_text, for
// modules wabt's wat2wasm cannot assemble (Wasm 3.0's try_table).
static inline void load_text(const char* name, wasm_byte_vec_t* out) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.wat", TEXT_DIR, name);
  read_bytes(path, out);
}

static inline void read_bytes(const char* path, wasm_byte_vec_t* out) {
  FILE* f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  wasm_byte_vec_new_uninitialized(out, (size_t)size);
  if (fread(out->data, 1, (size_t)size, f) != (size_t)size) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
}

// The export called `name` among `exports` (what wasm_instance_exports gave for an instance of
// `module`, in the module's export order). Exits if the module has no such export.
static inline wasm_extern_t* export_named(const wasm_module_t* module,
                                          const wasm_extern_vec_t* exports, const char* name) {
  wasm_exporttype_vec_t types;
  wasm_module_exports(module, &types);
  size_t found = types.size;
  for (size_t i = 0; i < types.size && found == types.size; i++) {
    const wasm_name_t* n = wasm_exporttype_name(types.data[i]);
    if (n->size == strlen(name) && memcmp(n->data, name, n->size) == 0) found = i;
  }
  wasm_exporttype_vec_delete(&types);
  if (found >= exports->size) {
    fprintf(stderr, "no export \"%s\"\n", name);
    exit(2);
  }
  return exports->data[found];
}

// Whether `trap` is non-NULL and its message is exactly `expected`, NUL-terminated with the NUL
// counted in the size (wasm_message_t). Prints what it got otherwise.
static inline int trap_message_is(const wasm_trap_t* trap, const char* expected) {
  if (trap == NULL) {
    fprintf(stderr, "no trap where \"%s\" was expected\n", expected);
    return 0;
  }
  wasm_message_t msg;
  wasm_trap_message(trap, &msg);
  int ok = msg.size == strlen(expected) + 1 && memcmp(msg.data, expected, msg.size) == 0;
  if (!ok) fprintf(stderr, "trap message \"%.*s\" (size %zu), expected \"%s\"\n", (int)msg.size, msg.data, msg.size, expected);
  wasm_byte_vec_delete(&msg);
  return ok;
}

// Whether `trap` is non-NULL and its NUL-terminated message contains `part`.
static inline int trap_message_has(const wasm_trap_t* trap, const char* part) {
  if (trap == NULL) {
    fprintf(stderr, "no trap where one with \"%s\" was expected\n", part);
    return 0;
  }
  wasm_message_t msg;
  wasm_trap_message(trap, &msg);
  int ok = msg.size > 0 && msg.data[msg.size - 1] == 0 && strstr(msg.data, part) != NULL;
  if (!ok) fprintf(stderr, "trap message \"%.*s\" lacks \"%s\"\n", (int)msg.size, msg.data, part);
  wasm_byte_vec_delete(&msg);
  return ok;
}

// Runs `fn` in a child process and reports whether it aborted (SIGABRT) with `expected` in its
// stderr: how the tests check that forbidden arguments are caught loudly.
static inline int aborts_with(void (*fn)(void), const char* expected) {
  int fds[2];
  if (pipe(fds) != 0) return 0;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    fn();
    _exit(0);  // did not abort
  }
  close(fds[1]);
  char buf[4096];
  size_t len = 0;
  ssize_t n;
  while ((n = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0) len += (size_t)n;
  buf[len] = 0;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  int ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && strstr(buf, expected) != NULL;
  if (!ok) fprintf(stderr, "child did not abort with \"%s\"; stderr was: %s\n", expected, buf);
  return ok;
}

#endif
