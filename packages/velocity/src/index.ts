/**
 * @diffcell/velocity — differentiable RNA velocity.
 */
export { EVALUATION_ROWS, latentTimeOf, rowSlice } from "./batches.js";
export { type KineticsModel, VelocityConfig, type VelocityConfigInit, type VelocitySource } from "./config.js";
export { GeneFitAccumulator, type GeneFitStatistics, geneFitStatistics, rankDynamicalGenes } from "./fitStatistics.js";
export { standardizedGeneScale, standardizedGeneSpace } from "./graphMetric.js";
export {
  FIT_BATCH_CELLS,
  type FitTimeEncoderOptions,
  fitTimeEncoder,
  type InitializeOptions,
  initializeFromData,
  initializeFromTime,
} from "./initialize.js";
export { type InitialTime, type InitialTimeOptions, initialLatentTime } from "./initialTime.js";
export { type EulerAttrs, eulerCoefficients, eulerProject, eulerProjection } from "./kinetics/euler.js";
export {
  kineticReconstruction,
  kineticState,
  kineticTrajectory,
  kineticVelocity,
  kineticVelocityFit,
  type ReconstructionAttrs,
  type TrajectoryAttrs,
} from "./kinetics/trajectory.js";
export { type Kinetics, KineticsEncoder, softplus, softplusInverse } from "./kineticsEncoder.js";
export { type KineticsModelSpec, kineticsModel, kineticsModelNames, registerKineticsModel } from "./models/index.js";
export { orientationScore, orientationScores } from "./orientation.js";
export { fitSteadyState, fitStochastic, type SteadyStateFit } from "./steadyState.js";
export { TimeEncoder } from "./timeEncoder.js";
export {
  DEFAULT_WEIGHTS,
  defaultWarmupEpochs,
  type LossWeights,
  restrictNeighbors,
  type TrainingHistory,
  trainingEpochs,
  type VelocityLossContext,
  type VelocityTrainingOptions,
  velocityLoss,
  velocityObjective,
} from "./training.js";
export { velocityConfidence } from "./trajectory/confidence.js";
export { type EmbeddingProjectionOptions, velocityEmbedding } from "./trajectory/embedding.js";
export { type VelocityGraph, type VelocityGraphOptions, velocityGraph } from "./trajectory/graph.js";
export {
  type ClusterMetricsInput,
  crossBoundaryCorrectness,
  innerClusterCoherence,
  parseEdges,
} from "./trajectory/metrics.js";
export { type PseudotimeOptions, type PseudotimeResult, velocityPseudotime } from "./trajectory/pseudotime.js";
export { CsrBuilder, fromRows, neighborSets, type SparseRows } from "./trajectory/sparse.js";
export { chainMatrices, type TransitionOptions, transitionMatrix } from "./trajectory/transition.js";
export { geneTimeUnits } from "./trajectory/units.js";
export { trainVelocity, trainVelocityAsync, validateTraining } from "./validate.js";
export {
  DifferentiableVelocity,
  inverseVarianceWeights,
  type KineticWeights,
  type VelocityInput,
  type VelocityOutput,
} from "./velocity.js";
