import { ConfigError, Rngs, ShapeError } from "@diffcell/core";
import { scveloFixture } from "@diffcell/datasets";
import { describe, expect, it } from "vitest";
import { findAbParams, knnFromDistanceMatrix, randomSource, umap, umapEmbedding } from "./index.js";
import { umapJsAbParams } from "./umap/umap-js.js";

describe("umap", () => {
  it("embeds from the stored graph; same seed → identical embedding; reports progress", async () => {
    const a = await scveloFixture("pancreas100");
    const events: number[] = [];
    await umap(a, { seed: 1, nEpochs: 100, onProgress: (e) => events.push(e.done) });
    const first = a.obsmKey("X_umap");
    expect([first.rows, first.cols]).toEqual([100, 2]);
    expect(first.data.every(Number.isFinite)).toBe(true);
    expect(events[events.length - 1]).toBe(100);

    const b = await scveloFixture("pancreas100");
    await umap(b, { seed: 1, nEpochs: 100 });
    // Byte-identical, not just close.
    expect(Buffer.from((b.obsmKey("X_umap").data as Float32Array).buffer)).toEqual(
      Buffer.from((first.data as Float32Array).buffer),
    );

    const c = await scveloFixture("pancreas100");
    await umap(c, { seed: 2, nEpochs: 100, init: "random" });
    expect(Array.from(c.obsmKey("X_umap").data)).not.toEqual(Array.from(first.data));
  });

  it("keeps graph neighbours close: most of each cell's 10 nearest in 2-D are kNN-graph neighbours", async () => {
    const a = await scveloFixture("dentategyrus100");
    await umap(a, { seed: 0, nEpochs: 200 });
    const e = a.obsmKey("X_umap").data;
    const graph = knnFromDistanceMatrix(a.obspKey("distances") as never, 30);
    let hits = 0;
    for (let i = 0; i < 100; i++) {
      const inGraph = new Set(graph.indices.subarray(i * 30, (i + 1) * 30));
      const near = Array.from({ length: 100 }, (_, j) => j)
        .filter((j) => j !== i)
        .sort(
          (p, q) =>
            (e[2 * p] - e[2 * i]) ** 2 +
            (e[2 * p + 1] - e[2 * i + 1]) ** 2 -
            ((e[2 * q] - e[2 * i]) ** 2 + (e[2 * q + 1] - e[2 * i + 1]) ** 2),
        )
        .slice(0, 10);
      hits += near.filter((j) => inGraph.has(j)).length;
    }
    // By chance 29/99 ≈ 29% would be graph neighbours.
    expect(hits / 1000).toBeGreaterThan(0.6);
  });

  it("writes uns.umap.params (a, b as fitted), or uns[key] for a custom key", async () => {
    const a = await scveloFixture("pancreas100");
    await umap(a, { seed: 0, nEpochs: 20 });
    const params = (a.uns.umap as { params: { a: number; b: number } }).params;
    expect(params.a).toBeCloseTo(0.583, 3);
    expect(params.b).toBeCloseTo(1.334, 3);
    await umap(a, { seed: 0, nEpochs: 20, key: "X_umap_md1", minDist: 0.1 });
    expect(a.obsmKey("X_umap_md1").cols).toBe(2);
    expect((a.uns.X_umap_md1 as { params: { a: number } }).params.a).toBeCloseTo(findAbParams(1, 0.1).a, 12);
    await umap(a, { seed: 0, nEpochs: 20, key: "X_js", engine: "umap-js" });
    expect((a.uns.X_js as { params: { a: number } }).params.a).toBe(umapJsAbParams(1, 0.5).a);
  });

  it("keeps the umap-js engine working and deterministic", async () => {
    const a = await scveloFixture("pancreas100");
    await umap(a, { seed: 3, nEpochs: 50, engine: "umap-js" });
    const b = await scveloFixture("pancreas100");
    await umap(b, { seed: 3, nEpochs: 50, engine: "umap-js" });
    const c = await scveloFixture("pancreas100");
    await umap(c, { seed: 3, nEpochs: 50 });
    expect(Array.from(a.obsmKey("X_umap").data)).toEqual(Array.from(b.obsmKey("X_umap").data));
    expect(Array.from(a.obsmKey("X_umap").data)).not.toEqual(Array.from(c.obsmKey("X_umap").data));
    expect(a.obsmKey("X_umap").data.every(Number.isFinite)).toBe(true);
  });

  it("embeds in 3-D deterministically", async () => {
    const a = await scveloFixture("pancreas100");
    await umap(a, { seed: 2, nEpochs: 50, nComponents: 3 });
    const b = await scveloFixture("pancreas100");
    await umap(b, { seed: 2, nEpochs: 50, nComponents: 3 });
    const e = a.obsmKey("X_umap");
    expect([e.rows, e.cols]).toEqual([100, 3]);
    expect(e.data.every(Number.isFinite)).toBe(true);
    expect(Array.from(e.data)).toEqual(Array.from(b.obsmKey("X_umap").data));
  });

  it("rejects bad options and mismatched inputs, naming the problem", async () => {
    const x = { data: new Float32Array(20), rows: 10, cols: 2 };
    const knn = { indices: new Int32Array(30).fill(-1), distances: new Float32Array(30), n: 10, k: 3 };
    for (let i = 0; i < 10; i++) knn.indices[3 * i] = i;
    await expect(umapEmbedding(x, knn, { engine: "tsne" as never })).rejects.toThrow(/engine/);
    await expect(umapEmbedding(x, knn, { nComponents: 0 })).rejects.toThrow(ConfigError);
    await expect(umapEmbedding(x, knn, { nEpochs: 2.5 })).rejects.toThrow(/nEpochs/);
    await expect(umapEmbedding(x, knn, { spread: 0 })).rejects.toThrow(/spread/);
    await expect(umapEmbedding(x, knn, { minDist: -1 })).rejects.toThrow(/minDist/);
    await expect(umapEmbedding(x, knn, { init: "umap" as never })).rejects.toThrow(/init/);
    await expect(umapEmbedding(x, knn, { a: 1 })).rejects.toThrow(/umap\.b/);
    await expect(umapEmbedding(x, knn, { learningRate: 0 })).rejects.toThrow(/learningRate/);
    await expect(umapEmbedding(x, { ...knn, n: 9 })).rejects.toThrow(/knn/);
    await expect(umapEmbedding(x, { ...knn, k: 4 })).rejects.toThrow(/umap knn/);
    await expect(umapEmbedding({ ...x, rows: 11 }, knn)).rejects.toThrow(ShapeError);
    const graph = {
      format: "csr" as const,
      rows: 9,
      cols: 9,
      indptr: new Int32Array(10),
      indices: new Int32Array(0),
      data: new Float32Array(0),
    };
    await expect(umapEmbedding(x, knn, { graph })).rejects.toThrow(/umap graph/);
  });

  it("draws its randomness from Rngs", () => {
    const r1 = randomSource(new Rngs(5));
    const r2 = randomSource(new Rngs(5));
    const xs = Array.from({ length: 70000 }, () => r1());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Array.from({ length: 70000 }, () => r2())).toEqual(xs);
  });
});
