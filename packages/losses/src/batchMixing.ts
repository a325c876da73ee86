import {
  allocLike,
  ConfigError,
  calibrateBeta,
  checkMatrix,
  customVjp,
  encodeLabels,
  InputError,
  knn,
  ShapeError,
  type tf,
} from "@diffcell/core";

export interface BatchMixingAttrs {
  /** Neighbour indices, N × k row-major (a cell listed as its own neighbour is skipped). */
  neighbors: Int32Array;
  k: number;
  /** Per-cell kernel precision β_i (on Euclidean distances), held fixed. */
  beta: Float64Array;
  /** Batch code of every cell (0..B−1). */
  batches: Int32Array;
  /** Target batch distribution π (the global batch proportions by default), length B, positive. */
  proportions: Float64Array;
}

/** Smooths distances, d → √(d² + ε²), so duplicate cells keep finite gradients. */
const EPS2 = 1e-12;

/**
 * Batch-mixing loss as one fused kernel over an embedding X [N, D]:
 *
 *   p_ij = softmax_j(−β_i d_ij) over the neighbours j of i        (d Euclidean, β_i fixed per cell)
 *   q_ib = Σ_{j: batch(j) = b} p_ij                                 (cell i's soft neighbourhood batch mix)
 *   L    = mean_i KL(q_i ‖ π) = mean_i Σ_b q_ib log(q_ib / π_b)
 *
 * L = 0 when every neighbourhood holds the batches in their global proportions, −log π_b when a cell sees
 * only its own batch b. It is the differentiable counterpart of iLISI (same Gaussian neighbourhood
 * weights); gradients reach X through the distances. Output: a scalar.
 */
export const batchMixingKernel = customVjp<BatchMixingAttrs>(
  ([x], attrs) => {
    const [n, d] = x.shape;
    const { k } = attrs;
    const nb = attrs.proportions.length;
    const p = new Float64Array(k);
    const q = new Float64Array(nb);
    let total = 0;
    for (let i = 0; i < n; i++) {
      neighbourhood(x.data, d, i, attrs, p, null);
      q.fill(0);
      for (let r = 0; r < k; r++) {
        const j = attrs.neighbors[i * k + r];
        if (j !== i) q[attrs.batches[j]] += p[r];
      }
      for (let b = 0; b < nb; b++) if (q[b] > 0) total += q[b] * Math.log(q[b] / attrs.proportions[b]);
    }
    const out = allocLike(x.data, 1);
    out[0] = total / n;
    return { outputs: [{ data: out, shape: [] }] };
  },
  ({ inputs: [x], cotangents: [dy], attrs }) => {
    const [n, d] = x.shape;
    const { k } = attrs;
    const nb = attrs.proportions.length;
    const dx = allocLike(x.data, x.data.length);
    const p = new Float64Array(k);
    const dist = new Float64Array(k);
    const q = new Float64Array(nb);
    const g = new Float64Array(nb);
    const scale = dy.data[0] / n;
    for (let i = 0; i < n; i++) {
      neighbourhood(x.data, d, i, attrs, p, dist);
      q.fill(0);
      for (let r = 0; r < k; r++) {
        const j = attrs.neighbors[i * k + r];
        if (j !== i) q[attrs.batches[j]] += p[r];
      }
      // ∂KL/∂q_b = log(q_b/π_b) + 1 (batches with q_b = 0 have no neighbour and cannot move).
      let mean = 0;
      for (let b = 0; b < nb; b++) {
        g[b] = q[b] > 0 ? (Math.log(q[b] / attrs.proportions[b]) + 1) * scale : 0;
        mean += q[b] * g[b];
      }
      const beta = attrs.beta[i];
      for (let r = 0; r < k; r++) {
        const j = attrs.neighbors[i * k + r];
        if (j === i) continue;
        // softmax backward, then s = −β d and d = √(‖x_i − x_j‖² + ε²)
        const dDist = -beta * p[r] * (g[attrs.batches[j]] - mean);
        const c = dDist / dist[r];
        for (let f = 0; f < d; f++) {
          const diff = x.data[i * d + f] - x.data[j * d + f];
          dx[i * d + f] += c * diff;
          dx[j * d + f] -= c * diff;
        }
      }
    }
    return [dx];
  },
  "batchMixing",
);

/** Neighbour weights p (and distances) of cell i; self entries get weight 0. */
function neighbourhood(
  x: ArrayLike<number>,
  d: number,
  i: number,
  attrs: BatchMixingAttrs,
  p: Float64Array,
  dist: Float64Array | null,
): void {
  const { k, neighbors } = attrs;
  const beta = attrs.beta[i];
  let min = Number.POSITIVE_INFINITY;
  for (let r = 0; r < k; r++) {
    const j = neighbors[i * k + r];
    if (j === i) continue;
    let s = EPS2;
    for (let f = 0; f < d; f++) s += (x[i * d + f] - x[j * d + f]) ** 2;
    const v = Math.sqrt(s);
    p[r] = v;
    if (dist) dist[r] = v;
    if (v < min) min = v;
  }
  let total = 0;
  for (let r = 0; r < k; r++) {
    if (neighbors[i * k + r] === i) {
      p[r] = 0;
      continue;
    }
    // Shift by the nearest distance: the same softmax, no underflow for large β.
    const w = Math.exp(-beta * (p[r] - min));
    p[r] = w;
    total += w;
  }
  for (let r = 0; r < k; r++) p[r] /= total;
}

