import { allocLike, customVjp, type HostArray, matMul, tf } from "@diffcell/core";
import { rowDots } from "./hostLinalg.js";

export interface AssignAttrs {
  /** Divides the logits with σ: 1 is classic Harmony. */
  temperature: number;
}

/**
 * Soft k-means assignment on the unit sphere, fused (distance + softmax), from the cell–centroid dot products
 * ẑ_i·y_k [N, K] of unit rows (one GEMM, done by the backend; see {@link softAssignments}):
 *
 *   d_ik = ‖ẑ_i − y_k‖² = 2 (1 − ẑ_i·y_k)            (the cosine-distance identity Harmony uses)
 *   R⁰_ik = softmax_k(−d_ik / (σ_k·T))               (σ_k = exp(logSigma_k), T = temperature)
 *
 * Output R⁰ [N, K] (before the diversity penalty). Gradients reach the dot products (hence Ẑ and Y through
 * the GEMM's own backward) and log σ. One pass over N·K each way, one tape node instead of tfjs's
 * sub/mul/div/exp/softmax chain.
 */
export const clusterAssignmentKernel = customVjp<AssignAttrs>(
  ([dots, logSigma], { temperature }) => {
    const [n, k] = dots.shape;
    const r = allocLike(dots.data, n * k);
    const s = effectiveSigma(logSigma.data, temperature);
    softmaxOfDots(dots.data, s, n, k, r);
    return { outputs: [{ data: r, shape: [n, k] }] };
  },
  ({ inputs: [dots, logSigma], outputs: [rOut], cotangents: [dR], attrs: { temperature } }) => {
    const [n, k] = dots.shape;
    const invS = Float64Array.from(effectiveSigma(logSigma.data, temperature), (v) => 1 / v);
    const r = rOut.data;
    const dDots = allocLike(dots.data, n * k);
    const dLogSigma = allocLike(dots.data, k);
    for (let i = 0; i < n; i++) {
      const row = i * k;
      let inner = 0;
      for (let c = 0; c < k; c++) inner += r[row + c] * dR.data[row + c];
      for (let c = 0; c < k; c++) {
        // softmax backward; logit = −d/s with d = 2(1 − dot): ∂logit/∂dot = 2/s, ∂logit/∂log σ = d/s
        const dLogit = r[row + c] * (dR.data[row + c] - inner);
        const d = 2 * (1 - dots.data[row + c]);
        dLogSigma[c] += dLogit * d * invS[c];
        dDots[row + c] = 2 * dLogit * invS[c];
      }
    }
    return [dDots, dLogSigma];
  },
  "harmonyClusterAssignment",
);

/**
 * R⁰ [N, K] for unit cells Ẑ [N, F] and unit centroids Y [K, F]: the dot products on the backend's GEMM (core's
 * `matMul`, explicit transpose), then {@link clusterAssignmentKernel}. Also returns the dot products (the
 * objective's distances are 2(1 − dots)). Differentiable in Ẑ, Y and log σ.
 */
export function softAssignments(
  zCos: tf.Tensor2D,
  y: tf.Tensor2D,
  logSigma: tf.Tensor1D,
  temperature: number,
): { r0: tf.Tensor2D; dots: tf.Tensor2D } {
  const dots = matMul(zCos, tf.transpose(y));
  const [r0] = clusterAssignmentKernel([dots, logSigma], { temperature });
  return { r0: r0 as tf.Tensor2D, dots };
}

/** σ_k·T per cluster from log σ. */
export function effectiveSigma(logSigma: ArrayLike<number>, temperature: number): Float64Array {
  return Float64Array.from(logSigma, (v) => Math.exp(v) * temperature);
}

/** Row softmax of −2(1 − dots)/s into `r` (N × K); returns nothing, `lse` gets each row's log-normaliser. */
function softmaxOfDots(
  dots: ArrayLike<number>,
  s: Float64Array,
  n: number,
  k: number,
  r: HostArray,
  lse?: Float64Array,
): void {
  const invS = Float64Array.from(s, (v) => 1 / v);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < k; c++) {
      const logit = -2 * (1 - dots[row + c]) * invS[c];
      r[row + c] = logit;
      if (logit > max) max = logit;
    }
    let total = 0;
    for (let c = 0; c < k; c++) {
      const e = Math.exp(r[row + c] - max);
      r[row + c] = e;
      total += e;
    }
    const inv = 1 / total;
    for (let c = 0; c < k; c++) r[row + c] *= inv;
    if (lse) lse[i] = max + Math.log(total);
  }
}

/**
 * Host version for unit rows `z` (N × F) and `y` (K × F) with per-cluster bandwidths `s` (σ_k·T): writes
 * R⁰ (rows sum to 1) and d = 2(1 − z·y) (float64, used by the classic path's initialisation and the tests).
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
  options: { lse?: Float64Array } = {},
): void {
  const dots = new Float64Array(n * k);
  rowDots(z, n, y, k, f, dots);
  softmaxOfDots(dots, s, n, k, r, options.lse);
  for (let i = 0; i < n * k; i++) dist[i] = 2 * (1 - dots[i]);
}
