import { matMulTA, tf } from "@diffcell/core";
import { effectiveSigma, softAssignments } from "./assign.js";
import { diversityAttrs, kmeansStops, type RunContext } from "./context.js";
import { diversityKernel } from "./diversity.js";
import { batchClusterStatistics, harmonyConverged, harmonyObjective } from "./objective.js";
import { disposeRidgeDesign, ridgeCorrectTensor, ridgeDesignTensors } from "./ridge.js";

export interface UnrolledResult {
  /** Corrected embedding [N, F] (differentiable). */
  corrected: tf.Tensor2D;
  /** Soft assignments R [N, K] (differentiable). */
  assignments: tf.Tensor2D;
  objective: number[];
  objectiveKmeans: number[];
  kmeansRounds: number[];
  converged: boolean;
}

/** Rows scaled to unit length (differentiable; callers reject zero rows). */
export function normalizeRowsTensor(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.norm(x, "euclidean", 1, true)) as tf.Tensor2D);
}

/**
 * Harmony as differentiable TensorFlow.js computation: the same rounds as the classic algorithm (see
 * `harmonyClassic`), unrolled, so gradients of any loss on the outputs reach the input embedding `z`, the
 * bandwidths `logSigma` [K] and the initial centroids [K, F]. Matrix products use core's `matMul` (the backend's
 * GEMM, explicit transposes); the distance softmax and the diversity blocks are fused kernels with hand-written
 * backward passes; the ridge systems go through a small solver with its own gradient. The early-stopping decisions
 * read the objective on the host; they are not differentiated.
 *
 * Returned tensors belong to the caller.
 */
export function harmonyUnrolled(
  z: tf.Tensor2D,
  logSigma: tf.Tensor1D,
  initialCentroids: tf.Tensor2D,
  ctx: RunContext,
): UnrolledResult {
  const { nCells: n, nClusters: k, config, design, theta } = ctx;
  const sigma = effectiveSigma(logSigma.dataSync(), config.temperature);
  const ridgeDesign = ridgeDesignTensors(design, ctx.penalty);
  const objectiveOf = (r: tf.Tensor, dots: tf.Tensor): number => {
    const rHost = r.dataSync() as Float32Array;
    const dotsHost = dots.dataSync() as Float32Array;
    const dist = new Float64Array(dotsHost.length);
    for (let i = 0; i < dist.length; i++) dist[i] = 2 * (1 - dotsHost[i]);
    const stats = batchClusterStatistics(rHost, n, k, design.codes, design.nVariables, design.nLevels);
    return harmonyObjective(rHost, dist, n, k, sigma, theta, design.proportions, stats.observed, stats.sizes).total;
  };
  try {
    return tf.tidy(() => {
      let zCos = normalizeRowsTensor(z);
      const y0 = normalizeRowsTensor(initialCentroids);
      const initial = softAssignments(zCos, y0, logSigma, config.temperature);
      let r = initial.r0;
      const objectiveKmeans = [objectiveOf(r, initial.dots)];
      const objective = [objectiveKmeans[0]];
      const kmeansRounds: number[] = [];
      let corrected: tf.Tensor2D = z;
      let converged = false;
      for (let round = 0; round < config.nIterations; round++) {
        let iterations = 0;
        for (let it = 0; it < config.maxIterKmeans; it++) {
          const y = normalizeRowsTensor(matMulTA(r, zCos));
          const { r0, dots } = softAssignments(zCos, y, logSigma, config.temperature);
          [r] = diversityKernel([r0, r], diversityAttrs(ctx)) as [tf.Tensor2D];
          objectiveKmeans.push(objectiveOf(r, dots));
          iterations = it + 1;
          if (kmeansStops(config, it, objectiveKmeans)) break;
        }
        kmeansRounds.push(iterations);
        objective.push(objectiveKmeans[objectiveKmeans.length - 1]);
        corrected = ridgeCorrectTensor(z, r, ridgeDesign, ctx.penalty);
        zCos = normalizeRowsTensor(corrected);
        ctx.onProgress?.({ stage: "harmony", done: round + 1, total: config.nIterations });
        if (config.earlyStop && harmonyConverged(objective, config.epsilonHarmony)) {
          converged = true;
          break;
        }
      }
      return {
        corrected: corrected === z ? tf.clone(z) : corrected,
        assignments: r,
        objective,
        objectiveKmeans,
        kmeansRounds,
        converged,
      };
    });
  } finally {
    disposeRidgeDesign(ridgeDesign);
  }
}
