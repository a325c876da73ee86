import { Rngs, setThreadCount, threadCount } from "@diffcell/core";
import { afterEach, describe, expect, it } from "vitest";
import { sparseProduct } from "./sparseProductKernel.js";

describe("sparseProduct", () => {
  const before = threadCount();
  afterEach(() => setThreadCount(before));

  it("computes M·x row by row, the same bits on 1 and 2 threads", () => {
    // 3000 rows × 100 entries (above the pool's 200k-entry threshold), random columns and weights.
    const n = 3000;
    const perRow = 100;
    const r = new Rngs(5);
    const start = Int32Array.from({ length: n + 1 }, (_, i) => i * perRow);
    const index = Int32Array.from(r.uniform(n * perRow, 0, n), Math.floor);
    const weight = Float32Array.from(r.normal(n * perRow));
    const x = Float64Array.from(r.normal(n));
    // Reference: the plain loop, in the same order.
    const expected = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let q = start[i]; q < start[i + 1]; q++) expected[i] += x[index[q]] * weight[q];
    const run = (threads: number) => {
      setThreadCount(threads);
      const y = new Float64Array(n);
      sparseProduct(n, start, index, weight)(x, y);
      return y;
    };
    const one = run(1);
    const two = run(2);
    expect(Array.from(one)).toEqual(Array.from(expected));
    expect(Array.from(two)).toEqual(Array.from(expected));
  });
});
