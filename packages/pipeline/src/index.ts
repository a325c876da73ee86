/**
 * @diffcell/pipeline — whole analyses: the velocity pipeline on real data (preprocessing → model →
 * velocity graph → embedding → metrics) and, with batches, Harmony and velocity in one optimisation step.
 */
export { knnIndices } from "./neighbors.js";
export {
  type FittedCurves,
  type PipelineMetrics,
  runVelocityPipeline,
  type VelocityMode,
  type VelocityPipelineOptions,
  type VelocityPipelineResult,
} from "./velocityPipeline.js";