export interface BatchMixingOptions {
  /** Effective neighbourhood size of the Gaussian weights (as LISI). Default 30. */
  perplexity?: number;
  /** Neighbours per cell; default min(3·perplexity, N − 1) (as LISI). */
  k?: number;
  /** Precomputed neighbour lists, N × k row-major (self entries are skipped); default: exact kNN of the embedding. */
  neighbors?: Int32Array;
  /**
   * Per-cell bandwidths β_i to use instead of calibrating them on the current embedding (e.g. computed once
   * with {@link calibrateBandwidths} on a reference embedding): the loss is then an exact function of the
   * embedding, which finite differences can check; otherwise β follows the embedding but gets no gradient.
   */
  beta?: Float64Array;
  /** Target batch distribution (one value per batch in sorted-label order, normalised here); default the observed proportions. */
  proportions?: ArrayLike<number>;
}

/**
 * KL divergence between every cell's soft-neighbourhood batch distribution and the global batch proportions,
 * averaged over cells (see {@link batchMixingKernel}): a differentiable batch-mixing objective for training
 * an embedding or a batch-correction model. Neighbours and per-cell bandwidths (β_i bisected so the
 * neighbour weights have perplexity `perplexity`, as in LISI) are computed from the current values and held
 * fixed; gradients flow through the distances. `batchLabels`: one integer or string per cell.
 */
export function batchMixingLoss(
  embeddings: tf.Tensor2D,
  batchLabels: ArrayLike<number | string>,
  options: BatchMixingOptions = {},
): tf.Scalar {
  checkMatrix("embeddings", embeddings);
  const [n, d] = embeddings.shape;
  const perplexity = options.perplexity ?? 30;
  if (!(perplexity > 0) || !Number.isFinite(perplexity)) {
    throw new ConfigError("batchMixingLoss", "perplexity", "a finite number > 0", perplexity);
  }
  const { codes, names } = encodeLabels("batchLabels", batchLabels, n, "row of embeddings");
  const count = names.length;
  if (count < 2) throw new InputError("batchLabels", "only one batch: batch mixing needs at least 2 batches");
  const proportions = targetProportions(codes, count, options.proportions);
  const values = embeddings.dataSync() as Float32Array;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new InputError("embeddings", `row ${Math.floor(i / d)} has a non-finite value ${values[i]}`, i);
    }
  }
  let neighbors: Int32Array;
  let k: number;
  if (options.neighbors) {
    k = options.neighbors.length / n;
    if (!Number.isInteger(k) || k < 1) {
      throw new ShapeError("neighbors", `${n} × k neighbour indices`, `${options.neighbors.length} values`);
    }
    neighbors = options.neighbors;
    for (let i = 0; i < neighbors.length; i++) {
      if (!(neighbors[i] >= 0 && neighbors[i] < n))
        throw new InputError("neighbors", `index ${neighbors[i]} out of range`, i);
    }
  } else {
    k = Math.min(options.k ?? Math.round(3 * perplexity), n - 1);
    if (!Number.isInteger(k) || k < 1) throw new ConfigError("batchMixingLoss", "k", `an integer in [1, ${n - 1}]`, k);
    // k + 1 with the cell itself, which the kernel skips.
    neighbors = knn({ data: values, rows: n, cols: d }, k + 1, { includeSelf: true }).indices;
    k += 1;
  }
  let beta: Float64Array;
  if (options.beta) {
    if (options.beta.length !== n) throw new ShapeError("beta", `[${n}]`, [options.beta.length]);
    beta = options.beta;
  } else beta = calibrateBandwidths(values, d, neighbors, k, perplexity);
  const [loss] = batchMixingKernel([embeddings], { neighbors, k, beta, batches: codes, proportions });
  return loss as tf.Scalar;
}

/**
 * β_i so that the neighbour weights exp(−β_i d_ij) have entropy log(perplexity): the bisection LISI uses
 * (start 1, doubling/halving until bracketed, tolerance 1e-5, 50 steps).
 */
export function calibrateBandwidths(
  x: Float32Array,
  d: number,
  neighbors: Int32Array,
  k: number,
  perplexity: number,
): Float64Array {
  const n = neighbors.length / k;
  const beta = new Float64Array(n);
  const dist: number[] = [];
  const target = Math.log(perplexity);
  for (let i = 0; i < n; i++) {
    dist.length = 0;
    for (let r = 0; r < k; r++) {
      const j = neighbors[i * k + r];
      if (j === i) continue;
      let s = 0;
      for (let f = 0; f < d; f++) s += (x[i * d + f] - x[j * d + f]) ** 2;
      dist.push(Math.sqrt(s));
    }
    const min = Math.min(...dist);
    const entropy = (b: number): number => {
      let sum = 0;
      let weighted = 0;
      for (const v of dist) {
        const w = Math.exp(-b * (v - min));
        sum += w;
        weighted += v * w;
      }
      return Math.log(sum) - b * min + (b * weighted) / sum;
    };
    beta[i] = calibrateBeta(entropy, target);
  }
  return beta;
}

function targetProportions(codes: Int32Array, count: number, given?: ArrayLike<number>): Float64Array {
  const out = new Float64Array(count);
  if (given) {
    if (given.length !== count)
      throw new ShapeError("proportions", `${count} values (one per batch)`, `${given.length} values`);
    let s = 0;
    for (let b = 0; b < count; b++) {
      if (!(given[b] > 0) || !Number.isFinite(given[b]))
        throw new InputError("proportions", "values must be finite and > 0", b);
      s += given[b];
    }
    for (let b = 0; b < count; b++) out[b] = given[b] / s;
    return out;
  }
  for (const c of codes) out[c] += 1 / codes.length;
  return out;
}
