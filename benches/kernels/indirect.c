// Indirect-call heavy: a table of small functions called through pointers.
typedef unsigned (*op_t)(unsigned, unsigned);
__attribute__((noinline)) static unsigned add(unsigned a, unsigned b) { return a + b; }
__attribute__((noinline)) static unsigned mix(unsigned a, unsigned b) { return (a ^ b) * 16777619u; }
__attribute__((noinline)) static unsigned rot(unsigned a, unsigned b) { return (a << 5 | a >> 27) + b; }
__attribute__((noinline)) static unsigned sub(unsigned a, unsigned b) { return a - b * 3; }
static op_t ops[4] = {add, mix, rot, sub};
int run(int n) {
  unsigned h = 2166136261u;
  for (int i = 0; i < n; i++) h = ops[(h >> 7) & 3](h, (unsigned)i);
  return (int)h;
}
