/**
 * @diffcell/pipeline — whole analyses: the velocity pipeline on real data (preprocessing → model →
 * velocity graph → embedding → metrics) and, with batches, Harmony and velocity in one optimisation step.
 */
export {
  type BatchVelocityInput,
  type BatchVelocityOutput,
  type HarmonyVelocityOptions,
  HarmonyVelocityPipeline,
  type JointHistory,
} from "./batchVelocity.js";
export {
  type HarmonyVelocityMetrics,
  type HarmonyVelocityResult,
  type HarmonyVelocityRunOptions,
  JointObjective,
  type JointObjectiveInput,
  type JointObjectiveOutput,
  runHarmonyVelocity,
} from "./harmonyVelocity.js";
export { knnIndices } from "./neighbors.js";
export { type SimulatedBatches, simulateBatches } from "./simulated.js";
export {
  type FittedCurves,
  type PipelineMetrics,
  runVelocityPipeline,
  type VelocityMode,
  type VelocityPipelineOptions,
  type VelocityPipelineResult,
  type VelocityResultsInput,
  writeVelocityResults,
} from "./velocityPipeline.js";
