import { ConfigError, InputError, Rngs, ShapeError, stats, symmetricEigen } from "@diffcell/core";
import type { CsrMatrix } from "@diffcell/io";
import { describe, expect, it } from "vitest";
import { findAbParams } from "./umap/ab-params.js";
import {
  attraction,
  attractionExact,
  gradientTable,
  repulsion,
  repulsionExact,
  TABLE_MAX,
  TABLE_MIN,
} from "./umap/gradient-table.js";
import { graphEigenmap } from "./umap/graph-eigenmap.js";
import { layoutGraph } from "./umap/layout-graph.js";
import { RandomCells } from "./umap/random-cells.js";
import { connectedComponents, spectralLayout } from "./umap/spectral-layout.js";

/** Symmetric CSR from an undirected weighted edge list. */
function csr(n: number, edges: [number, number, number][]): CsrMatrix {
  const rows: [number, number][][] = Array.from({ length: n }, () => []);
  for (const [i, j, w] of edges) {
    rows[i].push([j, w]);
    if (i !== j) rows[j].push([i, w]);
  }
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const data: number[] = [];
  for (let i = 0; i < n; i++) {
    rows[i].sort((p, q) => p[0] - q[0]);
    for (const [j, w] of rows[i]) {
      indices.push(j);
      data.push(w);
    }
    indptr[i + 1] = indices.length;
  }
  return { format: "csr", rows: n, cols: n, indptr, indices: Int32Array.from(indices), data: Float32Array.from(data) };
}

function ring(n: number, offset = 0): [number, number, number][] {
  return Array.from({ length: n }, (_, i) => [offset + i, offset + ((i + 1) % n), 1] as [number, number, number]);
}

describe("findAbParams", () => {
  it("fits umap-learn's curve parameters (scipy curve_fit values)", () => {
    // umap-learn's find_ab_params(1.0, 0.5) = (0.58303, 1.33417): scanpy's defaults.
    const scanpy = findAbParams(1, 0.5);
    expect(scanpy.a).toBeCloseTo(0.583, 3);
    expect(scanpy.b).toBeCloseTo(1.334, 3);
    expect(Math.abs(scanpy.a - 0.5830300199950147)).toBeLessThan(1e-5);
    expect(Math.abs(scanpy.b - 1.334166992455648)).toBeLessThan(1e-5);
    // umap-learn's own defaults (min_dist 0.1).
    const umapLearn = findAbParams(1, 0.1);
    expect(Math.abs(umapLearn.a - 1.576943460405378)).toBeLessThan(1e-5);
    expect(Math.abs(umapLearn.b - 0.8950608781227859)).toBeLessThan(1e-5);
  });

  it("rejects a non-positive spread or negative min_dist", () => {
    expect(() => findAbParams(0, 0.5)).toThrow(ConfigError);
    expect(() => findAbParams(1, -0.1)).toThrow(ConfigError);
    expect(() => findAbParams(Number.NaN, 0.5)).toThrow(/spread/);
  });
});

describe("gradient table", () => {
  it("matches the exact coefficients to 3e-5 relative over 24 decades", () => {
    for (const [a, b, gamma] of [
      [0.583, 1.334, 1],
      [1.577, 0.895, 1],
      [1.93, 0.79, 2],
      [0.05, 1.9, 0.5],
    ]) {
      const table = gradientTable(a, b, gamma);
      let worst = 0;
      for (let i = 0; i <= 20000; i++) {
        const x = 10 ** (-12 + (24 * i) / 20000) * (1 + 0.37 * Math.sin(i));
        worst = Math.max(
          worst,
          Math.abs(attraction(table, x) / attractionExact(x, a, b) - 1),
          Math.abs(repulsion(table, x) / repulsionExact(x, a, b, gamma) - 1),
        );
      }
      expect(worst).toBeLessThan(3e-5);
      // Outside the table the exact formulas are used.
      expect(attraction(table, TABLE_MIN / 4)).toBe(attractionExact(TABLE_MIN / 4, a, b));
      expect(repulsion(table, TABLE_MAX * 3)).toBe(repulsionExact(TABLE_MAX * 3, a, b, gamma));
    }
  });
});

