import { fileURLToPath } from "node:url";
import { readH5ad, toCsr, toDenseFloat32 } from "@diffcell/io";
import { describe, expect, it } from "vitest";
import { finiteColumns } from "./columns.js";
import { localityOrder, velocityGraph } from "./graph.js";
import { crossBoundaryCorrectness, innerClusterCoherence } from "./metrics.js";
import { RowOrder } from "./sparse.js";
import { geneTimeUnits } from "./units.js";

const reference = fileURLToPath(new URL("../../testdata/dentategyrus-dynamical/adata_100.h5ad", import.meta.url));

/** kNN lists N × k (self first) from scanpy's distance graph. */
function knnFromDistances(
  m: { rows: number; indptr: Int32Array; indices: Int32Array; data: ArrayLike<number> },
  k: number,
) {
  const out = new Int32Array(m.rows * k);
  for (let i = 0; i < m.rows; i++) {
    const order = Array.from({ length: m.indptr[i + 1] - m.indptr[i] }, (_, r) => m.indptr[i] + r).sort(
      (a, b) => m.data[a] - m.data[b],
    );
    out[i * k] = i;
    for (let r = 0; r < k - 1; r++) out[i * k + 1 + r] = r < order.length ? m.indices[order[r]] : i;
  }
  return out;
}

describe("velocityGraph", () => {
  it("equals scVelo's velocity_graph pair by pair (dentate gyrus, dynamical velocities)", async () => {
    const a = await readH5ad(reference);
    const [n, g] = a.shape;
    const graph = velocityGraph(toDenseFloat32(a.layer("velocity")), toDenseFloat32(a.layer("Ms")), n, g, {
      neighbors: knnFromDistances(toCsr(a.obsp.distances), 30),
      recurse: 1,
      genes: Uint8Array.from(a.var.numbers("velocity_genes")),
    });
    for (const [ours, key] of [
      [graph.graph, "velocity_graph"],
      [graph.graphNeg, "velocity_graph_neg"],
    ] as const) {
      const ref = toCsr(a.obsp[key]);
      let compared = 0;
      let maxDiff = 0;
      for (let i = 0; i < n; i++) {
        const row = new Map<number, number>();
        for (let p = ref.indptr[i]; p < ref.indptr[i + 1]; p++) row.set(ref.indices[p], ref.data[p]);
        for (let p = ours.indptr[i]; p < ours.indptr[i + 1]; p++) {
          const expected = row.get(ours.indices[p]);
          if (expected === undefined) continue;
          compared++;
          maxDiff = Math.max(maxDiff, Math.abs(expected - ours.data[p]));
        }
      }
      expect(compared, key).toBeGreaterThan(1000);
      expect(maxDiff, key).toBeLessThan(1e-5);
    }
  });
});

describe("geneTimeUnits", () => {
  it("scales each gene's velocity by std(s)/std(v) and leaves other genes alone", () => {
    // 3 cells × 3 genes; gene 2 is not a velocity gene (NaN velocity).
    const v = Float32Array.from([1, 0, Number.NaN, 3, 2, Number.NaN, 5, -2, Number.NaN]);
    const s = Float32Array.from([0, 1, 7, 2, 1, 7, 4, 4, 7]);
    const { velocity, timeScale } = geneTimeUnits(v, s, 3, 3, Uint8Array.from([1, 1, 0]));
    // gene 0: std(v) = std(1,3,5) = √(8/3), std(s) = std(0,2,4) = √(8/3) → τ = 1.
    expect(timeScale[0]).toBeCloseTo(1, 6);
    // gene 1: std(v) = std(0,2,−2) = √(8/3), std(s) = std(1,1,4) = √2 → τ = √2/√(8/3) = √3/2.
    expect(timeScale[1]).toBeCloseTo(Math.sqrt(3) / 2, 6);
    expect(velocity[4]).toBeCloseTo(2 * (Math.sqrt(3) / 2), 5);
    expect(velocity[7]).toBeCloseTo(-2 * (Math.sqrt(3) / 2), 5);
    expect(Number.isNaN(velocity[2]) && Number.isNaN(timeScale[2])).toBe(true);
    expect(v[4]).toBe(2); // input untouched
  });
});

