/**
 * @diffcell/losses — differentiable losses for single-cell analysis.
 */

export {
  type BatchMixingAttrs,
  type BatchMixingOptions,
  batchMixingKernel,
  batchMixingLoss,
  calibrateBandwidths,
} from "./batchMixing.js";
export { type ConsistencyExtras, VelocityConsistencyLoss, type VelocityConsistencyOptions } from "./consistency.js";
export { lgamma, negativeBinomialLogLikelihood, poissonLogLikelihood } from "./countLikelihood.js";
export { type NeighborCosineAttrs, neighborCosineLoss } from "./neighborCosine.js";
export { reconstructionLoss } from "./reconstruction.js";
export { digammaOp, digammaScalar, lgammaOp, logGammaScalar, trigammaScalar } from "./specialFunctions.js";