describe("RandomCells", () => {
  it("draws every index equally often, deterministically, for small and large n", () => {
    for (const n of [7, 3696, 70_000]) {
      const draws = new Int32Array(1 << 20);
      const cells = new RandomCells(new Rngs(11), n);
      cells.fill(draws.subarray(0, 1 << 19));
      cells.fill(draws.subarray(1 << 19));
      const again = new Int32Array(1 << 19);
      new RandomCells(new Rngs(11), n).fill(again);
      expect(Array.from(again.subarray(0, 1000))).toEqual(Array.from(draws.subarray(0, 1000)));
      let lo = n;
      let hi = -1;
      for (const d of draws) {
        lo = Math.min(lo, d);
        hi = Math.max(hi, d);
      }
      expect(lo).toBe(0);
      expect(hi).toBe(n - 1);
      if (n === 7) {
        // Chi-square test of uniformity over the 7 cells.
        const counts = new Float64Array(7);
        for (const d of draws) counts[d]++;
        const expected = draws.length / 7;
        const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
        expect(chi2).toBeLessThan(22.5); // χ²₆ at p = 0.001
      }
    }
  });

  it("is exactly uniform: for n = 40 000 a 16-bit multiply-shift would favour some cells by 2×", () => {
    // ⌊r·n/2¹⁶⌋ maps 2 16-bit values to some cells and 1 to others (65536/40000 = 1.64); Lemire's
    // rejection equalises them. Compare cells that would get 2 values with those that would get 1.
    const n = 40_000;
    const draws = new Int32Array(1 << 21);
    new RandomCells(new Rngs(3), n).fill(draws);
    const counts = new Float64Array(n);
    for (const d of draws) counts[d]++;
    const preimages = new Int32Array(n);
    for (let r = 0; r < 65536; r++) preimages[Math.floor((r * n) / 65536)]++;
    let sum1 = 0;
    let n1 = 0;
    let sum2 = 0;
    let n2 = 0;
    for (let c = 0; c < n; c++) {
      if (preimages[c] === 1) {
        sum1 += counts[c];
        n1++;
      } else {
        sum2 += counts[c];
        n2++;
      }
    }
    expect(Math.abs(sum2 / n2 / (sum1 / n1) - 1)).toBeLessThan(0.02);
  });
});

describe("layoutGraph", () => {
  it("drops edges below max/nEpochs and self-loops; samples every max/w epochs", () => {
    const g = csr(4, [
      [0, 1, 1],
      [1, 2, 0.5],
      [2, 3, 0.001], // < 1/500: dropped
      [3, 3, 0.7], // self-loop: dropped
    ]);
    const lg = layoutGraph(g, 500);
    expect(Array.from(lg.head)).toEqual([0, 1, 1, 2]);
    expect(Array.from(lg.tail)).toEqual([1, 0, 2, 1]);
    expect(Array.from(lg.epochsPerSample)).toEqual([1, 1, 2, 2]);
    expect(Array.from(lg.indptr)).toEqual([0, 1, 3, 4, 4]);
    // With 10 epochs or fewer umap-learn prunes as if 200.
    expect(layoutGraph(g, 5).head.length).toBe(4);
    expect(layoutGraph(csr(4, [[2, 3, 0.006]]), 100).head.length).toBe(2);
  });

  it("rejects bad graphs", () => {
    const g = csr(3, [[0, 1, 1]]);
    expect(() => layoutGraph({ ...g, cols: 4 }, 100)).toThrow(ShapeError);
    expect(() => layoutGraph({ ...g, data: Float32Array.of(1, -1) }, 100)).toThrow(InputError);
    expect(() => layoutGraph({ ...g, data: Float32Array.of(1, Number.NaN) }, 100)).toThrow(/finite/);
    expect(() => layoutGraph({ ...g, indices: Int32Array.of(1, 7) }, 100)).toThrow(/column index 7/);
  });
});

