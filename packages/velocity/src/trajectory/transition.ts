import { stats } from "@diffcell/core";
import type { VelocityGraph } from "./graph.js";
import { RowOrder, type SparseRows } from "./sparse.js";
import { type ArrayKind, productArray } from "./sparseProductKernel.js";

/** Makes a zeroed typed array of a kind and length (plain, or shared: `productArray`). */
type Allocate = <T extends Int32Array | Float32Array | Float64Array>(kind: ArrayKind<T>, length: number) => T;

export interface TransitionOptions {
  /** Kernel scale on the cosines (scVelo's default 10). */
  scale?: number;
  /** Self-transition clip(q98(max cos) − max_j cos_ij, 0, 1) per cell (scVelo's default). */
  selfTransitions?: boolean;
  /**
   * false (scVelo's `transition_matrix` default): weight exp(scale·cos) on every edge with a non-zero cosine,
   * negative ones included. true (what scVelo's `velocity_embedding` uses): e^{scale·cos} − 1 on positive
   * edges and −(e^{scale·|cos|} − 1) on negative ones, i.e. signed weights that push away.
   */
  useNegativeCosines?: boolean;
  /** Transpose before normalising (transitions into each cell: used to find root cells). */
  backward?: boolean;
}

/**
 * scVelo's transition matrix from the velocity graph, rows normalised by Σ_j |T_ij| (self entry included).
 * Missing edges have weight 0. The self entry is e^{scale·sp} (or e^{scale·sp} − 1 with negative cosines)
 * where sp = clip(q98(conf) − conf_i, 0, 1) > 0.
 */
export function transitionMatrix(velocityGraph: VelocityGraph, options: TransitionOptions = {}): SparseRows {
  const w = transitionWeights(velocityGraph, options);
  if (!options.backward) return { n: w.n, indptr: w.indptr, indices: w.indices, data: normalizeRows(w) };
  const [indptr, indices, weights] = transpose(w.indptr, w.indices, w.weights, w.n);
  return { n: w.n, indptr, indices, data: normalizeRows({ n: w.n, indptr, weights }) };
}

/** The transition matrix's unnormalised weights (float64), rows sorted by column. */
export interface TransitionWeights {
  n: number;
  indptr: Int32Array;
  indices: Int32Array;
  weights: Float64Array;
}

/** {@link transitionMatrix} before the rows are normalised (and without `backward`). */
export function transitionWeights(
  velocityGraph: VelocityGraph,
  options: Omit<TransitionOptions, "backward"> = {},
): TransitionWeights {
  const scale = options.scale ?? 10;
  const signed = options.useNegativeCosines ?? false;
  const { graph, graphNeg } = velocityGraph;
  const n = graph.n;
  const confidence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let p = graph.indptr[i]; p < graph.indptr[i + 1]; p++) best = Math.max(best, graph.data[p]);
    confidence[i] = best;
  }
  const self = new Float64Array(n);
  if (options.selfTransitions ?? true) {
    const upper = stats.quantile(confidence, 0.98);
    for (let i = 0; i < n; i++) self[i] = Math.min(Math.max(upper - confidence[i], 0), 1);
  }
  // Unnormalised weights as CSR with columns sorted per row, kept in float64 until normalised.
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const size = graph.indptr[i + 1] - graph.indptr[i] + graphNeg.indptr[i + 1] - graphNeg.indptr[i];
    indptr[i + 1] = indptr[i] + size + (self[i] > 0 ? 1 : 0);
  }
  // The column indices are also the backward chain's (`chainMatrices`): made where its product reads them.
  const indices = productArray(Int32Array, indptr[n], indptr[n]);
  const weights = new Float64Array(indptr[n]);
  // Per row: the entries in input order (the positive graph's row, the negative graph's, the self entry),
  // then ordered by column (merged: each part is sorted; an insertion per entry was quadratic in the row
  // length, 7 s of a 33k-cell run with ~240 entries per row, and one sort per row 1.5 s of a 100k-cell one).
  let cols = new Int32Array(64);
  let vals = new Float64Array(64);
  const rowOrder = new RowOrder("velocity graph");
  for (let i = 0; i < n; i++) {
    const size = indptr[i + 1] - indptr[i];
    if (size > cols.length) {
      cols = new Int32Array(2 * size);
      vals = new Float64Array(2 * size);
    }
    let count = 0;
    for (let p = graph.indptr[i]; p < graph.indptr[i + 1]; p++) {
      const cos = graph.data[p];
      cols[count] = graph.indices[p];
      vals[count++] = signed ? Math.expm1(scale * cos) : Math.exp(scale * cos);
    }
    const positives = count;
    for (let p = graphNeg.indptr[i]; p < graphNeg.indptr[i + 1]; p++) {
      const cos = graphNeg.data[p];
      cols[count] = graphNeg.indices[p];
      vals[count++] = signed ? -Math.expm1(-scale * cos) : Math.exp(scale * cos);
    }
    const negatives = count;
    if (self[i] > 0) {
      cols[count] = i;
      vals[count++] = signed ? Math.expm1(scale * self[i]) : Math.exp(scale * self[i]);
    }
    const order = rowOrder.of(cols, [positives, negatives, count]);
    for (let e = 0; e < count; e++) {
      indices[indptr[i] + e] = cols[order[e]];
      weights[indptr[i] + e] = vals[order[e]];
    }
  }
  return { n, indptr, indices, weights };
}

