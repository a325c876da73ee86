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
