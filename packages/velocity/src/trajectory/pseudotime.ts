import { lanczosEigen, Rngs, releaseWorkerMemory, stats } from "@diffcell/core";
import type { VelocityGraph } from "./graph.js";
import { CsrBuilder, RowOrder, type SparseRows } from "./sparse.js";
import { productArray, sparseProduct } from "./sparseProductKernel.js";
import { chainMatrices, transpose } from "./transition.js";

export interface PseudotimeOptions {
  /** kNN lists N × k (self included) used to smooth root/end scores, as scVelo's connectivities. */
  neighbors: Int32Array;
  /** Diffusion components (scVelo's n_dcs = 10). */
  nComponents?: number;
  /** Also diffuse back from the end point and average (scVelo's default when end points exist). */
  useEndPoints?: boolean;
  seed?: number;
  /**
   * Also return `alternatives`: the diffusion pseudotime from each end of the first `alternatives` non-trivial
   * diffusion components (2 orderings per component), for callers that choose among orderings (default 0).
   */
  alternatives?: number;
}

export interface PseudotimeResult {
  pseudotime: Float64Array;
  /** Root and end-point scores in [0, 1] (scVelo's `root_cells`, `end_points`). */
  rootCells: Float64Array;
  endPoints: Float64Array;
  root: number;
  /** Diffusion pseudotimes from other candidate roots (see `PseudotimeOptions.alternatives`). */
  alternatives: Float64Array[];
}

/**
 * Velocity pseudotime (scVelo's `velocity_pseudotime`): diffusion pseudotime on the symmetrised velocity
 * graph (|cosine| on every edge, density-normalised), measured from the most likely root cell (where the
 * backward velocity chain accumulates) and, when asked, averaged with 1 − the distance from the end point.
 *
 * Root and end scores: where the backward / forward velocity chain puts its mass after 100 steps from
 * the uniform distribution (power iteration; scVelo takes the eigenvectors of eigenvalue ≥ 1 − 1e-3, i.e.
 * the chain's (quasi-)stationary states), clipped at the 2nd/98th percentiles, averaged over each cell's kNN
 * and scaled to [0, 1].
 */
export function velocityPseudotime(velocityGraph: VelocityGraph, options: PseudotimeOptions): PseudotimeResult {
  // Each phase builds its matrices (and the pool's shared copies of them) in a function of its own, so they go
  // before the next phase allocates: at 100k cells each held over a GB.
  const { rootCells, endPoints } = terminalScores(velocityGraph, options.neighbors);
  releaseWorkerMemory();
  const { values, vectors } = diffusionComponents(velocityGraph, options.nComponents ?? 10, options.seed ?? 0);
  releaseWorkerMemory();
  const root = argmax(smooth(rootCells, options.neighbors));
  const fromRoot = dptDistance(values, vectors, root);
  let pseudotime = normaliseFinite(fromRoot);
  if (options.useEndPoints ?? true) {
    const end = argmax(smooth(endPoints, options.neighbors));
    const fromEnd = normaliseFinite(dptDistance(values, vectors, end));
    pseudotime = scale01(Float64Array.from(pseudotime, (p, i) => (p + (1 - fromEnd[i])) / 2));
  }
  const alternatives: Float64Array[] = [];
  // Component 0 is the trivial (constant-direction) one; the next components' extremes are the trajectory's ends.
  for (let l = 1; l <= Math.min(options.alternatives ?? 0, vectors.length - 1); l++) {
    const phi = vectors[l];
    for (const from of [argmax(phi), argmax(Float64Array.from(phi, (x) => -x))])
      alternatives.push(normaliseFinite(dptDistance(values, vectors, from)));
  }
  return { pseudotime, rootCells, endPoints, root, alternatives };
}

/**
 * Where a velocity chain's mass ends (scVelo's terminal_states), given the matrix of its distribution step
 * (`chainMatrices`: next = M·p, M = Tᵀ as CSR over T's columns, each listing its source cells in increasing
 * order, weights float32), post-processed as scVelo.
 */
