/**
 * 2-D embedding with umap-js fed our kNN graph (`setPrecomputedKNN`, so umap-js does no search of its
 * own) and a seeded random source from core's `Rngs`: the same seed gives the same `obsm.X_umap`.
 * Defaults follow scanpy's `tl.umap`: min_dist 0.5, spread 1, 500 epochs up to 10 000 cells (200 above).
 * umap-js starts from random positions; by default we start from the first two principal components
 * scaled to [−10, 10] instead (umap-learn's `init="pca"`), which keeps the global layout stable.
 */
import { ConfigError, type KnnResult, type Matrix, type ProgressCallback, Rngs } from "@diffcell/core";
import { type AnnData, type CsrMatrix, toCsr } from "@diffcell/io";
import { UMAP } from "umap-js";
import { knnFromDistanceMatrix } from "./neighbors/knn-graph.js";
import { neighbors, neighborsInput } from "./neighbors/neighbors.js";

export interface UmapOptions {
  nComponents?: number;
  minDist?: number;
  spread?: number;
  nEpochs?: number;
  /** "pca" (default): first principal components of the input; "random": umap-js's uniform start. */
  init?: "pca" | "random";
  seed?: number;
  rngs?: Rngs;
  /** uns key of the neighbour graph (default `neighbors`); computed with defaults if absent. */
  neighborsKey?: string;
  /** obsm key for the result (default `X_umap`). */
  key?: string;
  onProgress?: ProgressCallback;
}

/**
 * A umap-js random source drawing from `rngs` in blocks (umap-js calls it millions of times, mostly to
 * pick negative samples). Each value uses one 32-bit Philox word — half the cost of `uniform`'s 53-bit
 * doubles, and resolution 2⁻³² is ample for choosing among cells.
 */
export function randomSource(rngs: Rngs): () => number {
  let block: Uint32Array = new Uint32Array(0);
  let next = 0;
  return () => {
    if (next >= block.length) {
      block = rngs.bits(65536);
      next = 0;
    }
    return block[next++] / 4294967296;
  };
}

/** Array-level core: embeds `x` (rows = cells) given its kNN lists (self first). Row-major N × nComponents. */
export async function umapEmbedding(x: Matrix, knn: KnnResult, options: UmapOptions = {}): Promise<Float32Array> {
  const n = x.rows;
  const nComponents = options.nComponents ?? 2;
  if (!Number.isInteger(nComponents) || nComponents < 1)
    throw new ConfigError("umap", "nComponents", "an integer ≥ 1", nComponents);
  if (knn.n !== n) throw new ConfigError("umap", "knn", `a graph over ${n} cells`, knn.n);
  const nEpochs = options.nEpochs ?? (n <= 10_000 ? 500 : 200);
  const rngs = options.rngs ?? new Rngs(options.seed ?? 0);
  const umap = new UMAP({
    nComponents,
    nNeighbors: knn.k,
    minDist: options.minDist ?? 0.5,
    spread: options.spread ?? 1,
    nEpochs,
    random: randomSource(rngs),
  });
  const rows: number[][] = Array.from({ length: n }, (_, i) =>
    Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)),
  );
  const indices: number[][] = [];
  const distances: number[][] = [];
  for (let i = 0; i < n; i++) {
    const idx: number[] = [];
    const dist: number[] = [];
    for (let r = 0; r < knn.k; r++) {
      // umap-js has no notion of missing neighbours; repeat the cell itself (membership 0).
      const j = knn.indices[i * knn.k + r];
      idx.push(j < 0 ? i : j);
      dist.push(j < 0 ? 0 : knn.distances[i * knn.k + r]);
    }
    indices.push(idx);
    distances.push(dist);
  }
  umap.setPrecomputedKNN(indices, distances);
  const epochs = umap.initializeFit(rows);
  if ((options.init ?? "pca") === "pca") pcaInit(umap.getEmbedding(), x, nComponents);
  const every = Math.max(1, Math.floor(epochs / 50));
  for (let e = 0; e < epochs; e++) {
    umap.step();
    if ((e + 1) % every === 0 || e + 1 === epochs) options.onProgress?.({ stage: "umap", done: e + 1, total: epochs });
    // Yield to the event loop now and then so progress bars can draw.
    if ((e + 1) % every === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const embedding = umap.getEmbedding();
  const out = new Float32Array(n * nComponents);
  for (let i = 0; i < n; i++) for (let c = 0; c < nComponents; c++) out[i * nComponents + c] = embedding[i][c];
  return out;
}

/**
 * Overwrites umap-js's random start in place (its optimiser holds references to these row arrays) with
 * the input's leading coordinates scaled to [−10, 10]. The input is usually PCA scores already, whose
 * columns are the principal axes.
 */
function pcaInit(embedding: number[][], x: Matrix, nComponents: number): void {
  for (let c = 0; c < nComponents; c++) {
    const col = Math.min(c, x.cols - 1);
    let maxAbs = 0;
    for (let i = 0; i < x.rows; i++) maxAbs = Math.max(maxAbs, Math.abs(x.data[i * x.cols + col]));
    const scale = maxAbs > 0 ? 10 / maxAbs : 0;
    for (let i = 0; i < x.rows; i++) embedding[i][c] = c < x.cols ? x.data[i * x.cols + col] * scale : embedding[i][c];
  }
}

/** Computes `obsm.X_umap` from the stored neighbour graph (computing one if needed). */
export async function umap(adata: AnnData, options: UmapOptions = {}): Promise<AnnData> {
  const graphKey = options.neighborsKey ?? "neighbors";
  if (!(graphKey in adata.uns)) neighbors(adata, { seed: options.seed, onProgress: options.onProgress });
  const info = adata.uns[graphKey] as {
    distances_key?: string;
    params?: { n_neighbors?: number; use_rep?: string; n_pcs?: number };
  };
  const distances = toCsr(adata.obspKey(info.distances_key ?? "distances")) as CsrMatrix;
  const k =
    info.params?.n_neighbors ??
    1 + Math.max(...Array.from({ length: adata.nObs }, (_, i) => distances.indptr[i + 1] - distances.indptr[i]));
  const knn = knnFromDistanceMatrix(distances, k);
  const { x } = neighborsInput(adata, { useRep: info.params?.use_rep, nPcs: info.params?.n_pcs });
  const embedding = await umapEmbedding(x, knn, options);
  const nComponents = options.nComponents ?? 2;
  adata.obsm[options.key ?? "X_umap"] = { format: "dense", data: embedding, rows: adata.nObs, cols: nComponents };
  return adata;
}
