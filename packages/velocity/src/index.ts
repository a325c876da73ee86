/**
 * @diffcell/velocity — differentiable RNA velocity.
 */
export { type KineticsModel, VelocityConfig, type VelocityConfigInit, type VelocitySource } from "./config.js";
export { TimeEncoder } from "./timeEncoder.js";
export { type Kinetics, KineticsEncoder, softplus, softplusInverse } from "./kineticsEncoder.js";
export {
  DifferentiableVelocity,
  inverseVarianceWeights,
  type VelocityInput,
  type VelocityOutput,
} from "./velocity.js";
export { initializeFromData, type InitializeOptions } from "./initialize.js";
export { fitSteadyState, type SteadyStateFit } from "./steadyState.js";
export {
  type LossWeights,
  restrictNeighbors,
  type TrainingHistory,
  trainVelocity,
  type VelocityTrainingOptions,
  velocityLoss,
} from "./training.js";
export { type EulerAttrs, eulerKinetics } from "./kinetics/euler.js";
export {
  kineticReconstruction,
  kineticTrajectory,
  type ReconstructionAttrs,
  type TrajectoryAttrs,
} from "./kinetics/trajectory.js";
export { SOLUTION_SIZE, solveInterval } from "./kinetics/solution.js";
