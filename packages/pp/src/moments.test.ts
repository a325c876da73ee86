import { fileURLToPath } from "node:url";
import { type ScveloFixture, scveloFixture } from "@diffcell/datasets";
import { AnnData, csr, dense, readNpy, toCsr, toDense } from "@diffcell/io";
import { describe, expect, it } from "vitest";
import { firstMoment, moments, momentWeights, momentWeightsOf, paddedNeighbors, secondMoment } from "./index.js";

const ref = (name: string) => readNpy(fileURLToPath(new URL(`../test-data/moments/${name}.npy`, import.meta.url))).data;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// numpy's assert_almost_equal(decimal=d) accepts |actual − desired| < 1.5 · 10^−d.
const DECIMAL_3 = 1.5e-3;
const DECIMAL_2 = 1.5e-2;

describe("moments match scVelo's test_moments references (stored connectivities)", () => {
  for (const name of ["dentategyrus50", "dentategyrus100", "pancreas50", "pancreas100"] as ScveloFixture[]) {
    it(name, async () => {
      const adata = await scveloFixture(name);
      const w = momentWeightsOf(adata);
      const s = adata.layer("spliced");
      const u = adata.layer("unspliced");
      const errors = {
        Ms: maxAbsDiff(firstMoment(w, s), ref(`${name}_spliced_first`)),
        Mu: maxAbsDiff(firstMoment(w, u), ref(`${name}_unspliced_first`)),
        Mss: maxAbsDiff(secondMoment(w, s), ref(`${name}_spliced_second`)),
        Muu: maxAbsDiff(secondMoment(w, u), ref(`${name}_unspliced_second`)),
        Mus: maxAbsDiff(secondMoment(w, s, u), ref(`${name}_mixed_second`)),
      };
      expect(errors.Ms).toBeLessThan(DECIMAL_3);
      expect(errors.Mu).toBeLessThan(DECIMAL_3);
      expect(errors.Mss).toBeLessThan(DECIMAL_2);
      expect(errors.Muu).toBeLessThan(DECIMAL_2);
      expect(errors.Mus).toBeLessThan(DECIMAL_2);

      // The AnnData-level function writes the same into layers, and reproduces the fixture's own Ms/Mu.
      const stored = { Ms: toDense(adata.layer("Ms")).data, Mu: toDense(adata.layer("Mu")).data };
      moments(adata, { secondOrder: true });
      expect(maxAbsDiff(toDense(adata.layer("Ms")).data, stored.Ms)).toBeLessThan(1e-4);
      expect(maxAbsDiff(toDense(adata.layer("Mu")).data, stored.Mu)).toBeLessThan(1e-4);
      expect(maxAbsDiff(toDense(adata.layer("Mus")).data, ref(`${name}_mixed_second`))).toBeLessThan(DECIMAL_2);
    });
  }
});

describe("moment weights", () => {
  it("reproduce scVelo's analytic example", () => {
    // tests/preprocessing/test_moments.py::test_analytic_example
    const x = dense(Float32Array.of(1, 2, 0, 2, 3, 1, 1, 0.5, 2), 3, 3);
    const graph = toDense(dense(Float32Array.of(0, 0.5, 0.1, 0.5, 0, 0, 0.5, 0, 0), 3, 3));
    const w = momentWeights(graph);
    const first = firstMoment(w, x);
    const expected = [4 / 3, 5.5 / 3, 1, 1.5, 2.5, 0.5, 1, 1.25, 1];
    expect(maxAbsDiff(first, expected)).toBeLessThan(1e-6);
    const second = secondMoment(w, x);
    expect(maxAbsDiff(second, [2, 13.25 / 3, 5 / 3, 2.5, 6.5, 0.5, 1, 2.125, 2])).toBeLessThan(1e-6);
  });

  it("trim to the strongest neighbours like scVelo's select_connectivities", async () => {
    const adata = await scveloFixture("pancreas50");
    for (const n of [5, 15, 29]) {
      const w = momentWeightsOf(adata, { nNeighbors: n });
      for (let i = 0; i < w.rows; i++) {
        expect(w.indptr[i + 1] - w.indptr[i]).toBe(n + 1);
        for (let p = w.indptr[i]; p < w.indptr[i + 1]; p++) expect(w.data[p]).toBeCloseTo(1 / (n + 1), 7);
      }
    }
  });

  it("as padded neighbour lists give the same averages", () => {
    const graph = csr(Float32Array.of(1, 1, 1), Int32Array.of(1, 0, 0), Int32Array.of(0, 1, 2, 3), 3, 3);
    const w = momentWeights(graph);
    const { indices, weights, k } = paddedNeighbors(w);
    const x = [10, 20, 40];
    const viaPadded = [0, 1, 2].map((i) => {
      let s = 0;
      for (let r = 0; r < k; r++) s += weights[i * k + r] * x[indices[i * k + r]];
      return s;
    });
    const viaCsr = firstMoment(w, dense(Float32Array.from(x), 3, 1));
    expect(maxAbsDiff(viaPadded, viaCsr)).toBeLessThan(1e-5);
    expect(viaPadded).toEqual([15, 15, 25]);
  });

  it("name the missing layer or graph", async () => {
    const adata = new AnnData({ layers: { spliced: dense(new Float32Array(4), 2, 2) }, source: "toy.h5ad" });
    expect(() => moments(adata)).toThrow(/toy\.h5ad:\/layers\/unspliced: missing/);
    const noGraph = await scveloFixture("pancreas50");
    delete noGraph.obsp.connectivities;
    expect(() => momentWeightsOf(noGraph)).toThrow(/obsp\/connectivities: missing/);
  });
});

