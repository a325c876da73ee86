import { InputError, ShapeError } from "@diffcell/core";
import { finiteColumns } from "./columns.js";
import { neighborCosines } from "./neighborCosineKernel.js";

export interface ClusterMetricsInput {
  /** Cluster label per cell. */
  clusters: readonly string[];
  /** kNN neighbour lists N × k (as `uns.neighbors.indices`: the cell itself first). */
  neighbors: Int32Array;
}

/**
 * Cross-boundary direction correctness (CBDir; Qiao & Huang's VeloAE, as implemented in UniTVelo's
 * evaluation): for each known transition A → B, over the cells of A with kNN neighbours in B, the mean
 * cosine between the cell's velocity in the embedding and the displacements to those B neighbours;
 * averaged per cell, then per edge, then over edges. Returns the mean and the per-edge scores.
 */
export function crossBoundaryCorrectness(
  input: ClusterMetricsInput & { embedding: ArrayLike<number>; velocityEmbedding: ArrayLike<number>; dims?: number },
  edges: ReadonlyArray<readonly [string, string]>,
): { mean: number; perEdge: Map<string, number> } {
  const { clusters, neighbors, embedding, velocityEmbedding } = input;
  const n = clusters.length;
  const dims = input.dims ?? 2;
  const k = neighbors.length / n;
  checkLengths(n, k, neighbors);
  if (embedding.length !== n * dims) throw new ShapeError("embedding", `[${n}, ${dims}]`, `${embedding.length} values`);
  if (velocityEmbedding.length !== n * dims) {
    throw new ShapeError("velocityEmbedding", `[${n}, ${dims}]`, `${velocityEmbedding.length} values`);
  }
  const perEdge = new Map<string, number>();
  for (const [from, to] of edges) {
    checkCluster(clusters, from);
    checkCluster(clusters, to);
    const scores: number[] = [];
    for (let i = 0; i < n; i++) {
      if (clusters[i] !== from) continue;
      let sum = 0;
      let count = 0;
      for (let r = 0; r < k; r++) {
        const j = neighbors[i * k + r];
        if (clusters[j] !== to) continue;
        let dot = 0;
        let dd = 0;
        let vv = 0;
        for (let c = 0; c < dims; c++) {
          const d = embedding[j * dims + c] - embedding[i * dims + c];
          const v = velocityEmbedding[i * dims + c];
          dot += d * v;
          dd += d * d;
          vv += v * v;
        }
        sum += dd > 0 && vv > 0 ? dot / Math.sqrt(dd * vv) : 0;
        count++;
      }
      if (count > 0) scores.push(sum / count);
    }
    perEdge.set(`${from} → ${to}`, scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : Number.NaN);
  }
  const finite = [...perEdge.values()].filter(Number.isFinite);
  return { mean: finite.length ? finite.reduce((a, b) => a + b, 0) / finite.length : Number.NaN, perEdge };
}

/**
 * In-cluster coherence (ICCoh; VeloAE / UniTVelo): for each cell, the mean cosine between its velocity
 * (gene space) and the velocities of its kNN neighbours in the same cluster — the cell itself included, as
 * the reference implementation counts it; averaged per cluster, then over clusters. Genes with a non-finite velocity in any cell are left out (scVelo writes NaN for genes
 * it did not fit).
 */
export function innerClusterCoherence(input: ClusterMetricsInput & { velocity: ArrayLike<number>; nGenes: number }): {
  mean: number;
  perCluster: Map<string, number>;
} {
  const { clusters, neighbors, velocity, nGenes: g } = input;
  const n = clusters.length;
  const k = neighbors.length / n;
  checkLengths(n, k, neighbors);
  if (velocity.length !== n * g) throw new ShapeError("velocity", `[${n}, ${g}]`, `${velocity.length} values`);
  const finite = finiteColumns(velocity, n, g);
  const keep: number[] = [];
  for (let j = 0; j < g; j++) if (finite[j]) keep.push(j);
  if (keep.length === 0) throw new InputError("velocity", "no gene has a finite velocity in every cell");
  // The kept genes as float32 rows (one N × m copy), cosines with same-cluster neighbours on the worker pool.
  const codes = new Map<string, number>();
  const groups = Int32Array.from(clusters, (c) => {
    let code = codes.get(c);
    if (code === undefined) {
      code = codes.size;
      codes.set(c, code);
    }
    return code;
  });
  const m = keep.length;
  const { sum, count } = neighborCosines(
    n,
    m,
    (x) => {
      for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) x[i * m + c] = velocity[i * g + keep[c]];
    },
    neighbors,
    { groups },
  );
  const byCluster = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    if (count[i] === 0) continue;
    const list = byCluster.get(clusters[i]) ?? [];
    list.push(sum[i] / count[i]);
    byCluster.set(clusters[i], list);
  }
  const perCluster = new Map<string, number>();
  for (const [c, list] of byCluster) perCluster.set(c, list.reduce((a, b) => a + b, 0) / list.length);
  const values = [...perCluster.values()];
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, perCluster };
}

/** Parses `"A>B;B>C"` (the CLI's `--edges`; `->` and `→` work too) into pairs. */
export function parseEdges(text: string): Array<[string, string]> {
  return text
    .split(";")
    .map((e) => e.trim())
    .filter((e) => e.length > 0)
    .map((e) => {
      const parts = e.split(/->|→|>/).map((p) => p.trim());
      if (parts.length !== 2 || !parts[0] || !parts[1])
        throw new InputError("edges", `"${e}" is not of the form "A>B"`);
      return [parts[0], parts[1]] as [string, string];
    });
}

function checkLengths(n: number, k: number, neighbors: Int32Array): void {
  if (!Number.isInteger(k) || k < 1)
    throw new ShapeError("neighbors", `${n} × k indices`, `${neighbors.length} values`);
}

function checkCluster(clusters: readonly string[], name: string): void {
  if (!clusters.includes(name)) {
    const known = [...new Set(clusters)].join(", ");
    throw new InputError("edges", `cluster "${name}" does not exist (clusters: ${known})`);
  }
}
