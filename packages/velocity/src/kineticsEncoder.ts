import { Module, matMul, Param, type Rngs, tf } from "@diffcell/core";
import type { KineticsModel } from "./config.js";
import { kineticsModel } from "./models/index.js";

/** Rates and timing of every gene as positive numbers (softplus of the raw parameters). */
export interface Kinetics {
  alpha: tf.Tensor1D;
  beta: tf.Tensor1D;
  gamma: tf.Tensor1D;
  /** Latent time at which transcription starts (may be negative). */
  onset: tf.Tensor1D;
  /** Length of the induction phase (dynamical model; the standard model never switches). */
  duration: tf.Tensor1D;
  /** Unspliced capture scale c: observed unspliced ≈ c·u (1 in the standard model). */
  scale: tf.Tensor1D;
}

export const softplus = (x: number): number => (x > 30 ? x : Math.log1p(Math.exp(x)));
/** Inverse of softplus, for initialising a raw parameter to a wanted positive value. */
export const softplusInverse = (y: number): number => (y > 30 ? y : Math.log(Math.expm1(Math.max(y, 1e-12))));

/**
 * Per-gene kinetics. As in the walk-through, `logAlpha`, `logBeta`, `logGamma` are raw parameters mapped
 * to rates by softplus (the names are the seed's). The timing parameters (`onset`, and for the dynamical
 * model `logDuration` and `logScale`, also through softplus) make the same rates describe each cell's
 * state at its latent time.
 */
export class KineticsEncoder extends Module {
  readonly logAlpha: Param;
  readonly logBeta: Param;
  readonly logGamma: Param;
  readonly onset: Param;
  readonly logDuration: Param | null;
  readonly logScale: Param | null;
  /** W [d, G]: how the cell state shifts each gene's raw transcription rate (starts at 0). */
  readonly stateLoading: Param | null;

  constructor(
    nGenes: number,
    readonly model: KineticsModel,
    rngs: Rngs,
    stateDim = 0,
  ) {
    super();
    // The seed's initialisation: raw ~ N(0, 0.5²) shifted by 0, −1, −2.
    const [ka, kb, kc] = rngs.split(3);
    const init = (r: Rngs, shift: number) => tf.tensor1d(Float32Array.from(r.normal(nGenes, shift, 0.5)));
    this.logAlpha = new Param(init(ka, 0), "kineticsEncoder.logAlpha");
    this.logBeta = new Param(init(kb, -1), "kineticsEncoder.logBeta");
    this.logGamma = new Param(init(kc, -2), "kineticsEncoder.logGamma");
    this.onset = new Param(tf.fill([nGenes], -0.05), "kineticsEncoder.onset");
    const spec = kineticsModel(model);
    this.logDuration = spec.switching
      ? new Param(tf.fill([nGenes], softplusInverse(0.6)), "kineticsEncoder.logDuration")
      : null;
    this.logScale = spec.unsplicedScale
      ? new Param(tf.fill([nGenes], softplusInverse(1)), "kineticsEncoder.logScale")
      : null;
    this.stateLoading = stateDim > 0 ? new Param(tf.zeros([stateDim, nGenes]), "kineticsEncoder.stateLoading") : null;
  }

  /** Cell-specific transcription rates softplus(a_g + z_i·W_g) [N, G]. */
  cellAlpha(state: tf.Tensor2D): tf.Tensor2D {
    if (!this.stateLoading) throw new Error("KineticsEncoder.cellAlpha: this model has no cell state");
    return tf.tidy(
      () =>
        tf.softplus(tf.add(this.logAlpha.value, matMul(state, this.stateLoading!.value as tf.Tensor2D))) as tf.Tensor2D,
    );
  }

  apply(): Kinetics {
    return tf.tidy(() => {
      const g = this.logAlpha.shape[0];
      return {
        alpha: tf.softplus(this.logAlpha.value) as tf.Tensor1D,
        beta: tf.softplus(this.logBeta.value) as tf.Tensor1D,
        gamma: tf.softplus(this.logGamma.value) as tf.Tensor1D,
        onset: tf.clone(this.onset.value) as tf.Tensor1D,
        duration: (this.logDuration ? tf.softplus(this.logDuration.value) : tf.fill([g], 1e6)) as tf.Tensor1D,
        scale: (this.logScale ? tf.softplus(this.logScale.value) : tf.ones([g])) as tf.Tensor1D,
      };
    });
  }
}