function terminalScore(chain: SparseRows, neighbors: Int32Array, steps = 100): Float64Array {
  const n = chain.n;
  // The chain mixes slowly (second eigenvalue ≈ 0.995 on pancreas), so this is not run to convergence:
  // after `steps` steps the mass sits where the (backward) velocity flow ends, which is what roots and end
  // points are. Each step runs on the worker pool when the chain is large (rows in fixed chunks: the same
  // sums on any thread count); 4 × 100 steps over ~8 M entries were 15 s of a 33k-cell run on one thread.
  const step = sparseProduct(n, chain.indptr, chain.indices, chain.data);
  let p = new Float64Array(n).fill(1 / n);
  let next = new Float64Array(n);
  for (let iter = 0; iter < steps; iter++) {
    step(p, next);
    let total = 0;
    for (let i = 0; i < n; i++) total += next[i];
    let change = 0;
    for (let i = 0; i < n; i++) {
      next[i] /= total || 1;
      change += Math.abs(next[i] - p[i]);
    }
    [p, next] = [next, p];
    if (change < 1e-10) break;
  }
  const lo = stats.quantile(p, 0.02);
  const hi = stats.quantile(p, 0.98);
  const clipped = Float64Array.from(p, (v) => (v < lo ? 0 : Math.min(v, hi)));
  const maximum = stats.max(clipped) || 1;
  const e = Float64Array.from(clipped, (v) => v / maximum);
  const smoothed = smooth(e, neighbors);
  const upper = stats.quantile(smoothed, 0.98);
  return scale01(Float64Array.from(smoothed, (v) => Math.min(Math.max(v, 0), upper)));
}

/** Root cells (where the backward chain ends) and end points (where the forward chain ends). */
function terminalScores(
  velocityGraph: VelocityGraph,
  neighbors: Int32Array,
): { rootCells: Float64Array; endPoints: Float64Array } {
  const chains = chainMatrices(velocityGraph, { selfTransitions: false });
  return { rootCells: terminalScore(chains.backward, neighbors), endPoints: terminalScore(chains.forward, neighbors) };
}

/** Top eigenpairs of the density-normalised symmetric kernel built from |cosines| (scanpy's DPT transitions). */
function diffusionComponents(velocityGraph: VelocityGraph, k: number, seed: number) {
  // Only the product closure (holding the pool's shared copies on large graphs) outlives the kernel's build.
  const apply = diffusionOperator(velocityGraph);
  return lanczosEigen(apply, velocityGraph.graph.n, Math.min(k, velocityGraph.graph.n - 1), { rngs: new Rngs(seed) });
}

/** y ← T·x for the diffusion kernel T of {@link diffusionComponents}. */
function diffusionOperator(velocityGraph: VelocityGraph): (x: Float64Array, y: Float64Array) => void {
  const k0 = symmetricAbsolute(velocityGraph);
  const { n, indptr, indices } = k0;
  const weights = productArray(Float64Array, k0.data.length, k0.data.length);
  weights.set(k0.data);
  // K = D_q⁻¹ K0 D_q⁻¹ (q = row sums), then T = D_z⁻¹ K D_z⁻¹ with z = √(row sums of K).
  const q = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let p = indptr[i]; p < indptr[i + 1]; p++) q[i] += weights[p];
  for (let i = 0; i < n; i++) if (q[i] === 0) q[i] = 1;
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      weights[p] /= q[i] * q[indices[p]];
      z[i] += weights[p];
    }
  }
  for (let i = 0; i < n; i++) z[i] = z[i] > 0 ? Math.sqrt(z[i]) : 1;
  for (let i = 0; i < n; i++) for (let p = indptr[i]; p < indptr[i + 1]; p++) weights[p] /= z[i] * z[indices[p]];
  // y ← T·x (T symmetric), on the worker pool on large graphs: the mat-vecs were most of a 4.7 s diffusion
  // map on 33k cells (~8 M entries, 60 Lanczos steps).
  return sparseProduct(n, indptr, indices, weights);
}

/**
 * K0 = A + Aᵀ with A = |cosine| on every stored edge (positive and negative graphs), as CSR with sorted
 * columns: per row, a merge of the row of A and the column of A (the transpose built by counting).
 */
