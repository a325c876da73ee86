/**
 * Every package uses tensors through `tf` re-exported from `@diffcell/core` (the namespace of `tfjs.ts`,
 * the one place diffcell imports TensorFlow.js).
 */
import * as tf from "./tfjs.js";

export { tf };
export type Tensor = tf.Tensor;
export type Scalar = tf.Scalar;
export type Tensor1D = tf.Tensor1D;
export type Tensor2D = tf.Tensor2D;

/**
 * `tf.customGrad` with a clearer signature: `f(inputs, save)` returns the value and a backward function
 * mapping the output cotangent to one cotangent per input. Tensors the backward pass needs must go
 * through `save` (they reach it as `saved`); anything else created in the forward pass may already be
 * disposed when the backward pass runs.
 */
export function customGrad(
  f: (
    inputs: tf.Tensor[],
    save: (tensors: tf.Tensor[]) => void,
  ) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] },
): (...inputs: tf.Tensor[]) => tf.Tensor {
  const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    return f(args.slice(0, -1) as tf.Tensor[], save);
  });
  return op as unknown as (...inputs: tf.Tensor[]) => tf.Tensor;
}

/**
 * Runs `fn` in a `tf.tidy` scope and returns its host (non-tensor) result; every tensor created inside
 * is disposed. For code that computes with tensors and hands back typed arrays. (Returning a typed array
 * from `tf.tidy` itself is a trap: tidy walks the returned value looking for tensors, element by element —
 * tens of seconds for a pancreas-sized array.)
 */
export function tidyHost<T>(fn: () => T): T {
  let out: T | undefined;
  tf.tidy(() => {
    out = fn();
  });
  return out as T;
}

interface WasmInternals {
  dataIdMap?: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm?: { HEAPU8: Uint8Array };
}

/**
 * Runs `fn` on the values of a float32 tensor without copying them out: on the wasm backend a view of the
 * tensor's bytes in the wasm heap, elsewhere `dataSync()`. The view is valid only while `fn` runs and `fn`
 * must not run tensor operations (one could grow the heap and detach the view) nor write to it. For large
 * blocks read once on the host: `dataSync` copies every byte into fresh memory (kNN on 33k cells read 4.4 GB of
 * distance blocks that way, ~5 s of a 13 s search).
 */
export function withValues<T>(t: tf.Tensor, fn: (values: Float32Array) => T): T {
  if (t.dtype === "float32" && tf.getBackend() === "wasm") {
    const backend = tf.backend() as unknown as WasmInternals;
    const entry = backend.dataIdMap?.get(t.dataId);
    const heap = backend.wasm?.HEAPU8;
    if (entry && heap) return fn(new Float32Array(heap.buffer, entry.memoryOffset, t.size));
  }
  return fn(t.dataSync() as Float32Array);
}
