/**
 * @diffcell/core — the engine every diffcell package shares.
 *
 * Importing it loads TensorFlow.js but chooses no backend: `await initBackend()` (or `await ready()`) once
 * before tensor work picks the fastest one (see `backend.ts`). The light modules `@diffcell/core/errors`,
 * `/stats` and `/matrices` do not load TensorFlow.js at all.
 */

export { grad, stopGradient, type ValueAndGradOptions, valueAndGrad } from "./autodiff.js";
export {
  type BackendInfo,
  type BackendName,
  backendInfo,
  initBackend,
  RELEASE_HEAP_MIN_BYTES,
  ready,
  releaseTensorHeap,
  tensorHeapBytes,
} from "./backend.js";
export { checkGrad, type GradCheckEntry, type GradCheckOptions, type GradCheckReport } from "./checkgrad.js";
export { chunkRowsFor, mapRowChunks, rowRanges, sliceRows } from "./chunk.js";
export { Config } from "./config.js";
export { checkpoint, runCooperatively, runToEnd, type Steps, yieldToEventLoop } from "./cooperative.js";
export {
  ConfigError,
  DiffcellError,
  FileError,
  formatNumber,
  formatValue,
  InputError,
  ShapeError,
  ValueError,
} from "./errors.js";
export {
  allocLike,
  customVjp,
  type FusedOp,
  type HostArray,
  type HostTensor,
  type KernelBackward,
  type KernelForward,
  toHost,
} from "./kernel.js";
export { expm1Ratio, expm1RatioDerivative, splicedAt, splicingKernel, unsplicedAt } from "./kinetics.js";
export { SOLUTION_SIZE, solveInterval, solveValues } from "./kineticsInterval.js";
export { encodeLabels, maskToIndex } from "./labels.js";
export { fromTensor, hostMatMul, toTensor } from "./linalg/dense.js";
export { type KnnOptions, type KnnResult, knn } from "./linalg/knn.js";
export { type LanczosOptions, lanczosEigen } from "./linalg/lanczos.js";
export { type PcaOptions, type PcaResult, pca } from "./linalg/pca.js";
export { type Matrix, matrix, orthonormalColumns, symmetricEigen } from "./matrices.js";
export {
  ensureTensorMemory,
  ResourceError,
  setTensorMemoryLimit,
  tensorMemoryLimit,
  WASM_HEAP_BYTES,
} from "./memory.js";
export { type GradsOf, Module, Param } from "./module.js";
export { gelu, Linear } from "./nn.js";
export type { Data, Metadata, Operator, State } from "./operator.js";
export { broadcastTo } from "./ops/broadcast.js";
export { gatherRows, takeRows } from "./ops/gather.js";
export { matMul, matMulTA, matMulTB } from "./ops/matmul.js";
export { type NeighborAverageAttrs, neighborAverage, neighborAverageKernel } from "./ops/neighborAverage.js";
export { Optimizer } from "./optim/optimizer.js";
export {
  type AdamOptions,
  adam,
  addDecayedWeights,
  chain,
  clipByGlobalNorm,
  type GradientTransformation,
  type Schedule,
  scaleByAdam,
  scaleByLearningRate,
  sgd,
} from "./optim/transforms.js";
export {
  chunkStart,
  defineKernel,
  type KernelArgs,
  type ParallelKernel,
  pooledBytes,
  releaseWorkerMemory,
  runChunks,
  SLOT_KEEP_BYTES,
  setThreadCount,
  sharedFloat64,
  sharedLike,
  threadCount,
  toShared,
  useThreads,
} from "./parallel/pool.js";
export { calibrateBeta } from "./perplexity.js";
export { type ProgressCallback, type ProgressEvent, report } from "./progress.js";
export { philox, Rngs, WordStream } from "./rng.js";
export { Sequential, sequential } from "./sequential.js";
export { loadParams, type ParamsFile, saveParams } from "./serialize.js";
export * as stats from "./stats.js";
/**
 * Also by name, for worker kernels' helper lists: a kernel's source calls a helper by the name its declaration
 * has, and a bundler renames an alias of a namespace member (`const { quantile } = stats`) apart from it.
 */
export { quantile, select } from "./stats.js";
export type { Scalar, Tensor, Tensor1D, Tensor2D } from "./tf.js";
export { customGrad, tf, tidyHost, withValues } from "./tf.js";
export { isTaping } from "./tfjs.js";
export { disposeTree, flattenTree, globalNorm, leafNorms, mapTree, type TensorTree, unflattenTree } from "./tree.js";
export {
  checkCounts,
  checkFloat32,
  checkMatrix,
  checkTensorValues,
  checkValues,
  checkVector,
  countExpectation,
  inheritValidation,
  MAX_COUNT,
  nonIntegerWarning,
  positionOf,
  type ValueCheckOptions,
} from "./validate.js";
