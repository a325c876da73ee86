/**
 * Spectral start for UMAP (Laplacian eigenmaps of the fuzzy graph, umap-learn's `spectral_layout`): the
 * leading non-trivial eigenvectors of D^(−½) W D^(−½), per connected component (see `graph-eigenmap.ts`).
 *
 * A disconnected graph has one trivial eigenvector per component, so, as umap-learn's
 * `multi_component_layout`, each connected component is embedded on its own, scaled into a ball around a
 * per-component anchor: ± unit vectors for at most 2·dim components, else the principal coordinates of the
 * component centroids in the input (umap-learn spectrally embeds exp(−d²) of the centroid distances, which
 * degenerates when components are far apart). Components too small for an eigen-decomposition get
 * uniform random positions in their ball.
 */
import { lanczosEigen, type Matrix, type Rngs } from "@diffcell/core";
import { graphEigenmap } from "./graph-eigenmap.js";
import type { LayoutGraph } from "./layout-graph.js";

/** Row-major n × dim spectral coordinates (before UMAP's scaling to [0, 10]). */
export function spectralLayout(graph: LayoutGraph, dim: number, x: Matrix, rngs: Rngs): Float64Array {
  const n = graph.n;
  const out = new Float64Array(n * dim);
  const { labels, count } = connectedComponents(graph);
  if (count === 1) {
    const all = Int32Array.from({ length: n }, (_, i) => i);
    return componentLayout(graph, all, dim, x, rngs) ?? rngs.uniform(n * dim, -1, 1);
  }
  const members = groupMembers(labels, count);
  const anchors = count <= 2 * dim ? unitAnchors(count, dim) : centroidAnchors(x, members, dim, rngs);
  for (let c = 0; c < count; c++) {
    const ids = members[c];
    const range = componentRadius(anchors, c, count, dim);
    let coords = componentLayout(graph, ids, dim, x, rngs);
    if (coords) {
      let maxNorm = 0;
      for (let r = 0; r < ids.length; r++) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += coords[r * dim + d] ** 2;
        maxNorm = Math.max(maxNorm, Math.sqrt(s));
      }
      const scale = maxNorm > 0 ? range / maxNorm : 0;
      for (let t = 0; t < coords.length; t++) coords[t] *= scale;
    } else {
      // A cube inscribed in the ball of radius `range`.
      const half = range / Math.sqrt(dim);
      coords = rngs.uniform(ids.length * dim, -half, half);
    }
    for (let r = 0; r < ids.length; r++) {
      for (let d = 0; d < dim; d++) out[ids[r] * dim + d] = coords[r * dim + d] + anchors[c * dim + d];
    }
  }
  return out;
}

/** Connected components by union–find over the kept edges (either direction joins). */
export function connectedComponents(graph: LayoutGraph): { labels: Int32Array; count: number } {
  const parent = Int32Array.from({ length: graph.n }, (_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r];
    while (parent[i] !== r) {
      const up = parent[i];
      parent[i] = r;
      i = up;
    }
    return r;
  };
  for (let e = 0; e < graph.head.length; e++) {
    const p = find(graph.head[e]);
    const q = find(graph.tail[e]);
    if (p !== q) parent[Math.max(p, q)] = Math.min(p, q);
  }
  // Labels in order of each component's first cell, so they do not depend on edge order.
  const labels = new Int32Array(graph.n).fill(-1);
  const rootLabel = new Int32Array(graph.n).fill(-1);
  let count = 0;
  for (let i = 0; i < graph.n; i++) {
    const r = find(i);
    if (rootLabel[r] < 0) rootLabel[r] = count++;
    labels[i] = rootLabel[r];
  }
  return { labels, count };
}

function groupMembers(labels: Int32Array, count: number): Int32Array[] {
  const sizes = new Int32Array(count);
  for (const l of labels) sizes[l]++;
  const members = Array.from(sizes, (s) => new Int32Array(s));
  const fill = new Int32Array(count);
  for (let i = 0; i < labels.length; i++) members[labels[i]][fill[labels[i]]++] = i;
  return members;
}

/** Largest eigen-residual ‖Mv − λv‖ accepted; above it the eigensolver did not converge. */
const MAX_RESIDUAL = 1e-3;

/**
 * One component's start (row-major |ids| × dim): its eigenmap, or — when the eigensolver did not converge
 * (long trajectories, see `graph-eigenmap.ts`) — its cells' leading input coordinates, centred (umap-learn's
 * "pca" start); null when the component is too small (fewer than 2·dim cells or at most dim + 1, umap-learn's
 * limits) or there is nothing to fall back on.
 */
