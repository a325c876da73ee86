import {
  chunkStart,
  defineKernel,
  type KernelArgs,
  type ParallelKernel,
  quantile,
  releaseWorkerMemory,
  runChunks,
  ShapeError,
  select,
  stats,
  toShared,
  useThreads,
} from "@diffcell/core";
import { forEachColumn } from "./trajectory/columns.js";

export interface SteadyStateFit {
  /** Per gene: the steady-state ratio γ′ = γ/β (slope of u on s through the origin, observed units). */
  gamma: Float64Array;
  /** Per gene: R² = 1 − Σ(u − γ′s)²/Σ(u − ū)² over all cells (scVelo's default, can be negative). */
  r2: Float64Array;
  /** scVelo's velocity genes: R² > 0.01, γ′ > 0.01, max s > 0 and max u > 0. */
  velocityGenes: Uint8Array;
}

/**
 * scVelo's deterministic steady-state fit (`mode="deterministic"`, no offset): per gene, the cells whose
 * normalised abundance u/max(max u, 1e-3) + s/max(max s, 1e-3) is at or above its (100 − percentile)th
 * percentile (without an offset scVelo uses only this upper tail), and u regressed on s through the
 * origin over them: γ′ = Σ u·s / Σ s². Velocity is then u − γ′·s. Inputs are row-major [N, G].
 */
export function fitSteadyState(
  spliced: ArrayLike<number>,
  unspliced: ArrayLike<number>,
  n: number,
  g: number,
  options: { percentile?: number } = {},
): SteadyStateFit {
  checkShapes(spliced, unspliced, n, g);
  const args: SteadyStateArgs = {
    n,
    g,
    percentile: options.percentile ?? 5,
    spliced: spliced as Float32Array,
    unspliced: unspliced as Float32Array,
    gamma: new Float64Array(g),
    r2: new Float64Array(g),
    velocityGenes: new Uint8Array(g),
  };
  // Genes in fixed chunks on core's worker pool (each gene's fit is the same on any thread): 100k cells ×
  // 2000 genes took 8.6 s on one thread. Inputs already in shared memory (the pipeline's moments) are not copied.
  const parallel = useThreads(STEADY_CHUNKS, n * g, 4_000_000) && isFloatArray(spliced) && isFloatArray(unspliced);
  if (parallel) {
    args.spliced = toShared(spliced as Float32Array);
    args.unspliced = toShared(unspliced as Float32Array);
  }
  runChunks(STEADY_KERNEL, args as unknown as KernelArgs, STEADY_CHUNKS, parallel, ["gamma", "r2", "velocityGenes"]);
  if (parallel) releaseWorkerMemory();
  return { gamma: args.gamma, r2: args.r2, velocityGenes: args.velocityGenes };
}

function isFloatArray(a: ArrayLike<number>): a is Float32Array | Float64Array {
  return a instanceof Float32Array || a instanceof Float64Array;
}

interface SteadyStateArgs {
  n: number;
  g: number;
  percentile: number;
  /** Row-major [n, g]. */
  spliced: Float32Array | Float64Array;
  unspliced: Float32Array | Float64Array;
  gamma: Float64Array;
  r2: Float64Array;
  velocityGenes: Uint8Array;
}

/** Fixed gene chunks of {@link fitSteadyState} (results do not depend on the number of threads). */
const STEADY_CHUNKS = 64;

/** The genes of one chunk, each fitted on contiguous copies of its columns (see `forEachColumn`). */
function steadyStateChunk(a: SteadyStateArgs, chunk: number, nChunks: number): void {
  const { n, g } = a;
  const score = new Float64Array(n);
  const fitGene = (j: number, [s, u]: Float64Array[]) => {
    const { maxS, maxU } = columnMax(s, u);
    for (let i = 0; i < n; i++) score[i] = s[i] / Math.max(maxS, 1e-3) + u[i] / Math.max(maxU, 1e-3);
    const bound = quantile(score, 1 - a.percentile / 100);
    let su = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      if (score[i] < bound) continue;
      su += s[i] * u[i];
      ss += s[i] ** 2;
    }
    a.gamma[j] = ss > 0 ? su / ss : 0;
    a.r2[j] = rSquared(s, u, a.gamma[j]);
    a.velocityGenes[j] = a.r2[j] > 0.01 && a.gamma[j] > 0.01 && maxS > 0 && maxU > 0 ? 1 : 0;
  };
  forEachColumn(
    [a.spliced, a.unspliced],
    n,
    g,
    fitGene,
    chunkStart(chunk, g, nChunks),
    chunkStart(chunk + 1, g, nChunks),
  );
}

