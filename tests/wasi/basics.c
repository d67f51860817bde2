// WASI basics through wasi-libc: arguments, environment, clocks, randomness, the standard
// streams and the exit status. tests/wasi.rs runs it and checks what it prints.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

// Not declared by every wasi-libc: declared here from the preview 1 witx.
__attribute__((import_module("wasi_snapshot_preview1"), import_name("proc_raise"))) uint16_t
raw_proc_raise(uint8_t sig);

int main(int argc, char **argv) {
  printf("argc %d\n", argc);
  for (int i = 1; i < argc; i++) printf("arg %s\n", argv[i]);
  const char *v = getenv("GREETING");
  printf("GREETING %s\n", v ? v : "(unset)");
  printf("MISSING %s\n", getenv("MISSING") ? "set" : "(unset)");

  struct timespec a, b, res;
  clock_gettime(CLOCK_MONOTONIC, &a);
  struct timespec nap = {0, 20 * 1000 * 1000};
  nanosleep(&nap, NULL); // poll_oneoff with a relative clock subscription
  clock_gettime(CLOCK_MONOTONIC, &b);
  long long slept = (b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec);
  printf("slept at least 20ms: %s\n", slept >= 20000000LL ? "yes" : "no");
  clock_getres(CLOCK_REALTIME, &res);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  printf("realtime after 2020: %s\n", now.tv_sec > 1577836800 ? "yes" : "no");
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  printf("process clock ok\n");
  __wasi_timestamp_t t;
  printf("bad clock: %d\n", __wasi_clock_time_get(99, 0, &t) == __WASI_ERRNO_INVAL);

  unsigned char r1[32] = {0}, r2[32] = {0};
  getentropy(r1, sizeof r1);
  getentropy(r2, sizeof r2);
  printf("random differs: %s\n", memcmp(r1, r2, sizeof r1) ? "yes" : "no");

  char line[128];
  if (fgets(line, sizeof line, stdin)) printf("stdin: %s", line);
  else printf("stdin: EOF\n");

  fprintf(stderr, "to stderr\n");
  // A descriptor that is not open.
  __wasi_ciovec_t iov = {(const uint8_t *)"x", 1};
  __wasi_size_t n;
  printf("write to fd 77: %d\n", __wasi_fd_write(77, &iov, 1, &n) == __WASI_ERRNO_BADF);
  printf("prestat of stdout: %d\n", ({
           __wasi_prestat_t p;
           __wasi_fd_prestat_get(1, &p) == __WASI_ERRNO_BADF;
         }));
  printf("sock_accept on stdin: %d\n", ({
           __wasi_fd_t fd;
           __wasi_sock_accept(0, 0, &fd) == __WASI_ERRNO_NOTSOCK;
         }));
  printf("proc_raise: %d\n", raw_proc_raise(15) == __WASI_ERRNO_NOSYS);
  printf("sched_yield: %d\n", __wasi_sched_yield() == 0);
  fflush(stdout);
  return argc > 1 ? atoi(argv[1]) : 0;
}
