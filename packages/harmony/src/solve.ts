import { allocLike, customVjp, type HostArray } from "@diffcell/core";

/** LU factors of one m × m matrix with partial pivoting (P·A = L·U, L unit lower), or null if singular. */
export interface LuFactors {
  lu: Float64Array;
  pivots: Int32Array;
}

/**
 * LU factorisation with partial pivoting of the m × m matrix at a[offset ..] (row-major), in float64.
 * Returns null when a pivot is exactly zero (a cluster with no mass at all).
 */
export function luFactor(a: ArrayLike<number>, m: number, offset = 0, transpose = false): LuFactors | null {
  const lu = new Float64Array(m * m);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) lu[r * m + c] = transpose ? a[offset + c * m + r] : a[offset + r * m + c];
  }
  const pivots = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    let p = j;
    let best = Math.abs(lu[j * m + j]);
    for (let r = j + 1; r < m; r++) {
      const v = Math.abs(lu[r * m + j]);
      if (v > best) {
        best = v;
        p = r;
      }
    }
    pivots[j] = p;
    if (best === 0 || !Number.isFinite(best)) return null;
    if (p !== j) {
      for (let c = 0; c < m; c++) {
        const t = lu[j * m + c];
        lu[j * m + c] = lu[p * m + c];
        lu[p * m + c] = t;
      }
    }
    const inv = 1 / lu[j * m + j];
    for (let r = j + 1; r < m; r++) {
      const factor = lu[r * m + j] * inv;
      lu[r * m + j] = factor;
      if (factor === 0) continue;
      for (let c = j + 1; c < m; c++) lu[r * m + c] -= factor * lu[j * m + c];
    }
  }
  return { lu, pivots };
}

/** Solves A·X = B in place for B (m × f, row-major at b[offset ..]) given A's LU factors. */
export function luSolve(factors: LuFactors, b: HostArray | Float64Array, m: number, f: number, offset = 0): void {
  const { lu, pivots } = factors;
  for (let j = 0; j < m; j++) {
    const p = pivots[j];
    if (p !== j) {
      for (let c = 0; c < f; c++) {
        const t = b[offset + j * f + c];
        b[offset + j * f + c] = b[offset + p * f + c];
        b[offset + p * f + c] = t;
      }
    }
  }
  for (let r = 1; r < m; r++) {
    for (let j = 0; j < r; j++) {
      const l = lu[r * m + j];
      if (l === 0) continue;
      for (let c = 0; c < f; c++) b[offset + r * f + c] -= l * b[offset + j * f + c];
    }
  }
  for (let r = m - 1; r >= 0; r--) {
    for (let j = r + 1; j < m; j++) {
      const u = lu[r * m + j];
      if (u === 0) continue;
      for (let c = 0; c < f; c++) b[offset + r * f + c] -= u * b[offset + j * f + c];
    }
    const inv = 1 / lu[r * m + r];
    for (let c = 0; c < f; c++) b[offset + r * f + c] *= inv;
  }
}

/**
 * Batched small dense solve X_k = A_k⁻¹ B_k for A [K, m, m], B [K, m, F] (the per-cluster ridge systems of
 * Harmony's mixture-of-experts correction, m = B + 1), with its gradient: tfjs has no solve or inverse.
 *
 *   dB_k = A_k⁻ᵀ dX_k,   dA_k = −dB_k X_kᵀ
 *
 * LU with partial pivoting in float64. A singular A_k (a cluster without any mass, where the ridge
 * correction is zero anyway) gives X_k = 0 and no gradient.
 */
export const batchedSolveKernel = customVjp<null>(
  ([a, b]) => {
    const [k, m] = a.shape;
    const f = b.shape[2];
    const x = allocLike(b.data, k * m * f);
    const work = new Float64Array(m * f);
    for (let c = 0; c < k; c++) {
      const factors = luFactor(a.data, m, c * m * m);
      if (!factors) continue;
      for (let i = 0; i < m * f; i++) work[i] = b.data[c * m * f + i];
      luSolve(factors, work, m, f);
      x.set(work, c * m * f);
    }
    return { outputs: [{ data: x, shape: [k, m, f] }] };
  },
  ({ inputs: [a, b], outputs: [xOut], cotangents: [dx] }) => {
    const [k, m] = a.shape;
    const f = b.shape[2];
    const da = allocLike(b.data, k * m * m);
    const db = allocLike(b.data, k * m * f);
    const work = new Float64Array(m * f);
    for (let c = 0; c < k; c++) {
      const factors = luFactor(a.data, m, c * m * m, true);
      if (!factors) continue;
      for (let i = 0; i < m * f; i++) work[i] = dx.data[c * m * f + i];
      luSolve(factors, work, m, f);
      db.set(work, c * m * f);
      const base = c * m * m;
      for (let r = 0; r < m; r++) {
        for (let s = 0; s < m; s++) {
          let v = 0;
          for (let j = 0; j < f; j++) v += work[r * f + j] * xOut.data[c * m * f + s * f + j];
          da[base + r * m + s] = -v;
        }
      }
    }
    return [da, db];
  },
  "harmonyBatchedSolve",
);
