/**
 * The neighbourhood graph as scanpy/scVelo `pp.neighbors(method="umap")` stores it: `obsp.distances`
 * (k − 1 nearest other cells per row), `obsp.connectivities` (UMAP fuzzy simplicial set) and
 * `uns.neighbors = {connectivities_key, distances_key, params}`. k counts the cell itself (scanpy's
 * convention: n_neighbors = 30 means 29 others).
 */
import { ConfigError, type KnnResult, type Matrix, type ProgressCallback, Rngs } from "@diffcell/core";
import { type AnnData, type CsrMatrix, toDenseFloat32 } from "@diffcell/io";
import { pca } from "../pca.js";
import { fuzzySimplicialSet } from "./connectivities.js";
import { APPROXIMATE_KNN_THRESHOLD, knnDistanceMatrix, knnGraph } from "./knn-graph.js";

export interface NeighborsOptions {
  /** Neighbours per cell including itself (default 30). */
  nNeighbors?: number;
  /** Use the first nPcs columns of the representation (default: all). */
  nPcs?: number;
  /** `"X"`, or an obsm key (default `X_pca`, or `X` for fewer than 50 genes, as scVelo). */
  useRep?: string;
  /** NN-descent instead of exact search; `"auto"` (default) above 50 000 cells. */
  approximate?: boolean | "auto";
  /** Seed for PCA (when computed here) and approximate search (default 0). */
  seed?: number;
  rngs?: Rngs;
  /** Store under `obsp["<key>_distances"]`, `uns[key]` instead of the default keys (scanpy's key_added). */
  key?: string;
  onProgress?: ProgressCallback;
}

export interface NeighborGraph {
  knn: KnnResult;
  distances: CsrMatrix;
  connectivities: CsrMatrix;
}

/** Array-level core: kNN, distance matrix and UMAP connectivities of the rows of `x`. */
export function neighborGraph(
  x: Matrix,
  nNeighbors: number,
  options: { approximate?: boolean | "auto"; rngs?: Rngs; onProgress?: ProgressCallback } = {},
): NeighborGraph {
  const knn = knnGraph(x, nNeighbors, options);
  const distances = knnDistanceMatrix(knn.indices, knn.distances, knn.n, knn.k);
  const connectivities = fuzzySimplicialSet(knn.indices, knn.distances, knn.n, knn.k);
  const { sigmas: _s, rhos: _r, ...csr } = connectivities;
  return { knn, distances, connectivities: csr };
}

/** The representation neighbours are computed on (computing PCA when needed, as scVelo). */
export function neighborsInput(adata: AnnData, options: NeighborsOptions): { x: Matrix; useRep: string } {
  let useRep = options.useRep ?? (adata.nVars < 50 || options.nPcs === 0 ? "X" : "X_pca");
  if (useRep !== "X" && !(useRep in adata.obsm) && `X_${useRep}` in adata.obsm) useRep = `X_${useRep}`;
  if (useRep === "X_pca" && (!adata.obsm.X_pca || (options.nPcs ?? 0) > adata.obsm.X_pca.cols)) {
    pca(adata, { nComps: Math.min(options.nPcs ?? 30, adata.nVars - 1, adata.nObs - 1), seed: options.seed });
  }
  const full: Matrix =
    useRep === "X"
      ? { data: toDenseFloat32(adata.layer("X")), rows: adata.nObs, cols: adata.nVars }
      : (() => {
          const m = adata.obsmKey(useRep);
          return { data: toDenseFloat32(m), rows: m.rows, cols: m.cols };
        })();
  const nPcs = options.nPcs;
  if (nPcs === undefined || nPcs >= full.cols) return { x: full, useRep };
  const data = new Float32Array(full.rows * nPcs);
  for (let i = 0; i < full.rows; i++) data.set(full.data.subarray(i * full.cols, i * full.cols + nPcs), i * nPcs);
  return { x: { data, rows: full.rows, cols: nPcs }, useRep };
}

export function neighbors(adata: AnnData, options: NeighborsOptions = {}): AnnData {
  const nNeighbors = options.nNeighbors ?? 30;
  if (!Number.isInteger(nNeighbors) || nNeighbors < 2 || nNeighbors > adata.nObs) {
    throw new ConfigError(
      "neighbors",
      "nNeighbors",
      `an integer in [2, ${adata.nObs}] (it counts the cell itself)`,
      nNeighbors,
    );
  }
  const { x, useRep } = neighborsInput(adata, options);
  const rngs = options.rngs ?? new Rngs(options.seed ?? 0);
  const graph = neighborGraph(x, nNeighbors, {
    approximate: options.approximate,
    rngs,
    onProgress: options.onProgress,
  });
  const approximate = options.approximate ?? "auto";
  const usedApproximate = approximate === true || (approximate === "auto" && adata.nObs > APPROXIMATE_KNN_THRESHOLD);
  const key = options.key;
  const distKey = key ? `${key}_distances` : "distances";
  const connKey = key ? `${key}_connectivities` : "connectivities";
  adata.obsp[distKey] = graph.distances;
  adata.obsp[connKey] = graph.connectivities;
  adata.uns[key ?? "neighbors"] = {
    connectivities_key: connKey,
    distances_key: distKey,
    params: {
      n_neighbors: nNeighbors,
      method: "umap",
      metric: "euclidean",
      use_rep: useRep,
      ...(options.nPcs !== undefined ? { n_pcs: options.nPcs } : {}),
      ...(usedApproximate ? { approximate: true } : {}),
    },
  };
  return adata;
}
