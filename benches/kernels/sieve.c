// Memory-bound integer work: sieve of Eratosthenes over a 4 MB byte array, repeated.
static unsigned char flags[1 << 22];
int run(int n) {
  int count = 0;
  for (int round = 0; round < n; round++) {
    count = 0;
    for (int i = 0; i < (1 << 22); i++) flags[i] = 1;
    for (int i = 2; i < (1 << 22); i++) {
      if (flags[i]) {
        count++;
        for (int j = i + i; j < (1 << 22); j += i) flags[j] = 0;
      }
    }
  }
  return count;
}