function symmetricAbsolute(velocityGraph: VelocityGraph): SparseRows {
  const { graph, graphNeg } = velocityGraph;
  const n = graph.n;
  // A itself: the union of the two graphs (disjoint edges), rows sorted by column.
  const union = new CsrBuilder(n, graph.indices.length + graphNeg.indices.length);
  let cols = new Int32Array(64);
  let vals = new Float64Array(64);
  const rowOrder = new RowOrder("velocity graph");
  for (let i = 0; i < n; i++) {
    const size = graph.indptr[i + 1] - graph.indptr[i] + graphNeg.indptr[i + 1] - graphNeg.indptr[i];
    if (size > cols.length) {
      cols = new Int32Array(2 * size);
      vals = new Float64Array(2 * size);
    }
    let count = 0;
    for (const g of [graph, graphNeg]) {
      for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
        cols[count] = g.indices[p];
        vals[count++] = Math.abs(g.data[p]);
      }
    }
    // The two graphs' columns are disjoint, so the order by column is unique.
    const order = rowOrder.of(cols, [graph.indptr[i + 1] - graph.indptr[i], count]);
    for (let r = 0; r < count; r++) union.push(cols[order[r]], vals[order[r]]);
    union.endRow();
  }
  const a = union.build();
  // Aᵀ with rows sorted (transition.ts's counting transpose).
  const [counts, tIndices, tData] = transpose(a.indptr, a.indices, a.data, n);
  // Rows merged twice, counting and then filling, so the arrays have their exact size from the start and the
  // column indices live where the diffusion map's products read them (`productArray`).
  const merge = (row: number, put: (column: number, value: number) => void) => {
    let p = a.indptr[row];
    let q = counts[row];
    const pEnd = a.indptr[row + 1];
    const qEnd = counts[row + 1];
    while (p < pEnd || q < qEnd) {
      const cp = p < pEnd ? a.indices[p] : n;
      const cq = q < qEnd ? tIndices[q] : n;
      if (cp === cq) put(cp, a.data[p++] + tData[q++]);
      else if (cp < cq) put(cp, a.data[p++]);
      else put(cq, tData[q++]);
    }
  };
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    let size = 0;
    merge(i, () => size++);
    indptr[i + 1] = indptr[i] + size;
  }
  const indices = productArray(Int32Array, indptr[n], indptr[n]);
  const data = new Float32Array(indptr[n]);
  let at = 0;
  for (let i = 0; i < n; i++) {
    merge(i, (column, value) => {
      indices[at] = column;
      data[at++] = value;
    });
  }
  return { n, indptr, indices, data };
}

/** scanpy's DPT distance from one cell using the diffusion components (λ → λ/(1−λ) below 0.9994). */
function dptDistance(values: Float64Array, vectors: Float64Array[], from: number): Float64Array {
  const n = vectors[0].length;
  const d = new Float64Array(n);
  values.forEach((lambda, l) => {
    const w = lambda < 0.9994 ? lambda / (1 - lambda) : 1;
    const phi = vectors[l];
    for (let i = 0; i < n; i++) d[i] += (w * (phi[from] - phi[i])) ** 2;
  });
  for (let i = 0; i < n; i++) d[i] = Math.sqrt(d[i]);
  return d;
}

function smooth(x: Float64Array, neighbors: Int32Array): Float64Array {
  const n = x.length;
  const k = neighbors.length / n;
  return Float64Array.from(x, (_, i) => {
    let s = 0;
    let count = 0;
    let selfSeen = false;
    for (let r = 0; r < k; r++) {
      const j = neighbors[i * k + r];
      if (j === i) selfSeen = true;
      s += x[j];
      count++;
    }
    if (!selfSeen) {
      s += x[i];
      count++;
    }
    return s / count;
  });
}

function argmax(x: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
  return best;
}

function normaliseFinite(x: Float64Array): Float64Array {
  const m = stats.max(Array.from(x).filter(Number.isFinite)) || 1;
  return Float64Array.from(x, (v) => v / m);
}

function scale01(x: Float64Array): Float64Array {
  const lo = stats.min(x);
  const hi = stats.max(x);
  return Float64Array.from(x, (v) => (hi > lo ? (v - lo) / (hi - lo) : 0));
}
