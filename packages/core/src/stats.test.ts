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
  it("quantile selects the same order statistics as a full sort (ties, NaN last, sorted and reversed input)", () => {
    const bySort = (x: number[], q: number) => {
      const sorted = Float64Array.from(x).sort();
      const pos = (sorted.length - 1) * q;
      const lo = Math.floor(pos);
      const hi = Math.ceil(pos);
      return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    };
    let state = 12345;
    const next = () => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 4294967296;
    };
    const inputs: number[][] = [[5], [2, 2, 2, 2], Array.from({ length: 1000 }, (_, i) => i)];
    inputs.push([...inputs[2]].reverse());
    for (let t = 0; t < 40; t++) {
      const n = 1 + Math.floor(next() * 300);
      // Few distinct values at some sizes (ties), a NaN now and then.
      inputs.push(
        Array.from({ length: n }, () => (next() < 0.05 ? Number.NaN : Math.floor(next() * (t % 3 ? 1000 : 4)))),
      );
    }
    for (const x of inputs)
      for (const q of [0, 0.02, 0.25, 0.5, 0.9, 0.95, 0.98, 1]) expect(quantile(x, q)).toBe(bySort(x, q));
    expect(quantile([], 0.5)).toBeNaN();
    expect(quantile([1, Number.NaN], 1)).toBeNaN();
  });
});
