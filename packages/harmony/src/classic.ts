import { softAssign } from "./assign.js";
import { assignDiversityPass } from "./classicPass.js";
import { ClusterProducts, HostClusterProducts, type Products } from "./clusterProducts.js";
import { diversityAttrs, kmeansStops, type RunContext } from "./context.js";
import { normalizeRows } from "./hostLinalg.js";
import { batchClusterStatistics, crossEntropyTerm, harmonyConverged, harmonyObjective } from "./objective.js";
import { HostRidge } from "./ridge.js";

/** Result of a Harmony run on host arrays (row-major). */
export interface HarmonyTrace {
  /** Corrected embedding, N × F. */
  corrected: Float64Array;
  /** Soft cluster assignments R, N × K (rows sum to 1). */
  assignments: Float64Array;
  /** Final cluster centroids on the unit sphere, K × F. */
  centroids: Float64Array;
  /** Harmony objective after initialisation and after each round's clustering (R's `objective_harmony`). */
  objective: number[];
  /** Every k-means objective, in order (R's `objective_kmeans`). */
  objectiveKmeans: number[];
  /** k-means iterations per round. */
  kmeansRounds: number[];
  /** True when the rounds stopped on epsilonHarmony. */
  converged: boolean;
}

/**
 * The classic algorithm without a tape (Korsunsky et al. 2019; R harmony 1.x / harmonypy), in float64 on
 * host arrays:
 *
 *   Ẑ = cos-normalise(Z); Y = k-means centroids; R = softmax(−d/σ)
 *   repeat (nIterations rounds, early stop on epsilonHarmony):
 *     repeat (maxIterKmeans, early stop on epsilonCluster):
 *       Y = normalise(Rᵀ Ẑ);  R⁰ = softmax(−d(Ẑ, Y)/σ);  R = diversity blocks(R⁰, R)
 *     Z_corr = ridge correction(Z, R);  Ẑ = cos-normalise(Z_corr)
 */
export function harmonyClassic(
  z: Float64Array,
  initialCentroids: Float64Array,
  logSigma: ArrayLike<number>,
  ctx: RunContext,
  options: { float64Products?: boolean } = {},
): HarmonyTrace {
  const { nCells: n, nFeatures: f, nClusters: k, config, design, theta } = ctx;
  const sigma = Float64Array.from(logSigma, (v) => Math.exp(v) * config.temperature);
  const zCos = new Float64Array(n * f);
  normalizeRows(z, n, f, zCos);
  const y = Float64Array.from(initialCentroids);
  normalizeRows(y, k, f, y);
  const r = new Float64Array(n * k);
  const dist = new Float64Array(n * k);
  softAssign(zCos, y, sigma, n, k, f, r, dist);
  // O and S follow R through every pass (as harmonypy keeps them), so they are computed once here.
  const stats = batchClusterStatistics(r, n, k, design.codes, design.nVariables, design.nLevels);
  const objectiveKmeans = [
    harmonyObjective(r, dist, n, k, sigma, theta, design.proportions, stats.observed, stats.sizes).total,
  ];
  const objective = [objectiveKmeans[0]];
  const kmeansRounds: number[] = [];
  const corrected = Float64Array.from(z);
  const ridge = new HostRidge(z, n, k, f, design, ctx.penalty);
  // The two N·K·F products per step run on the backend's GEMM (float32); float64 host loops on request.
  const products: Products = options.float64Products ? new HostClusterProducts(n, k, f) : new ClusterProducts(n, k, f);
  products.setCells(zCos);
  let converged = false;
  try {
    for (let round = 0; round < config.nIterations; round++) {
      let iterations = 0;
      for (let it = 0; it < config.maxIterKmeans; it++) {
        products.centroidSums(r, y);
        normalizeRows(y, k, f, y);
        products.dots(y, dist);
        // The k-means error and entropy terms come out of the fused pass (no N·K logarithms).
        const terms = assignDiversityPass(dist, sigma, k, r, diversityAttrs(ctx), stats);
        const cross = crossEntropyTerm(k, sigma, theta, design.proportions, stats.observed, stats.sizes);
        objectiveKmeans.push(((terms + cross) * 2000) / n);
        iterations = it + 1;
        if (kmeansStops(config, it, objectiveKmeans)) break;
      }
      kmeansRounds.push(iterations);
      objective.push(objectiveKmeans[objectiveKmeans.length - 1]);
      ridge.correct(r, corrected);
      normalizeRows(corrected, n, f, zCos);
      products.setCells(zCos);
      ctx.onProgress?.({
        stage: "harmony",
        done: round + 1,
        total: config.nIterations,
        message: `objective ${objective[objective.length - 1].toFixed(4)}`,
      });
      if (config.earlyStop && harmonyConverged(objective, config.epsilonHarmony)) {
        converged = true;
        break;
      }
    }
  } finally {
    products.dispose();
  }
  return { corrected, assignments: r, centroids: y, objective, objectiveKmeans, kmeansRounds, converged };
}
