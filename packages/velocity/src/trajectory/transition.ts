import { stats } from "@diffcell/core";
import type { VelocityGraph } from "./graph.js";
import type { SparseRows } from "./sparse.js";

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
  const scale = options.scale ?? 10;
  const signed = options.useNegativeCosines ?? false;
  const { graph, graphNeg } = velocityGraph;
  const n = graph.n;
  let rows: Array<Map<number, number>> = [];
  const confidence = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = new Map<number, number>();
    let best = 0;
    for (let p = graph.indptr[i]; p < graph.indptr[i + 1]; p++) {
      const cos = graph.data[p];
      row.set(graph.indices[p], signed ? Math.expm1(scale * cos) : Math.exp(scale * cos));
      best = Math.max(best, cos);
    }
    for (let p = graphNeg.indptr[i]; p < graphNeg.indptr[i + 1]; p++) {
      const cos = graphNeg.data[p];
      row.set(graphNeg.indices[p], signed ? -Math.expm1(-scale * cos) : Math.exp(scale * cos));
    }
    confidence[i] = best;
    rows.push(row);
  }
  if (options.selfTransitions ?? true) {
    const upper = stats.quantile(confidence, 0.98);
    for (let i = 0; i < n; i++) {
      const self = Math.min(Math.max(upper - confidence[i], 0), 1);
      if (self > 0) rows[i].set(i, signed ? Math.expm1(scale * self) : Math.exp(scale * self));
    }
  }
  if (options.backward) rows = transposeRows(rows, n);
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) indptr[i + 1] = indptr[i] + rows[i].size;
  const indices = new Int32Array(indptr[n]);
  const data = new Float32Array(indptr[n]);
  for (let i = 0; i < n; i++) {
    const entries = [...rows[i].entries()].sort((a, b) => a[0] - b[0]);
    let total = 0;
    for (const [, w] of entries) total += Math.abs(w);
    entries.forEach(([j, w], r) => {
      indices[indptr[i] + r] = j;
      data[indptr[i] + r] = total > 0 ? w / total : 0;
    });
  }
  return { n, indptr, indices, data };
}

function transposeRows(rows: Array<Map<number, number>>, n: number): Array<Map<number, number>> {
  const out = Array.from({ length: n }, () => new Map<number, number>());
  rows.forEach((row, i) => {
    for (const [j, w] of row) out[j].set(i, w);
  });
  return out;
}
