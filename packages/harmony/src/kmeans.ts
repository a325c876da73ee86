import type { Rngs } from "@diffcell/core";
import { ClusterProducts } from "./clusterProducts.js";
import { gemmNT } from "./hostLinalg.js";

export interface KmeansResult {
  /** Centroids, K × F (means of their cells; not normalised). */
  centroids: Float64Array;
  /** Cluster of each cell. */
  labels: Int32Array;
  /** Lloyd iterations run. */
  iterations: number;
}

/**
 * Hard k-means for Harmony's initial centroids (harmonypy: scikit-learn `KMeans(init="k-means++", n_init=1,
 * max_iter=25)` on the cosine-normalised embedding). Seeding is greedy k-means++ (Arthur & Vassilvitskii
 * 2007, with scikit-learn's 2 + ⌊ln K⌋ candidates per step, keeping the one that lowers the potential most),
 * all draws from `rngs`; then Lloyd iterations until no cell changes cluster or the centroids move less than
 * scikit-learn's tolerance. An emptied cluster is moved to the cell farthest from its centroid.
 */
export function kmeans(x: Float64Array, n: number, f: number, k: number, maxIter: number, rngs: Rngs): KmeansResult {
  const centroids = kmeansPlusPlus(x, n, f, k, rngs);
  const labels = new Int32Array(n).fill(-1);
  const dots = new Float64Array(n * k);
  const best = new Float64Array(n);
  const sqNorms = new Float64Array(k);
  const rowSq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < f; j++) s += x[i * f + j] ** 2;
    rowSq[i] = s;
  }
  // scikit-learn's tolerance: stop once the centroids move less than 1e-4 × the mean feature variance.
  const tolerance = 1e-4 * meanVariance(x, n, f);
  const previous = new Float64Array(k * f);
  let iterations = 0;
  const products = new ClusterProducts(n, k, f);
  products.setCells(x);
  try {
    for (let it = 0; it <= maxIter; it++) {
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < f; j++) s += centroids[c * f + j] ** 2;
        sqNorms[c] = s;
      }
      products.dots(centroids, dots);
      let changed = 0;
      for (let i = 0; i < n; i++) {
        let arg = 0;
        let min = Number.POSITIVE_INFINITY;
        for (let c = 0; c < k; c++) {
          const d = sqNorms[c] - 2 * dots[i * k + c];
          if (d < min) {
            min = d;
            arg = c;
          }
        }
        best[i] = Math.max(0, min + rowSq[i]);
        if (labels[i] !== arg) {
          labels[i] = arg;
          changed++;
        }
      }
      if (changed === 0 || it === maxIter) break;
      iterations++;
      previous.set(centroids);
      updateMeans(x, n, f, k, labels, best, centroids);
      let shift = 0;
      for (let q = 0; q < k * f; q++) shift += (centroids[q] - previous[q]) ** 2;
      if (shift <= tolerance) break;
    }
  } finally {
    products.dispose();
  }
  return { centroids, labels, iterations };
}

function meanVariance(x: Float64Array, n: number, f: number): number {
  let total = 0;
  for (let j = 0; j < f; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[i * f + j];
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[i * f + j] - mean) ** 2;
    total += v / n;
  }
  return total / f;
}

function updateMeans(
  x: Float64Array,
  n: number,
  f: number,
  k: number,
  labels: Int32Array,
  distance: Float64Array,
  centroids: Float64Array,
): void {
  const counts = new Float64Array(k);
  centroids.fill(0);
  for (let i = 0; i < n; i++) {
    const c = labels[i];
    counts[c]++;
    for (let j = 0; j < f; j++) centroids[c * f + j] += x[i * f + j];
  }
  const taken = new Set<number>();
  for (let c = 0; c < k; c++) {
    if (counts[c] > 0) {
      for (let j = 0; j < f; j++) centroids[c * f + j] /= counts[c];
      continue;
    }
    let far = -1;
    for (let i = 0; i < n; i++) if (!taken.has(i) && (far < 0 || distance[i] > distance[far])) far = i;
    taken.add(far);
    for (let j = 0; j < f; j++) centroids[c * f + j] = x[far * f + j];
  }
}

/** Greedy k-means++ seeding; returns K × F centroids copied from cells. */
function kmeansPlusPlus(x: Float64Array, n: number, f: number, k: number, rngs: Rngs): Float64Array {
  const centroids = new Float64Array(k * f);
  const trials = 2 + Math.floor(Math.log(k));
  const first = Math.min(n - 1, Math.floor(rngs.uniform(1)[0] * n));
  centroids.set(x.subarray(first * f, (first + 1) * f), 0);
  const closest = new Float64Array(n);
  for (let i = 0; i < n; i++) closest[i] = squaredDistance(x, i, x, first, f);
  const cumulative = new Float64Array(n);
  const candidateDist = new Float64Array(trials * n);
  const candidateRows = new Float64Array(trials * f);
  const dots = new Float64Array(n * trials);
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let j = 0; j < f; j++) v += x[i * f + j] ** 2;
    sq[i] = v;
  }
  const chosen = new Set<number>([first]);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += closest[i];
      cumulative[i] = acc;
    }
    const draws = rngs.uniform(trials);
    const proposed = new Int32Array(trials);
    for (let t = 0; t < trials; t++) {
      let candidate = acc > 0 ? searchSorted(cumulative, draws[t] * acc) : Math.floor(draws[t] * n);
      candidate = Math.min(candidate, n - 1);
      if (chosen.has(candidate)) candidate = firstUnchosen(chosen, candidate, n);
      proposed[t] = candidate;
      candidateRows.set(x.subarray(candidate * f, (candidate + 1) * f), t * f);
    }
    // ‖x_i − x_c‖² = ‖x_i‖² + ‖x_c‖² − 2 x_i·x_c for all cells and candidates at once.
    gemmNT({ a: x, aStride: f, b: candidateRows, bStride: f, out: dots, outStride: trials, n, k: trials, len: f });
    let bestCandidate = -1;
    let bestPotential = Number.POSITIVE_INFINITY;
    for (let t = 0; t < trials; t++) {
      const c = proposed[t];
      let pot = 0;
      for (let i = 0; i < n; i++) {
        const d = Math.min(closest[i], Math.max(0, sq[i] + sq[c] - 2 * dots[i * trials + t]));
        candidateDist[t * n + i] = d;
        pot += d;
      }
      if (pot < bestPotential) {
        bestPotential = pot;
        bestCandidate = t;
      }
    }
    const index = proposed[bestCandidate];
    chosen.add(index);
    centroids.set(x.subarray(index * f, (index + 1) * f), c * f);
    closest.set(candidateDist.subarray(bestCandidate * n, (bestCandidate + 1) * n));
  }
  return centroids;
}

function squaredDistance(a: Float64Array, i: number, b: Float64Array, j: number, f: number): number {
  let s = 0;
  for (let q = 0; q < f; q++) {
    const d = a[i * f + q] - b[j * f + q];
    s += d * d;
  }
  return s;
}

/** First index whose cumulative weight exceeds `value` (numpy's searchsorted, side="left" on cumsum). */
function searchSorted(cumulative: Float64Array, value: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid] > value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Duplicate cells can be drawn twice once every other cell is at distance 0; take the next free one. */
function firstUnchosen(chosen: Set<number>, start: number, n: number): number {
  for (let s = 1; s <= n; s++) {
    const i = (start + s) % n;
    if (!chosen.has(i)) return i;
  }
  return start;
}