function componentLayout(graph: LayoutGraph, ids: Int32Array, dim: number, x: Matrix, rngs: Rngs): Float64Array | null {
  const m = ids.length;
  if (m < 2 * dim || m <= dim + 1) return null;
  // Local CSR of the component (its edges never leave it).
  const local = new Int32Array(graph.n).fill(-1);
  for (let r = 0; r < m; r++) local[ids[r]] = r;
  const indptr = new Int32Array(m + 1);
  for (let r = 0; r < m; r++) indptr[r + 1] = indptr[r] + graph.indptr[ids[r] + 1] - graph.indptr[ids[r]];
  const cols = new Int32Array(indptr[m]);
  const weights = new Float64Array(indptr[m]);
  for (let r = 0; r < m; r++) {
    let t = indptr[r];
    for (let p = graph.indptr[ids[r]]; p < graph.indptr[ids[r] + 1]; p++, t++) {
      cols[t] = local[graph.tail[p]];
      weights[t] = graph.weight[p];
    }
  }
  const eigenmap = graphEigenmap(indptr, cols, weights, dim, rngs);
  if (eigenmap && eigenmap.residual <= MAX_RESIDUAL) return eigenmap.coords;
  if (x.cols === 0 || x.rows !== graph.n) return eigenmap?.coords ?? null;
  const out = new Float64Array(m * dim);
  for (let d = 0; d < Math.min(dim, x.cols); d++) {
    let mean = 0;
    for (let r = 0; r < m; r++) mean += x.data[ids[r] * x.cols + d] / m;
    for (let r = 0; r < m; r++) out[r * dim + d] = x.data[ids[r] * x.cols + d] - mean;
  }
  return out;
}

/** ±e₁, ±e₂, … : e₁, …, e_⌈C/2⌉, then their negatives, the first C of them (umap-learn's layout). */
function unitAnchors(count: number, dim: number): Float64Array {
  const half = Math.ceil(count / 2);
  const out = new Float64Array(count * dim);
  for (let c = 0; c < count; c++) {
    const axis = c % half;
    out[c * dim + axis] = c < half ? 1 : -1;
  }
  return out;
}

/**
 * Principal coordinates of the component centroids of `x` (top `dim` axes of the centred centroid
 * matrix Z, from Lanczos on ZᵀZ so no C × C matrix is formed), scaled to a largest |coordinate| of 1.
 */
function centroidAnchors(x: Matrix, members: Int32Array[], dim: number, rngs: Rngs): Float64Array {
  const count = members.length;
  const p = x.cols;
  const z = new Float64Array(count * p);
  const mean = new Float64Array(p);
  for (let c = 0; c < count; c++) {
    for (const i of members[c]) for (let f = 0; f < p; f++) z[c * p + f] += x.data[i * p + f];
    for (let f = 0; f < p; f++) {
      z[c * p + f] /= members[c].length;
      mean[f] += z[c * p + f] / count;
    }
  }
  for (let c = 0; c < count; c++) for (let f = 0; f < p; f++) z[c * p + f] -= mean[f];
  const out = new Float64Array(count * dim);
  const k = Math.min(dim, p, count);
  if (k >= 1) {
    const zv = new Float64Array(count);
    const { vectors } = lanczosEigen(
      (v, y) => {
        for (let c = 0; c < count; c++) {
          let s = 0;
          for (let f = 0; f < p; f++) s += z[c * p + f] * v[f];
          zv[c] = s;
        }
        y.fill(0);
        for (let c = 0; c < count; c++) for (let f = 0; f < p; f++) y[f] += z[c * p + f] * zv[c];
      },
      p,
      k,
      { rngs },
    );
    for (let d = 0; d < vectors.length; d++) {
      for (let c = 0; c < count; c++) {
        let s = 0;
        for (let f = 0; f < p; f++) s += z[c * p + f] * vectors[d][f];
        out[c * dim + d] = s;
      }
    }
  }
  let maxAbs = 0;
  for (let t = 0; t < out.length; t++) maxAbs = Math.max(maxAbs, Math.abs(out[t]));
  if (maxAbs > 0) for (let t = 0; t < out.length; t++) out[t] /= maxAbs;
  return out;
}

/**
 * Radius of component c's ball: 0.45 × the distance from its anchor to the nearest distinct anchor (0.45
 * if all coincide), so balls of neighbouring components stay apart. umap-learn uses half the distance and
 * scales the largest |coordinate| to it, so neighbouring components can touch or overlap.
 */
function componentRadius(anchors: Float64Array, c: number, count: number, dim: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let o = 0; o < count; o++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += (anchors[o * dim + d] - anchors[c * dim + d]) ** 2;
    if (s > 0 && s < best) best = s;
  }
  return 0.45 * (Number.isFinite(best) ? Math.sqrt(best) : 1);
}
