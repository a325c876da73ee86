/**
 * k-nearest-neighbour lists (self included as the first neighbour, scanpy's convention) and their
 * sparse distance matrix. Exact search is core's `knn` (GEMM candidates re-ranked in float64); above
 * 50 000 cells, or on request, NN-descent (see `nn-descent.ts`) keeps the cost near-linear.
 */
import { type KnnResult, knn, type Matrix, type ProgressCallback, Rngs } from "@diffcell/core";
import type { CsrMatrix } from "@diffcell/io";
import { nnDescent } from "./nn-descent.js";

/** Above this many cells `approximate: "auto"` switches to NN-descent. */
export const APPROXIMATE_KNN_THRESHOLD = 50_000;

export interface KnnGraphOptions {
  /** `"auto"` (default): exact up to 50 000 cells, NN-descent above. */
  approximate?: boolean | "auto";
  /** Randomness for NN-descent (default `new Rngs(0)`). */
  rngs?: Rngs;
  onProgress?: ProgressCallback;
}

/** N × k neighbour indices and Euclidean distances of the rows of `x`, each row's own index first. */
export function knnGraph(x: Matrix, k: number, options: KnnGraphOptions = {}): KnnResult {
  const approximate = options.approximate ?? "auto";
  const useApprox = approximate === true || (approximate === "auto" && x.rows > APPROXIMATE_KNN_THRESHOLD);
  if (useApprox) return nnDescent(x, k, { rngs: options.rngs ?? new Rngs(0), onProgress: options.onProgress });
  return knn(x, k, { includeSelf: true, onProgress: options.onProgress });
}

/**
 * Distances as scanpy's `obsp.distances`: row i holds its k − 1 nearest other cells (self dropped, as are
 * exact-zero distances — scipy's `eliminate_zeros`), columns sorted.
 */
export function knnDistanceMatrix(indices: Int32Array, distances: ArrayLike<number>, n: number, k: number): CsrMatrix {
  const indptr = new Int32Array(n + 1);
  const idx: number[] = [];
  const val: number[] = [];
  const row: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    row.length = 0;
    for (let j = 0; j < k; j++) {
      const c = indices[i * k + j];
      const d = distances[i * k + j];
      if (c < 0 || c === i || d === 0) continue;
      row.push([c, d]);
    }
    row.sort((a, b) => a[0] - b[0]);
    for (const [c, d] of row) {
      idx.push(c);
      val.push(d);
    }
    indptr[i + 1] = idx.length;
  }
  return { format: "csr", data: Float32Array.from(val), indices: Int32Array.from(idx), indptr, rows: n, cols: n };
}

/**
 * The kNN lists back from a distance matrix (self first, then by increasing distance); rows with fewer
 * than k − 1 stored neighbours are padded with −1 (missing). For UMAP on a stored graph.
 */
export function knnFromDistanceMatrix(d: CsrMatrix, k: number): KnnResult {
  const n = d.rows;
  const indices = new Int32Array(n * k).fill(-1);
  const distances = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const entries: [number, number][] = [];
    for (let p = d.indptr[i]; p < d.indptr[i + 1]; p++) if (d.indices[p] !== i) entries.push([d.indices[p], d.data[p]]);
    entries.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    indices[i * k] = i;
    for (let r = 1; r < k && r - 1 < entries.length; r++) {
      indices[i * k + r] = entries[r - 1][0];
      distances[i * k + r] = entries[r - 1][1];
    }
  }
  return { indices, distances, n, k };
}
