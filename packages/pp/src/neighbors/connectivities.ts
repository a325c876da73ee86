/**
 * UMAP's fuzzy simplicial set from a kNN graph (McInnes, Healy & Melville 2018; umap-learn's
 * `fuzzy_simplicial_set`, which scanpy's `neighbors(method="umap")` and scVelo use for
 * `obsp.connectivities`):
 * 1. per cell i, ρᵢ = distance to its nearest non-identical neighbour (local connectivity 1) and σᵢ
 *    found by bisection so that Σⱼ exp(−max(0, dᵢⱼ − ρᵢ)/σᵢ) = log₂ k over the k − 1 non-self neighbours;
 * 2. directed memberships wᵢⱼ = exp(−(dᵢⱼ − ρᵢ)/σᵢ) (1 when dᵢⱼ ≤ ρᵢ, 0 for self);
 * 3. fuzzy union W + Wᵀ − W ∘ Wᵀ.
 * Values are rounded through float32 where umap-learn stores float32, to match it closely.
 */
import type { CsrMatrix } from "@diffcell/io";

const SMOOTH_K_TOLERANCE = 1e-5;
const MIN_K_DIST_SCALE = 1e-3;

export interface SmoothKnn {
  sigmas: Float32Array;
  rhos: Float32Array;
}

/** Step 1: ρ and σ per cell from N × k neighbour distances (self included as column 0). */
export function smoothKnnDist(
  distances: ArrayLike<number>,
  n: number,
  k: number,
  options: { localConnectivity?: number; nIter?: number; bandwidth?: number } = {},
): SmoothKnn {
  const localConnectivity = options.localConnectivity ?? 1;
  const nIter = options.nIter ?? 64;
  const target = Math.log2(k) * (options.bandwidth ?? 1);
  const rhos = new Float32Array(n);
  const sigmas = new Float32Array(n);
  let total = 0;
  for (let t = 0; t < n * k; t++) total += Math.fround(distances[t]);
  const meanDistances = total / (n * k);
  const nonZero: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = i * k;
    nonZero.length = 0;
    for (let j = 0; j < k; j++) if (distances[row + j] > 0) nonZero.push(Math.fround(distances[row + j]));
    let rho = 0;
    if (nonZero.length >= localConnectivity) {
      const index = Math.floor(localConnectivity);
      const interpolation = localConnectivity - index;
      if (index > 0) {
        rho = nonZero[index - 1];
        if (interpolation > SMOOTH_K_TOLERANCE) rho += interpolation * (nonZero[index] - nonZero[index - 1]);
      } else {
        rho = interpolation * nonZero[0];
      }
    } else if (nonZero.length > 0) {
      rho = Math.max(...nonZero);
    }
    rhos[i] = rho;
    rho = rhos[i];
    let lo = 0;
    let hi = Number.POSITIVE_INFINITY;
    let mid = 1;
    for (let it = 0; it < nIter; it++) {
      let psum = 0;
      for (let j = 1; j < k; j++) {
        const d = Math.fround(Math.fround(distances[row + j]) - rho);
        psum += d > 0 ? Math.exp(-(d / mid)) : 1;
      }
      if (Math.abs(psum - target) < SMOOTH_K_TOLERANCE) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Number.POSITIVE_INFINITY ? mid * 2 : (lo + hi) / 2;
      }
    }
    let sigma = mid;
    if (rho > 0) {
      let s = 0;
      for (let j = 0; j < k; j++) s += Math.fround(distances[row + j]);
      const meanIth = s / k;
      if (sigma < MIN_K_DIST_SCALE * meanIth) sigma = MIN_K_DIST_SCALE * meanIth;
    } else if (sigma < MIN_K_DIST_SCALE * meanDistances) {
      sigma = MIN_K_DIST_SCALE * meanDistances;
    }
    sigmas[i] = sigma;
  }
  return { sigmas, rhos };
}

/**
 * Steps 2–3: symmetric connectivities (CSR, N × N, float32). `indices`/`distances` are N × k row-major
 * with each cell's own index among its neighbours (usually first); −1 marks a missing neighbour.
 */
export function fuzzySimplicialSet(
  indices: Int32Array,
  distances: ArrayLike<number>,
  n: number,
  k: number,
  options: { localConnectivity?: number; setOpMixRatio?: number } = {},
): CsrMatrix & SmoothKnn {
  const { sigmas, rhos } = smoothKnnDist(distances, n, k, options);
  const mix = options.setOpMixRatio ?? 1;
  // Directed memberships as a row-wise map (duplicates in a row are summed, as coo → csr does).
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const c = indices[i * k + j];
      if (c < 0 || c === i) continue;
      const d = Math.fround(distances[i * k + j]);
      const val =
        d - rhos[i] <= 0 || sigmas[i] === 0 ? 1 : Math.fround(Math.exp(-(Math.fround(d - rhos[i]) / sigmas[i])));
      if (val !== 0) rows[i].set(c, Math.fround((rows[i].get(c) ?? 0) + val));
    }
  }
  // Wᵀ: incoming[i] holds W[c, i] for every c that lists i.
  const incoming: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (let c = 0; c < n; c++) for (const [i, v] of rows[c]) incoming[i].set(c, v);
  const indptr = new Int32Array(n + 1);
  const outIdx: number[] = [];
  const outVal: number[] = [];
  for (let i = 0; i < n; i++) {
    const cols = new Set([...rows[i].keys(), ...incoming[i].keys()]);
    for (const c of [...cols].sort((a, b) => a - b)) {
      const a = rows[i].get(c) ?? 0;
      const b = incoming[i].get(c) ?? 0;
      const prod = Math.fround(a * b);
      const v = Math.fround(mix * Math.fround(Math.fround(a + b) - prod) + (1 - mix) * prod);
      if (v !== 0) {
        outIdx.push(c);
        outVal.push(v);
      }
    }
    indptr[i + 1] = outIdx.length;
  }
  return {
    format: "csr",
    data: Float32Array.from(outVal),
    indices: Int32Array.from(outIdx),
    indptr,
    rows: n,
    cols: n,
    sigmas,
    rhos,
  };
}
