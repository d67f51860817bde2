// Call-heavy without recursion: a loop that calls a dozen small functions of different shapes
// (one to six parameters, i32 and i64, a pointer to a struct in memory), two levels deep. Every
// function is kept out of line (noinline for clang; noipa for gcc, which would otherwise clone
// and specialise them), so the time is dominated by call and return sequences, argument passing
// and prologues: what an engine pays per direct call (stack checks, vmctx passing).
#if defined(__clang__)
#define LEAF __attribute__((noinline))
#else
#define LEAF __attribute__((noipa))
#endif

struct acc {
  unsigned lo, hi;
  unsigned long long wide;
  int count;
};

LEAF unsigned rotl(unsigned x, int r) { return x << (r & 31) | x >> (-r & 31); }
LEAF unsigned mix2(unsigned a, unsigned b) { return (a ^ b) * 0x9e3779b1u; }
LEAF unsigned mix3(unsigned a, unsigned b, unsigned c) { return a + rotl(b, 7) - (c ^ 0x5bd1e995u); }
LEAF unsigned pick(unsigned a, unsigned b, unsigned c, unsigned d, unsigned e, unsigned f) {
  return (a & 1 ? b : c) + (d < e ? e - d : f);
}
LEAF unsigned long long widen(unsigned a, unsigned long long b) { return (b << 3 | b >> 61) + a; }
LEAF unsigned fold(unsigned long long x) { return (unsigned)x ^ (unsigned)(x >> 32); }
LEAF int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
LEAF void add_lo(struct acc* s, unsigned v) { s->lo += v; s->count++; }
LEAF void add_hi(struct acc* s, unsigned v) { s->hi ^= rotl(v, s->count); }
LEAF void add_wide(struct acc* s, unsigned long long v) { s->wide = widen(s->lo, s->wide ^ v); }

// Second level: each of these calls several leaves.
LEAF unsigned stage1(struct acc* s, unsigned x, int i) {
  unsigned y = mix2(x, (unsigned)i);
  add_lo(s, y);
  return mix3(y, x, (unsigned)clampi(i & 1023, 100, 900));
}
LEAF unsigned stage2(struct acc* s, unsigned x, int i) {
  unsigned y = pick(x, x >> 3, x << 2, (unsigned)i & 255, x & 255, 17u);
  add_hi(s, y);
  add_wide(s, (unsigned long long)y << 16);
  return y ^ fold(s->wide);
}

int run(int n) {
  struct acc s = {1, 2, 3, 0};
  unsigned x = 2166136261u;
  for (int i = 0; i < n; i++) {
    x = stage1(&s, x, i);
    x = stage2(&s, x, i);
  }
  return (int)(x ^ s.lo ^ s.hi ^ fold(s.wide) ^ (unsigned)s.count);
}
