/**
 * Quality of the embedding on synthetic data with a known answer, for both engines on the same kNN graph:
 * separated Gaussian blobs must stay apart, and a 1-D curve must keep its neighbourhoods.
 */
import { type KnnResult, type Matrix, Rngs } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { fuzzySimplicialSet } from "./neighbors/connectivities.js";
import { knnGraph } from "./neighbors/knn-graph.js";
import { umapJsAbParams } from "./umap/umap-js.js";
import { findAbParams, type UmapOptions, umapEmbedding } from "./umap.js";

/** `clusters` Gaussian blobs of `size` points in `dim` dimensions, centres N(0, spread²), points N(centre, 1). */
function blobs(clusters: number, size: number, dim: number, spread: number, seed: number) {
  const rngs = new Rngs(seed);
  const centres = rngs.normal(clusters * dim, 0, spread);
  const noise = rngs.normal(clusters * size * dim);
  const data = new Float32Array(clusters * size * dim);
  const labels = new Int32Array(clusters * size);
  for (let c = 0; c < clusters; c++) {
    for (let p = 0; p < size; p++) {
      const i = c * size + p;
      labels[i] = c;
      for (let d = 0; d < dim; d++) data[i * dim + d] = centres[c * dim + d] + noise[i * dim + d];
    }
  }
  return { x: { data, rows: clusters * size, cols: dim } as Matrix, labels };
}

/**
 * n points along a smooth open curve in 20-D (a 3-D spiral, rotated by a random orthogonal map) with a
 * little noise; `t` is each point's position along the curve.
 */
function curve(n: number, seed: number) {
  const rngs = new Rngs(seed);
  const t = Float64Array.from({ length: n }, (_, i) => i / (n - 1));
  const base = Array.from(t, (s) => [Math.cos(3 * Math.PI * s) * (1 + s), Math.sin(3 * Math.PI * s) * (1 + s), 2 * s]);
  // Random orthonormal 3 → 20 map (Gram–Schmidt on Gaussian columns).
  const g = rngs.normal(20 * 3);
  const q: number[][] = [];
  for (let c = 0; c < 3; c++) {
    let v = Array.from({ length: 20 }, (_, r) => g[r * 3 + c]);
    for (const u of q) {
      const dot = v.reduce((s, x, r) => s + x * u[r], 0);
      v = v.map((x, r) => x - dot * u[r]);
    }
    const norm = Math.hypot(...v);
    q.push(v.map((x) => x / norm));
  }
  const noise = rngs.normal(n * 20, 0, 0.01);
  const data = new Float32Array(n * 20);
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < 20; r++) {
      data[i * 20 + r] = base[i][0] * q[0][r] + base[i][1] * q[1][r] + base[i][2] * q[2][r] + noise[i * 20 + r];
    }
  }
  return { x: { data, rows: n, cols: 20 } as Matrix, t };
}

/** Indices of the k nearest other rows of a row-major n × dim array (brute force). */
function nearest(y: ArrayLike<number>, n: number, dim: number, k: number): Int32Array {
  const out = new Int32Array(n * k);
  const d = new Float64Array(n);
  const order = Array.from({ length: n }, (_, j) => j);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < dim; c++) s += (y[i * dim + c] - y[j * dim + c]) ** 2;
      d[j] = j === i ? Number.POSITIVE_INFINITY : s;
    }
    order.sort((p, q) => d[p] - d[q]);
    for (let r = 0; r < k; r++) out[i * k + r] = order[r];
  }
  return out;
}

/** Fraction of each cell's 10 nearest neighbours in the embedding that share its label. */
function labelAgreement(y: Float32Array, labels: Int32Array, dim = 2): number {
  const n = labels.length;
  const nn = nearest(y, n, dim, 10);
  let same = 0;
  for (let i = 0; i < n; i++) for (let r = 0; r < 10; r++) if (labels[nn[i * 10 + r]] === labels[i]) same++;
  return same / (10 * n);
}

/** Fraction of each cell's 10 nearest in the embedding that are among its 30 nearest in the input. */
function neighbourhoodKept(y: Float32Array, x: Matrix): number {
  const n = x.rows;
  const low = nearest(y, n, 2, 10);
  const high = nearest(x.data, n, x.cols, 30);
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const near = new Set(high.subarray(i * 30, (i + 1) * 30));
    for (let r = 0; r < 10; r++) if (near.has(low[i * 10 + r])) kept++;
  }
  return kept / (10 * n);
}

/**
 * UMAP's stated loss: the fuzzy-set cross entropy between the graph's memberships w and the embedding's
 * q = 1/(1 + a·d^(2b)) over all pairs, Σ w·log(w/q) + (1 − w)·log((1 − w)/(1 − q)), per pair. Negative
 * sampling does not minimise exactly this (Damrich & Hamprecht 2021: on separated blobs a random layout
 * scores lower), so it is compared with the reference engine, not expected to be minimal. It catches what
 * neighbourhood scores miss: without repulsion everything collapses and it jumps from 0.18 to 4.8.
 */
