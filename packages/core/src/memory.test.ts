import { afterEach, describe, expect, it } from "vitest";
import { customVjp } from "./kernel.js";
import { knn } from "./linalg/knn.js";
import { ResourceError, setTensorMemoryLimit, tensorMemoryLimit, WASM_HEAP_BYTES } from "./memory.js";
import { tf } from "./tf.js";

describe("tensor memory guard", () => {
  afterEach(() => setTensorMemoryLimit(null));

  it("is the 4 GiB wasm heap on the wasm backend", () => {
    if (tf.getBackend() === "wasm") expect(tensorMemoryLimit()).toBe(WASM_HEAP_BYTES);
  });

  it("refuses work that would not fit, naming what, how much, what is in use and the limit, before starting", () => {
    const before = tf.memory().numTensors;
    setTensorMemoryLimit(10 * 1024 ** 2); // 10 MiB
    const x = { data: new Float32Array(2000 * 1000), rows: 2000, cols: 1000 };
    let error: unknown;
    try {
      knn(x, 5);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ResourceError);
    const r = error as ResourceError;
    // Data and transpose (2 × 2000 × 1000 floats) plus a 1024 × 2000 distance block, by hand:
    expect(r.bytes).toBe(4 * (2 * 2000 * 1000 + 1024 * 2000));
    expect(r.limitBytes).toBe(10 * 1024 ** 2);
    expect(r.message).toMatch(/knn on 2000 × 1000 needs 23 MiB of tensor memory; .* limit is 10 MiB/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("guards fused kernel outputs", () => {
    const big = customVjp<null>(
      () => ({ outputs: [{ data: new Float32Array(4 * 1024 ** 2), shape: [4 * 1024 ** 2] }] }),
      ({ inputs }) => inputs.map((t) => new Float32Array(t.data.length)),
      "bigKernel",
    );
    setTensorMemoryLimit(8 * 1024 ** 2);
    const x = tf.zeros([1]);
    expect(() => big([x], null)).toThrow(/bigKernel outputs \(\[4194304\]\) needs 16 MiB/);
    x.dispose();
  });
});

describe("clones on the wasm backend", () => {
  it("share the data (no copy) and free it with the last holder; gradients through saved tensors are unchanged", () => {
    expect(tf.getBackend()).toBe("wasm");
    const before = tf.memory();
    const x = tf.tensor2d(
      Float32Array.from({ length: 6000 }, (_, i) => (i % 17) - 8),
      [60, 100],
    );
    const y = tf.clone(x);
    // One data buffer for both (the Identity kernel copied the 24 kB into a second one before).
    expect(tf.memory().numDataBuffers - before.numDataBuffers).toBe(1);
    expect(tf.backend().numDataIds()).toBe(before.numDataBuffers + 1);
    x.dispose();
    expect(Array.from(y.dataSync().slice(0, 20))).toEqual(Array.from({ length: 20 }, (_, i) => (i % 17) - 8));
    y.dispose();
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.backend().numDataIds()).toBe(before.numDataBuffers);
    // d/dx Σ x² · w = 2·x·w (mul and square save their inputs for the gradient through clones).
    const w = tf.tensor1d([1, -2, 3]);
    const a = tf.tensor1d([0.5, 1.5, -2]);
    const [grad] = tf.grads((v: tf.Tensor) => tf.sum(tf.mul(tf.square(v), w)))([a]);
    expect(Array.from(grad.dataSync())).toEqual([1, -6, -12]);
    tf.dispose([w, a, grad]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
  });
});
