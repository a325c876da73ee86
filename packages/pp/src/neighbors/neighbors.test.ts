import { fileURLToPath } from "node:url";
import { knn, Rngs } from "@diffcell/core";
import { type ScveloFixture, scveloFixture } from "@diffcell/datasets";
import { type CsrMatrix, getValue, readSparseNpz, type SparseMatrix, toCsr, toDenseFloat32 } from "@diffcell/io";
import { describe, expect, it } from "vitest";
import {
  fuzzySimplicialSet,
  knnDistanceMatrix,
  knnFromDistanceMatrix,
  knnGraph,
  neighborGraph,
  neighbors,
  nnDescent,
} from "../index.js";

const reference = (name: string) =>
  readSparseNpz(fileURLToPath(new URL(`../../test-data/neighbors/${name}.npz`, import.meta.url)));

function neighbourOverlap(ours: CsrMatrix, theirs: CsrMatrix): { shared: number; total: number } {
  let shared = 0;
  let total = 0;
  for (let i = 0; i < theirs.rows; i++) {
    const mine = new Set(ours.indices.subarray(ours.indptr[i], ours.indptr[i + 1]));
    for (let p = theirs.indptr[i]; p < theirs.indptr[i + 1]; p++) {
      total++;
      if (mine.has(theirs.indices[p])) shared++;
    }
  }
  return { shared, total };
}

function maxAbsDiff(a: SparseMatrix, b: SparseMatrix): number {
  let m = 0;
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < a.cols; j++) m = Math.max(m, Math.abs(getValue(a, i, j) - getValue(b, i, j)));
  return m;
}

describe("kNN graph from X_pca vs the stored scanpy graph (test_neighbors)", () => {
  for (const name of ["dentategyrus50", "dentategyrus100", "pancreas50", "pancreas100"] as ScveloFixture[]) {
    it(name, async () => {
      const adata = await scveloFixture(name);
      const pcs = adata.obsmKey("X_pca");
      const graph = neighborGraph({ data: toDenseFloat32(pcs), rows: pcs.rows, cols: pcs.cols }, 30);
      const stored = toCsr(adata.obspKey("distances"));
      const { shared, total } = neighbourOverlap(graph.distances, stored);
      expect(shared / total).toBeGreaterThanOrEqual(0.99);
      // scanpy convention: n_neighbors counts the cell itself, so k − 1 stored neighbours per row.
      for (let i = 0; i < adata.nObs; i++) expect(graph.distances.indptr[i + 1] - graph.distances.indptr[i]).toBe(29);
      // Same tolerance as scVelo's own test (decimal=4).
      expect(maxAbsDiff(graph.distances, reference(`${name}_distances`))).toBeLessThan(1.5e-4);
      const connDiff = maxAbsDiff(graph.connectivities, toCsr(adata.obspKey("connectivities")));
      expect(connDiff).toBeLessThan(1.5e-4);
      expect(maxAbsDiff(graph.connectivities, reference(`${name}_connectivities`))).toBeLessThan(1.5e-4);
      // Fuzzy union is symmetric.
      expect(maxAbsDiff(graph.connectivities, toCsr({ ...graph.connectivities, format: "csc" } as never))).toBe(0);
    });
  }

  it("neighbors() writes scanpy's keys", async () => {
    const adata = await scveloFixture("dentategyrus50");
    delete adata.obsp.distances;
    delete adata.obsp.connectivities;
    delete adata.uns.neighbors;
    neighbors(adata, { nNeighbors: 15 });
    expect(Object.keys(adata.obsp).sort()).toEqual(["connectivities", "distances"]);
    expect(adata.uns.neighbors).toMatchObject({
      connectivities_key: "connectivities",
      distances_key: "distances",
      params: { n_neighbors: 15, method: "umap", metric: "euclidean", use_rep: "X_pca" },
    });
    expect(adata.obsp.distances.format).toBe("csr");
  });
});

describe("UMAP connectivities", () => {
  it("follow the smooth-kNN definition on a hand example", () => {
    // Three points on a line at 0, 1, 3; k = 3 (self + 2).
    const indices = Int32Array.of(0, 1, 2, 1, 0, 2, 2, 1, 0);
    const distances = Float32Array.of(0, 1, 3, 0, 1, 2, 0, 2, 3);
    const c = fuzzySimplicialSet(indices, distances, 3, 3);
    // ρ = nearest distance; σ solves Σ_j exp(−(d_j − ρ)/σ) = log2(3) over the two neighbours.
    expect(Array.from(c.rhos)).toEqual([1, 1, 2]);
    for (const [i, ds] of [
      [0, [1, 3]],
      [1, [1, 2]],
      [2, [2, 3]],
    ] as const) {
      const s = ds.reduce((acc, d) => acc + (d - c.rhos[i] > 0 ? Math.exp(-(d - c.rhos[i]) / c.sigmas[i]) : 1), 0);
      expect(s).toBeCloseTo(Math.log2(3), 4);
    }
    // Memberships: w(0→1) = 1 (nearest); union with w(1→0) = 1 gives 1.
    expect(getValue(c, 0, 1)).toBeCloseTo(1, 6);
    const w02 = Math.exp(-(3 - 1) / c.sigmas[0]);
    const w20 = Math.exp(-(3 - 2) / c.sigmas[2]);
    expect(getValue(c, 0, 2)).toBeCloseTo(w02 + w20 - w02 * w20, 6);
    expect(getValue(c, 0, 0)).toBe(0);
  });
});

