import { describe, expect, it } from "vitest";
import { releaseTensorHeap, tensorHeapBytes } from "./backend.js";
import { tf } from "./tf.js";

const onWasm = tf.getBackend() === "wasm";

describe.runIf(onWasm)("releaseTensorHeap", () => {
  it("keeps a heap below the threshold, and a heap with live tensors", async () => {
    expect(await releaseTensorHeap(Number.MAX_SAFE_INTEGER)).toBe(0);
    const kept = tf.tensor1d([1, 2, 3]);
    expect(await releaseTensorHeap(0)).toBe(0);
    // The live tensor is intact.
    expect(Array.from(kept.dataSync())).toEqual([1, 2, 3]);
    kept.dispose();
  });

  it("replaces a grown heap by a fresh one, and tensor work goes on as before", async () => {
    // Grow the heap by 96 MiB of tensors, then free them: the heap does not shrink.
    const big = tf.zeros([24 * 1024 * 1024]);
    big.dispose();
    const grown = tensorHeapBytes();
    expect(grown).toBeGreaterThanOrEqual(96 * 1024 ** 2);
    expect(tf.memory().numTensors).toBe(0);
    // A listener of the process's own (here vitest's) survives the old module's disposal, which removes all.
    const listeners = [...process.listeners("uncaughtException"), ...process.listeners("unhandledRejection")];
    expect(listeners.length).toBeGreaterThan(0);

    expect(await releaseTensorHeap(64 * 1024 ** 2)).toBe(grown);
    expect(tf.getBackend()).toBe("wasm");
    expect(tensorHeapBytes()).toBeLessThan(grown);
    // ... and the fresh module's own handlers are removed, as at the first start.
    expect([...process.listeners("uncaughtException"), ...process.listeners("unhandledRejection")]).toEqual(listeners);

    // Kernels with set-up work (matMul through XNNPACK) and the gradient machinery run on the new instance;
    // values by hand.
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const b = tf.tensor2d([5, 6, 7, 8], [2, 2]);
    expect(Array.from(tf.matMul(a, b).dataSync())).toEqual([19, 22, 43, 50]);
    // d/dx Σ x² · 3 = 6x, through a clone (core's Identity kernel shares the data on wasm).
    const x = tf.tensor1d([1, -2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.mul(tf.clone(v), v), 3)))(x);
    expect(Array.from(g.dataSync())).toEqual([6, -12]);
    tf.dispose([a, b, x, g]);
  });
});

describe.runIf(onWasm)("Slice on wasm (copies only the slice)", () => {
  /** The slice by hand: every index of the block, read through the row-major strides. */
  function sliceByHand(values: number[], shape: number[], begin: number[], size: number[]): number[] {
    const out: number[] = [];
    const strides = shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
    const walk = (d: number, offset: number) => {
      if (d === shape.length) {
        out.push(values[offset]);
        return;
      }
      for (let i = 0; i < size[d]; i++) walk(d + 1, offset + (begin[d] + i) * strides[d]);
    };
    walk(0, 0);
    return out;
  }

  it("matches the block read by hand for every rank, partial and whole dimensions, and dtypes", () => {
    const cases: Array<[number[], number[], number[]]> = [
      [[10], [3], [4]],
      [
        [6, 5],
        [2, 0],
        [3, 5],
      ], // rows: one contiguous run
      [
        [6, 5],
        [0, 1],
        [6, 3],
      ], // columns: one run per row
      [
        [6, 5],
        [5, 4],
        [1, 1],
      ],
      [
        [4, 3, 5],
        [1, 0, 0],
        [2, 3, 5],
      ],
      [
        [4, 3, 5],
        [1, 1, 2],
        [3, 2, 2],
      ],
      [
        [4, 3, 5],
        [0, 1, 0],
        [4, 2, 5],
      ], // last dimension whole, middle partial
      [
        [3, 2, 4, 5],
        [1, 0, 1, 2],
        [2, 2, 3, 3],
      ],
      [
        [6, 5],
        [2, 0],
        [0, 5],
      ], // empty
    ];
    for (const [shape, begin, size] of cases) {
      const total = shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: total }, (_, i) => (i * 7919) % 101);
      const expected = sliceByHand(values, shape, begin, size);
      for (const dtype of ["float32", "int32", "bool"] as const) {
        const input = dtype === "bool" ? values.map((v) => v % 2) : values;
        const want = dtype === "bool" ? expected.map((v) => v % 2) : expected;
        const x = tf.tensor(input, shape, dtype);
        const y = tf.slice(x, begin, size);
        expect(y.shape).toEqual(size);
        expect(Array.from(y.dataSync())).toEqual(want);
        tf.dispose([x, y]);
      }
    }
  });

  it("keeps slice's gradient, and the input intact", () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    // d/dx Σ slice(x)² = 2x inside the block, 0 outside.
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.slice(v, [1, 1], [2, 1]))))(x);
    expect(Array.from(g.dataSync())).toEqual([0, 0, 0, 8, 0, 12]);
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    tf.dispose([x, g]);
  });
});
