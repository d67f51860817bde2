// Floating point: dense 128x128 double matrix multiply, repeated.
#define N 128
static double a[N][N], b[N][N], c[N][N];
int run(int n) {
  for (int i = 0; i < N; i++)
    for (int j = 0; j < N; j++) { a[i][j] = (i * 7 + j) % 13 * 0.5; b[i][j] = (i + j * 3) % 11 * 0.25; }
  double sum = 0;
  for (int r = 0; r < n; r++) {
    for (int i = 0; i < N; i++)
      for (int j = 0; j < N; j++) {
        double s = 0;
        for (int k = 0; k < N; k++) s += a[i][k] * b[k][j];
        c[i][j] = s;
      }
    sum += c[r % N][(r * 3) % N];
  }
  return (int)sum;
}
