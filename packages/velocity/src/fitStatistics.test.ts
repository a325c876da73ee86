import { describe, expect, it } from "vitest";
import { geneFitStatistics, rankDynamicalGenes } from "./fitStatistics.js";
import { standardizedGeneSpace } from "./graphMetric.js";

describe("geneFitStatistics", () => {
  // 4 cells × 2 genes, row-major. Gene 0 is predicted exactly; gene 1's prediction is its mean.
  const unspliced = [1, 2, 3, 4, 5, 6, 7, 8];
  const spliced = [2, 1, 4, 3, 6, 5, 8, 7];
  const mean = (x: number[], c: number) => (x[c] + x[2 + c] + x[4 + c] + x[6 + c]) / 4;
  const predicted = {
    unspliced: unspliced.map((v, k) => (k % 2 === 0 ? v : mean(unspliced, 1))),
    spliced: spliced.map((v, k) => (k % 2 === 0 ? v : mean(spliced, 1))),
  };

  it("R² is 1 for an exact fit and 0 for the mean; likelihood as scVelo's Gaussian on the residual distance", () => {
    const { r2, likelihood } = geneFitStatistics({ unspliced, spliced }, predicted, 4, 2);
    expect(r2[0]).toBeCloseTo(1, 12);
    expect(r2[1]).toBeCloseTo(0, 12);
    // Gene 1: u = 2,4,6,8 and s = 1,3,5,7 around their means, both with sd √5; standardised residuals
    // r = (−3, −1, 1, 3)/√5 on both axes, so d = √2·|r| = √(2/5)·(3, 1, 1, 3).
    const d = [3, 1, 1, 3].map((x) => Math.sqrt(2 / 5) * x);
    const meanD2 = d.reduce((a, x) => a + x * x, 0) / 4;
    const meanD = d.reduce((a, x) => a + x, 0) / 4;
    const variance = meanD2 - meanD * meanD;
    expect(likelihood[1]).toBeCloseTo(
      Math.exp(-0.5 * (meanD2 / variance) - 0.5 * Math.log(2 * Math.PI * variance)),
      12,
    );
  });

  it("ranks the better-fitted gene first, overall and within a group", () => {
    const ranked = rankDynamicalGenes({ unspliced, spliced }, predicted, 4, 2, ["a", "a", "b", "b"]);
    expect(Array.from(ranked.all)).toEqual([0, 1]);
    expect(Array.from(ranked.byGroup.get("a") ?? [])).toEqual([0, 1]);
  });
});

describe("standardizedGeneSpace", () => {
  it("divides velocity and expression of the selected genes by the expression's sd over cells", () => {
    // 2 cells × 3 genes: gene 0 sd 1, gene 1 sd 2 (not selected), gene 2 constant.
    const expression = [0, 0, 5, 2, 4, 5];
    const velocity = Float32Array.from([1, 1, 1, 2, 2, 2]);
    const out = standardizedGeneSpace(velocity, expression, 2, 3, Uint8Array.from([1, 0, 1]));
    expect(Array.from(out.scale)).toEqual([1, 1, 1]);
    const wide = standardizedGeneSpace(velocity, [0, 0, 5, 4, 4, 5], 2, 3, Uint8Array.from([1, 1, 1]));
    expect(Array.from(wide.scale)).toEqual([0.5, 0.5, 1]);
    expect(Array.from(wide.velocity)).toEqual([0.5, 0.5, 1, 1, 1, 2]);
    expect(Array.from(wide.expression)).toEqual([0, 0, 5, 2, 2, 5]);
  });
});