/** Each row divided by its Σ|w| (rows without weight: 0), as float32. */
function normalizeRows(w: Pick<TransitionWeights, "n" | "indptr" | "weights">): Float32Array {
  const { n, indptr, weights } = w;
  const data = new Float32Array(weights.length);
  for (let i = 0; i < n; i++) {
    let total = 0;
    for (let p = indptr[i]; p < indptr[i + 1]; p++) total += Math.abs(weights[p]);
    for (let p = indptr[i]; p < indptr[i + 1]; p++) data[p] = total > 0 ? weights[p] / total : 0;
  }
  return data;
}

/**
 * Both Markov chains of the velocity graph as the matrices M of their distribution steps, next = M·p (M = Tᵀ
 * as CSR): `forward` = Tᵀ for T = `transitionMatrix(graph, options)`, `backward` = T_bᵀ
 * for T_b = `transitionMatrix(graph, { ...options, backward: true })` — from one set of weights W. T_bᵀ is
 * W with each entry divided by its column's Σ|w| (summed in increasing row order, as T_b's row sums are), in
 * W's own layout: the same float32 values as transposing T_b, without building W twice or transposing twice.
 */
export function chainMatrices(
  velocityGraph: VelocityGraph,
  options: Omit<TransitionOptions, "backward"> = {},
): { forward: SparseRows; backward: SparseRows } {
  const w = transitionWeights(velocityGraph, options);
  const { n, indptr, indices, weights } = w;
  // Both matrices' arrays made where the chains' products read them (`productArray`).
  const entries = indices.length;
  const [start, sources, data] = transpose(indptr, indices, normalizeRows(w), n, (kind, length) =>
    productArray(kind, length, entries),
  );
  const columnTotal = new Float64Array(n);
  for (let i = 0; i < n; i++)
    for (let p = indptr[i]; p < indptr[i + 1]; p++) columnTotal[indices[p]] += Math.abs(weights[p]);
  const backward = productArray(Float32Array, weights.length, entries);
  for (let p = 0; p < weights.length; p++) {
    const total = columnTotal[indices[p]];
    backward[p] = total > 0 ? weights[p] / total : 0;
  }
  return {
    forward: { n, indptr: start, indices: sources, data },
    backward: { n, indptr, indices, data: backward },
  };
}

/**
 * CSR transpose by counting: each row of the result lists its entries in increasing source-row order. `alloc`
 * makes the result's arrays (default: plain typed arrays).
 */
export function transpose<W extends Float32Array | Float64Array>(
  indptr: Int32Array,
  indices: Int32Array,
  weights: W,
  n: number,
  alloc: Allocate = (kind, length) => new kind(length),
): [Int32Array, Int32Array, W] {
  const start = alloc(Int32Array, n + 1);
  for (let p = 0; p < indices.length; p++) start[indices[p] + 1]++;
  for (let j = 0; j < n; j++) start[j + 1] += start[j];
  const next = start.slice(0, n);
  const tIndices = alloc(Int32Array, indices.length);
  const tWeights = (
    weights instanceof Float32Array ? alloc(Float32Array, indices.length) : alloc(Float64Array, indices.length)
  ) as W;
  for (let i = 0; i < n; i++) {
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const j = indices[p];
      tIndices[next[j]] = i;
      tWeights[next[j]++] = weights[p];
    }
  }
  return [start, tIndices, tWeights];
}
