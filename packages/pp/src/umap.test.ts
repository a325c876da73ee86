import { Rngs } from "@diffcell/core";
import { scveloFixture } from "@diffcell/datasets";
import { describe, expect, it } from "vitest";
import { knnFromDistanceMatrix, randomSource, umap } from "./index.js";

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
    expect(Array.from(b.obsmKey("X_umap").data)).toEqual(Array.from(first.data));

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

  it("draws its randomness from Rngs", () => {
    const r1 = randomSource(new Rngs(5));
    const r2 = randomSource(new Rngs(5));
    const xs = Array.from({ length: 70000 }, () => r1());
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Array.from({ length: 70000 }, () => r2())).toEqual(xs);
  });
});
