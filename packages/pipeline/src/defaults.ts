import type { KineticsModel } from "@diffcell/velocity";

/**
 * Every default of the velocity jobs, one object per step (bakana's `defaults()`): the library, the CLI's
 * help and the report all read these, so a default changes in exactly one place.
 */

/** Preprocessing as scVelo's `filter_and_normalize` + log1p + PCA. */
export const PREPROCESS_DEFAULTS = { minSharedCounts: 20, nTopGenes: 2000, nPcs: 30 } as const;

/** The kNN graph (scanpy's `neighbors`), moments and everything that uses neighbourhoods. */
export const NEIGHBOR_DEFAULTS = { nNeighbors: 30 } as const;

/** The velocity model and its training. */
export const VELOCITY_DEFAULTS = {
  mode: "dynamical",
  seed: 0,
  /**
   * Passes over the cells (minibatches of `batchSize`) up to `epochCells` cells; see {@link defaultEpochs}.
   * 14 since the kept restart trial is continued with its optimiser state: on pancreas (seeds 0–4) it ends at
   * the loss 20 epochs reached when the continuation restarted Adam (2.23–2.30 against 2.24 at seed 0), with
   * the same CBDir (0.465–0.492 against 0.461–0.493).
   */
  epochs: 14,
  /** 14 epochs × 14 000 cells ≈ 383 minibatch steps of 512 cells: the budget of every larger data set. */
  epochCells: 14_000,
  minEpochs: 3,
  batchSize: 512,
  /**
   * Fits from different initialisations: short trial fits (a fifth of the epochs each), the lowest loss
   * continued (see `trainBestOf`). From the deterministic starting time most fits agree; the trials catch
   * the occasional one that drifts into a poor minimum (pancreas: 1 seed in 10 ended at loss 2.76 with
   * latent-time ρ 0.84, against 2.2–2.4 and 0.95 for the others). Above ~26 000 cells (one-epoch trials, all
   * warm-up with the time frozen) the trials could only differ in minibatch order, and one fit is run.
   */
  restarts: 3,
  /**
   * Where latent time starts: "pseudotime" (the steady-state velocity pseudotime, oriented by the splicing
   * once; see `initialLatentTime`) or "random" (the encoder's random start, with direction checks during
   * training).
   */
  initialTime: "pseudotime",
  /** Model velocity per unit of the shared latent time ("latent") or rescaled per gene ("gene"). */
  velocityUnits: "latent",
  /** Velocity graph metric: "standardized" (per-gene z-scores) or "expression" (scVelo's, linear Ms). */
  graphMetric: "standardized",
} as const;

/**
 * Training epochs for `n` cells when none are given: `epochs` up to `epochCells` cells, then
 * epochs·epochCells/n (at least `minEpochs`), so that large data sets take about as many minibatch steps as
 * 14 000 cells (383) instead of a number that grows with N (scvi-tools scales its default epochs the same way).
 * 33k cells: 6 epochs; 100k: 3.
 */
export function defaultEpochs(n: number): number {
  const d = VELOCITY_DEFAULTS;
  return Math.max(d.minEpochs, Math.min(d.epochs, Math.round((d.epochs * d.epochCells) / Math.max(n, 1))));
}

/**
 * Memory: layers of more than `spillBytes` that no later step reads (the input's X, spliced, unspliced and any
 * other layer once the moments are made; `fit_t`) are parked in a temporary file until the output is written
 * (`spillLayer` in io). 100k cells × 2000 genes: five 0.8 GB layers, 9.0 → 6.0 GB peak. Writing a layer out
 * costs ~2–3 s per GB here, so smaller data keep theirs (512 MiB: float32 layers of ≥ 67k cells × 2000 genes).
 * `Infinity` keeps everything in memory.
 */
export const MEMORY_DEFAULTS = { spillBytes: 512 * 2 ** 20 } as const;

/** Embedding and the projection of velocities on it. */
export const EMBEDDING_DEFAULTS = { umap: true } as const;

/** The joint Harmony → velocity fit (`--batch-key`). */
export const JOINT_DEFAULTS = {
  harmony: true,
  batchScale: true,
  /** Harmony rounds unrolled in the joint steps, k-means iterations per round. */
  harmonyRounds: 3,
  kmeansIterations: 5,
  theta: 2,
  sigma: 0.1,
  /**
   * Full-batch joint steps after the stage-1 fit (0: Harmony, then velocity). 5: on the pancreas batch
   * benchmark (seed 0) the joint loss fell 2.833 → 2.805 in 5 steps and → 2.786 in 10, each step ~3 s
   * (Harmony's rounds unrolled on the tape); 10 steps took the run to 2.4× the time without batches, 5 to 1.85×.
   */
  jointSteps: 5,
  // 3e-3 made the first Adam steps overshoot the stage-1 fit (joint loss 4.31 → 4.57 → 4.42 on the 3-batch
  // simulation); 1e-3 lowers it monotonically (4.31 → 4.26 → 4.24 → 4.21).
  learningRate: 1e-3,
  /** Joint loss weights: velocity, batch mixing, Harmony objective (the objective is ~10³). */
  weights: { velocity: 1, mixing: 1, harmony: 1e-3 },
} as const;

/** "stochastic" (scVelo's steady-state model, no training) or a registered kinetics model's name. */
export type VelocityMode = "stochastic" | KineticsModel;
export type VelocityUnits = "gene" | "latent";
export type GraphMetric = "standardized" | "expression";
export type InitialTimeSource = "pseudotime" | "random";
