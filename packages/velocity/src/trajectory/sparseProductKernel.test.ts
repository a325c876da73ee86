import { Rngs, setThreadCount, threadCount } from "@diffcell/core";
import { afterEach, describe, expect, it } from "vitest";
import { productArray, sparseProduct } from "./sparseProductKernel.js";

/**
 * n rows × perRow entries with random columns and weights, a vector x and M·x by the plain loop (float64, one
 * running sum; the kernel adds in four partial sums).
 */
function randomProduct<W extends Float32Array | Float64Array>(
  n: number,
  perRow: number,
  seed: number,
  kind: { from(values: ArrayLike<number>): W },
) {
  const r = new Rngs(seed);
  const start = Int32Array.from({ length: n + 1 }, (_, i) => i * perRow);
  const index = Int32Array.from(r.uniform(n * perRow, 0, n), Math.floor);
  const weight = kind.from(r.normal(n * perRow));
  const x = Float64Array.from(r.normal(n));
  const expected = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let q = start[i]; q < start[i + 1]; q++) expected[i] += x[index[q]] * weight[q];
  return { start, index, weight, x, expected };
}

describe("sparseProduct", () => {
  const before = threadCount();
  afterEach(() => setThreadCount(before));

  it("computes M·x row by row, the same bits on 1 and 2 threads", () => {
    // 3000 rows × 100 entries (above the pool's 200k-entry threshold), random columns and weights.
    const n = 3000;
    const { start, index, weight, x, expected } = randomProduct(n, 100, 5, Float32Array);
    const run = (threads: number) => {
      setThreadCount(threads);
      const y = new Float64Array(n);
      sparseProduct(n, start, index, weight)(x, y);
      return y;
    };
    const one = run(1);
    const two = run(2);
    for (let i = 0; i < n; i++) expect(Math.abs(one[i] - expected[i])).toBeLessThan(1e-12 * 100);
    expect(Array.from(two)).toEqual(Array.from(one));
    // Rows whose length is not a multiple of four: 0 … 6 entries.
    const ragged = Int32Array.from([0, 0, 1, 3, 6, 10, 15, 21]);
    const y = new Float64Array(7);
    sparseProduct(
      7,
      ragged,
      Int32Array.from({ length: 21 }, (_, q) => q % 7),
      Float32Array.from({ length: 21 }, (_, q) => q + 1),
    )(Float64Array.from([1, 2, 4, 8, 16, 32, 64]), y);
    // Row r holds entries q = r(r−1)/2 … r(r+1)/2 − 1, each (q + 1)·x[q mod 7].
    const hand = [
      0,
      1 * 1,
      2 * 2 + 3 * 4,
      4 * 8 + 5 * 16 + 6 * 32,
      7 * 64 + 8 * 1 + 9 * 2 + 10 * 4,
      11 * 8 + 12 * 16 + 13 * 32 + 14 * 64 + 15 * 1,
      16 * 2 + 17 * 4 + 18 * 8 + 19 * 16 + 20 * 32 + 21 * 64,
    ];
    expect(Array.from(y)).toEqual(hand);
  });

  it("productArray is shared exactly when the product runs on the pool, and products read it as is", () => {
    setThreadCount(2);
    expect(productArray(Int32Array, 10, 300_000).buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(productArray(Float64Array, 10, 1000).buffer).not.toBeInstanceOf(SharedArrayBuffer);
    setThreadCount(1);
    expect(productArray(Float32Array, 10, 300_000).buffer).not.toBeInstanceOf(SharedArrayBuffer);
    // The same matrix in shared and plain arrays: the same product, bit for bit, on two threads.
    setThreadCount(2);
    const n = 2000;
    const { start, index, weight, x, expected } = randomProduct(n, 150, 9, Float64Array);
    const sharedIndex = productArray(Int32Array, index.length, index.length);
    const sharedWeight = productArray(Float64Array, weight.length, index.length);
    sharedIndex.set(index);
    sharedWeight.set(weight);
    expect(sharedIndex.buffer).toBeInstanceOf(SharedArrayBuffer);
    const plain = new Float64Array(n);
    const shared = new Float64Array(n);
    sparseProduct(n, start, index, weight)(x, plain);
    sparseProduct(n, start, sharedIndex, sharedWeight)(x, shared);
    expect(Array.from(shared)).toEqual(Array.from(plain));
    for (let i = 0; i < n; i++) expect(Math.abs(shared[i] - expected[i])).toBeLessThan(1e-12 * 150);
  });
});
