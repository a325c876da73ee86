import { Config } from "@diffcell/core";
import { kineticsModel, kineticsModelNames } from "./models/index.js";

/** A registered kinetics model's name ("standard", "dynamical", or one added with `registerKineticsModel`). */
export type KineticsModel = string;
export type VelocitySource = "observed" | "model";

export interface VelocityConfigInit {
  nGenes: number;
  /** Width of the time encoder's hidden layers. Default 64. */
  hiddenDim?: number;
  /** Euler step of the projection (`projectedSpliced`). Default 0.1. */
  dt?: number;
  /** Euler steps of the projection. Default 10. */
  nSteps?: number;
  /**
   * `"standard"`: the walk-through's model (velocity β·u − γ·s on the observed state, Euler projection),
   * with latent time learned through the induction solution of the ODE.
   * `"dynamical"`: scVelo's model: per-gene onset and switch time (induction then repression) and an
   * unspliced scale, evaluated analytically at each cell's latent time.
   */
  kineticsModel?: KineticsModel;
  /**
   * Where velocity is evaluated. `"observed"`: β·u/c − γ·s on the cell's observed (u, s) (the
   * walk-through; follows each cell's own state, so branches keep their own directions). `"model"`:
   * ds/dt of the kinetic model at the cell's latent time (scVelo's dynamical velocity; noise-free).
   * Default: "observed" for the standard model, "model" for the dynamical one.
   */
  velocitySource?: VelocitySource;
  /**
   * Dimensions of a per-cell state z (a second head of the time encoder) that modulates each gene's
   * transcription rate, α_ig = softplus(a_g + z_i·W_g). 0 (default) gives every cell the same rates; with
   * z, cells at the same latent time but on different branches get their own trajectories and velocities.
   */
  stateDim?: number;
  /**
   * Whether `apply` computes the Euler projection (`projectedSpliced`, an extra N×G pass). Default true (the
   * walk-through's output); models trained without the projection term (the pipelines') turn it off.
   */
  projection?: boolean;
}

/** Settings of {@link DifferentiableVelocity}; validated on construction (`ConfigError` names the field). */
export class VelocityConfig extends Config {
  readonly nGenes: number;
  readonly hiddenDim: number;
  readonly dt: number;
  readonly nSteps: number;
  readonly kineticsModel: KineticsModel;
  readonly velocitySource: VelocitySource;
  readonly stateDim: number;
  readonly projection: boolean;

  constructor(init: VelocityConfigInit) {
    super("VelocityConfig");
    this.nGenes = this.integer("nGenes", init?.nGenes, { min: 1 });
    this.hiddenDim = this.integer("hiddenDim", init.hiddenDim ?? 64, { min: 1 });
    this.dt = this.number("dt", init.dt ?? 0.1, { gt: 0 });
    this.nSteps = this.integer("nSteps", init.nSteps ?? 10, { min: 1, max: 10000 });
    this.kineticsModel = this.oneOf("kineticsModel", init.kineticsModel ?? "standard", kineticsModelNames());
    const defaultSource = kineticsModel(this.kineticsModel).velocitySource;
    this.velocitySource = this.oneOf("velocitySource", init.velocitySource ?? defaultSource, ["observed", "model"]);
    this.stateDim = this.integer("stateDim", init.stateDim ?? 0, { min: 0, max: 64 });
    this.projection = this.boolean("projection", init.projection ?? true);
    this.finish(init);
  }
}