describe("CBDir and ICCoh", () => {
  // Five cells on a line: A = {0, 1, 2} at x = 0, 1, 2; B = {3, 4} at x = 3, 4; every cell sees all others.
  const clusters = ["A", "A", "A", "B", "B"];
  const neighbors = Int32Array.from({ length: 25 }, (_, t) => {
    const i = Math.floor(t / 5);
    const r = t % 5;
    return r === 0 ? i : r <= i ? r - 1 : r;
  });
  const embedding = Float32Array.from([0, 0, 1, 0, 2, 0, 3, 0, 4, 0]);

  it("CBDir is +1 when A's velocities point at B, −1 when away, 0 when orthogonal", () => {
    const towards = Float32Array.from([1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);
    const away = Float32Array.from(towards, (x) => -x);
    const up = Float32Array.from([0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
    const cb = (velocityEmbedding: Float32Array) =>
      crossBoundaryCorrectness({ clusters, neighbors, embedding, velocityEmbedding }, [["A", "B"]]).mean;
    expect(cb(towards)).toBeCloseTo(1, 6);
    expect(cb(away)).toBeCloseTo(-1, 6);
    expect(cb(up)).toBeCloseTo(0, 6);
  });

  it("ICCoh is 1 for identical velocities inside clusters and averages cosines otherwise", () => {
    const same = Float32Array.from([1, 2, 1, 2, 1, 2, 3, 0, 3, 0]);
    expect(innerClusterCoherence({ clusters, neighbors, velocity: same, nGenes: 2 }).mean).toBeCloseTo(1, 6);
    // Cluster B: cells 3 and 4 orthogonal → each cell: (1 + 0)/2 = 0.5; cluster A all identical → 1.
    const mixed = Float32Array.from([1, 2, 1, 2, 1, 2, 1, 0, 0, 1]);
    const ic = innerClusterCoherence({ clusters, neighbors, velocity: mixed, nGenes: 2 });
    expect(ic.perCluster.get("A")).toBeCloseTo(1, 6);
    expect(ic.perCluster.get("B")).toBeCloseTo(0.5, 6);
    expect(ic.mean).toBeCloseTo(0.75, 6);
  });
});

describe("transitionMatrix and CsrBuilder (typed arrays, no per-entry JS arrays)", () => {
  it("normalise exp(10·cos) rows by hand, forward and backward, with columns sorted", async () => {
    const { CsrBuilder, transitionMatrix } = await import("../index.js");
    // Positive edges 0→2 (0.5), 0→1 (0.2), 1→2 (0.3); negative edge 2→0 (−0.4). Rows pushed unsorted on purpose.
    const pos = new CsrBuilder(3, 1);
    pos.push(2, 0.5);
    pos.push(1, 0.2);
    pos.endRow();
    pos.push(2, 0.3);
    pos.endRow();
    pos.endRow();
    const neg = new CsrBuilder(3, 1);
    neg.endRow();
    neg.endRow();
    neg.push(0, -0.4);
    neg.endRow();
    const graph = { graph: pos.build(), graphNeg: neg.build() } as Parameters<typeof transitionMatrix>[0];
    const f32 = (x: number) => Math.fround(x);
    const e = (c: number) => Math.exp(10 * f32(c));
    const forward = transitionMatrix(graph, { selfTransitions: false });
    expect(Array.from(forward.indptr)).toEqual([0, 2, 3, 4]);
    expect(Array.from(forward.indices)).toEqual([1, 2, 2, 0]);
    const z0 = e(0.2) + e(0.5);
    expect(Array.from(forward.data)).toEqual([e(0.2) / z0, e(0.5) / z0, 1, 1].map(f32));
    const backward = transitionMatrix(graph, { selfTransitions: false, backward: true });
    // Transposed rows: 0 ← 2 (e(−0.4)); 1 ← 0 (e(0.2)); 2 ← 0 (e(0.5)), 1 (e(0.3)).
    expect(Array.from(backward.indices)).toEqual([2, 0, 0, 1]);
    const z2 = e(0.5) + e(0.3);
    expect(Array.from(backward.data)).toEqual([1, 1, e(0.5) / z2, e(0.3) / z2].map(f32));
  });

  it("chainMatrices: the transposes of the forward and backward matrices, bit for bit", async () => {
    const { CsrBuilder, chainMatrices, transitionMatrix } = await import("../index.js");
    const { transpose } = await import("./transition.js");
    // A random graph: 200 cells, up to 12 distinct columns per row, positive and negative cosines.
    let state = 7;
    const next = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 4294967296;
    };
    const n = 200;
    const pos = new CsrBuilder(n);
    const neg = new CsrBuilder(n);
    for (let i = 0; i < n; i++) {
      const cols = new Set<number>();
      for (let t = 0; t < 12; t++) cols.add(Math.floor(next() * n));
      cols.delete(i);
      for (const j of cols) (next() < 0.7 ? pos : neg).push(j, next() < 0.7 ? next() : -next());
      pos.endRow();
      neg.endRow();
    }
    const graph = { graph: pos.build(), graphNeg: neg.build() };
    const chains = chainMatrices(graph, { selfTransitions: false });
    for (const [backward, chain] of [
      [false, chains.forward],
      [true, chains.backward],
    ] as const) {
      const t = transitionMatrix(graph, { selfTransitions: false, backward });
      const [start, sources, data] = transpose(t.indptr, t.indices, t.data, n);
      expect(Array.from(chain.indptr)).toEqual(Array.from(start));
      expect(Array.from(chain.indices)).toEqual(Array.from(sources));
      expect(Array.from(chain.data)).toEqual(Array.from(data));
    }
  });
});

describe("velocityGraph on worker threads", () => {
  it("gives the same graph on 1 and 2 threads", async () => {
    const { Rngs, setThreadCount, threadCount } = await import("@diffcell/core");
    const initial = threadCount();
    const n = 300;
    const g = 50;
    const r = new Rngs(8);
    const velocity = Float32Array.from(r.normal(n * g, 0, 1));
    const expression = Float32Array.from(r.uniform(n * g, 0, 4));
    const neighbors = Int32Array.from(r.uniform(n * 10, 0, n), Math.floor);
    const run = (threads: number, sqrtTransform: boolean) => {
      setThreadCount(threads);
      return velocityGraph(velocity, expression, n, g, { neighbors, sqrtTransform });
    };
    try {
      for (const sqrtTransform of [true, false]) {
        const one = run(1, sqrtTransform);
        const two = run(2, sqrtTransform);
        expect(two).toEqual(one);
        expect(one.graph.indices.length + one.graphNeg.indices.length).toBeGreaterThan(n * 50);
      }
    } finally {
      setThreadCount(initial);
    }
  });
});

describe("RowOrder", () => {
  it("orders a row made of sorted runs by column, ties by position, as a sort by hand; unsorted runs too", async () => {
    const { Rngs } = await import("@diffcell/core");
    const r = new Rngs(3);
    const order = new RowOrder("test");
    for (let trial = 0; trial < 200; trial++) {
      const lengths = [0, 1, 2].map(() => Math.floor(r.uniform(1, 0, 40)[0]));
      const ends = lengths.map((_, k) => lengths.slice(0, k + 1).reduce((x, y) => x + y, 0));
      const cols = new Int32Array(ends[2]);
      let start = 0;
      for (const end of ends) {
        const run = Array.from(r.uniform(end - start, 0, 60), Math.floor);
        if (trial % 4 !== 0) run.sort((x, y) => x - y); // every fourth row has unsorted runs
        cols.set(run, start);
        start = end;
      }
      const expected = Array.from(cols.keys()).sort((x, y) => cols[x] - cols[y] || x - y);
      expect(Array.from(order.of(cols, ends))).toEqual(expected);
    }
  });
});

describe("velocityGraph's processing order", () => {
  it("localityOrder walks a path from one end and covers every component", () => {
    // A path 0–1–…–9 relabelled by a fixed scramble, plus an isolated pair {10, 11}.
    const label = [7, 2, 9, 0, 5, 3, 8, 1, 6, 4];
    const direct: number[][] = Array.from({ length: 12 }, () => []);
    for (let s = 0; s + 1 < 10; s++) {
      direct[label[s]].push(label[s + 1]);
      direct[label[s + 1]].push(label[s]);
    }
    direct[10].push(11);
    direct[11].push(10);
    const order = Array.from(localityOrder(direct, 12));
    const walked = order.slice(0, 10);
    // From cell 0 (path position 3) the last cell reached is an end of the path; from there the path in order.
    expect([label, [...label].reverse()]).toContainEqual(walked);
    // The pair comes after the path (its lowest cell, 10, is higher than 0), walked from 11 (reached last from 10).
    expect(order.slice(10)).toEqual([11, 10]);
  });

  it("localityOrder places every cell once when the kNN lists are directed", async () => {
    const { Rngs } = await import("@diffcell/core");
    const isPermutation = (order: Int32Array, n: number) =>
      order.length === n && new Set(order).size === n && order.every((c) => c >= 0 && c < n);
    // A one-way chain 0 → 1 → … → 199: a sweep from 0 reaches all, one from 199 only itself.
    const chain: number[][] = Array.from({ length: 200 }, (_, i) => (i + 1 < 200 ? [i + 1] : []));
    expect(isPermutation(localityOrder(chain, 200), 200)).toBe(true);
    // Random sparse directed lists (many cells reach few others), and cells with no neighbours at all.
    const r = new Rngs(5);
    const n = 500;
    const lists: number[][] = Array.from({ length: n }, (_, i) =>
      i % 7 === 0 ? [] : Array.from(r.uniform(2, 0, n), Math.floor),
    );
    expect(isPermutation(localityOrder(lists, n), n)).toBe(true);
  });

  it("does not depend on how the cells are numbered: a permuted input gives the permuted graph, bit for bit", async () => {
    const { Rngs } = await import("@diffcell/core");
    const n = 240;
    const g = 40;
    const k = 8;
    const r = new Rngs(21);
    const velocity = Float32Array.from(r.normal(n * g, 0, 1));
    const expression = Float32Array.from(r.uniform(n * g, 0, 4));
    const neighbors = Int32Array.from(r.uniform(n * k, 0, n), Math.floor);
    const perm = r.permutation(n); // new cell p is old cell perm[p]
    const newId = new Int32Array(n);
    for (let p = 0; p < n; p++) newId[perm[p]] = p;
    const pv = new Float32Array(n * g);
    const px = new Float32Array(n * g);
    const pn = new Int32Array(n * k);
    for (let p = 0; p < n; p++) {
      pv.set(velocity.subarray(perm[p] * g, (perm[p] + 1) * g), p * g);
      px.set(expression.subarray(perm[p] * g, (perm[p] + 1) * g), p * g);
      for (let c = 0; c < k; c++) pn[p * k + c] = newId[neighbors[perm[p] * k + c]];
    }
    const a = velocityGraph(velocity, expression, n, g, { neighbors });
    const b = velocityGraph(pv, px, n, g, { neighbors: pn });
    for (const key of ["graph", "graphNeg"] as const) {
      let compared = 0;
      for (let p = 0; p < n; p++) {
        const i = perm[p];
        const row = new Map<number, number>();
        for (let e = a[key].indptr[i]; e < a[key].indptr[i + 1]; e++) row.set(newId[a[key].indices[e]], a[key].data[e]);
        expect(b[key].indptr[p + 1] - b[key].indptr[p]).toBe(row.size);
        for (let e = b[key].indptr[p]; e < b[key].indptr[p + 1]; e++) {
          expect(b[key].data[e]).toBe(row.get(b[key].indices[e]));
          compared++;
        }
      }
      expect(compared).toBeGreaterThan(n * 10);
    }
  });
});

describe("velocityGraph's WebAssembly SIMD pair sums", () => {
  it("give the plain loops' graph bit for bit (odd and even gene counts, 1 and 2 threads)", async () => {
    const { Rngs, setThreadCount, threadCount } = await import("@diffcell/core");
    const initial = threadCount();
    try {
      for (const g of [37, 40]) {
        const n = 400;
        const r = new Rngs(g);
        const velocity = Float32Array.from(r.normal(n * g, 0, 1));
        const expression = Float32Array.from(r.uniform(n * g, 0, 4));
        // Mostly mutual lists (a ring plus random extras): both-ways pairs and one-way pairs.
        const k = 8;
        const neighbors = new Int32Array(n * k);
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < 4; c++) neighbors[i * k + c] = (i + c + 1) % n;
          for (let c = 4; c < k; c++) neighbors[i * k + c] = Math.floor(r.uniform(1, 0, n)[0]);
        }
        for (const threads of [1, 2]) {
          setThreadCount(threads);
          const plain = velocityGraph(velocity, expression, n, g, { neighbors, simd: false });
          const simd = velocityGraph(velocity, expression, n, g, { neighbors });
          expect(simd).toEqual(plain);
          expect(plain.graph.indices.length + plain.graphNeg.indices.length).toBeGreaterThan(n * 20);
        }
      }
    } finally {
      setThreadCount(initial);
    }
  });
});

