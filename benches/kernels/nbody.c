// Floating point (f64): a gravitational n-body simulation of NB bodies with softening, advanced n
// steps by a semi-implicit Euler integrator; divisions and square roots in the inner pair loop.
// Only IEEE-754 operations that every engine and gcc perform identically (no fused multiply-add on
// either side), so the total energy at the end is bit-identical everywhere; run returns its bits
// folded to 32.
#define NB 16
static double px[NB], py[NB], pz[NB], vx[NB], vy[NB], vz[NB], mass[NB];

static void setup(void) {
  // Bodies on a tilted spiral with small tangential velocities; masses vary by a factor of four.
  for (int i = 0; i < NB; i++) {
    double t = i * 0.37;
    px[i] = (1.0 + i * 0.25) * (1.0 - t * t / 2 + t * t * t * t / 24);
    py[i] = (1.0 + i * 0.25) * (t - t * t * t / 6);
    pz[i] = (i % 3 - 1) * 0.125;
    vx[i] = -py[i] * 0.05;
    vy[i] = px[i] * 0.05;
    vz[i] = 0.0;
    mass[i] = 0.01 * (1 + i % 4);
  }
}

static void step(double dt) {
  for (int i = 0; i < NB; i++)
    for (int j = i + 1; j < NB; j++) {
      double dx = px[i] - px[j], dy = py[i] - py[j], dz = pz[i] - pz[j];
      double d2 = dx * dx + dy * dy + dz * dz + 0.001;
      double mag = dt / (d2 * __builtin_sqrt(d2));
      double mi = mass[i] * mag, mj = mass[j] * mag;
      vx[i] -= dx * mj, vy[i] -= dy * mj, vz[i] -= dz * mj;
      vx[j] += dx * mi, vy[j] += dy * mi, vz[j] += dz * mi;
    }
  for (int i = 0; i < NB; i++) px[i] += dt * vx[i], py[i] += dt * vy[i], pz[i] += dt * vz[i];
}

static double energy(void) {
  double e = 0;
  for (int i = 0; i < NB; i++) {
    e += 0.5 * mass[i] * (vx[i] * vx[i] + vy[i] * vy[i] + vz[i] * vz[i]);
    for (int j = i + 1; j < NB; j++) {
      double dx = px[i] - px[j], dy = py[i] - py[j], dz = pz[i] - pz[j];
      e -= mass[i] * mass[j] / __builtin_sqrt(dx * dx + dy * dy + dz * dz + 0.001);
    }
  }
  return e;
}

int run(int n) {
  setup();
  for (int s = 0; s < n; s++) step(0.001);
  union { double d; unsigned long long u; } bits = {energy()};
  return (int)(unsigned)(bits.u ^ bits.u >> 32);
}
