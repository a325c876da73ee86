import type { HostArray } from "@diffcell/core";

export interface ObjectiveTerms {
  /** Sum of the terms below (what R harmony stores in `objective_harmony`). */
  total: number;
  /** Σ R_ik d_ik: soft k-means error. */
  kmeansError: number;
  /** Σ σ_k R_ik log R_ik. */
  entropy: number;
  /** Σ σ_k R_ik θ_b φ_bi log((O_kb + E_kb) / E_kb): the diversity penalty. */
  crossEntropy: number;
}

const FLOOR = 1e-8;

/**
 * Harmony's objective exactly as R harmony (1.x) and harmonypy report it, scaled by 2000/N:
 *
 *   (Σ R∘d + Σ σ R log R + Σ σ R ∘ (θ log((O + E)/E)) Φ) · 2000/N
 *
 * with O and E floored at 1e-8 (O level-major, [b·K + k]). The cross-entropy term uses Σ_i R_ik φ_ib = O_kb, so it costs K·B, not N·K.
 */
export function harmonyObjective(
  r: HostArray,
  dist: HostArray,
  n: number,
  k: number,
  sigma: Float64Array,
  theta: Float64Array,
  proportions: Float64Array,
  observed: Float64Array,
  sizes: Float64Array,
): ObjectiveTerms {
  let kmeansError = 0;
  let entropy = 0;
  const entropyPerCluster = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    for (let c = 0; c < k; c++) {
      const v = r[row + c];
      kmeansError += v * dist[row + c];
      if (v > 0) entropyPerCluster[c] += v * Math.log(v);
    }
  }
  for (let c = 0; c < k; c++) entropy += sigma[c] * entropyPerCluster[c];
  const crossEntropy = crossEntropyTerm(k, sigma, theta, proportions, observed, sizes);
  const scale = 2000 / n;
  return {
    total: (kmeansError + entropy + crossEntropy) * scale,
    kmeansError: kmeansError * scale,
    entropy: entropy * scale,
    crossEntropy: crossEntropy * scale,
  };
}

/** Σ_kb σ_k θ_b log((O_kb + E_kb)/E_kb) O_kb (O level-major, [b·K + k]; O and E floored at 1e-8). */
export function crossEntropyTerm(
  k: number,
  sigma: Float64Array,
  theta: Float64Array,
  proportions: Float64Array,
  observed: Float64Array,
  sizes: Float64Array,
): number {
  let total = 0;
  for (let b = 0; b < proportions.length; b++) {
    if (theta[b] === 0) continue;
    for (let c = 0; c < k; c++) {
      const raw = observed[b * k + c];
      const o = Math.max(raw, FLOOR);
      const e = Math.max(proportions[b] * sizes[c], FLOOR);
      total += sigma[c] * theta[b] * Math.log((o + e) / e) * raw;
    }
  }
  return total;
}

/** O [B × K, level-major] and S [K] (Σ_i R_ik) from assignments R [N × K]. */
export function batchClusterStatistics(
  r: HostArray,
  n: number,
  k: number,
  codes: Int32Array,
  nVariables: number,
  nLevels: number,
): { observed: Float64Array; sizes: Float64Array } {
  const observed = new Float64Array(nLevels * k);
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const v = r[i * k + c];
      sizes[c] += v;
      for (let q = 0; q < nVariables; q++) observed[codes[i * nVariables + q] * k + c] += v;
    }
  }
  return { observed, sizes };
}

/** Windowed k-means convergence (R harmony/harmonypy): |Σ last 3 old − Σ last 3 new| / |Σ old| < ε. */
export function kmeansConverged(trace: readonly number[], window: number, epsilon: number): boolean {
  if (trace.length <= window + 1) return false;
  let oldSum = 0;
  let newSum = 0;
  for (let i = 0; i < window; i++) {
    oldSum += trace[trace.length - 2 - i];
    newSum += trace[trace.length - 1 - i];
  }
  return Math.abs(oldSum - newSum) / Math.abs(oldSum) < epsilon;
}

/** Harmony-round convergence: (old − new) / |old| < ε on the last two round objectives. */
export function harmonyConverged(trace: readonly number[], epsilon: number): boolean {
  if (trace.length < 2) return false;
  const previous = trace[trace.length - 2];
  const current = trace[trace.length - 1];
  return (previous - current) / Math.abs(previous) < epsilon;
}
