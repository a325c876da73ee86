/**
 * @diffcell/losses — differentiable losses for single-cell analysis.
 */
export { type ConsistencyExtras, VelocityConsistencyLoss, type VelocityConsistencyOptions } from "./consistency.js";
export { lgamma, negativeBinomialLogLikelihood, poissonLogLikelihood } from "./countLikelihood.js";
export { type NeighborCosineAttrs, neighborCosineLoss } from "./neighborCosine.js";
export { reconstructionLoss } from "./reconstruction.js";
export { digammaOp, digammaScalar, lgammaOp, logGammaScalar, trigammaScalar } from "./specialFunctions.js";
export { type BatchMixingAttrs, batchMixingKernel, batchMixingLoss, type BatchMixingOptions } from "./batchMixing.js";
