/**
 * First- and second-order moments for RNA velocity, as scVelo's `pp.moments`: the neighbour graph is
 * binarised (any connectivity > 0 counts), each cell is added to its own neighbourhood and rows are
 * normalised, W = D⁻¹(A + I); then Ms = W·s, Mu = W·u (means over each cell's neighbourhood) and the
 * uncentred second moments Mss = W·(s∘s), Mus = W·(s∘u), Muu = W·(u∘u) used by the stochastic model.
 */
import { InputError, type ProgressCallback } from "@diffcell/core";
import { type AnnData, type CsrMatrix, type DenseMatrix, type Layer, toCsr } from "@diffcell/io";
import { graphProduct, multiplyElementwise } from "./array.js";
import { neighbors } from "./neighbors/neighbors.js";
import { normalizePerCell, notYetNormalized } from "./normalize.js";

export interface MomentsOptions {
  /** Use the `nNeighbors` strongest neighbours of the stored graph (default: all of them). */
  nNeighbors?: number;
  /** Which graph is binarised: `obsp.connectivities` (default) or `obsp.distances`. */
  mode?: "connectivities" | "distances";
  /** Layer names (default `spliced`, `unspliced`). */
  spliced?: string;
  unspliced?: string;
  /** Also store Mss, Mus, Muu. */
  secondOrder?: boolean;
  /** uns key of the neighbour graph (default `neighbors`). */
  neighborsKey?: string;
  /** Normalise un-normalised spliced/unspliced first, as scVelo does (default true). */
  normalize?: boolean;
  /** Computes the graph (PCA + kNN, 30 neighbours) when none is stored (default true, as scVelo). */
  computeNeighbors?: boolean;
  seed?: number;
  onProgress?: ProgressCallback;
}

/**
 * Moment weights W = D⁻¹(A + I) from a neighbour graph (array-level core): A is the graph's sparsity
 * pattern (entries > 0), optionally trimmed to each row's `nNeighbors` largest connectivities
 * (`largest = true`) or smallest distances. CSR, float32, each row summing to 1.
 */
export function momentWeights(graph: Layer, options: { nNeighbors?: number; largest?: boolean } = {}): CsrMatrix {
  const g = toCsr(graph);
  const n = g.rows;
  const keep = options.nNeighbors === undefined ? undefined : minNonZerosPerRow(g, options.nNeighbors);
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) {
    let entries: { j: number; v: number }[] = [];
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++)
      if (g.data[p] > 0 && g.indices[p] !== i) entries.push({ j: g.indices[p], v: g.data[p] });
    if (keep !== undefined && entries.length > keep) {
      // scVelo's select_connectivities/select_distances: keep the strongest (or nearest) per row.
      entries.sort((a, b) => ((options.largest ?? true) ? b.v - a.v : a.v - b.v));
      entries = entries.slice(0, keep);
    }
    const cols = [i, ...entries.map((e) => e.j)].sort((a, b) => a - b);
    for (const j of cols) idx.push(j);
    indptr[i + 1] = idx.length;
  }
  const data = new Float32Array(idx.length);
  for (let i = 0; i < n; i++) {
    const w = 1 / (indptr[i + 1] - indptr[i]);
    for (let p = indptr[i]; p < indptr[i + 1]; p++) data[p] = w;
  }
  return { format: "csr", data, indices: Int32Array.from(idx), indptr, rows: n, cols: n };
}

/** scVelo trims to min(stored neighbours over rows, n) per row. */
function minNonZerosPerRow(g: CsrMatrix, n: number): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < g.rows; i++) {
    let c = 0;
    for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) if (g.data[p] > 0) c++;
    min = Math.min(min, c);
  }
  return Math.min(min, n);
}

/**
 * The moment-weight graph as fixed-width neighbour lists (each row padded with weight 0), the input of
 * core's differentiable `neighborAverage` kernel: `indices`/`weights` are N × k row-major.
 */
