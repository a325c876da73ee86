import { stats } from "@diffcell/core";
import { toCsr } from "@diffcell/io";
import { describe, expect, it } from "vitest";
import { PANCREAS_BATCHES_DEFAULTS, PANCREAS_CLUSTERS, pancreas, pancreasBatches } from "./index.js";

describe("pancreasBatches (real counts, binomially thinned in batch B)", () => {
  const clean = pancreas();
  const batched = pancreasBatches();
  const batch = batched.obs.strings("batch");
  const clusters = batched.obs.strings("clusters");

  it("splits cells with the configured composition per cluster", () => {
    expect(batched.shape).toEqual(clean.shape);
    PANCREAS_CLUSTERS.forEach((c, k) => {
      const cells = clusters.filter((x) => x === c).length;
      const inB = clusters.filter((x, i) => x === c && batch[i] === "B").length;
      const p = PANCREAS_BATCHES_DEFAULTS.fractionB[k];
      // Binomial split: within 4 standard deviations of the expected count.
      expect(Math.abs(inB - p * cells)).toBeLessThan(4 * Math.sqrt(cells * p * (1 - p)) + 1);
    });
  });

  it("keeps batch A untouched and thins batch B to integer counts no larger than the originals", () => {
    for (const layer of ["spliced", "unspliced"]) {
      const a = toCsr(clean.layer(layer));
      const b = toCsr(batched.layer(layer));
      let sameIndices = a.indices.length === b.indices.length;
      for (let p = 0; sameIndices && p < a.indices.length; p++) sameIndices = a.indices[p] === b.indices[p];
      expect(sameIndices).toBe(true);
      let changedInA = 0;
      let badInB = 0;
      let thinnedInB = 0;
      for (let i = 0; i < a.rows; i++) {
        for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
          if (batch[i] === "A") changedInA += b.data[p] === a.data[p] ? 0 : 1;
          else {
            badInB += Number.isInteger(b.data[p]) && b.data[p] >= 0 && b.data[p] <= a.data[p] ? 0 : 1;
            thinnedInB += b.data[p] < a.data[p] ? 1 : 0;
          }
        }
      }
      expect(changedInA).toBe(0);
      expect(badInB).toBe(0);
      expect(thinnedInB).toBeGreaterThan(1000);
    }
  });

  it("keeps each gene's reads in batch B at its drawn capture rate (unspliced captured less than spliced)", () => {
    for (const [layer, key] of [
      ["spliced", "capture_spliced_B"],
      ["unspliced", "capture_unspliced_B"],
    ] as const) {
      const a = toCsr(clean.layer(layer));
      const b = toCsr(batched.layer(layer));
      const before = new Float64Array(a.cols);
      const after = new Float64Array(a.cols);
      for (let i = 0; i < a.rows; i++) {
        if (batch[i] !== "B") continue;
        for (let p = a.indptr[i]; p < a.indptr[i + 1]; p++) {
          before[a.indices[p]] += a.data[p];
          after[a.indices[p]] += b.data[p];
        }
      }
      const q = batched.var.numbers(key);
      const genes = Array.from(before.keys()).filter((j) => before[j] >= 400);
      // Observed kept fraction vs the drawn capture: binomial noise only (sd ≤ 0.025 at ≥ 400 reads).
      for (const j of genes) expect(Math.abs(after[j] / before[j] - q[j])).toBeLessThan(0.11);
      expect(
        stats.pearson(
          genes.map((j) => after[j] / before[j]),
          genes.map((j) => q[j]),
        ),
      ).toBeGreaterThan(0.95);
    }
    const median = (x: ArrayLike<number>) => stats.quantile(Float64Array.from(x), 0.5);
    expect(median(batched.var.numbers("capture_unspliced_B"))).toBeLessThan(
      median(batched.var.numbers("capture_spliced_B")),
    );
  });

  it("is fixed for a seed and differs between seeds", () => {
    const again = pancreasBatches();
    const x = toCsr(again.layer("unspliced")).data;
    const y = toCsr(batched.layer("unspliced")).data;
    let same = x.length === y.length;
    for (let p = 0; same && p < x.length; p++) same = x[p] === y[p];
    expect(same).toBe(true);
    const other = pancreasBatches({ seed: 1 });
    expect(other.obs.strings("batch")).not.toEqual(batch);
  });
});
