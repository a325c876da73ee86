import { ConfigError, InputError, type ProgressCallback, Rngs } from "@diffcell/core";
import { type BatchDesign, perLevel } from "./batchDesign.js";
import type { BatchCorrectionConfig } from "./config.js";
import { blockStartsFor, type DiversityAttrs } from "./diversity.js";
import { kmeansConverged } from "./objective.js";
import type { RidgePenalty } from "./ridge.js";

/** Everything a Harmony run needs besides the numbers: design, per-level settings and the random streams. */
export interface RunContext {
  config: BatchCorrectionConfig;
  design: BatchDesign;
  nCells: number;
  nFeatures: number;
  nClusters: number;
  /** θ per level. */
  theta: Float64Array;
  penalty: RidgePenalty;
  blockStarts: Int32Array;
  /** Draws one random cell order per assignment pass. */
  orderRngs: Rngs;
  onProgress?: ProgressCallback;
}

/** R harmony's k-means convergence window. */
export const KMEANS_WINDOW = 3;

/** Whether the k-means loop of a round stops after iteration `it` (early stop on, past the window, converged). */
export function kmeansStops(config: BatchCorrectionConfig, it: number, objectiveKmeans: readonly number[]): boolean {
  return (
    config.earlyStop && it > KMEANS_WINDOW && kmeansConverged(objectiveKmeans, KMEANS_WINDOW, config.epsilonCluster)
  );
}

/**
 * Random streams of one run from a 64-bit key: k-means++ seeding and block orders are independent, and a run
 * with the same key repeats exactly (also across the fast and differentiable paths).
 */
export function runStreams(key: readonly [number, number]): { initRngs: Rngs; orderRngs: Rngs } {
  const [initRngs, orderRngs] = new Rngs(key).split(2);
  return { initRngs, orderRngs };
}

export function makeContext(
  config: BatchCorrectionConfig,
  design: BatchDesign,
  nFeatures: number,
  nClusters: number,
  orderRngs: Rngs,
  onProgress?: ProgressCallback,
): RunContext {
  const nCells = design.nCells;
  if (config.nBatches !== undefined && config.nBatches !== design.nLevels) {
    throw new InputError(
      "batchLabels",
      `found ${design.nLevels} batch levels (${design.levels.map((l) => l.join(", ")).join("; ")}) but BatchCorrectionConfig.nBatches is ${config.nBatches}`,
    );
  }
  checkClusterCount(nClusters, nCells);
  const penalty: RidgePenalty =
    config.lambda === "auto"
      ? { kind: "auto", alpha: config.alpha }
      : { kind: "fixed", perLevel: perLevel("lambda", config.lambda, design) };
  return {
    config,
    design,
    nCells,
    nFeatures,
    nClusters,
    theta: perLevel("theta", config.theta, design),
    penalty,
    blockStarts: blockStartsFor(nCells, config.blockSize),
    orderRngs,
    onProgress,
  };
}

/** K must not exceed N (k-means seeds distinct cells). */
export function checkClusterCount(nClusters: number, nCells: number): void {
  if (nClusters > nCells) {
    throw new ConfigError("BatchCorrectionConfig", "nClusters", `at most the number of cells (${nCells})`, nClusters);
  }
}

/** Attributes of one diversity pass: a fresh seeded cell order each time (R's `shuffle`). */
export function diversityAttrs(ctx: RunContext): DiversityAttrs {
  const { design } = ctx;
  return {
    codes: design.codes,
    nVariables: design.nVariables,
    nLevels: design.nLevels,
    proportions: design.proportions,
    theta: ctx.theta,
    order: ctx.orderRngs.permutation(ctx.nCells),
    blockStarts: ctx.blockStarts,
  };
}
