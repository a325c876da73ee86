import { matMul, matMulTA, tf } from "@diffcell/core";
import type { BatchDesign } from "./batchDesign.js";
import { normalizeRowsTensor } from "./unrolled.js";

/** O and E are floored as in the host objective (R harmony / harmonypy). */
const FLOOR = 1e-8;

export interface ObjectiveTensorOptions {
  design: BatchDesign;
  /** θ per batch level (global level order, as `perLevel`). */
  theta: Float64Array;
  /** σ_k = exp(logSigma_k)·temperature, as the assignment step. */
  temperature: number;
}

/**
 * Harmony's objective as a differentiable function of the corrected embedding Z [N, F], the soft
 * assignments R [N, K] and log σ [K] — the same quantity `harmonyObjective` computes on the host:
 *
 *   (Σ R∘d + Σ_k σ_k Σ_i R_ik log R_ik + Σ_kb σ_k θ_b O_kb log((O_kb + E_kb)/E_kb)) · 2000/N
 *
 * with Ẑ the cosine-normalised rows of Z, centroids Y = normalise(RᵀẐ), d = 2(1 − ẐYᵀ), O = RᵀΦ (Φ the
 * cells' batch levels, one column per level of every variable), E_kb = Pr_b·Σ_i R_ik, O and E floored at
 * 1e-8 inside the logarithm. Gradients reach Z, R and log σ (the floors are constants where they bind).
 */
export function harmonyObjectiveTensor(
  z: tf.Tensor2D,
  r: tf.Tensor2D,
  logSigma: tf.Tensor1D,
  options: ObjectiveTensorOptions,
): tf.Scalar {
  const { design, theta, temperature } = options;
  const n = z.shape[0];
  return tf.tidy(() => {
    const zHat = normalizeRowsTensor(z);
    const y = normalizeRowsTensor(matMulTA(r, zHat));
    const dist = tf.mul(2, tf.sub(1, matMul(zHat, tf.transpose(y) as tf.Tensor2D)));
    const sigma = tf.mul(tf.exp(logSigma), temperature) as tf.Tensor1D;
    const kmeansError = tf.sum(tf.mul(r, dist));
    const entropy = tf.sum(tf.mul(sigma, tf.sum(tf.mul(r, tf.log(tf.maximum(r, 1e-30))), 0)));
    const phi = levelIndicators(design);
    const observed = matMulTA(r, phi); // [K, B]
    const sizes = tf.reshape(tf.sum(r, 0), [-1, 1]) as tf.Tensor2D;
    const expected = matMul(sizes, tf.tensor2d(Float32Array.from(design.proportions), [1, design.nLevels]));
    const e = tf.maximum(expected, FLOOR);
    const ratio = tf.log(tf.div(tf.add(tf.maximum(observed, FLOOR), e), e));
    const weights = tf.mul(tf.reshape(sigma, [-1, 1]), tf.tensor2d(Float32Array.from(theta), [1, design.nLevels]));
    const cross = tf.sum(tf.mul(weights, tf.mul(ratio, observed)));
    return tf.mul(tf.addN([kmeansError, entropy, cross]), 2000 / n) as tf.Scalar;
  });
}

/** Φᵀ as a dense [N, B] indicator: cell i has a 1 in the column of its level of every batch variable. */
function levelIndicators(design: BatchDesign): tf.Tensor2D {
  const { nCells: n, nLevels: b, nVariables: v, codes } = design;
  const phi = new Float32Array(n * b);
  for (let i = 0; i < n; i++) for (let q = 0; q < v; q++) phi[i * b + codes[i * v + q]] = 1;
  return tf.tensor2d(phi, [n, b]);
}
