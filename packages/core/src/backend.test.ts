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
