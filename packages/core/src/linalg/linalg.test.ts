import { describe, expect, it } from "vitest";
import { Rngs } from "../rng.js";
import { symmetricEigen } from "./dense.js";
import { knn } from "./knn.js";
import { pca } from "./pca.js";

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
    // Exact covariance (ddof = 1) in float64.
    const { rows: n, cols: g } = x;
    const mean = new Float64Array(g);
    for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) mean[j] += x.data[i * g + j] / n;
    const cov = new Float64Array(g * g);
    for (let i = 0; i < n; i++)
      for (let p = 0; p < g; p++)
        for (let q = 0; q < g; q++)
          cov[p * g + q] += ((x.data[i * g + p] - mean[p]) * (x.data[i * g + q] - mean[q])) / (n - 1);
    const exact = symmetricEigen(cov, g);
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