describe("geneScale (the standardised metric applied while reading)", () => {
  it("gives the graph and confidence of the explicitly rescaled velocity and expression", async () => {
    const { Rngs } = await import("@diffcell/core");
    const { standardizedGeneScale, standardizedGeneSpace } = await import("../graphMetric.js");
    const { velocityConfidence } = await import("./confidence.js");
    const n = 200;
    const g = 12;
    const r = new Rngs(4);
    // Genes on very different scales, so that the rescaling changes which cells correlate.
    const expression = Float32Array.from(r.uniform(n * g, 0, 1), (x, k) => x * 10 ** (k % 4));
    const velocity = Float32Array.from(r.normal(n * g, 0, 1), (x, k) => x * 10 ** (k % 3));
    const genes = Uint8Array.from({ length: g }, (_, j) => (j % 5 === 4 ? 0 : 1));
    const neighbors = Int32Array.from(r.uniform(n * 8, 0, n), Math.floor);
    const scale = standardizedGeneScale(expression, n, g, genes);
    const space = standardizedGeneSpace(velocity, expression, n, g, genes);
    expect(Array.from(scale)).toEqual(Array.from(space.scale));
    const read = velocityGraph(velocity, expression, n, g, { neighbors, genes, geneScale: scale });
    const stored = velocityGraph(space.velocity, space.expression, n, g, { neighbors, genes });
    const plain = velocityGraph(velocity, expression, n, g, { neighbors, genes });
    for (const key of ["graph", "graphNeg"] as const) {
      expect(Array.from(read[key].indices)).toEqual(Array.from(stored[key].indices));
      let diff = 0;
      for (let p = 0; p < read[key].data.length; p++)
        diff = Math.max(diff, Math.abs(read[key].data[p] - stored[key].data[p]));
      expect(diff, key).toBeLessThan(1e-5);
    }
    // The factors matter here: without them the positive graph has another pattern.
    expect(Array.from(plain.graph.indices)).not.toEqual(Array.from(stored.graph.indices));
    const a = velocityConfidence(velocity, n, g, neighbors, genes, scale);
    const b = velocityConfidence(space.velocity, n, g, neighbors, genes);
    for (let i = 0; i < n; i++) {
      expect(a.confidence[i]).toBeCloseTo(b.confidence[i], 5);
      expect(Math.abs(a.length[i] - b.length[i])).toBeLessThanOrEqual(1e-6 * b.length[i]);
    }
    expect(() => velocityGraph(velocity, expression, n, g, { neighbors, geneScale: [1, 2] })).toThrow(/geneScale/);
  });
});

describe("finiteColumns", () => {
  it("marks the columns finite in every row, among the candidates (by hand)", () => {
    // 3 × 5: column 1 has NaN in the last row, column 3 Inf in the first, column 4 is not a candidate.
    const x = Float32Array.of(1, 2, 3, Number.POSITIVE_INFINITY, 5, 6, 7, 8, 9, 10, 11, Number.NaN, 13, 14, 15);
    expect(Array.from(finiteColumns(x, 3, 5))).toEqual([1, 0, 1, 0, 1]);
    expect(Array.from(finiteColumns(x, 3, 5, [1, 1, 1, 1, 0]))).toEqual([1, 0, 1, 0, 0]);
    expect(Array.from(finiteColumns(x, 3, 5, [true, false, false, false, true]))).toEqual([1, 0, 0, 0, 1]);
    expect(Array.from(finiteColumns(new Float32Array(0), 0, 2))).toEqual([1, 1]);
  });
});
