import { Module, Param } from "./module.js";
import { matMul } from "./ops/matmul.js";
import type { Rngs } from "./rng.js";
import { tf } from "./tf.js";

/**
 * Dense layer `y = x @ kernel + bias` (kernel [inFeatures, outFeatures]), initialised as Flax's
 * `nnx.Linear`: LeCun normal kernel (truncated normal, variance 1/inFeatures), zero bias.
 */
export class Linear extends Module {
  readonly kernel: Param;
  readonly bias: Param | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: { rngs: Rngs; useBias?: boolean; name?: string },
  ) {
    super();
    const std = 1 / Math.sqrt(inFeatures) / 0.8796256610342398; // truncated-normal std correction (±2σ)
    const w = Float32Array.from(options.rngs.truncatedNormal(inFeatures * outFeatures, std));
    const name = options.name ?? "linear";
    this.kernel = new Param(tf.tensor2d(w, [inFeatures, outFeatures]), `${name}.kernel`);
    this.bias = options.useBias === false ? null : new Param(tf.zeros([outFeatures]), `${name}.bias`);
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    const y = matMul(x, this.kernel.value as tf.Tensor2D);
    return this.bias ? tf.add(y, this.bias.value) : y;
  }
}

/** GELU, tanh approximation (the default of `jax.nn.gelu`). */
export function gelu<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => {
    const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x)))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner))) as T;
  });
}
