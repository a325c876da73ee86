import {
  checkMatrix,
  checkTensorValues,
  MAX_COUNT,
  type Metadata,
  Module,
  type Operator,
  Rngs,
  type State,
  tf,
} from "@diffcell/core";
import { columnMoments } from "./batches.js";
import type { VelocityConfig } from "./config.js";
import { eulerProject } from "./kinetics/euler.js";
import {
  kineticReconstruction,
  kineticState,
  kineticTrajectory,
  kineticVelocity,
  kineticVelocityFit,
} from "./kinetics/trajectory.js";
import { type Kinetics, KineticsEncoder } from "./kineticsEncoder.js";
import { type KineticsModelSpec, kineticsModel } from "./models/index.js";
import { TimeEncoder } from "./timeEncoder.js";

export interface VelocityInput {
  /** Spliced abundances [N, G] (counts or moments `Ms`), ≥ 0. */
  spliced: tf.Tensor2D;
  /** Unspliced abundances [N, G] (counts or moments `Mu`), ≥ 0. */
  unspliced: tf.Tensor2D;
}

export interface VelocityOutput {
  /**
   * ds/dt [N, G]: β·u/c − γ·s on the observed state (c = 1 in the standard model), or on the kinetic
   * model's state at the cell's latent time (`config.velocitySource`).
   */
  velocity: tf.Tensor2D;
  /** Latent time in (0, 1) [N]. */
  latentTime: tf.Tensor1D;
  alpha: tf.Tensor1D;
  beta: tf.Tensor1D;
  gamma: tf.Tensor1D;
  /** Observed state after nSteps Euler steps of size dt [N, G] (the walk-through's projection). */
  projectedSpliced: tf.Tensor2D;
  /** Per gene: latent time when transcription starts and when it stops (∞ in the standard model). */
  onset: tf.Tensor1D;
  switchTime: tf.Tensor1D;
  /** Per gene: unspliced scale c (observed unspliced ≈ c·u). */
  unsplicedScale: tf.Tensor1D;
  /** Cell state z [N, d] and the cell-specific transcription rates [N, G] (models with `stateDim` > 0). */
  cellState?: tf.Tensor2D;
  cellAlpha?: tf.Tensor2D;
  /**
   * {@link DifferentiableVelocity.kineticLoss} at the output's latent time with the weights given to `forward`
   * (`kineticWeights`), from the same solve as the velocity; present only when asked for and the model's velocity
   * is the kinetic model's (`velocitySource: "model"`).
   */
  kineticLoss?: tf.Scalar;
}

/** Per-gene weights of the kinetic loss's squared errors (see {@link inverseVarianceWeights}). */
export interface KineticWeights {
  unspliced: Float32Array | Float64Array;
  spliced: Float32Array | Float64Array;
}

/**
 * Differentiable RNA velocity (Module + Operator). `apply({ spliced, unspliced })` returns velocity,
 * latent time, per-gene rates and the Euler projection, plus the inputs. Every output is differentiable
 * with respect to the parameters (`grads.timeEncoder.linear1.kernel`, `grads.kineticsEncoder.logAlpha`, …)
 * and to the inputs.
 *
 * Latent time learns through {@link DifferentiableVelocity.kineticLoss}: the kinetic model evaluated at
 * each cell's latent time must reproduce the cell's observed (u, s), and optionally through the
 * time-ordering term of the consistency loss.
 */
export class DifferentiableVelocity extends Module implements Operator<VelocityInput, VelocityOutput> {
  readonly timeEncoder: TimeEncoder;
  readonly kineticsEncoder: KineticsEncoder;
  /** The registered kinetics model `config.kineticsModel` names. */
  readonly spec: KineticsModelSpec;

  constructor(
    readonly config: VelocityConfig,
    options: { rngs?: Rngs } = {},
  ) {
    super();
    this.spec = kineticsModel(config.kineticsModel);
    const [timeRngs, kineticsRngs] = (options.rngs ?? new Rngs(0)).split(2);
    this.timeEncoder = new TimeEncoder(config.nGenes, config.hiddenDim, timeRngs, config.stateDim);
    this.kineticsEncoder = new KineticsEncoder(config.nGenes, config.kineticsModel, kineticsRngs, config.stateDim);
  }

