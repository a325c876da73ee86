/**
 * 2-D (or n-D) UMAP embedding of the neighbour graph, as scanpy's `tl.umap`: defaults min_dist 0.5,
 * spread 1, 500 epochs up to 10 000 cells (200 above), spectral start, a and b fitted from min_dist and
 * spread. Writes `obsm.X_umap` and `uns.umap.params = {a, b}`.
 *
 * Two engines on the same kNN graph and seed (`Rngs`; the same seed gives a byte-identical embedding):
 * - "diffcell" (default): our optimiser (`umap/optimize-layout.ts`) on the fuzzy graph — the stored
 *   `obsp.connectivities` in `umap()`, `fuzzySimplicialSet` of the kNN lists in `umapEmbedding()`;
 * - "umap-js": umap-js fed our kNN lists (`umap/umap-js.ts`), kept as the reference.
 */
import { ConfigError, type KnnResult, type Matrix, type ProgressCallback, Rngs, ShapeError } from "@diffcell/core";
import { type AnnData, type CsrMatrix, toCsr } from "@diffcell/io";
import { fuzzySimplicialSet } from "./neighbors/connectivities.js";
import { knnFromDistanceMatrix } from "./neighbors/knn-graph.js";
import { neighbors, neighborsInput } from "./neighbors/neighbors.js";
import { type AbParams, findAbParams } from "./umap/ab-params.js";
import { initialLayout, type UmapInit } from "./umap/initial-layout.js";
import { layoutGraph } from "./umap/layout-graph.js";
import { optimizeLayout } from "./umap/optimize-layout.js";
import { umapJsAbParams, umapJsEmbedding } from "./umap/umap-js.js";

export { type AbParams, findAbParams } from "./umap/ab-params.js";
export type { UmapInit } from "./umap/initial-layout.js";
export { randomSource } from "./umap/umap-js.js";

export type UmapEngine = "diffcell" | "umap-js";

export interface UmapOptions {
  /** "diffcell" (default): our optimiser; "umap-js": the umap-js reference. */
  engine?: UmapEngine;
  nComponents?: number;
  minDist?: number;
  spread?: number;
  /** Default 500 up to 10 000 cells, else 200 (scanpy/umap-learn). */
  nEpochs?: number;
  /**
   * Start: "spectral" (Laplacian eigenmaps of the graph; default for "diffcell"), "pca" (leading columns
   * of the input, its principal components when it is PCA scores; default for "umap-js"), "random".
   */
  init?: UmapInit;
  /** Override the fitted curve parameters (scanpy's `a`, `b`); both or neither. */
  a?: number;
  b?: number;
  /** Initial learning rate (scanpy's `alpha`, default 1). */
  learningRate?: number;
  /** Weight of the repulsive term (scanpy's `gamma`, default 1). */
  repulsionStrength?: number;
  /** Negative samples per positive sample (default 5). */
  negativeSampleRate?: number;
  seed?: number;
  rngs?: Rngs;
  /**
   * The fuzzy graph to embed ("diffcell" engine): symmetric N × N connectivities. Default:
   * `fuzzySimplicialSet` of the kNN lists; `umap()` passes the stored `obsp.connectivities`.
   */
  graph?: CsrMatrix;
  /** uns key of the neighbour graph (default `neighbors`); computed with defaults if absent. */
  neighborsKey?: string;
  /** obsm key for the result (default `X_umap`); uns gets `umap`, or this key when it is not `X_umap`. */
  key?: string;
  onProgress?: ProgressCallback;
}

/** Options checked and defaulted once for both entry points. */
interface ResolvedOptions {
  engine: UmapEngine;
  nComponents: number;
  minDist: number;
  spread: number;
  nEpochs: number;
  init: UmapInit;
  ab: AbParams;
}

function resolveOptions(n: number, options: UmapOptions): ResolvedOptions {
  const engine = options.engine ?? "diffcell";
  if (engine !== "diffcell" && engine !== "umap-js")
    throw new ConfigError("umap", "engine", `"diffcell" or "umap-js"`, engine);
  const nComponents = options.nComponents ?? 2;
  if (!Number.isInteger(nComponents) || nComponents < 1)
    throw new ConfigError("umap", "nComponents", "an integer ≥ 1", nComponents);
  const nEpochs = options.nEpochs ?? (n <= 10_000 ? 500 : 200);
  if (!Number.isInteger(nEpochs) || nEpochs < 1) throw new ConfigError("umap", "nEpochs", "an integer ≥ 1", nEpochs);
  const init = options.init ?? (engine === "diffcell" ? "spectral" : "pca");
  if (init !== "spectral" && init !== "pca" && init !== "random")
    throw new ConfigError("umap", "init", `"spectral", "pca" or "random"`, init);
  const minDist = options.minDist ?? 0.5;
  const spread = options.spread ?? 1;
  checkPositive("learningRate", options.learningRate, false);
  checkPositive("repulsionStrength", options.repulsionStrength, true);
  checkPositive("negativeSampleRate", options.negativeSampleRate, true);
  let ab: AbParams;
  if (options.a !== undefined || options.b !== undefined) {
    if (engine === "umap-js")
      throw new ConfigError("umap", "a", "unset with engine umap-js (it fits its own)", options.a);
    checkPositive("a", options.a ?? Number.NaN, false);
    checkPositive("b", options.b ?? Number.NaN, false);
    ab = { a: options.a as number, b: options.b as number };
  } else {
    ab = findAbParams(spread, minDist); // also validates spread and minDist
    if (engine === "umap-js") ab = umapJsAbParams(spread, minDist);
  }
  return { engine, nComponents, minDist, spread, nEpochs, init, ab };
}