const STEADY_KERNEL: ParallelKernel = defineKernel("velocity.steadyState", steadyStateChunk, [
  chunkStart,
  forEachColumn,
  columnMax,
  rSquared,
  // Imported by name (not through `stats`): the kernel calls them by their declarations' names, bundled or not.
  quantile,
  select,
]);

/**
 * scVelo's stochastic fit (`mode="stochastic"`): the deterministic fit, then for velocity genes a
 * generalised least squares combining first moments on extreme cells (the deterministic selection plus
 * the cells in the top percentile of s) with second moments on all cells:
 * var_ss = 2·Mss − Ms, cov_us = 2·Mus + Mu, each block weighted by its residual variance,
 *   γ = [Σ_w Ms·Mu/σ₁² + Σ var_ss·cov_us/σ₂²] / [Σ_w Ms²/σ₁² + Σ var_ss²/σ₂²].
 * R² and velocity genes stay those of the deterministic fit, as in scVelo.
 */
export function fitStochastic(
  ms: ArrayLike<number>,
  mu: ArrayLike<number>,
  mss: ArrayLike<number>,
  mus: ArrayLike<number>,
  n: number,
  g: number,
  options: { percentile?: number } = {},
): SteadyStateFit {
  const deterministic = fitSteadyState(ms, mu, n, g, options);
  const percentile = options.percentile ?? 5;
  const gamma = Float64Array.from(deterministic.gamma);
  const anyVelocityGene = deterministic.velocityGenes.some((v) => v === 1);
  const score = new Float64Array(n);
  const varSS = new Float64Array(n);
  const covUS = new Float64Array(n);
  forEachColumn([ms, mu, mss, mus], n, g, (j, [s, u, ss, us]) => {
    if (anyVelocityGene && !deterministic.velocityGenes[j]) return;
    const { maxS, maxU } = columnMax(s, u);
    let sumA = 0;
    let sumB = 0;
    for (let i = 0; i < n; i++) {
      score[i] = s[i] / Math.max(maxS, 1e-3) + u[i] / Math.max(maxU, 1e-3);
      varSS[i] = 2 * ss[i] - s[i];
      covUS[i] = 2 * us[i] + u[i];
      sumA += varSS[i] * covUS[i];
      sumB += varSS[i] * varSS[i];
    }
    const gamma2 = sumB > 0 ? sumA / sumB : 0;
    const residual1 = new Float64Array(n);
    const residual2 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      residual1[i] = u[i] - deterministic.gamma[j] * s[i];
      residual2[i] = covUS[i] - gamma2 * varSS[i];
    }
    const var1 = stats.std(residual1) ** 2;
    const var2 = stats.std(residual2) ** 2;
    const scoreBound = quantile(score, 1 - percentile / 100);
    const sBound = quantile(s, 1 - percentile / 100);
    let numerator = 0;
    let denominator = 0;
    for (let i = 0; i < n; i++) {
      if (score[i] >= scoreBound || s[i] >= sBound) {
        numerator += (s[i] * u[i]) / var1;
        denominator += (s[i] * s[i]) / var1;
      }
      numerator += (varSS[i] * covUS[i]) / var2;
      denominator += (varSS[i] * varSS[i]) / var2;
    }
    gamma[j] = denominator > 0 && Number.isFinite(numerator / denominator) ? numerator / denominator : 0;
  });
  return { gamma, r2: deterministic.r2, velocityGenes: deterministic.velocityGenes };
}

/** R² of u ≈ γ′s over one gene's contiguous columns. */
function rSquared(s: ArrayLike<number>, u: ArrayLike<number>, gamma: number): number {
  const n = u.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += u[i] / n;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    residual += (u[i] - gamma * s[i]) ** 2;
    total += (u[i] - mean) ** 2;
  }
  const value = total > 0 ? 1 - residual / total : 0;
  return Number.isFinite(value) ? value : 0;
}

function columnMax(s: ArrayLike<number>, u: ArrayLike<number>) {
  let maxS = 0;
  let maxU = 0;
  for (let i = 0; i < s.length; i++) {
    maxS = Math.max(maxS, s[i]);
    maxU = Math.max(maxU, u[i]);
  }
  return { maxS, maxU };
}

function checkShapes(s: ArrayLike<number>, u: ArrayLike<number>, n: number, g: number): void {
  if (s.length !== n * g) throw new ShapeError("spliced", `[${n}, ${g}]`, `${s.length} values`);
  if (u.length !== n * g) throw new ShapeError("unspliced", `[${n}, ${g}]`, `${u.length} values`);
}
