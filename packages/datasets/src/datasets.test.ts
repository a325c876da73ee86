import { existsSync } from "node:fs";
import { stats } from "@diffcell/core";
import { type CategoricalColumn, rowSums } from "@diffcell/io";
import { describe, expect, it } from "vitest";
import { dataDir, dentategyrus50, PANCREAS_CLUSTERS, pancreas, SCVELO_FIXTURES, scveloFixture } from "./index.js";

describe("pancreas", () => {
  const adata = pancreas();

  it("has 3696 cells × 2000 genes of raw spliced/unspliced counts", () => {
    expect(adata.shape).toEqual([3696, 2000]);
    expect(adata.layer("spliced").format).toBe("csr");
    expect(adata.layer("spliced").data.length).toBe(1235414 + 1228900);
    expect(adata.layer("unspliced").data.length).toBe(685379);
    expect(adata.layer("spliced").data.every(Number.isInteger)).toBe(true);
    expect(adata.obsNames[0]).toBe("AAACCTGAGAGGGATA");
    expect(adata.varNames[0]).toBe("Prkacb");
  });

  it("stacks the two spliced parts in cell order (totals track the authors' per-cell counts)", () => {
    // nCount.* in meta.csv counts all genes, the matrices hold 2000: totals correlate but are not equal.
    // Stacking the parts in the wrong order, or misaligning meta rows, destroys the correlation.
    const r = (a: ArrayLike<number>, b: ArrayLike<number>) => stats.pearson(a, b);
    const spliced = rowSums(adata.layer("spliced"));
    const unspliced = rowSums(adata.layer("unspliced"));
    expect(r(spliced, adata.obs.numbers("nCount.spliced"))).toBeGreaterThan(0.8); // 0.89–0.90 measured; halves swapped: 0.02
    expect(r(unspliced, adata.obs.numbers("nCount.unspliced"))).toBeGreaterThan(0.8); // 0.89–0.90 measured; halves swapped: 0.02
    for (const half of [0, 1848]) {
      const slice = (x: Float64Array) => x.subarray(half, half + 1848);
      expect(r(slice(spliced), slice(adata.obs.numbers("nCount.spliced")))).toBeGreaterThan(0.8); // 0.89–0.90 measured; halves swapped: 0.02
    }
  });

  it("annotates clusters in developmental order with the known sizes", () => {
    const clusters = adata.obs.get("clusters") as CategoricalColumn;
    expect(clusters.categories).toEqual([...PANCREAS_CLUSTERS]);
    const counts = new Map<string, number>();
    for (const label of adata.obs.strings("clusters")) counts.set(label, (counts.get(label) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({
      Ductal: 916,
      "Ngn3 low EP": 262,
      "Ngn3 high EP": 642,
      "Pre-endocrine": 592,
      Beta: 591,
      Alpha: 481,
      Delta: 70,
      Epsilon: 142,
    });
    expect(adata.obs.strings("clusters_coarse")).toContain("Endocrine");
    expect(adata.obs.columnNames).toEqual(
      expect.arrayContaining(["clusters_id", "S.score", "G2M.score", "nCount.spliced", "nFeature.unspliced"]),
    );
  });
});

describe("scVelo fixtures", () => {
  it("load from the package's data folder", async () => {
    expect(existsSync(dataDir())).toBe(true);
    const a = await dentategyrus50();
    expect(a.shape).toEqual([50, 194]);
    expect(Object.keys(a.layers).sort()).toEqual(["Ms", "Mu", "ambiguous", "spliced", "unspliced"]);
    for (const name of SCVELO_FIXTURES) {
      const f = await scveloFixture(name);
      expect(f.obsm.X_pca.cols).toBe(30);
      expect(f.obsp.connectivities.rows).toBe(f.nObs);
    }
  });
});
