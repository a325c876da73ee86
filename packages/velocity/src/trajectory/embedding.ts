import { ShapeError } from "@diffcell/core";
import type { SparseRows } from "./sparse.js";

export interface EmbeddingProjectionOptions {
  /** Rescale arrows for display like scVelo's `autoscale` (quiver autoscale / 3). Default true. */
  autoscale?: boolean;
}

/**
 * scVelo's velocity embedding from a transition matrix built with signed weights
 * (`transitionMatrix(graph, { useNegativeCosines: true })`, as scVelo's `velocity_embedding`): with J the
 * cell's targets other than itself, δ̂_ij the unit displacement x_j − x_i in the embedding and p_ij = T_ij
 * (rows were normalised with the self entry, which is then dropped without renormalising),
 *
 *   ν_i = Σ_{j∈J} p_ij·δ̂_ij − mean_{j∈J}(p_ij)·Σ_{j∈J} δ̂_ij,
 *
 * so transitions spread evenly around a cell give no arrow.
 */
export function velocityEmbedding(
  transition: SparseRows,
  embedding: ArrayLike<number>,
  dims: number,
  options: EmbeddingProjectionOptions = {},
): Float32Array {
  const n = transition.n;
  if (embedding.length !== n * dims) throw new ShapeError("embedding", `[${n}, ${dims}]`, `${embedding.length} values`);
  const out = new Float32Array(n * dims);
  const d = new Float64Array(dims);
  const weighted = new Float64Array(dims);
  const plain = new Float64Array(dims);
  for (let i = 0; i < n; i++) {
    weighted.fill(0);
    plain.fill(0);
    let count = 0;
    let pSum = 0;
    for (let p = transition.indptr[i]; p < transition.indptr[i + 1]; p++) {
      const j = transition.indices[p];
      if (j === i) continue;
      let norm = 0;
      for (let c = 0; c < dims; c++) {
        d[c] = embedding[j * dims + c] - embedding[i * dims + c];
        norm += d[c] * d[c];
      }
      norm = Math.sqrt(norm);
      for (let c = 0; c < dims; c++) {
        const unit = norm > 0 ? d[c] / norm : 0;
        weighted[c] += transition.data[p] * unit;
        plain[c] += unit;
      }
      pSum += transition.data[p];
      count++;
    }
    if (count === 0) continue;
    for (let c = 0; c < dims; c++) out[i * dims + c] = weighted[c] - (pSum / count) * plain[c];
  }
  if (options.autoscale ?? true) {
    const factor = 3 * quiverAutoscale(embedding, out, n, dims);
    if (factor > 0) for (let k = 0; k < out.length; k++) out[k] /= factor;
  }
  return out;
}

/**
 * scVelo's `quiver_autoscale`: matplotlib's automatic arrow scale for coordinates divided by max|x|,
 * 1.8·mean(‖v‖)·max(10, √n)/span, divided back by max|x|. (Arrows are shown at a third of it.) Only
 * lengths change; directions and every cosine-based metric are unaffected.
 */
function quiverAutoscale(embedding: ArrayLike<number>, v: Float32Array, n: number, dims: number): number {
  let maxAbs = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dims; c++) maxAbs = Math.max(maxAbs, Math.abs(embedding[i * dims + c]));
    lo = Math.min(lo, embedding[i * dims]);
    hi = Math.max(hi, embedding[i * dims]);
  }
  if (!(maxAbs > 0) || !(hi > lo)) return 0;
  const span = (hi - lo) / maxAbs;
  let meanLength = 0;
  for (let i = 0; i < n; i++) {
    let l = 0;
    for (let c = 0; c < dims; c++) l += v[i * dims + c] ** 2;
    meanLength += Math.sqrt(l) / n;
  }
  return (1.8 * meanLength * Math.max(10, Math.sqrt(n))) / span / maxAbs;
}
