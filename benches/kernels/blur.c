// SIMD-friendly image filter: n passes of a separable 3x3 binomial blur ([1 2 1] x [1 2 1] / 16,
// rounded) over a 512x512 8-bit greyscale image, ping-ponging between two buffers; the border
// pixels stay as initialised. Plain C whose inner loops are contiguous, branch-free 8- and 16-bit
// arithmetic, so clang -O2 -msimd128 vectorises them to v128 operations (u8 -> u16 widening,
// adds, shifts, narrowing) while the scalar build does the same work one pixel at a time. All
// arithmetic is exact integer arithmetic, so every build returns the same checksum.
#define W 512
#define H 512
static unsigned char img[2][H][W];
static unsigned short rows[3][W];  // horizontal sums of three consecutive source rows

// Horizontal pass over one row: out[x] = l[x] + 2 m[x] + r[x] (at most 1020), called with l, m, r
// pointing one pixel apart. Taking three pointers in a function that is not inlined keeps clang
// from turning the neighbouring loads into a loop-carried recurrence, which its vectoriser
// cannot handle; as three independent streams the loop vectorises.
__attribute__((noinline)) static void hsum(unsigned short* restrict out, const unsigned char* l,
                                           const unsigned char* m, const unsigned char* r, int n) {
  for (int x = 0; x < n; x++) out[x] = (unsigned short)(l[x] + 2 * m[x] + r[x]);
}

// Vertical pass: d[x] = (a[x] + 2 b[x] + c[x] + 8) / 16 + k, wrapping modulo 256. The per-pass
// offset k keeps the image from settling into a fixed point (plain repeated blurring of 8-bit
// pixels stops changing after ~80 passes), so the checksum depends on every pass.
static void vsum(unsigned char* restrict d, const unsigned short* restrict a, const unsigned short* restrict b,
                 const unsigned short* restrict c, unsigned char k) {
  for (int x = 1; x < W - 1; x++) d[x] = (unsigned char)(((unsigned short)(a[x] + 2 * b[x] + c[x] + 8) >> 4) + k);
}

static void blur(unsigned char (*restrict dst)[W], unsigned char (*restrict src)[W], unsigned char k) {
  hsum(rows[0] + 1, src[0], src[0] + 1, src[0] + 2, W - 2);
  hsum(rows[1] + 1, src[1], src[1] + 1, src[1] + 2, W - 2);
  for (int y = 1; y < H - 1; y++) {
    // rows[(y-1)%3], rows[y%3] hold rows y-1 and y; compute row y+1 into the third slot.
    unsigned short* above = rows[(y - 1) % 3];
    unsigned short* mid = rows[y % 3];
    unsigned short* below = rows[(y + 1) % 3];
    hsum(below + 1, src[y + 1], src[y + 1] + 1, src[y + 1] + 2, W - 2);
    vsum(dst[y], above, mid, below, k);
  }
}

int run(int n) {
  // A deterministic, textured test image (the same in both buffers, so the borders agree).
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++) {
      unsigned v = ((unsigned)x * 37u + (unsigned)y * 91u) ^ ((unsigned)x * (unsigned)y >> 3);
      img[0][y][x] = img[1][y][x] = (unsigned char)v;
    }
  for (int pass = 0; pass < n; pass++) blur(img[(pass + 1) & 1], img[pass & 1], (unsigned char)(pass * 7 + 3));
  // Checksum: per-row sums (vectorisable) folded into a hash in row order.
  unsigned char(*final)[W] = img[n & 1];
  unsigned h = 2166136261u;
  for (int y = 0; y < H; y++) {
    unsigned s = 0;
    for (int x = 0; x < W; x++) s += (unsigned)final[y][x] * (unsigned)(x + 1);
    h = (h ^ s) * 16777619u;
  }
  return (int)h;
}
