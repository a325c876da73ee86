/**
 * The reference engine: umap-js fed our kNN graph (`setPrecomputedKNN`, so umap-js does no search of its
 * own; it builds its own fuzzy set from the lists) and a seeded random source from core's `Rngs`, so the
 * same seed gives the same embedding. umap-js starts from random positions; "pca" (its default here)
 * overwrites them with the first principal components scaled to [−10, 10], "spectral" with our spectral
 * start on our fuzzy graph.
 *
 * It is ~10× slower than our optimiser (number[][] rows, per-sample closures) and fits a, b differently
 * (see `ab-params.ts`); it stays as a cross-check.
 */
import type { KnnResult, Matrix, ProgressCallback, Rngs } from "@diffcell/core";
import { UMAP } from "umap-js";
import { findABParams } from "umap-js/dist/umap.js";
import type { AbParams } from "./ab-params.js";
import type { UmapInit } from "./initial-layout.js";

export interface UmapJsOptions {
  nComponents: number;
  minDist: number;
  spread: number;
  nEpochs: number;
  init: UmapInit;
  learningRate?: number;
  repulsionStrength?: number;
  negativeSampleRate?: number;
  rngs: Rngs;
  /** Our spectral start for `init: "spectral"` (row-major n × nComponents), computed by the caller. */
  spectralStart?: () => Float64Array;
  onProgress?: ProgressCallback;
}

/** a, b as umap-js fits them (not umap-learn's values; see `ab-params.ts`). */
export function umapJsAbParams(spread: number, minDist: number): AbParams {
  return findABParams(spread, minDist);
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

/** Row-major N × nComponents embedding of `x` from its kNN lists (self first) with umap-js. */
export async function umapJsEmbedding(x: Matrix, knn: KnnResult, options: UmapJsOptions): Promise<Float32Array> {
  const n = x.rows;
  const { nComponents } = options;
  const umap = new UMAP({
    nComponents,
    nNeighbors: knn.k,
    minDist: options.minDist,
    spread: options.spread,
    nEpochs: options.nEpochs,
    learningRate: options.learningRate,
    repulsionStrength: options.repulsionStrength,
    negativeSampleRate: options.negativeSampleRate,
    random: randomSource(options.rngs),
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
  if (options.init === "pca") pcaStart(umap.getEmbedding(), x, nComponents);
  else if (options.init === "spectral" && options.spectralStart) {
    const start = options.spectralStart();
    const embedding = umap.getEmbedding();
    for (let i = 0; i < n; i++) for (let c = 0; c < nComponents; c++) embedding[i][c] = start[i * nComponents + c];
  }
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
function pcaStart(embedding: number[][], x: Matrix, nComponents: number): void {
  for (let c = 0; c < nComponents; c++) {
    const col = Math.min(c, x.cols - 1);
    let maxAbs = 0;
    for (let i = 0; i < x.rows; i++) maxAbs = Math.max(maxAbs, Math.abs(x.data[i * x.cols + col]));
    const scale = maxAbs > 0 ? 10 / maxAbs : 0;
    for (let i = 0; i < x.rows; i++) embedding[i][c] = c < x.cols ? x.data[i * x.cols + col] * scale : embedding[i][c];
  }
}