describe("spectralLayout", () => {
  const x = { data: new Float32Array(0), rows: 0, cols: 0 };

  it("returns the leading non-trivial eigenvectors of D^-1/2 W D^-1/2 (dense check)", () => {
    // A connected random weighted graph: a ring plus random chords, generic weights (no degenerate
    // eigenvalues, which single-vector Lanczos cannot split).
    const n = 80;
    const r = new Rngs(4);
    const w = r.uniform(n + 120, 0.1, 1);
    const ends = r.integers(240, 0, n);
    const edges: [number, number, number][] = ring(n).map(([i, j], t) => [i, j, w[t]]);
    for (let t = 0; t < 120; t++)
      if (ends[2 * t] !== ends[2 * t + 1]) edges.push([ends[2 * t], ends[2 * t + 1], w[n + t]]);
    const g = csr(n, edges);
    const lg = layoutGraph(g, 10_000); // no pruning at these weights
    const y = spectralLayout(lg, 2, x, new Rngs(0));
    // Dense M = D^-1/2 W D^-1/2 and its eigenvectors.
    const dense = new Float64Array(n * n);
    const degree = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let p = g.indptr[i]; p < g.indptr[i + 1]; p++) {
        dense[i * n + g.indices[p]] += g.data[p];
        degree[i] += g.data[p];
      }
    }
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) dense[i * n + j] /= Math.sqrt(degree[i] * degree[j]);
    const { values, vectors } = symmetricEigen(dense, n);
    const order = Array.from(values.keys()).sort((p, q) => values[q] - values[p]);
    expect(values[order[0]]).toBeCloseTo(1, 10);
    for (let d = 0; d < 2; d++) {
      const ours = Array.from({ length: n }, (_, i) => y[2 * i + d]);
      const ref = Array.from({ length: n }, (_, i) => vectors[i * n + order[d + 1]]);
      const cos = ours.reduce((s, v, i) => s + v * ref[i], 0) / Math.hypot(...ours) / Math.hypot(...ref);
      expect(Math.abs(cos)).toBeGreaterThan(1 - 1e-9);
    }
  });

  /** A kNN-like graph of a 1-D trajectory: each cell linked to the 7 before and after it. */
  function trajectory(n: number): CsrMatrix {
    const edges: [number, number, number][] = [];
    for (let i = 0; i < n; i++) for (let s = 1; s <= 7 && i + s < n; s++) edges.push([i, i + s, Math.exp(-s / 4)]);
    return csr(n, edges);
  }

  it("orders a 1 000-cell trajectory along its first coordinate (Chebyshev-filtered Lanczos)", () => {
    // Top eigenvalues of M 1 − O(k²·10⁻⁴): plain Lanczos with core's 60 steps does not resolve them.
    const g = trajectory(1000);
    const e = graphEigenmap(g.indptr, g.indices, g.data, 2, new Rngs(0));
    expect(e?.residual).toBeLessThan(1e-3);
    const first = Array.from({ length: 1000 }, (_, i) => e?.coords[2 * i] ?? 0);
    const position = Array.from({ length: 1000 }, (_, i) => i);
    expect(Math.abs(stats.spearman(first, position))).toBeGreaterThan(0.99);
  });

  it("falls back to the input's leading coordinates when the eigensolver does not converge", () => {
    // 3 000 cells in one chain: out of reach of the Lanczos budget (residual ~1e-2).
    const n = 3000;
    const g = trajectory(n);
    expect(graphEigenmap(g.indptr, g.indices, g.data, 2, new Rngs(0))?.residual).toBeGreaterThan(1e-3);
    const noise = new Rngs(1).normal(2 * n);
    const data = Float32Array.from({ length: 2 * n }, (_, t) => (t % 2 === 0 ? (t / 2) * 0.01 : 0) + 0.1 * noise[t]);
    const y = spectralLayout(layoutGraph(g, 200), 2, { data, rows: n, cols: 2 }, new Rngs(0));
    const mean = [0, 1].map((d) => Array.from({ length: n }, (_, i) => data[2 * i + d]).reduce((p, q) => p + q, 0) / n);
    for (let i = 0; i < n; i += 97) {
      expect(y[2 * i]).toBeCloseTo(data[2 * i] - mean[0], 4);
      expect(y[2 * i + 1]).toBeCloseTo(data[2 * i + 1] - mean[1], 4);
    }
  });

  it("lays out disconnected components apart, each around its own anchor", () => {
    // Three rings and an isolated cell: 4 components ≤ 2·dim → anchors ±e₁, ±e₂.
    const edges = [...ring(30), ...ring(40, 30), ...ring(50, 70)];
    const lg = layoutGraph(csr(121, edges), 200);
    const { labels, count } = connectedComponents(lg);
    expect(count).toBe(4);
    expect(labels[120]).toBe(3);
    const y = spectralLayout(lg, 2, x, new Rngs(0));
    // Every cell is nearer its own component's centre than any other component's, with a margin.
    const centres = [0, 1, 2, 3].map((c) => {
      const ids = Array.from(labels.keys()).filter((i) => labels[i] === c);
      return [0, 1].map((d) => ids.reduce((s, i) => s + y[2 * i + d], 0) / ids.length);
    });
    for (let i = 0; i < 121; i++) {
      const dist = centres.map(([cx, cy]) => Math.hypot(y[2 * i] - cx, y[2 * i + 1] - cy));
      const own = dist[labels[i]];
      const other = Math.min(...dist.filter((_, c) => c !== labels[i]));
      expect(own).toBeLessThan(0.95 * other);
    }
  });

  it("places more than 2·dim components by the principal coordinates of their centroids", () => {
    // Five 10-cell rings whose input centroids lie on a line, in order 0..4: the anchors must keep that order.
    const edges = [0, 1, 2, 3, 4].flatMap((c) => ring(10, 10 * c));
    const lg = layoutGraph(csr(50, edges), 200);
    const data = new Float32Array(50 * 3);
    for (let i = 0; i < 50; i++) {
      const c = Math.floor(i / 10);
      data[3 * i] = 10 * c + Math.sin(i);
      data[3 * i + 1] = Math.cos(i);
      data[3 * i + 2] = 0.5 * c;
    }
    const y = spectralLayout(lg, 2, { data, rows: 50, cols: 3 }, new Rngs(0));
    const centre = [0, 1, 2, 3, 4].map((c) => {
      let s = 0;
      for (let i = 10 * c; i < 10 * c + 10; i++) s += y[2 * i];
      return s / 10;
    });
    const increasing = centre.every((v, c) => c === 0 || v > centre[c - 1]);
    const decreasing = centre.every((v, c) => c === 0 || v < centre[c - 1]);
    expect(increasing || decreasing).toBe(true);
  });
});
