/**
 * The velocity model's training objective: the loss weights and context, `velocityLoss` on a batch and
 * `velocityObjective` on the result of `op.apply` (what training.ts and the joint pipeline minimise).
 */
import { InputError, tf } from "@diffcell/core";
import { reconstructionLoss, type VelocityConsistencyLoss } from "@diffcell/losses";
import { uniformTimePenalty } from "./timePrior.js";
import {
  type DifferentiableVelocity,
  inverseVarianceWeights,
  type VelocityInput,
  type VelocityOutput,
} from "./velocity.js";

export interface LossWeights {
  /** Velocity consistency with the neighbourhood (+ time ordering). Default 1. */
  consistency?: number;
  /** The walk-through's MSE between the Euler projection and the observed spliced state. Default 0.1. */
  projection?: number;
  /** Kinetic model at latent time vs observed (u, s): what trains latent time. Default 1. */
  kinetic?: number;
  /** Spread of latent time over (0, 1) (`uniformTimePenalty`). Default 0. */
  timePrior?: number;
}

/** Loss weights when not given: the walk-through's (consistency + 0.1·projection) plus the kinetic term. */
export const DEFAULT_WEIGHTS: Required<LossWeights> = { consistency: 1, projection: 0.1, kinetic: 1, timePrior: 0 };

/** What the velocity loss needs besides the model and the data. */
export interface VelocityLossContext {
  consistency: VelocityConsistencyLoss;
  /** Neighbour sets for the consistency loss (N × k, indices into the batch). */
  neighbors?: Int32Array;
  basis?: tf.Tensor2D;
  weights?: LossWeights;
  /** Per-gene weights of the kinetic loss (default 1/(G·variance) of the data passed). */
  kineticWeights?: { unspliced: Float64Array; spliced: Float64Array };
}

/**
 * The training objective on a batch: w_c·consistency(velocity, s, u, {latentTime, neighbours})
 * + w_p·MSE(projectedSpliced, s) + w_k·kineticLoss(latentTime). Returns a scalar (inside the caller's tape).
 */
export function velocityLoss(
  op: DifferentiableVelocity,
  batch: VelocityInput,
  context: VelocityLossContext,
): tf.Scalar {
  const w = { ...DEFAULT_WEIGHTS, ...context.weights };
  if (w.consistency === 0 && w.projection === 0) {
    // Only latent time and the kinetics are needed: skip velocity and the projection (two N×G passes).
    return tf.tidy(() => {
      const { time, state } = op.timeEncoder.encode(batch.spliced, batch.unspliced);
      const lean: tf.Scalar[] = [];
      if (w.kinetic > 0)
        lean.push(tf.mul(op.kineticLoss(batch, time, context.kineticWeights, state ?? undefined), w.kinetic));
      if (w.timePrior > 0) lean.push(tf.mul(uniformTimePenalty([time], null)[0], w.timePrior));
      return (lean.length ? tf.addN(lean) : tf.sum(tf.mul(time, 0))) as tf.Scalar;
    });
  }
  // The kinetic term's weights go to the forward pass: velocity and that term then come from one solve.
  const kineticWeights =
    w.kinetic > 0 ? (context.kineticWeights ?? inverseVarianceWeights(batch.spliced, batch.unspliced)) : undefined;
  const result = op.forward(batch, { projection: w.projection > 0, kineticWeights });
  // The same weights for a model whose forward pass did not fuse the kinetic term (computed once, not twice).
  return velocityObjective(op, { ...batch, ...result }, { ...context, kineticWeights });
}

/**
 * The training objective on the result of `op.apply` (its inputs and outputs): what a composition that
 * drives the model through `apply` adds as its velocity loss term. Same terms and weights as
 * {@link velocityLoss}; `projectedSpliced` must be present when the projection weight is not 0.
 */
export function velocityObjective(
  op: DifferentiableVelocity,
  result: VelocityInput & VelocityOutput,
  context: VelocityLossContext,
): tf.Scalar {
  const w = { ...DEFAULT_WEIGHTS, ...context.weights };
  const terms: tf.Scalar[] = [];
  if (w.consistency > 0) {
    const c = context.consistency(result.velocity, result.spliced, result.unspliced, {
      latentTime: result.latentTime,
      neighbors: context.neighbors,
      basis: context.basis,
      // Training data (the model's constant inputs) need no gradient.
      constantPositions: op.constantInputs,
    });
    terms.push(tf.mul(c, w.consistency));
  }
  if (w.projection > 0) {
    if (!result.projectedSpliced)
      throw new InputError("velocityObjective", "the projection term needs projectedSpliced (config.projection)");
    terms.push(tf.mul(reconstructionLoss(result.projectedSpliced, result.spliced), w.projection));
  }
  if (w.kinetic > 0) {
    // Made with the velocity when the forward pass was given the weights (velocityLoss does).
    const kinetic =
      result.kineticLoss ?? op.kineticLoss(result, result.latentTime, context.kineticWeights, result.cellState);
    terms.push(tf.mul(kinetic, w.kinetic));
  }
  if (w.timePrior > 0) terms.push(tf.mul(uniformTimePenalty([result.latentTime], null)[0], w.timePrior));
  return (terms.length ? tf.addN(terms) : tf.sum(tf.mul(result.latentTime, 0))) as tf.Scalar;
}