  /**
   * The inputs are fixed data rather than functions of other parameters: skip their gradients and reuse
   * log1p of the same tensors across steps (see {@link TimeEncoder.constantInputs}). `trainVelocity` sets it
   * while it trains; a loss that must reach the inputs (e.g. through Harmony) needs it false (the default).
   */
  get constantInputs(): boolean {
    return this.timeEncoder.constantInputs;
  }

  set constantInputs(value: boolean) {
    this.timeEncoder.constantInputs = value;
  }

  apply(
    data: VelocityInput,
    state: State = {},
    metadata: Metadata = null,
  ): [VelocityInput & VelocityOutput, State, Metadata] {
    return [{ ...data, ...this.forward(data) }, state, metadata];
  }

  /**
   * The outputs of {@link apply} without the inputs. `projection: false` skips the Euler projection (an
   * N×G pass a training loss without the projection term does not need; default `config.projection`);
   * `projectedSpliced` is then absent. `kineticWeights` adds `kineticLoss` (see {@link VelocityOutput}): a
   * training step that needs both gets them from one analytic solve per element.
   */
  forward(
    data: VelocityInput,
    options: { projection?: boolean; kineticWeights?: KineticWeights } = {},
  ): VelocityOutput {
    this.checkInput(data);
    const withProjection = options.projection ?? this.config.projection;
    return tf.tidy((): tf.TensorContainer => {
      const { spliced, unspliced } = data;
      const { time: latentTime, state: cellState } = this.timeEncoder.encode(spliced, unspliced);
      const k = this.kineticsEncoder.apply();
      // Transcription rates per gene, or per cell and gene when the model has a cell state.
      const rates = cellState ? this.kineticsEncoder.cellAlpha(cellState) : k.alpha;
      const modelUnspliced = this.spec.unsplicedScale ? tf.div(unspliced, k.scale) : unspliced;
      const projected = withProjection
        ? eulerProject(modelUnspliced, spliced, k.alpha, k.beta, k.gamma, {
            dt: this.config.dt,
            nSteps: this.config.nSteps,
          })
        : null;
      const trajectory = [latentTime, k.onset, k.duration, rates, k.beta, k.gamma, k.scale];
      const switching = this.spec.switching;
      // With the kinetic loss's weights and model velocity on the rates that loss uses, both come from one solve.
      const fit =
        options.kineticWeights &&
        this.config.velocitySource === "model" &&
        (!cellState || this.kineticsEncoder.stateLoading)
          ? kineticVelocityFit([...trajectory, unspliced, spliced], {
              switching,
              weightUnspliced: options.kineticWeights.unspliced,
              weightSpliced: options.kineticWeights.spliced,
            })
          : null;
      const velocity = fit
        ? fit[0]
        : this.config.velocitySource === "model"
          ? kineticVelocity(trajectory, { switching })[0]
          : tf.sub(tf.mul(k.beta, modelUnspliced), tf.mul(k.gamma, spliced));
      return {
        velocity: velocity as tf.Tensor2D,
        latentTime,
        alpha: k.alpha,
        beta: k.beta,
        gamma: k.gamma,
        ...(projected ? { projectedSpliced: projected as tf.Tensor2D } : {}),
        onset: k.onset,
        switchTime: tf.add(k.onset, k.duration) as tf.Tensor1D,
        unsplicedScale: k.scale,
        ...(cellState ? { cellState, cellAlpha: rates as tf.Tensor2D } : {}),
        ...(fit ? { kineticLoss: fit[1] as tf.Scalar } : {}),
      };
    }) as unknown as VelocityOutput;
  }

  /** Per-gene kinetics as positive tensors (caller disposes). */
  kinetics(): Kinetics {
    return this.kineticsEncoder.apply();
  }

  /**
   * The kinetic model's (û, ŝ) [N, G] at the given latent times (and cell states, for models with one;
   * without, the base rates), e.g. for phase portraits.
   */
  predict(latentTime: tf.Tensor1D, cellState?: tf.Tensor2D): { unspliced: tf.Tensor2D; spliced: tf.Tensor2D } {
    return tf.tidy(() => {
      const k = this.kineticsEncoder.apply();
      const rates =
        cellState && this.kineticsEncoder.stateLoading ? this.kineticsEncoder.cellAlpha(cellState) : k.alpha;
      const [u, s] = kineticTrajectory([latentTime, k.onset, k.duration, rates, k.beta, k.gamma, k.scale], {
        switching: this.spec.switching,
      });
      return { unspliced: u as tf.Tensor2D, spliced: s as tf.Tensor2D };
    });
  }

