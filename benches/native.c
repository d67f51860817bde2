// Native baseline: the same kernel compiled by gcc -O2, timed like the drivers time a wasm export:
// one first call on its own, then the best of REPEAT further calls, each of which must return
// what the first did.
//
//   KERNEL-native N REPEAT   ->  call1=MS run=MS result=R
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
int run(int n);
static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s N REPEAT\n", argv[0]);
    return 2;
  }
  int n = atoi(argv[1]), repeat = atoi(argv[2]);
  double s = now_ms();
  int first = run(n);
  double call1 = now_ms() - s, best = 1e300;
  for (int r = 0; r < repeat; r++) {
    s = now_ms();
    int result = run(n);
    double e = now_ms();
    if (result != first) {
      fprintf(stderr, "call %d returned %d, the first call %d\n", r + 2, result, first);
      return 1;
    }
    if (e - s < best) best = e - s;
  }
  printf("call1=%.3f run=%.3f result=%d\n", call1, repeat > 0 ? best : call1, first);
  return 0;
}
