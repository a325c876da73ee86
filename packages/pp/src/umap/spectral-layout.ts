/**
 * Spectral start for UMAP (Laplacian eigenmaps of the fuzzy graph, umap-learn's `spectral_layout`): the
 * eigenvectors of the normalised Laplacian L = I − D^(−½) W D^(−½) with the smallest eigenvalues after
 * the trivial one, i.e. the leading non-trivial eigenvectors of M = D^(−½) W D^(−½).
 *
 * We run core's Lanczos on (I + M)/2 with the trivial eigenvector u₀ = D^(½)·1/‖D^(½)·1‖ projected out:
 * the shift maps M's spectrum [−1, 1] to [0, 1], so "largest magnitude" (what Lanczos returns) means
 * "largest", and deflating u₀ (an exact eigenvector, M·u₀ = u₀) leaves the wanted pairs on top.
 *
 * A disconnected graph has one trivial eigenvector per component, so, as umap-learn's
 * `multi_component_layout`, each connected component is embedded on its own, scaled to half the
 * distance to the nearest other component and placed at a per-component anchor: ± unit vectors for at
 * most 2·dim components, else the principal coordinates of the component centroids in the input (umap-learn
 * spectrally embeds exp(−d²) of the centroid distances, which degenerates when components are far apart).
 * Components too small for an eigen-decomposition get uniform random positions around their anchor.
 */
import { lanczosEigen, type Matrix, type Rngs } from "@diffcell/core";
import type { LayoutGraph } from "./layout-graph.js";

/**
 * Lanczos steps (core's default). On pancreas (3 696 cells) 60 steps give residuals ‖Mv − λv‖ of 1e-5 and
 * 2e-4 for the two vectors in ~0.15 s; 120 steps reach 1e-14 but cost 0.5 s (full re-orthogonalisation
 * is quadratic in the steps), which an initialisation does not need.
 */
const LANCZOS_SUBSPACE = 60;

/** Row-major n × dim spectral coordinates (before UMAP's scaling to [0, 10]). */
export function spectralLayout(graph: LayoutGraph, dim: number, x: Matrix, rngs: Rngs): Float64Array {
  const n = graph.n;
  const out = new Float64Array(n * dim);
  const { labels, count } = connectedComponents(graph);
  if (count === 1) {
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const coords = componentEigenmap(graph, all, dim, rngs);
    if (coords) return coords;
    return rngs.uniform(n * dim, -1, 1);
  }
  const members = groupMembers(labels, count);
  const anchors = count <= 2 * dim ? unitAnchors(count, dim) : centroidAnchors(x, members, dim, rngs);
  for (let c = 0; c < count; c++) {
    const ids = members[c];
    const range = halfNearestAnchorDistance(anchors, c, count, dim);
    let coords = componentEigenmap(graph, ids, dim, rngs);
    if (coords) {
      let maxAbs = 0;
      for (let t = 0; t < coords.length; t++) maxAbs = Math.max(maxAbs, Math.abs(coords[t]));
      const scale = maxAbs > 0 ? range / maxAbs : 0;
      for (let t = 0; t < coords.length; t++) coords[t] *= scale;
    } else {
      coords = rngs.uniform(ids.length * dim, -range, range);
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

/**
 * Leading non-trivial eigenvectors of one component (row-major |ids| × dim), or null when the component
 * is too small (fewer than 2·dim cells or at most dim + 1, umap-learn's limits).
 */
function componentEigenmap(graph: LayoutGraph, ids: Int32Array, dim: number, rngs: Rngs): Float64Array | null {
  const m = ids.length;
  if (m < 2 * dim || m <= dim + 1) return null;
  // Local CSR of the component with symmetric normalisation w / √(dᵢ dⱼ).
  const local = new Int32Array(graph.n).fill(-1);
  for (let r = 0; r < m; r++) local[ids[r]] = r;
  const indptr = new Int32Array(m + 1);
  for (let r = 0; r < m; r++) indptr[r + 1] = indptr[r] + graph.indptr[ids[r] + 1] - graph.indptr[ids[r]];
  const cols = new Int32Array(indptr[m]);
  const vals = new Float64Array(indptr[m]);
  const degree = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    let t = indptr[r];
    for (let p = graph.indptr[ids[r]]; p < graph.indptr[ids[r] + 1]; p++, t++) {
      cols[t] = local[graph.tail[p]];
      vals[t] = graph.weight[p];
      degree[r] += graph.weight[p];
    }
  }
  const invSqrt = degree.map((d) => 1 / Math.sqrt(d));
  for (let r = 0; r < m; r++) for (let t = indptr[r]; t < indptr[r + 1]; t++) vals[t] *= invSqrt[r] * invSqrt[cols[t]];
  const u0 = degree.map(Math.sqrt);
  const norm = l2(u0);
  for (let r = 0; r < m; r++) u0[r] /= norm;
  const projected = new Float64Array(m);
  const apply = (v: Float64Array, y: Float64Array): void => {
    let c = 0;
    for (let r = 0; r < m; r++) c += u0[r] * v[r];
    for (let r = 0; r < m; r++) projected[r] = v[r] - c * u0[r];
    for (let r = 0; r < m; r++) {
      let s = projected[r];
      for (let t = indptr[r]; t < indptr[r + 1]; t++) s += vals[t] * projected[cols[t]];
      y[r] = 0.5 * s;
    }
    // Re-project: rounding would otherwise let u₀ (eigenvalue 1, the largest) creep back in.
    c = 0;
    for (let r = 0; r < m; r++) c += u0[r] * y[r];
    for (let r = 0; r < m; r++) y[r] -= c * u0[r];
  };
  const k = Math.min(dim, m - 1);
  const subspace = Math.min(m, Math.max(LANCZOS_SUBSPACE, 4 * k + 20));
  const { vectors } = lanczosEigen(apply, m, k, { rngs, subspace });
  const out = new Float64Array(m * dim);
  for (let d = 0; d < vectors.length; d++) for (let r = 0; r < m; r++) out[r * dim + d] = vectors[d][r];
  return out;
}

function l2(v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
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

/** Half the distance from anchor c to the nearest distinct anchor (1 if all coincide). */
function halfNearestAnchorDistance(anchors: Float64Array, c: number, count: number, dim: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let o = 0; o < count; o++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += (anchors[o * dim + d] - anchors[c * dim + d]) ** 2;
    if (s > 0 && s < best) best = s;
  }
  return Number.isFinite(best) ? Math.sqrt(best) / 2 : 1;
}
