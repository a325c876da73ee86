import { gelu, Linear, Module, Param, type Rngs, tf } from "@diffcell/core";

/**
 * Latent time from expression: log1p of spliced and unspliced, concatenated and standardised per
 * feature (`inputMean`/`inputScale`, fixed buffers set from the data by `initializeFromData`), then
 * linear1 → GELU → linear2 → GELU → timeProj → sigmoid, so t ∈ (0, 1). (The walk-through's encoder, with
 * the standardisation added: without it, genes with large counts dominate the first layer.)
 */
export class TimeEncoder extends Module {
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly timeProj: Linear;
  readonly inputMean: Param;
  readonly inputScale: Param;

  constructor(nGenes: number, hiddenDim: number, rngs: Rngs) {
    super();
    this.linear1 = new Linear(2 * nGenes, hiddenDim, { rngs, name: "timeEncoder.linear1" });
    this.linear2 = new Linear(hiddenDim, hiddenDim, { rngs, name: "timeEncoder.linear2" });
    this.timeProj = new Linear(hiddenDim, 1, { rngs, name: "timeEncoder.timeProj" });
    this.inputMean = new Param(tf.zeros([2 * nGenes]), "timeEncoder.inputMean", false);
    this.inputScale = new Param(tf.ones([2 * nGenes]), "timeEncoder.inputScale", false);
  }

  /** Standardised log1p features [N, 2G]. */
  features(spliced: tf.Tensor2D, unspliced: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const x = tf.log1p(tf.concat([spliced, unspliced], 1));
      return tf.mul(tf.sub(x, this.inputMean.value), this.inputScale.value) as tf.Tensor2D;
    });
  }

  /** Pre-activation of the output unit [N]. */
  logits(spliced: tf.Tensor2D, unspliced: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const h1 = gelu(this.linear1.apply(this.features(spliced, unspliced)));
      const h2 = gelu(this.linear2.apply(h1));
      return tf.reshape(this.timeProj.apply(h2), [-1]) as tf.Tensor1D;
    });
  }

  apply(spliced: tf.Tensor2D, unspliced: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.sigmoid(this.logits(spliced, unspliced)));
  }
}
