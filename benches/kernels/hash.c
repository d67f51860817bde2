// Integer (i64): a 64-bit multiply-rotate-xor hash over a 64 KiB buffer that stays in L1/L2,
// hashed n times with the previous digest as seed. Four independent lanes per 32-byte block, as
// fast non-cryptographic hashes do, so the time is 64-bit multiplies, rotates and loads.
#define WORDS 8192
static unsigned long long buf[WORDS];

static unsigned long long rotl64(unsigned long long x, int r) { return x << r | x >> (64 - r); }
static unsigned long long lane(unsigned long long acc, unsigned long long w) {
  acc += w * 0xc2b2ae3d27d4eb4full;
  acc = rotl64(acc, 31);
  return acc * 0x9e3779b185ebca87ull;
}

int run(int n) {
  unsigned long long x = 0x123456789abcdefull;
  for (int i = 0; i < WORDS; i++) {  // splitmix-like fill
    x += 0x9e3779b97f4a7c15ull;
    unsigned long long z = (x ^ x >> 30) * 0xbf58476d1ce4e5b9ull;
    buf[i] = z ^ z >> 31;
  }
  unsigned long long seed = 0;
  for (int r = 0; r < n; r++) {
    unsigned long long v0 = seed + 1, v1 = seed ^ 0x27d4eb2f165667c5ull, v2 = seed * 3, v3 = ~seed;
    for (int i = 0; i < WORDS; i += 4) {
      v0 = lane(v0, buf[i]);
      v1 = lane(v1, buf[i + 1]);
      v2 = lane(v2, buf[i + 2]);
      v3 = lane(v3, buf[i + 3]);
    }
    unsigned long long h = rotl64(v0, 1) + rotl64(v1, 7) + rotl64(v2, 12) + rotl64(v3, 18);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    seed = h ^ h >> 29;
  }
  return (int)(unsigned)(seed ^ seed >> 32);
}