function crossEntropy(y: Float32Array, knn: KnnResult, ab: { a: number; b: number }): number {
  const n = knn.n;
  const w = new Float64Array(n * n);
  const g = fuzzySimplicialSet(knn.indices, knn.distances, n, knn.k);
  for (let i = 0; i < n; i++) for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) w[i * n + g.indices[p]] = g.data[p];
  const eps = 1e-12;
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const d2 = (y[2 * i] - y[2 * j]) ** 2 + (y[2 * i + 1] - y[2 * j + 1]) ** 2;
      const q = Math.min(1 - eps, Math.max(eps, 1 / (1 + ab.a * d2 ** ab.b)));
      const wij = w[i * n + j];
      if (wij > 0) total += wij * Math.log(wij / q);
      if (wij < 1) total += (1 - wij) * Math.log((1 - wij) / (1 - q));
    }
  }
  return total / ((n * (n - 1)) / 2);
}

async function embed(x: Matrix, knn: KnnResult, options: UmapOptions): Promise<Float32Array> {
  const y = await umapEmbedding(x, knn, { seed: 0, nEpochs: 200, ...options });
  expect(y.every(Number.isFinite)).toBe(true);
  return y;
}

describe("umap quality", () => {
  it("keeps five separated 20-D blobs apart from a random start, like umap-js", async () => {
    // Centres ~N(0, 4²) per coordinate: ≈ 25 apart, points ≈ 6 apart within a blob. A random start
    // mixes the clusters completely (agreement ≈ 0.2); only the optimiser can separate them.
    const { x, labels } = blobs(5, 120, 20, 4, 1);
    const knn = knnGraph(x, 15);
    const random = labelAgreement(await embed(x, knn, { init: "random", nEpochs: 1 }), labels);
    const ours = labelAgreement(await embed(x, knn, { init: "random" }), labels);
    const reference = labelAgreement(await embed(x, knn, { engine: "umap-js", init: "random" }), labels);
    const spectral = labelAgreement(await embed(x, knn, {}), labels);
    console.info(`blobs 10-NN label agreement: diffcell ${ours}, umap-js ${reference}, spectral start ${spectral}`);
    expect(random).toBeLessThan(0.5);
    expect(ours).toBeGreaterThanOrEqual(0.95);
    expect(spectral).toBeGreaterThanOrEqual(0.95);
    expect(reference).toBeGreaterThanOrEqual(0.95);
    expect(Math.abs(ours - reference)).toBeLessThan(0.05);
  });

  it("separates the blobs in 3-D too (the any-dimension loop), from a random start", async () => {
    const { x, labels } = blobs(5, 120, 20, 4, 1);
    const knn = knnGraph(x, 15);
    const start = labelAgreement(await embed(x, knn, { init: "random", nEpochs: 1, nComponents: 3 }), labels, 3);
    const ours = labelAgreement(await embed(x, knn, { init: "random", nComponents: 3 }), labels, 3);
    console.info(`blobs in 3-D: label agreement ${ours} (start ${start})`);
    expect(start).toBeLessThan(0.5);
    expect(ours).toBeGreaterThanOrEqual(0.95);
  });

  it("keeps neighbours of a 1-D curve together, like umap-js", async () => {
    const { x } = curve(600, 2);
    const knn = knnGraph(x, 15);
    const ours = neighbourhoodKept(await embed(x, knn, {}), x);
    const fromRandom = neighbourhoodKept(await embed(x, knn, { init: "random" }), x);
    const reference = neighbourhoodKept(await embed(x, knn, { engine: "umap-js" }), x);
    const shuffled = neighbourhoodKept(Float32Array.from(new Rngs(5).uniform(1200)), x);
    console.info(
      `curve: 10-NN in 2-D among 30-NN in 20-D: diffcell ${ours} (random start ${fromRandom}), umap-js ${reference}, random points ${shuffled}`,
    );
    expect(shuffled).toBeLessThan(0.2);
    expect(ours).toBeGreaterThanOrEqual(0.9);
    expect(fromRandom).toBeGreaterThanOrEqual(0.9);
    expect(reference).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(ours - reference)).toBeLessThan(0.05);
  });
});

describe("umap objective", () => {
  it("scores UMAP's cross entropy as umap-js does, and lower than its start, on blobs and on a curve", async () => {
    const ours = findAbParams(1, 0.5);
    const theirs = umapJsAbParams(1, 0.5);
    for (const [name, x] of [
      ["blobs", blobs(5, 120, 20, 4, 1).x],
      ["curve", curve(600, 2).x],
    ] as const) {
      const knn = knnGraph(x, 15);
      const start = crossEntropy(await embed(x, knn, { nEpochs: 1 }), knn, ours);
      const diffcell = crossEntropy(await embed(x, knn, {}), knn, ours);
      const reference = crossEntropy(await embed(x, knn, { engine: "umap-js" }), knn, theirs);
      console.info(
        `${name}: cross entropy per pair: spectral start ${start}, diffcell ${diffcell}, umap-js ${reference}`,
      );
      // Seeds 0–3 move either engine by ±3% (ratios 0.99–1.04); broken optimisers are far off (no
      // repulsion: 25×, every edge sampled every epoch: 2×).
      expect(diffcell).toBeLessThan(1.1 * reference);
      expect(diffcell).toBeLessThan(0.9 * start);
    }
  });
});