function checkPositive(field: string, value: number | undefined, allowZero: boolean): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0))
    throw new ConfigError("umap", field, allowZero ? "a finite number ≥ 0" : "a finite number > 0", value);
}

/**
 * Array-level core: embeds `x` (rows = cells) given its kNN lists (self first, −1 = missing).
 * Row-major N × nComponents.
 */
export async function umapEmbedding(x: Matrix, knn: KnnResult, options: UmapOptions = {}): Promise<Float32Array> {
  return (await embed(x, knn, options)).embedding;
}

/** The layout itself (shared by {@link umap}, {@link umapEmbedding} and the background job's worker). */
export async function embed(
  x: Matrix,
  knn: KnnResult,
  options: UmapOptions,
): Promise<{ embedding: Float32Array; ab: AbParams }> {
  const n = x.rows;
  if (x.data.length !== n * x.cols) throw new ShapeError("umap input", `${n} × ${x.cols}`, [x.data.length]);
  if (knn.n !== n) throw new ConfigError("umap", "knn", `a graph over ${n} cells`, knn.n);
  if (knn.indices.length !== n * knn.k || knn.distances.length !== n * knn.k)
    throw new ShapeError("umap knn", `${n} × ${knn.k} indices and distances`, [
      knn.indices.length,
      knn.distances.length,
    ]);
  const o = resolveOptions(n, options);
  const rngs = options.rngs ?? new Rngs(options.seed ?? 0);
  const fuzzyGraph = (): CsrMatrix => {
    if (options.graph) {
      if (options.graph.rows !== n || options.graph.cols !== n)
        throw new ShapeError("umap graph", `${n} × ${n}`, [options.graph.rows, options.graph.cols]);
      return options.graph;
    }
    return fuzzySimplicialSet(knn.indices, knn.distances, n, knn.k);
  };
  if (o.engine === "umap-js") {
    const embedding = await umapJsEmbedding(x, knn, {
      ...o,
      learningRate: options.learningRate,
      repulsionStrength: options.repulsionStrength,
      negativeSampleRate: options.negativeSampleRate,
      // umap-js draws from `rngs` itself (as before engines existed); the spectral start from a fork,
      // which leaves that stream untouched.
      rngs,
      spectralStart: () =>
        initialLayout("spectral", layoutGraph(fuzzyGraph(), o.nEpochs), x, o.nComponents, rngs.fork()),
      onProgress: options.onProgress,
    });
    return { embedding, ab: o.ab };
  }
  const [initRngs, layoutRngs] = rngs.split(2);
  const graph = layoutGraph(fuzzyGraph(), o.nEpochs);
  const y = initialLayout(o.init, graph, x, o.nComponents, initRngs);
  await optimizeLayout(y, o.nComponents, graph, {
    a: o.ab.a,
    b: o.ab.b,
    nEpochs: o.nEpochs,
    learningRate: options.learningRate,
    repulsionStrength: options.repulsionStrength,
    negativeSampleRate: options.negativeSampleRate,
    rngs: layoutRngs,
    onProgress: options.onProgress,
  });
  return { embedding: Float32Array.from(y), ab: o.ab };
}

/** What the layout of `adata` reads: the representation, the kNN lists and (diffcell engine) the stored graph. */
export interface UmapInputs {
  x: Matrix;
  knn: KnnResult;
  graph: CsrMatrix | undefined;
}

/** {@link umap}'s inputs from `adata` (computing the neighbour graph if there is none). */
export function umapInputs(adata: AnnData, options: UmapOptions = {}): UmapInputs {
  const graphKey = options.neighborsKey ?? "neighbors";
  if (!(graphKey in adata.uns)) neighbors(adata, { seed: options.seed, onProgress: options.onProgress });
  const info = adata.uns[graphKey] as {
    distances_key?: string;
    connectivities_key?: string;
    params?: { n_neighbors?: number; use_rep?: string; n_pcs?: number };
  };
  const distances = toCsr(adata.obspKey(info.distances_key ?? "distances")) as CsrMatrix;
  const k =
    info.params?.n_neighbors ??
    1 + Math.max(...Array.from({ length: adata.nObs }, (_, i) => distances.indptr[i + 1] - distances.indptr[i]));
  const knn = knnFromDistanceMatrix(distances, k);
  const { x } = neighborsInput(adata, { useRep: info.params?.use_rep, nPcs: info.params?.n_pcs });
  const connKey = info.connectivities_key ?? "connectivities";
  const stored = (options.engine ?? "diffcell") === "diffcell" && connKey in adata.obsp;
  const graph = options.graph ?? (stored ? (toCsr(adata.obspKey(connKey)) as CsrMatrix) : undefined);
  return { x, knn, graph };
}

/** Stores a layout as {@link umap} does (`obsm` key and `uns` params). */
export function storeUmap(
  adata: AnnData,
  layout: { embedding: Float32Array; ab: AbParams },
  options: UmapOptions = {},
): AnnData {
  const nComponents = options.nComponents ?? 2;
  const key = options.key ?? "X_umap";
  adata.obsm[key] = { format: "dense", data: layout.embedding, rows: adata.nObs, cols: nComponents };
  // scanpy: obsm X_umap ↔ uns umap; a custom key_added names both.
  adata.uns[key === "X_umap" ? "umap" : key] = { params: { a: layout.ab.a, b: layout.ab.b } };
  return adata;
}

/**
 * Computes `obsm.X_umap` (and `uns.umap.params = {a, b}`) from the stored neighbour graph, computing one
 * if needed. The "diffcell" engine embeds the stored connectivities, as scanpy does.
 */
export async function umap(adata: AnnData, options: UmapOptions = {}): Promise<AnnData> {
  const { x, knn, graph } = umapInputs(adata, options);
  return storeUmap(adata, await embed(x, knn, { ...options, graph }), options);
}
