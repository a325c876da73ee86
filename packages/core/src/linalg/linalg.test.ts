import { describe, expect, it } from "vitest";
import { setThreadCount, threadCount } from "../parallel/pool.js";
import { Rngs } from "../rng.js";
import { tf } from "../tf.js";
import { orthonormalColumns, symmetricEigen } from "./dense.js";
import { knn } from "./knn.js";
import { orthonormalBasis, pca } from "./pca.js";
import { RowBlockProducts } from "./rowBlocks.js";

function lowRankData(n: number, g: number, seed: number) {
  const r = new Rngs(seed);
  const a = r.normal(n * 3);
  const b = r.normal(3 * g);
  const noise = r.normal(n * g, 0, 0.05);
  const data = new Float32Array(n * g);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < g; j++) {
      let s = 2 + j * 0.1;
      for (let c = 0; c < 3; c++) s += a[i * 3 + c] * b[c * g + j] * (3 - c);
      data[i * g + j] = s + noise[i * g + j];
    }
  return { data, rows: n, cols: g };
}

/** The covariance (ddof = 1) in float64 and its eigen-decomposition: the exact answer PCA approximates. */
function exactCovariance(x: { data: Float32Array; rows: number; cols: number }) {
  const { rows: n, cols: g } = x;
  const mean = new Float64Array(g);
  for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) mean[j] += x.data[i * g + j] / n;
  const cov = new Float64Array(g * g);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < g; p++)
      for (let q = 0; q < g; q++)
        cov[p * g + q] += ((x.data[i * g + p] - mean[p]) * (x.data[i * g + q] - mean[q])) / (n - 1);
  return { cov, exact: symmetricEigen(cov, g) };
}

