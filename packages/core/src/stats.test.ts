import { describe, expect, it } from "vitest";
import { argsort, pearson, quantile, rankdata, spearman, std } from "./stats.js";

describe("stats", () => {
  it("ranks with ties averaged, as scipy", () => {
    expect(Array.from(rankdata([10, 20, 10, 30]))).toEqual([1.5, 3, 1.5, 4]);
  });
  it("pearson / spearman on hand-computed cases", () => {
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    // x = 1..5, y = 1,3,2,5,4: d = 0,1,1,1,1 → 1 - 6·4/(5·24) = 0.8
    expect(spearman([1, 2, 3, 4, 5], [1, 3, 2, 5, 4])).toBeCloseTo(0.8, 12);
    expect(spearman([1, 2, 3, 4, 5], [1, 8, 27, 64, 125])).toBeCloseTo(1, 12);
  });
  it("argsort is stable; quantile interpolates; std is ddof=0", () => {
    expect(Array.from(argsort([3, 1, 3, 0]))).toEqual([3, 1, 0, 2]);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(std([1, 3])).toBe(1);
  });
});
