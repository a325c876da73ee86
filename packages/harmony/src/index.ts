/**
 * @diffcell/harmony — differentiable Harmony batch correction (Korsunsky et al. 2019) and integration metrics.
 */

export { type AssignAttrs, clusterAssignmentKernel, softAssignments } from "./assign.js";
export { type BatchDesign, type BatchLabels, encodeBatches, type LabelVector, perLevel } from "./batchDesign.js";
export type { HarmonyTrace } from "./classic.js";
export { BatchCorrectionConfig, type BatchCorrectionConfigInit, type HarmonyMode, type PerVariable } from "./config.js";
export { type DiversityAttrs, diversityKernel } from "./diversity.js";
export {
  DifferentiableHarmony,
  type HarmonyInput,
  type HarmonyOutput,
  type HarmonyResult,
  type HarmonyState,
  type RunHarmonyOptions,
  runHarmony,
} from "./harmony.js";
export { encodeLabels } from "./labels.js";
export { cLisi, iLisi, type LisiOptions, type LisiSummary, lisi, lisiSummary } from "./lisi.js";
export { harmonyObjective, type ObjectiveTerms } from "./objective.js";
export { harmonyObjectiveTensor, type ObjectiveTensorOptions } from "./objectiveTensor.js";
export { batchAsw, silhouetteSamples, silhouetteScore } from "./silhouette.js";
export { batchedSolveKernel } from "./solve.js";
export type { EmbeddingsLike } from "./validate.js";