describe("symmetricEigen", () => {
  it("diagonalises a hand-checked 2×2 matrix", () => {
    // [[2, 1], [1, 2]] has eigenvalues 3 and 1 with vectors (1, 1)/√2 and (1, −1)/√2
    const { values, vectors } = symmetricEigen([2, 1, 1, 2], 2);
    expect(values[0]).toBeCloseTo(3, 12);
    expect(values[1]).toBeCloseTo(1, 12);
    expect(Math.abs(vectors[0])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(vectors[0] * vectors[2]).toBeCloseTo(0.5, 12);
  });
});

describe("pca", () => {
  it("matches the exact eigen-decomposition of the covariance", () => {
    const x = lowRankData(200, 12, 1);
    const res = pca(x, 4, { rngs: new Rngs(0) });
    const g = x.cols;
    const { cov, exact } = exactCovariance(x);
    let total = 0;
    for (let j = 0; j < g; j++) total += cov[j * g + j];
    for (let c = 0; c < 4; c++) {
      expect(res.explainedVariance[c] / exact.values[c]).toBeCloseTo(1, 3);
      expect(res.explainedVarianceRatio[c]).toBeCloseTo(exact.values[c] / total, 4);
      let dot = 0;
      for (let j = 0; j < g; j++) dot += res.components.data[c * g + j] * exact.vectors[j * g + c];
      expect(Math.abs(dot)).toBeCloseTo(1, 4);
    }
    // Scores are the centred data projected on the components.
    let s = 0;
    for (let j = 0; j < g; j++) s += (x.data[5 * g + j] - res.mean[j]) * res.components.data[1 * g + j];
    expect(res.scores.data[5 * 4 + 1]).toBeCloseTo(s, 3);
  });

  it("is deterministic for a seed and sign-stable across seeds", () => {
    const x = lowRankData(100, 10, 2);
    const a = pca(x, 3, { rngs: new Rngs(1) });
    const b = pca(x, 3, { rngs: new Rngs(1) });
    const c = pca(x, 3, { rngs: new Rngs(9) });
    expect(Array.from(a.scores.data)).toEqual(Array.from(b.scores.data));
    for (let i = 0; i < a.components.data.length; i++)
      expect(a.components.data[i]).toBeCloseTo(c.components.data[i], 3);
  });

  it("agrees with the exact decomposition on a tall matrix (the CholeskyQR2 path)", () => {
    const x = lowRankData(3000, 40, 4);
    const res = pca(x, 5, { rngs: new Rngs(0) });
    const g = x.cols;
    const { exact } = exactCovariance(x);
    for (let c = 0; c < 3; c++) {
      expect(res.explainedVariance[c] / exact.values[c]).toBeCloseTo(1, 3);
      let dot = 0;
      for (let j = 0; j < g; j++) dot += res.components.data[c * g + j] * exact.vectors[j * g + c];
      expect(Math.abs(dot)).toBeCloseTo(1, 4);
    }
  });

  it("in two row blocks, the second on a worker thread: the same decomposition, identical on one thread", () => {
    const x = lowRankData(3001, 40, 5);
    const input = Float32Array.from(x.data);
    const g = x.cols;
    const whole = pca(x, 5, { rngs: new Rngs(0) });
    const run = (threads: number) => {
      const before = threadCount();
      setThreadCount(threads);
      try {
        return pca(x, 5, { rngs: new Rngs(0), rowBlockMinElements: 0 });
      } finally {
        setThreadCount(before);
      }
    };
    const one = run(1);
    const two = run(2);
    expect(Array.from(two.scores.data)).toEqual(Array.from(one.scores.data));
    expect(Array.from(two.components.data)).toEqual(Array.from(one.components.data));
    expect(Array.from(two.explainedVariance)).toEqual(Array.from(one.explainedVariance));
    // Against the exact decomposition, as the one-block PCA (only the sums' order differs).
    const { exact } = exactCovariance(x);
    for (let c = 0; c < 3; c++) {
      expect(two.explainedVariance[c] / exact.values[c]).toBeCloseTo(1, 3);
      let dot = 0;
      for (let j = 0; j < g; j++) dot += two.components.data[c * g + j] * exact.vectors[j * g + c];
      expect(Math.abs(dot)).toBeCloseTo(1, 4);
      expect(two.explainedVariance[c] / whole.explainedVariance[c]).toBeCloseTo(1, 5);
    }
    // The input is untouched (its second block was copied before moving to the worker).
    expect(x.data.every((v, i) => v === input[i])).toBe(true);
  });

  it("names bad input", () => {
    const x = lowRankData(10, 4, 3);
    expect(() => pca(x, 5, { rngs: new Rngs(0) })).toThrow("pca.nComponents must be an integer in [1, 4]");
    x.data[7] = Number.NaN;
    expect(() => pca(x, 2, { rngs: new Rngs(0) })).toThrow("row 1, column 3");
  });
});

describe("knn", () => {
  it("equals brute force in float64, self first, ascending", () => {
    const r = new Rngs(4);
    const n = 300;
    const d = 5;
    const data = Float32Array.from(r.normal(n * d));
    const res = knn({ data, rows: n, cols: d }, 10, { chunkRows: 64 });
    for (const i of [0, 17, 299]) {
      const dist = Array.from({ length: n }, (_, j) => {
        let s = 0;
        for (let f = 0; f < d; f++) s += (data[i * d + f] - data[j * d + f]) ** 2;
        return [Math.sqrt(s), j] as const;
      }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      expect(Array.from(res.indices.subarray(i * 10, i * 10 + 10))).toEqual(dist.slice(0, 10).map((p) => p[1]));
      for (let c = 0; c < 10; c++) expect(res.distances[i * 10 + c]).toBeCloseTo(dist[c][0], 5);
    }
  });

  it("in the plane (grid search): every row equals a float64 brute force, on clustered points with duplicates", () => {
    // A UMAP-like layout: dense blobs of very different sizes, far-apart outliers, exact duplicates, points on
    // the bounding box's edges.
    const r = new Rngs(7);
    const n = 3000;
    const data = new Float32Array(2 * n);
    const z = r.normal(2 * n);
    for (let i = 0; i < n; i++) {
      const blob = i % 7;
      const spread = blob === 0 ? 5 : 0.05 * (blob + 1);
      data[2 * i] = blob * 3 + spread * z[2 * i];
      data[2 * i + 1] = (blob % 3) * 4 + spread * z[2 * i + 1];
    }
    for (let i = 0; i < 60; i++) {
      data[2 * (i + 100)] = data[2 * i]; // duplicates of the first 60 points
      data[2 * (i + 100) + 1] = data[2 * i + 1];
    }
    data[0] = 1000; // an outlier stretching the grid
    for (const includeSelf of [true, false]) {
      const k = 15;
      const res = knn({ data, rows: n, cols: 2 }, k, { includeSelf });
      for (let i = 0; i < n; i++) {
        const dist: Array<readonly [number, number]> = [];
        for (let j = 0; j < n; j++) {
          if (j === i && !includeSelf) continue;
          const dx = data[2 * i] - data[2 * j];
          const dy = data[2 * i + 1] - data[2 * j + 1];
          dist.push([j === i ? -1 : dx * dx + dy * dy, j]);
        }
        dist.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        const expected = dist.slice(0, k).map((p) => p[1]);
        const got = Array.from(res.indices.subarray(i * k, (i + 1) * k));
        if (got.join() !== expected.join()) expect([i, got]).toEqual([i, expected]);
        for (let c = 0; c < k; c++) {
          const exact = Math.sqrt(Math.max(0, dist[c][0]));
          expect(Math.abs(res.distances[i * k + c] - exact)).toBeLessThanOrEqual(1e-6 * Math.max(1, exact));
        }
      }
    }
  });

  it("puts the point itself first even with duplicates; can exclude it", () => {
    const data = Float32Array.from([0, 0, 0, 0, 1, 1, 3, 3]);
    const withSelf = knn({ data, rows: 4, cols: 2 }, 2);
    expect(Array.from(withSelf.indices)).toEqual([0, 1, 1, 0, 2, 0, 3, 2]);
    const without = knn({ data, rows: 4, cols: 2 }, 1, { includeSelf: false });
    expect(Array.from(without.indices)).toEqual([1, 0, 0, 2]);
    expect(() => knn({ data, rows: 4, cols: 2 }, 5)).toThrow("knn.k must be an integer in [1, 4]");
  });
});

describe("lanczosEigen", () => {
  it("finds the extreme eigenpairs of a sparse symmetric operator (path-graph Laplacian, known spectrum)", async () => {
    const { lanczosEigen } = await import("./lanczos.js");
    // Path graph P_n: adjacency eigenvalues 2·cos(πj/(n+1)), j = 1..n.
    const n = 200;
    const apply = (x: Float64Array, y: Float64Array) => {
      for (let i = 0; i < n; i++) y[i] = (i > 0 ? x[i - 1] : 0) + (i < n - 1 ? x[i + 1] : 0);
    };
    const { values, vectors } = lanczosEigen(apply, n, 4, { rngs: new Rngs(1), subspace: 200 });
    const expected = [1, 2].map((j) => 2 * Math.cos((Math.PI * j) / (n + 1)));
    expect(values[0]).toBeCloseTo(expected[0], 8);
    expect(values[1]).toBeCloseTo(expected[1], 8);
    expect(values[values.length - 1]).toBeCloseTo(-expected[0], 8); // magnitude order takes both ends
    const y = new Float64Array(n);
    apply(vectors[0], y);
    for (let i = 0; i < n; i += 37) expect(y[i]).toBeCloseTo(values[0] * vectors[0][i], 6);
  });
});

describe("orthonormalBasis", () => {
  /** n × l columns z₀ + ε·z_j (Gaussian z): nearly collinear, the block's condition grows as 1/ε. */
  function block(n: number, l: number, eps: number, seed: number) {
    const z = new Rngs(seed).normal(n * (l + 1));
    const data = new Float32Array(n * l);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < l; j++) data[i * l + j] = z[i * (l + 1)] + eps * z[i * (l + 1) + j + 1];
    return { data, rows: n, cols: l };
  }
  function basis(a: { data: Float32Array; rows: number; cols: number }) {
    return tf.tidy(() => orthonormalBasis(tf.tensor2d(a.data, [a.rows, a.cols]))).dataSync() as Float32Array;
  }
  function maxGramError(q: Float32Array, n: number, l: number) {
    let worst = 0;
    for (let a = 0; a < l; a++)
      for (let b = 0; b < l; b++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += q[i * l + a] * q[i * l + b];
        worst = Math.max(worst, Math.abs(s - (a === b ? 1 : 0)));
      }
    return worst;
  }

  it("gives the Q of the QR factorisation (positive diagonal) on a tall block: Gram–Schmidt's Q in float64", () => {
    // ε = 0.01: one CholeskyQR pass in float32 leaves QᵀQ off by ~2e-2 here; the second brings it to ~2e-6.
    const a = block(4000, 24, 0.01, 1);
    const q = basis(a);
    expect(maxGramError(q, 4000, 24)).toBeLessThan(1e-5);
    // The QR factorisation with a positive diagonal is unique, so both methods must give the same columns.
    const reference = orthonormalColumns(a).data;
    let worst = 0;
    for (let i = 0; i < q.length; i++) worst = Math.max(worst, Math.abs(q[i] - reference[i]));
    expect(worst).toBeLessThan(1e-3 / Math.sqrt(4000));
  });

  it("falls back to Gram–Schmidt on rank-deficient and ill-conditioned blocks and stays orthonormal", () => {
    const deficient = block(2000, 12, 0.1, 2);
    for (let i = 0; i < 2000; i++) deficient.data[i * 12 + 7] = deficient.data[i * 12 + 3]; // a repeated column
    expect(Array.from(basis(deficient))).toEqual(Array.from(orthonormalColumns(deficient).data));
    const illConditioned = block(2000, 12, 1e-4, 3);
    const q = basis(illConditioned);
    expect(maxGramError(q, 2000, 12)).toBeLessThan(1e-5);
    expect(Array.from(q)).toEqual(Array.from(orthonormalColumns(illConditioned).data));
  });

  it("leaves no tensor behind", () => {
    const a = block(1000, 10, 0.1, 4);
    const input = tf.tensor2d(a.data, [1000, 10]);
    const before = tf.memory().numTensors;
    const q = orthonormalBasis(input);
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([q, input]);
  });
});

describe("RowBlockProducts", () => {
  it("X·Q and Xᵀ·P in two row blocks (one on a worker) against float64 products by hand", () => {
    const r = new Rngs(3);
    const [n, g, l] = [501, 37, 6];
    const x = Float32Array.from(r.normal(n * g));
    const q = Float32Array.from(r.normal(g * l));
    const p = Float32Array.from(r.normal(n * l));
    const before = threadCount();
    setThreadCount(2);
    const blocks = new RowBlockProducts(x, n, g, l, 0);
    try {
      expect(blocks.threaded).toBe(tf.getBackend() === "wasm");
      const xq = blocks.right(q, l);
      const xtp = blocks.left(p, l);
      for (let i = 0; i < n; i++)
        for (let c = 0; c < l; c++) {
          let s = 0;
          for (let j = 0; j < g; j++) s += x[i * g + j] * q[j * l + c];
          expect(xq[i * l + c]).toBeCloseTo(s, 4);
        }
      for (let j = 0; j < g; j++)
        for (let c = 0; c < l; c++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += x[i * g + j] * p[i * l + c];
          expect(xtp[j * l + c]).toBeCloseTo(s, 3);
        }
      // Fewer columns than the bound, and again (the worker's buffers reused).
      const narrow = blocks.right(q.subarray(0, g * 2), 2);
      expect(narrow.length).toBe(n * 2);
      expect(narrow[n * 2 - 1]).toBeCloseTo(
        Array.from({ length: g }, (_, j) => x[(n - 1) * g + j] * q[j * 2 + 1]).reduce((a, b) => a + b, 0),
        4,
      );
    } finally {
      blocks.dispose();
      setThreadCount(before);
    }
  });
});
