/** Uniform doubles in [0, 1), e.g. `rngs.uniformSource()`. */
export type UniformSource = () => number;

/**
 * Poisson draw with mean `mu`: inversion by sequential search for small means, and for large means the
 * PTRS transformed-rejection method (Hörmann 1993), which needs O(1) uniforms per draw.
 */
export function samplePoisson(next: UniformSource, mu: number): number {
  if (!(mu > 0)) return 0;
  if (mu < 10) {
    const u = next();
    let k = 0;
    let p = Math.exp(-mu);
    let cdf = p;
    while (u > cdf && k < 1000) {
      k++;
      p *= mu / k;
      cdf += p;
    }
    return k;
  }
  const smu = Math.sqrt(mu);
  const b = 0.931 + 2.53 * smu;
  const a = -0.059 + 0.02483 * b;
  const invAlpha = 1.1239 + 1.1328 / (b - 3.4);
  const vr = 0.9277 - 3.6224 / (b - 2);
  const logMu = Math.log(mu);
  for (;;) {
    const u = next() - 0.5;
    const v = next();
    const us = 0.5 - Math.abs(u);
    const k = Math.floor(((2 * a) / us + b) * u + mu + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (Math.log(v) + Math.log(invAlpha) - Math.log(a / (us * us) + b) <= -mu + k * logMu - logFactorial(k)) return k;
  }
}

/** Gamma(shape, scale = 1) draw (Marsaglia & Tsang 2000; shape < 1 by the boost u^{1/shape}). */
export function sampleGamma(next: UniformSource, shape: number): number {
  if (shape < 1) return sampleGamma(next, shape + 1) * next() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = standardNormal(next);
    const v0 = 1 + c * x;
    if (v0 <= 0) continue;
    const v = v0 * v0 * v0;
    const u = next();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** One standard normal draw (Box–Muller, discarding the second value for simplicity). */
export function standardNormal(next: UniformSource): number {
  return Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

const factorialCache: number[] = [0];

/** log(k!) exactly by summation for small k, Stirling's series beyond. */
export function logFactorial(k: number): number {
  if (k < 256) {
    while (factorialCache.length <= k)
      factorialCache.push(factorialCache[factorialCache.length - 1] + Math.log(factorialCache.length));
    return factorialCache[k];
  }
  const x = k + 1;
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * x) - 1 / (360 * x ** 3);
}
