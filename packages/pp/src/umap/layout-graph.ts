/**
 * The edge list the layout optimiser samples, built as umap-learn's `simplicial_set_embedding` does from
 * the symmetric fuzzy graph: edges lighter than max(w)/n_epochs are dropped (they would be sampled less
 * than once), and every kept edge (i → j and j → i both, in CSR order) is sampled once every
 * max(w)/w epochs (`make_epochs_per_sample`), so heavy edges pull more often.
 */
import { InputError, ShapeError } from "@diffcell/core";
import type { CsrMatrix } from "@diffcell/io";

export interface LayoutGraph {
  /** Number of vertices (cells). */
  n: number;
  /** Kept edges as CSR over vertices (for the spectral start): row pointers, columns, weights. */
  indptr: Int32Array;
  /** Edge heads (row of each kept entry). */
  head: Int32Array;
  /** Edge tails (column). */
  tail: Int32Array;
  weight: Float64Array;
  /** Epochs between two samples of each edge: max(w)/w ≥ 1. */
  epochsPerSample: Float64Array;
}

/**
 * Keeps edges with w ≥ max(w)/nEpochs (nEpochs ≤ 10 prunes as if 200, as umap-learn). Self-loops are
 * dropped too: the fuzzy union has none, and one would only add negative samples around a no-op pull.
 */
export function layoutGraph(graph: CsrMatrix, nEpochs: number): LayoutGraph {
  const n = graph.rows;
  if (graph.cols !== n) throw new ShapeError("umap graph", "square (cells × cells)", [graph.rows, graph.cols]);
  if (graph.indptr.length !== n + 1)
    throw new ShapeError("umap graph indptr", `length ${n + 1}`, [graph.indptr.length]);
  let max = 0;
  const nnz = graph.indptr[n];
  for (let p = 0; p < nnz; p++) {
    const w = graph.data[p];
    if (!(w >= 0) || !Number.isFinite(w)) throw new InputError("umap graph", "edge weights must be finite and ≥ 0", p);
    const c = graph.indices[p];
    if (!(c >= 0 && c < n)) throw new InputError("umap graph", `column index ${c} outside [0, ${n})`, p);
    if (w > max) max = w;
  }
  // umap-learn prunes with n_epochs only when it exceeds 10 (a tiny n_epochs would otherwise keep nothing).
  const threshold = max / (nEpochs > 10 ? nEpochs : 200);
  const indptr = new Int32Array(n + 1);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    for (let p = graph.indptr[i]; p < graph.indptr[i + 1]; p++) {
      const w = graph.data[p];
      if (w > 0 && w >= threshold && graph.indices[p] !== i) kept++;
    }
    indptr[i + 1] = kept;
  }
  const head = new Int32Array(kept);
  const tail = new Int32Array(kept);
  const weight = new Float64Array(kept);
  const epochsPerSample = new Float64Array(kept);
  let e = 0;
  for (let i = 0; i < n; i++) {
    for (let p = graph.indptr[i]; p < graph.indptr[i + 1]; p++) {
      const w = graph.data[p];
      if (!(w > 0 && w >= threshold && graph.indices[p] !== i)) continue;
      head[e] = i;
      tail[e] = graph.indices[p];
      weight[e] = w;
      // n_epochs / (n_epochs · w / max) as umap-learn writes it; equal to max / w up to rounding.
      epochsPerSample[e] = nEpochs / (nEpochs * (w / max));
      e++;
    }
  }
  return { n, indptr, head, tail, weight, epochsPerSample };
}
