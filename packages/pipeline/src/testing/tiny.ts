/** The tiny two-batch case the gradient checks use: small enough for finite differences through everything. */
import type { HarmonyVelocityOptions } from "../batchVelocity.js";
import { simulateBatches } from "../simulated.js";

export const tinyBatches = () =>
  simulateBatches({ nCells: 60, nGenes: 16, nBatches: 2, batchEffect: 0.3, seed: 4, nPcs: 4 });

/** One unrolled Harmony round of one k-means step, 3 clusters, a short velocity fit, no joint steps. */
export const TINY_OPTIONS: HarmonyVelocityOptions = {
  nNeighbors: 8,
  harmonyRounds: 1,
  kmeansIterations: 1,
  nClusters: 3,
  sigma: 0.5,
  epochs: 2,
  jointSteps: 0,
  weights: { velocity: 1, mixing: 1, harmony: 1e-3 },
};
