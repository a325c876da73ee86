/**
 * Starting positions for the layout optimiser, as umap-learn's `simplicial_set_embedding`:
 * - "spectral": Laplacian eigenmaps of the graph (see `spectral-layout.ts`);
 * - "pca": the leading columns of the input, which are its principal components when the input is PCA
 *   scores (as it is for `umap()` on `X_pca`);
 * - "random": uniform on [−10, 10].
 * Spectral and PCA starts are scaled to a largest |coordinate| of 10 plus N(0, 10⁻⁴) noise (so no two cells
 * start on the same spot); every start is then rescaled per coordinate to [0, 10], umap-learn's final step.
 */
import type { Matrix, Rngs } from "@diffcell/core";
import type { LayoutGraph } from "./layout-graph.js";
import { spectralLayout } from "./spectral-layout.js";

export type UmapInit = "spectral" | "pca" | "random";

export function initialLayout(init: UmapInit, graph: LayoutGraph, x: Matrix, dim: number, rngs: Rngs): Float64Array {
  const n = graph.n;
  let y: Float64Array;
  if (init === "random") {
    y = rngs.uniform(n * dim, -10, 10);
  } else {
    y = init === "spectral" ? spectralLayout(graph, dim, x, rngs) : leadingColumns(x, dim, rngs);
    noisyScale(y, rngs);
  }
  rescaleColumns(y, n, dim);
  return y;
}

/** The first `dim` columns of x (uniform noise for missing ones when x has fewer columns). */
function leadingColumns(x: Matrix, dim: number, rngs: Rngs): Float64Array {
  const y = new Float64Array(x.rows * dim);
  const fill = dim > x.cols ? rngs.uniform(x.rows * dim, -1, 1) : undefined;
  for (let i = 0; i < x.rows; i++) {
    for (let d = 0; d < dim; d++) y[i * dim + d] = d < x.cols ? x.data[i * x.cols + d] : (fill?.[i * dim + d] ?? 0);
  }
  return y;
}

/** umap-learn's `noisy_scale_coords`: largest |coordinate| → 10, then N(0, 10⁻⁴) noise on every coordinate. */
function noisyScale(y: Float64Array, rngs: Rngs): void {
  let maxAbs = 0;
  for (let t = 0; t < y.length; t++) maxAbs = Math.max(maxAbs, Math.abs(y[t]));
  const expansion = maxAbs > 0 ? 10 / maxAbs : 0;
  const noise = rngs.normal(y.length, 0, 1e-4);
  for (let t = 0; t < y.length; t++) y[t] = y[t] * expansion + noise[t];
}

/** Each coordinate affinely onto [0, 10] (a constant coordinate goes to 0 rather than 0/0). */
function rescaleColumns(y: Float64Array, n: number, dim: number): void {
  for (let d = 0; d < dim; d++) {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, y[i * dim + d]);
      hi = Math.max(hi, y[i * dim + d]);
    }
    const scale = hi > lo ? 10 / (hi - lo) : 0;
    for (let i = 0; i < n; i++) y[i * dim + d] = (y[i * dim + d] - lo) * scale;
  }
}
