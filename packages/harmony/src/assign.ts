import { allocLike, customVjp, type HostArray } from "@diffcell/core";
import { rowDots, weightedRowSums } from "./hostLinalg.js";

export interface AssignAttrs {
  /** Divides the logits with σ: 1 is classic Harmony. */
  temperature: number;
}

/**
 * Soft k-means assignment on the unit sphere, fused (distance + softmax), for cells Ẑ [N, F] and centroids
 * Y [K, F], both with unit rows:
 *
 *   d_ik = ‖ẑ_i − y_k‖² = 2 (1 − ẑ_i·y_k)            (the cosine-distance identity Harmony uses)
 *   R⁰_ik = softmax_k(−d_ik / (σ_k·T))               (σ_k = exp(logSigma_k), T = temperature)
 *
 * Outputs R⁰ [N, K] (before the diversity penalty) and d [N, K] (for the objective). Gradients reach Ẑ,
 * Y and log σ. One pass over N·K·F each way instead of tfjs's matMul/sub/exp/sum/div chain and its tape.
 */
export const clusterAssignmentKernel = customVjp<AssignAttrs>(
  ([z, y, logSigma], { temperature }) => {
    const [n, f] = z.shape;
    const k = y.shape[0];
    const r = allocLike(z.data, n * k);
    const dist = allocLike(z.data, n * k);
    softAssign(z.data, y.data, effectiveSigma(logSigma.data, temperature), n, k, f, r, dist);
    return {
      outputs: [
        { data: r, shape: [n, k] },
        { data: dist, shape: [n, k] },
      ],
    };
  },
  ({ inputs: [z, y, logSigma], outputs: [rOut, distOut], cotangents: [dR, dDist], attrs: { temperature } }) => {
    const [n, f] = z.shape;
    const k = y.shape[0];
    const s = effectiveSigma(logSigma.data, temperature);
    const r = rOut.data;
    const dist = distOut.data;
    const dDot = new Float64Array(n * k);
    const dLogSigma = allocLike(z.data, k);
    for (let i = 0; i < n; i++) {
      const row = i * k;
      let inner = 0;
      for (let c = 0; c < k; c++) inner += r[row + c] * dR.data[row + c];
      for (let c = 0; c < k; c++) {
        // softmax backward, then logit = −d/s: ∂logit/∂d = −1/s, ∂logit/∂log σ = d/s
        const dLogit = r[row + c] * (dR.data[row + c] - inner);
        const dd = dDist.data[row + c] - dLogit / s[c];
        dLogSigma[c] += (dLogit * dist[row + c]) / s[c];
        dDot[row + c] = -2 * dd;
      }
    }
    const dz = allocLike(z.data, n * f);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        const g = dDot[i * k + c];
        if (g === 0) continue;
        for (let j = 0; j < f; j++) dz[i * f + j] += g * y.data[c * f + j];
      }
    }
    const dy = allocLike(z.data, k * f);
    weightedRowSums(dDot, z.data, n, k, f, dy);
    return [dz, dy, dLogSigma];
  },
  "harmonyClusterAssignment",
);

/** σ_k·T per cluster from log σ. */
export function effectiveSigma(logSigma: ArrayLike<number>, temperature: number): Float64Array {
  return Float64Array.from(logSigma, (v) => Math.exp(v) * temperature);
}

/**
 * Host forward of {@link clusterAssignmentKernel}: writes R⁰ and d for unit rows `z` (N × F) and `y`
 * (K × F) with per-cluster bandwidths `s` (σ_k·T). With `normalize` false the rows of R⁰ are left as
 * exp(logit − max) (the diversity step renormalises anyway); `lse` receives each row's log-normaliser
 * (max, plus log Σ when normalised), so log R⁰_ik = −d_ik/s_k − lse_i.
 */
export function softAssign(
  z: HostArray,
  y: HostArray,
  s: Float64Array,
  n: number,
  k: number,
  f: number,
  r: HostArray,
  dist: HostArray,
  options: { normalize?: boolean; lse?: Float64Array } = {},
): void {
  const normalize = options.normalize ?? true;
  const lse = options.lse;
  const dots = dist instanceof Float64Array ? dist : new Float64Array(n * k);
  rowDots(z, n, y, k, f, dots);
  const invS = Float64Array.from(s, (v) => 1 / v);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      const d = 2 * (1 - dots[row + c]);
      dist[row + c] = d;
      const logit = -d * invS[c];
      r[row + c] = logit;
      if (logit > max) max = logit;
    }
    let total = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(r[row + c] - max);
      r[row + c] = e;
      total += e;
    }
    if (normalize) {
      const inv = 1 / total;
      for (let c = 0; c < k; c++) r[row + c] *= inv;
    }
    if (lse) lse[i] = normalize ? max + Math.log(total) : max;
  }
}