describe("approximate kNN (NN-descent)", () => {
  const n = 2000;
  const d = 10;
  // Ten Gaussian blobs: locally dense, like cells in PCA space.
  const rngs = new Rngs(7);
  const centers = rngs.normal(10 * d, 0, 5);
  const noise = rngs.normal(n * d);
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++)
    for (let f = 0; f < d; f++) data[i * d + f] = centers[(i % 10) * d + f] + noise[i * d + f];
  const x = { data, rows: n, cols: d };

  /** Brute-force oracle: the k nearest (self first) by sorting all distances. */
  function exactNeighbours(k: number): Set<number>[] {
    return Array.from({ length: n }, (_, i) => {
      const dist = Array.from({ length: n }, (_, j) => {
        let s = 0;
        for (let f = 0; f < d; f++) s += (data[i * d + f] - data[j * d + f]) ** 2;
        return [j === i ? -1 : s, j];
      });
      dist.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      return new Set(dist.slice(0, k).map((e) => e[1]));
    });
  }

  it("recovers ≥ 95% of the exact neighbours, self first, deterministically", () => {
    const truth = exactNeighbours(15);
    const approx = nnDescent(x, 15, { rngs: new Rngs(3) });
    let hit = 0;
    for (let i = 0; i < n; i++) {
      expect(approx.indices[i * 15]).toBe(i);
      for (let r = 0; r < 15; r++) if (truth[i].has(approx.indices[i * 15 + r])) hit++;
    }
    expect(hit / (n * 15)).toBeGreaterThanOrEqual(0.95);
    const again = nnDescent(x, 15, { rngs: new Rngs(3) });
    expect(Array.from(again.indices)).toEqual(Array.from(approx.indices));
    // Distances are exact for the neighbours found, ascending.
    for (let r = 1; r < 15; r++) expect(approx.distances[r]).toBeGreaterThanOrEqual(approx.distances[r - 1]);
  });

  it("gives the same graph on 1 and 2 threads, whatever the batches of the parallel joins", async () => {
    const { setThreadCount, threadCount } = await import("@diffcell/core");
    const initial = threadCount();
    // 2500 × 30 with k = 15: enough work for the worker pool.
    const big = Float32Array.from(
      new Rngs(11).normal(2500 * 30),
      (v, i) => v + centers[(Math.floor(i / 30) % 10) * d + (i % d)],
    );
    const points = { data: big, rows: 2500, cols: 30 };
    try {
      setThreadCount(1);
      const one = nnDescent(points, 15, { rngs: new Rngs(5) });
      setThreadCount(2);
      const two = nnDescent(points, 15, { rngs: new Rngs(5), joinPartPairs: 3000 });
      expect(Array.from(two.indices)).toEqual(Array.from(one.indices));
      expect(Array.from(two.distances)).toEqual(Array.from(one.distances));
    } finally {
      setThreadCount(initial);
    }
  });

  it("is used on request; exact search below the threshold", () => {
    const small = { data: data.subarray(0, 300 * d), rows: 300, cols: d };
    expect(knnGraph(small, 10, { approximate: true, rngs: new Rngs(1) }).k).toBe(10);
    expect(Array.from(knnGraph(small, 10).indices)).toEqual(Array.from(knn(small, 10).indices));
  });
});

describe("distance matrix", () => {
  it("drops self and round-trips to kNN lists", () => {
    const indices = Int32Array.of(0, 2, 1, 1, 0, 2, 2, 0, 1);
    const distances = Float32Array.of(0, 0.5, 1, 0, 1, 2, 0, 0.5, 2);
    const m = knnDistanceMatrix(indices, distances, 3, 3);
    expect(Array.from(m.indptr)).toEqual([0, 2, 4, 6]);
    expect(getValue(m, 0, 2)).toBe(0.5);
    expect(getValue(m, 0, 0)).toBe(0);
    const back = knnFromDistanceMatrix(m, 3);
    expect(Array.from(back.indices)).toEqual(Array.from(indices));
    expect(Array.from(back.distances)).toEqual(Array.from(distances));
  });
});
