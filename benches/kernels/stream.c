// Memory-bound: STREAM-style passes over three arrays of 2^25 u32 (128 MiB each, 384 MiB in all,
// more than the last-level cache of the machines this suite runs on): a scale, a triad and a
// reduction per round. Almost no arithmetic per byte, so the time is memory bandwidth plus how
// tight each engine's load/store loops are (wasm engines: bounds checks elided by guard pages).
#define LEN (1u << 25)
static unsigned a[LEN], b[LEN], c[LEN];

int run(int n) {
  for (unsigned i = 0; i < LEN; i++) {
    unsigned x = (i ^ i >> 16) * 0x85ebca6bu;  // hashed, so the sums below carry no pattern
    x = (x ^ x >> 13) * 0xc2b2ae35u;
    b[i] = x ^ x >> 16;
    c[i] = i ^ (i >> 3);
  }
  unsigned sum = 0, sum2 = 0;  // a Fletcher-style pair, so the checksum depends on positions
  for (int round = 0; round < n; round++) {
    unsigned k = (unsigned)round * 2u + 3u;
    for (unsigned i = 0; i < LEN; i++) a[i] = b[i] * k;           // scale: read 1, write 1
    for (unsigned i = 0; i < LEN; i++) c[i] = a[i] + k * b[i];    // triad: read 2, write 1
    for (unsigned i = 0; i < LEN; i++) sum += c[i], sum2 += sum;  // reduction: read 1
  }
  return (int)(sum ^ sum2);
}
