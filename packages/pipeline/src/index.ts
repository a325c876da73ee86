/**
 * @diffcell/pipeline — whole analyses: the velocity pipeline on real data (preprocessing → model →
 * velocity graph → embedding → metrics) and, with batches, Harmony and velocity in one optimisation step.
 */
export {
  type BatchVelocityInput,
  type BatchVelocityOutput,
  type HarmonyVelocityOptions,
  HarmonyVelocityPipeline,
  type JointData,
  type JointHistory,
} from "./batchVelocity.js";
export {
  defaultEpochs,
  EMBEDDING_DEFAULTS,
  type GraphMetric,
  type InitialTimeSource,
  JOINT_DEFAULTS,
  MEMORY_DEFAULTS,
  NEIGHBOR_DEFAULTS,
  PREPROCESS_DEFAULTS,
  VELOCITY_DEFAULTS,
  type VelocityMode,
  type VelocityUnits,
} from "./defaults.js";
export {
  type HarmonyVelocityMetrics,
  type HarmonyVelocityResult,
  type HarmonyVelocityRunOptions,
  JointObjective,
  type JointObjectiveInput,
  type JointObjectiveOutput,
  runHarmonyVelocity,
} from "./harmonyVelocity.js";
export { jointObjective, type LossTerm } from "./jointLoss.js";
export { knnIndices } from "./neighbors.js";
export {
  edgeDepth,
  type PipelineMetrics,
  timeOrderMetrics,
  type VelocityResultsInput,
  writeVelocityResults,
} from "./results.js";
export { type SimulatedBatches, simulateBatches } from "./simulated.js";
export {
  initialBatchScale,
  type SoftMomentsInit,
  type SoftMomentsInput,
  type SoftMomentsOutput,
  SoftNeighborMoments,
} from "./softNeighborMoments.js";
export {
  type FittedCurves,
  type FittedRates,
  runVelocityPipeline,
  type VelocityPipelineOptions,
  type VelocityPipelineResult,
} from "./velocityPipeline.js";