export function paddedNeighbors(w: CsrMatrix): { indices: Int32Array; weights: Float32Array; k: number } {
  let k = 0;
  for (let i = 0; i < w.rows; i++) k = Math.max(k, w.indptr[i + 1] - w.indptr[i]);
  const indices = new Int32Array(w.rows * k);
  const weights = new Float32Array(w.rows * k);
  for (let i = 0; i < w.rows; i++) {
    let r = 0;
    for (let p = w.indptr[i]; p < w.indptr[i + 1]; p++, r++) {
      indices[i * k + r] = w.indices[p];
      weights[i * k + r] = w.data[p];
    }
    for (; r < k; r++) indices[i * k + r] = i;
  }
  return { indices, weights, k };
}

/** First moment W·x (dense float32, N × G). */
export function firstMoment(weights: CsrMatrix, x: Layer): Float32Array {
  checkRows(weights, x);
  return graphProduct(weights, x);
}

/** Uncentred second moment W·(x∘y), or W·(x∘x) without `y`. */
export function secondMoment(weights: CsrMatrix, x: Layer, y?: Layer): Float32Array {
  checkRows(weights, x);
  if (!y) return graphProduct(weights, x, (v) => v * v);
  if (y.rows !== x.rows || y.cols !== x.cols) {
    throw new InputError("secondMoment", `layers differ in shape: [${x.rows}, ${x.cols}] vs [${y.rows}, ${y.cols}]`);
  }
  return graphProduct(weights, multiplyElementwise(x, y));
}

function checkRows(w: CsrMatrix, x: Layer): void {
  if (w.rows !== x.rows) throw new InputError("moments", `graph has ${w.rows} cells, the layer has ${x.rows}`);
}

/** The stored graph's moment weights (scVelo's `get_connectivities`), or an error naming what is missing. */
export function momentWeightsOf(adata: AnnData, options: MomentsOptions = {}): CsrMatrix {
  const mode = options.mode ?? "connectivities";
  const uns = adata.uns[options.neighborsKey ?? "neighbors"] as
    | { params?: { n_neighbors?: number }; [k: string]: unknown }
    | undefined;
  const key = (uns?.[`${mode}_key`] as string | undefined) ?? mode;
  const graph = adata.obspKey(key);
  const stored = uns?.params?.n_neighbors;
  const trim = options.nNeighbors !== undefined && stored !== undefined && options.nNeighbors < stored;
  return momentWeights(graph, {
    nNeighbors: trim ? options.nNeighbors : undefined,
    largest: mode === "connectivities",
  });
}

/** Computes `layers.Ms`, `layers.Mu` (and `Mss`, `Mus`, `Muu` with `secondOrder`) in place. */
export function moments(adata: AnnData, options: MomentsOptions = {}): AnnData {
  const sName = options.spliced ?? "spliced";
  const uName = options.unspliced ?? "unspliced";
  adata.layer(sName);
  adata.layer(uName);
  if ((options.normalize ?? true) && [sName, uName].some((l) => notYetNormalized(adata.layer(l)))) {
    normalizePerCell(adata, { layers: [sName, uName] });
  }
  const graphKey = options.neighborsKey ?? "neighbors";
  if (!(graphKey in adata.uns) && (options.computeNeighbors ?? true)) {
    neighbors(adata, { nNeighbors: options.nNeighbors ?? 30, seed: options.seed, onProgress: options.onProgress });
  }
  const w = momentWeightsOf(adata, options);
  const s = adata.layer(sName);
  const u = adata.layer(uName);
  const dense = (data: Float32Array): DenseMatrix => ({ format: "dense", data, rows: adata.nObs, cols: adata.nVars });
  const total = options.secondOrder ? 5 : 2;
  const progress = (done: number, message: string) => options.onProgress?.({ stage: "moments", done, total, message });
  adata.layers.Ms = dense(firstMoment(w, s));
  progress(1, "Ms");
  adata.layers.Mu = dense(firstMoment(w, u));
  progress(2, "Mu");
  if (options.secondOrder) {
    adata.layers.Mss = dense(secondMoment(w, s));
    progress(3, "Mss");
    adata.layers.Mus = dense(secondMoment(w, s, u));
    progress(4, "Mus");
    adata.layers.Muu = dense(secondMoment(w, u));
    progress(5, "Muu");
  }
  return adata;
}
