import { Config } from "@diffcell/core";

/** One value for every batch variable, as R harmony's `theta`/`lambda` vectors: a number, a list in variable order, or by name. */
export type PerVariable = number | readonly number[] | Readonly<Record<string, number>>;

/**
 * `"fast"`: the classic algorithm on host typed arrays, no tape (float64). `"differentiable"`: the unrolled
 * iterations as TensorFlow.js ops and fused kernels, so gradients reach the input embedding and the module's
 * parameters. `"auto"`: differentiable while a gradient tape is recording, fast otherwise.
 */
export type HarmonyMode = "auto" | "fast" | "differentiable";

export interface BatchCorrectionConfigInit {
  /** Embedding dimension F (number of PCs). */
  nFeatures: number;
  /** Total number of batch levels B over all batch variables; checked against the labels when given. */
  nBatches?: number;
  /** Number of soft clusters K. Default min(round(N/30), 100), resolved from the data (harmonypy, R). */
  nClusters?: number;
  /** Diversity penalty θ per batch variable (0 = no penalty). Default 2. */
  theta?: PerVariable;
  /** Soft k-means bandwidth σ (on cosine distances, 0..4). Default 0.1. */
  sigma?: number;
  /** Ridge penalty λ per batch variable, or `"auto"`: λ_kb = alpha·E_kb per cluster (R harmony 2). Default 1. */
  lambda?: PerVariable | "auto";
  /** Scale of the automatic ridge penalty (R's `harmony_options(alpha)`). Default 0.2. */
  alpha?: number;
  /** Maximum Harmony rounds (cluster, then correct). Default 10. */
  nIterations?: number;
  /** Maximum soft k-means iterations per round. Default 20. */
  maxIterKmeans?: number;
  /** Maximum Lloyd iterations after the k-means++ seeding. Default 25 (harmonypy's KMeans). */
  maxIterInit?: number;
  /** Relative change of the windowed k-means objective that stops clustering. Default 1e-5. */
  epsilonCluster?: number;
  /** Relative decrease of the Harmony objective that stops the rounds. Default 1e-4. */
  epsilonHarmony?: number;
  /** Stop early on the tolerances above. Default true; false runs every iteration (fixed unrolling). */
  earlyStop?: boolean;
  /** Fraction of cells updated per block in the diversity-penalised assignment step. Default 0.05. */
  blockSize?: number;
  /**
   * Softmax temperature of the soft assignments: logits −d/(σ·temperature). 1 is classic Harmony; larger
   * values soften assignments (smoother gradients in training). Default 1.
   */
  temperature?: number;
  mode?: HarmonyMode;
}

/**
 * Settings of {@link DifferentiableHarmony} (Korsunsky et al. 2019). Defaults are harmonypy's and R harmony's
 * (θ = 2, σ = 0.1, λ = 1, K = min(round(N/30), 100), 10 rounds, 20 k-means iterations, ε = 1e-5 / 1e-4,
 * blocks of 5% of cells). Validated on construction: a {@link ConfigError} names the field.
 */
export class BatchCorrectionConfig extends Config {
  readonly nFeatures: number;
  readonly nBatches: number | undefined;
  readonly nClusters: number | undefined;
  readonly theta: PerVariable;
  readonly sigma: number;
  readonly lambda: PerVariable | "auto";
  readonly alpha: number;
  readonly nIterations: number;
  readonly maxIterKmeans: number;
  readonly maxIterInit: number;
  readonly epsilonCluster: number;
  readonly epsilonHarmony: number;
  readonly earlyStop: boolean;
  readonly blockSize: number;
  readonly temperature: number;
  readonly mode: HarmonyMode;

  constructor(init: BatchCorrectionConfigInit) {
    super("BatchCorrectionConfig");
    this.nFeatures = this.integer("nFeatures", init?.nFeatures, { min: 1 });
    this.nBatches = init.nBatches === undefined ? undefined : this.integer("nBatches", init.nBatches, { min: 2 });
    this.nClusters = init.nClusters === undefined ? undefined : this.integer("nClusters", init.nClusters, { min: 1 });
    this.theta = this.perVariable("theta", init.theta ?? 2, { min: 0 });
    this.sigma = this.number("sigma", init.sigma ?? 0.1, { gt: 0 });
    this.lambda = init.lambda === "auto" ? "auto" : this.perVariable("lambda", init.lambda ?? 1, { gt: 0 });
    this.alpha = this.number("alpha", init.alpha ?? 0.2, { gt: 0 });
    this.nIterations = this.integer("nIterations", init.nIterations ?? 10, { min: 1, max: 1000 });
    this.maxIterKmeans = this.integer("maxIterKmeans", init.maxIterKmeans ?? 20, { min: 1, max: 10000 });
    this.maxIterInit = this.integer("maxIterInit", init.maxIterInit ?? 25, { min: 0, max: 10000 });
    this.epsilonCluster = this.number("epsilonCluster", init.epsilonCluster ?? 1e-5, { min: 0 });
    this.epsilonHarmony = this.number("epsilonHarmony", init.epsilonHarmony ?? 1e-4, { min: 0 });
    this.earlyStop = this.boolean("earlyStop", init.earlyStop ?? true);
    this.blockSize = this.number("blockSize", init.blockSize ?? 0.05, { gt: 0, max: 1 });
    this.temperature = this.number("temperature", init.temperature ?? 1, { gt: 0 });
    this.mode = this.oneOf("mode", init.mode ?? "auto", ["auto", "fast", "differentiable"]);
    this.finish(init);
  }

  /** K for N cells: the configured value, else min(round(N/30), 100) (at least 1). */
  clustersFor(nCells: number): number {
    return this.nClusters ?? Math.max(1, Math.min(Math.round(nCells / 30), 100));
  }

  private perVariable(field: string, value: unknown, range: { min?: number; gt?: number }): PerVariable {
    const ok = (v: unknown) =>
      typeof v === "number" &&
      Number.isFinite(v) &&
      (range.min === undefined || v >= range.min) &&
      (range.gt === undefined || v > range.gt);
    const bound = range.gt !== undefined ? `> ${range.gt}` : `≥ ${range.min}`;
    const allowed = `a finite number ${bound}, an array of them (one per batch variable) or an object by variable name${field === "lambda" ? ', or "auto"' : ""}`;
    if (typeof value === "number") {
      this.require(ok(value), field, allowed, value);
      return value;
    }
    if (Array.isArray(value)) {
      this.require(value.length > 0 && value.every(ok), field, allowed, value);
      return Object.freeze([...value]);
    }
    if (value !== null && typeof value === "object") {
      this.require(Object.keys(value).length > 0 && Object.values(value).every(ok), field, allowed, value);
      return Object.freeze({ ...(value as Record<string, number>) });
    }
    this.require(false, field, allowed, value);
    return 0;
  }
}
