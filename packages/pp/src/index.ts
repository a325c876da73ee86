/**
 * @diffcell/pp — preprocessing as scVelo/scanpy: gene filtering, per-cell normalisation, log1p, highly
 * variable genes, PCA, kNN graph with UMAP connectivities, moments (Ms/Mu and second order), UMAP.
 * Each step has an AnnData-level function (conventional keys, in place, returns the object) and an
 * array-level core for the velocity pipeline.
 */
export { columnMeanVar, graphProduct, median, multiplyElementwise, scaleRows } from "./array.js";
export { type FilterAndNormalizeOptions, filterAndNormalize } from "./filter-and-normalize.js";
export {
  type FilterGenesOptions,
  filterGenes,
  geneMask,
  setInitialSize,
  sharedCounts,
  sharedCountTotals,
} from "./filter-genes.js";
export {
  cutEqualWidth,
  type DispersionResult,
  type HighlyVariableOptions,
  highlyVariableGenes,
  selectHighlyVariable,
  seuratDispersion,
} from "./highly-variable-genes.js";
export { log1p, log1pLayer } from "./log1p.js";
export {
  firstMoment,
  type MomentsOptions,
  moments,
  momentWeights,
  momentWeightsOf,
  paddedNeighbors,
  secondMoment,
} from "./moments.js";
export { fuzzySimplicialSet, type SmoothKnn, smoothKnnDist } from "./neighbors/connectivities.js";
export {
  APPROXIMATE_KNN_THRESHOLD,
  type KnnGraphOptions,
  knnDistanceMatrix,
  knnFromDistanceMatrix,
  knnGraph,
} from "./neighbors/knn-graph.js";
export {
  type NeighborGraph,
  type NeighborsOptions,
  neighborGraph,
  neighbors,
  neighborsInput,
} from "./neighbors/neighbors.js";
export { type NnDescentOptions, nnDescent } from "./neighbors/nn-descent.js";
export {
  type NormalizePerCellOptions,
  normalizePerCell,
  normalizeRows,
  notYetNormalized,
  sizeFactors,
} from "./normalize.js";
export { type PcaOptions, pca, pcaMatrix } from "./pca.js";
export { startUmap, type UmapJob } from "./umap/background.js";
export {
  type AbParams,
  findAbParams,
  randomSource,
  type UmapEngine,
  type UmapInit,
  type UmapOptions,
  umap,
  umapEmbedding,
} from "./umap.js";
