import { ConfigError } from "../errors.js";
import type { Rngs } from "../rng.js";
import { symmetricEigen } from "./dense.js";

export interface LanczosOptions {
  /** Krylov subspace size (default min(n, max(4k, 60))). */
  subspace?: number;
  rngs: Rngs;
}

/**
 * The k eigenpairs of largest magnitude of a symmetric n×n operator given as a mat-vec `apply(x, y)`
 * (y ← A·x), by Lanczos with full re-orthogonalisation (float64) and Rayleigh–Ritz on the tridiagonal
 * matrix. Eigenvalues come back in descending order, eigenvectors as k rows of n values.
 */
export function lanczosEigen(
  apply: (x: Float64Array, y: Float64Array) => void,
  n: number,
  k: number,
  options: LanczosOptions,
): { values: Float64Array; vectors: Float64Array[] } {
  if (!Number.isInteger(k) || k < 1 || k > n) throw new ConfigError("lanczosEigen", "k", `an integer in [1, ${n}]`, k);
  const m = Math.min(n, options.subspace ?? Math.max(4 * k, 60));
  const basis: Float64Array[] = [];
  const alpha = new Float64Array(m);
  const beta = new Float64Array(m);
  let q = Float64Array.from(options.rngs.normal(n));
  normalise(q);
  const w = new Float64Array(n);
  let steps = 0;
  for (let j = 0; j < m; j++) {
    basis.push(q);
    apply(q, w);
    alpha[j] = dot(q, w);
    // Full re-orthogonalisation (twice) against every basis vector keeps the Ritz values clean.
    for (let pass = 0; pass < 2; pass++) {
      for (const b of basis) {
        const c = dot(b, w);
        for (let i = 0; i < n; i++) w[i] -= c * b[i];
      }
    }
    steps = j + 1;
    const norm = Math.sqrt(dot(w, w));
    if (j === m - 1 || norm < 1e-12) break;
    beta[j] = norm;
    q = Float64Array.from(w, (v) => v / norm);
  }
  // Rayleigh–Ritz: eigen-decompose the tridiagonal projection T = Qᵀ A Q.
  const t = new Float64Array(steps * steps);
  for (let j = 0; j < steps; j++) {
    t[j * steps + j] = alpha[j];
    if (j + 1 < steps) {
      t[j * steps + j + 1] = beta[j];
      t[(j + 1) * steps + j] = beta[j];
    }
  }
  const { values, vectors } = symmetricEigen(t, steps);
  const order = Array.from({ length: steps }, (_, i) => i)
    .sort((a, b) => Math.abs(values[b]) - Math.abs(values[a]))
    .slice(0, Math.min(k, steps))
    .sort((a, b) => values[b] - values[a]);
  const outValues = Float64Array.from(order, (i) => values[i]);
  const outVectors = order.map((col) => {
    const v = new Float64Array(n);
    for (let j = 0; j < steps; j++) {
      const c = vectors[j * steps + col];
      const b = basis[j];
      for (let i = 0; i < n; i++) v[i] += c * b[i];
    }
    return v;
  });
  return { values: outValues, vectors: outVectors };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function normalise(a: Float64Array): void {
  const norm = Math.sqrt(dot(a, a));
  for (let i = 0; i < a.length; i++) a[i] /= norm;
}
