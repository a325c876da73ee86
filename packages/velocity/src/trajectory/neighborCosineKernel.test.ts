import { Rngs, setThreadCount, threadCount } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { neighborCosines } from "./neighborCosineKernel.js";

describe("neighborCosines", () => {
  it("sums the cosines with a row's kNN as a direct loop does, bit-identical on one and two threads", () => {
    // 2000 × 100 rows, 10 neighbours: above the pool's threshold (2 M multiply-adds).
    const n = 2000;
    const m = 100;
    const k = 10;
    const r = new Rngs(7);
    const values = Float32Array.from(r.normal(n * m, 0, 1));
    for (let c = 0; c < m; c++) values[5 * m + c] = 0; // a zero row: its cosines count as 0
    const neighbors = Int32Array.from(r.uniform(n * k, 0, n), Math.floor);
    for (let i = 0; i < n; i++) neighbors[i * k] = i; // the row itself first, as kNN lists hold it
    const groups = Int32Array.from({ length: n }, (_, i) => i % 3);
    const fill = (x: Float32Array) => x.set(values);
    const initial = threadCount();
    try {
      setThreadCount(1);
      const one = neighborCosines(n, m, fill, neighbors, { skipSelf: true });
      const oneGrouped = neighborCosines(n, m, fill, neighbors, { groups });
      setThreadCount(2);
      const two = neighborCosines(n, m, fill, neighbors, { skipSelf: true });
      const twoGrouped = neighborCosines(n, m, fill, neighbors, { groups });
      expect(Array.from(two.sum)).toEqual(Array.from(one.sum));
      expect(Array.from(twoGrouped.sum)).toEqual(Array.from(oneGrouped.sum));
      const norm = (i: number) => Math.hypot(...values.subarray(i * m, (i + 1) * m));
      for (const i of [0, 5, 777, n - 1]) {
        let sum = 0;
        let count = 0;
        let sumGrouped = 0;
        let countGrouped = 0;
        for (let q = 0; q < k; q++) {
          const j = neighbors[i * k + q];
          let dot = 0;
          for (let c = 0; c < m; c++) dot += values[i * m + c] * values[j * m + c];
          const cos = norm(i) > 0 && norm(j) > 0 ? dot / (norm(i) * norm(j)) : 0;
          if (j !== i) {
            sum += cos;
            count++;
          }
          if (groups[j] === groups[i]) {
            sumGrouped += cos;
            countGrouped++;
          }
        }
        expect(one.count[i]).toBe(count);
        expect(one.sum[i]).toBeCloseTo(sum, 10);
        expect(oneGrouped.count[i]).toBe(countGrouped);
        expect(oneGrouped.sum[i]).toBeCloseTo(sumGrouped, 10);
      }
      expect(one.sum[5]).toBe(0);
    } finally {
      setThreadCount(initial);
    }
  });
});
