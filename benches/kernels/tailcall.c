// A bytecode interpreter whose handlers dispatch to each other by tail calls (`musttail`): built
// for wasm with -mtail-call, every dispatch is a `return_call_indirect` through the handler
// table, so the run is one long chain of tail calls in constant stack (issue 15: what an engine
// pays per tail call). Natively (gcc 12 has no musttail) gcc -O2 compiles the same calls as
// sibling-call jumps.
typedef unsigned long long u64;

struct state;
typedef u64 (*handler)(const unsigned char* pc, u64 acc, u64 x, int n);
static const handler table[8];

#if defined(__clang__)
#define NEXT(step) __attribute__((musttail)) return table[pc[step]](pc + step, acc, x, n)
#else
#define NEXT(step) return table[pc[step]](pc + step, acc, x, n)
#endif

static u64 op_add(const unsigned char* pc, u64 acc, u64 x, int n) {
  acc += pc[1];
  NEXT(2);
}
static u64 op_mul(const unsigned char* pc, u64 acc, u64 x, int n) {
  acc *= pc[1] | 1;
  NEXT(2);
}
static u64 op_mix(const unsigned char* pc, u64 acc, u64 x, int n) {
  x ^= acc + (x << 6) + (x >> 2);
  NEXT(1);
}
static u64 op_rot(const unsigned char* pc, u64 acc, u64 x, int n) {
  acc = acc << 13 | acc >> 51;
  NEXT(1);
}
static u64 op_dec(const unsigned char* pc, u64 acc, u64 x, int n) {
  n--;
  NEXT(1);
}
// Jumps back by pc[1] while n > 0.
static u64 op_loop(const unsigned char* pc, u64 acc, u64 x, int n) {
  int step = n > 0 ? -(int)pc[1] : 2;
  NEXT(step);
}
static u64 op_halt(const unsigned char* pc, u64 acc, u64 x, int n) {
  (void)pc;
  (void)n;
  return acc ^ x;
}
static const handler table[8] = {op_add, op_mul, op_mix, op_rot, op_dec, op_loop, op_halt, op_halt};

// add 7; mix; mul 33; rot; add 3; mix; dec; loop back to the start; halt.
static const unsigned char program[] = {0, 7, 2, 1, 33, 3, 0, 3, 2, 4, 5, 12, 6};

int run(int n) {
  u64 r = table[program[0]](program, 0x9e3779b97f4a7c15ull, 1, n);
  return (int)(r ^ (r >> 32));
}