  /**
   * A trained model's velocity, latent time and the kinetic model's (û, ŝ) at that time (per-gene rates, as
   * {@link predict} without a cell state): what evaluating a fit needs (velocities and goodness of fit). With
   * model velocity and no cell state, one analytic solve per element gives velocity and (û, ŝ) together
   * (`kineticState`); the values equal {@link forward}'s velocity and {@link predict}'s (û, ŝ) exactly.
   */
  evaluate(data: VelocityInput): {
    latentTime: tf.Tensor1D;
    velocity: tf.Tensor2D;
    unspliced: tf.Tensor2D;
    spliced: tf.Tensor2D;
  } {
    if (this.config.velocitySource !== "model" || this.config.stateDim > 0) {
      return tf.tidy(() => {
        const { velocity, latentTime } = this.forward(data, { projection: false });
        return { latentTime, velocity, ...this.predict(latentTime) };
      });
    }
    this.checkInput(data);
    return tf.tidy(() => {
      const { time: latentTime } = this.timeEncoder.encode(data.spliced, data.unspliced);
      const k = this.kineticsEncoder.apply();
      const [velocity, unspliced, spliced] = kineticState(
        [latentTime, k.onset, k.duration, k.alpha, k.beta, k.gamma, k.scale],
        { switching: this.spec.switching },
      ) as tf.Tensor2D[];
      return { latentTime, velocity, unspliced, spliced };
    });
  }

  /**
   * Weighted squared error between the kinetic model at each cell's latent time and the cell's observed
   * (u, s), averaged over cells (fused; see `kineticReconstruction`). `weights` are per-gene
   * (default 1/(G·variance) from the data passed, so every gene counts equally and the loss is ~1 at a
   * constant prediction).
   */
  kineticLoss(
    data: VelocityInput,
    latentTime: tf.Tensor1D,
    weights?: KineticWeights,
    cellState?: tf.Tensor2D,
  ): tf.Scalar {
    return tf.tidy(() => {
      const w = weights ?? inverseVarianceWeights(data.spliced, data.unspliced);
      const k = this.kineticsEncoder.apply();
      const rates =
        cellState && this.kineticsEncoder.stateLoading ? this.kineticsEncoder.cellAlpha(cellState) : k.alpha;
      const [loss] = kineticReconstruction(
        [latentTime, k.onset, k.duration, rates, k.beta, k.gamma, k.scale, data.unspliced, data.spliced],
        {
          switching: this.spec.switching,
          weightUnspliced: w.unspliced,
          weightSpliced: w.spliced,
        },
      );
      return loss as tf.Scalar;
    });
  }

  /**
   * Shapes, dtype and values of the inputs (finite counts in [0, 1e12]); a tensor is read once (core's
   * validation cache), and minibatches of a checked tensor inherit its verdict.
   */
  checkInput(data: VelocityInput): void {
    const g = this.config.nGenes;
    checkMatrix("spliced", data?.spliced, { cols: g });
    checkMatrix("unspliced", data.unspliced, { rows: data.spliced.shape[0], cols: g });
    checkTensorValues("spliced", data.spliced, { nonNegative: true, maxAbs: MAX_COUNT });
    checkTensorValues("unspliced", data.unspliced, { nonNegative: true, maxAbs: MAX_COUNT });
  }
}

/** Per-gene weights 1/(G·var) for unspliced and spliced (variance floored so constant genes stay finite). */
export function inverseVarianceWeights(
  spliced: tf.Tensor2D,
  unspliced: tf.Tensor2D,
): { unspliced: Float64Array; spliced: Float64Array } {
  const g = spliced.shape[1];
  const weightsOf = (x: tf.Tensor2D) => {
    const { variance } = columnMoments(x);
    let meanVariance = 0;
    for (let j = 0; j < g; j++) meanVariance += variance[j] / g;
    const floor = Math.max(1e-8, 1e-3 * meanVariance);
    return Float64Array.from(variance, (v) => 1 / (g * Math.max(v, floor)));
  };
  return { unspliced: weightsOf(unspliced), spliced: weightsOf(spliced) };
}