describe("multiplyElementwise", () => {
  it("equals the dense product by hand, summing duplicate entries, with typed arrays only", async () => {
    const { multiplyElementwise } = await import("./index.js");
    // Row 0: a has column 2 twice (1 + 2 = 3); b has columns 0 and 2. Row 1: no overlap. Row 2: a zero product.
    const a = csr(
      Float32Array.from([1, 2, 5, 4, 0.5, 7]),
      Int32Array.from([2, 2, 1, 0, 1, 2]),
      Int32Array.from([0, 3, 4, 6]),
      3,
      3,
    );
    const b = dense(Float32Array.from([9, 0, 2, 0, 0, 3, 0, 4, 0]), 3, 3);
    const product = multiplyElementwise(a, b);
    expect(product.data).toBeInstanceOf(Float32Array);
    expect(product.indices).toBeInstanceOf(Int32Array);
    // Dense by hand: row 0 = [0, 0, 3·2 = 6] (column 1: 5·0 dropped); row 1 = [0, 0, 0]; row 2 = [0, 0.5·4 = 2, 0].
    expect(Array.from(toDense(product).data)).toEqual([0, 0, 6, 0, 0, 0, 0, 2, 0]);
    expect(Array.from(product.indptr)).toEqual([0, 1, 1, 2]);
  });
});

describe("graphProduct on the worker pool", () => {
  it("equals a float64 hand loop and gives the same bits on 1 and 2 threads (sparse and dense x, with f)", async () => {
    const { Rngs, setThreadCount, threadCount } = await import("@diffcell/core");
    const { graphProduct } = await import("./index.js");
    // 3000 cells, 28–32 neighbours (every remainder of the dense kernel's four-neighbour sweeps), 200 genes
    // with ~30% stored: above the pool's work threshold.
    const n = 3000;
    const g = 200;
    const r = new Rngs(3);
    const wPtr = new Int32Array(n + 1);
    for (let i = 0; i < n; i++) wPtr[i + 1] = wPtr[i] + 28 + (i % 5);
    const wCol = Int32Array.from(r.uniform(wPtr[n], 0, n), Math.floor);
    const wData = Float32Array.from(r.uniform(wPtr[n], 0, 1));
    const w = { format: "csr" as const, indptr: wPtr, indices: wCol, data: wData, rows: n, cols: n };
    const values = Float32Array.from(r.uniform(n * g, 0, 1), (u, k) => (k % 10 < 3 ? Math.floor(u * 20) : 0));
    const x = dense(values, n, g);
    const expected = new Float64Array(n * g);
    for (let i = 0; i < n; i++)
      for (let p = wPtr[i]; p < wPtr[i + 1]; p++)
        for (let j = 0; j < g; j++) expected[i * g + j] += wData[p] * values[wCol[p] * g + j] ** 2;
    const before = threadCount();
    try {
      const runs = [1, 2].flatMap((threads) => {
        setThreadCount(threads);
        return [graphProduct(w, x, (v) => v * v), graphProduct(w, toCsr(x), (v) => v * v)];
      });
      // runs: [dense, sparse] on 1 thread, then on 2.
      for (const run of runs.slice(0, 2))
        for (let k = 0; k < n * g; k++)
          expect(Math.abs(run[k] - expected[k])).toBeLessThanOrEqual(1e-6 * expected[k] + 1e-6);
      expect(runs[2]).toEqual(runs[0]);
      expect(runs[3]).toEqual(runs[1]);
    } finally {
      setThreadCount(before);
    }
  });
});
