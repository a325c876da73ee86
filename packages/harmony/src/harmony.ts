import {
  InputError,
  isTaping,
  type Metadata,
  Module,
  type Operator,
  Param,
  type ProgressCallback,
  Rngs,
  type State,
  tf,
} from "@diffcell/core";
import { type BatchLabels, encodeBatches, perLevel } from "./batchDesign.js";
import { type HarmonyTrace, harmonyClassic } from "./classic.js";
import { BatchCorrectionConfig, type BatchCorrectionConfigInit } from "./config.js";
import { checkClusterCount, makeContext, runStreams } from "./context.js";
import { normalizeRows } from "./hostLinalg.js";
import { kmeans } from "./kmeans.js";
import { harmonyObjectiveTensor } from "./objectiveTensor.js";
import { harmonyUnrolled } from "./unrolled.js";
import { type EmbeddingsLike, readEmbeddings } from "./validate.js";

export interface HarmonyInput {
  /** Cell embedding [N, F], usually PCs. */
  embeddings: tf.Tensor2D;
  /** One label per cell (integers or strings), or several batch variables by name. */
  batchLabels: BatchLabels;
  [key: string]: unknown;
}

export interface HarmonyOutput {
  /** Batch-corrected embedding [N, F] (R harmony's `Z_corr`). */
  correctedEmbeddings: tf.Tensor2D;
  /** Soft cluster assignments R [N, K], rows sum to 1. */
  clusterAssignments: tf.Tensor2D;
  /** Harmony objective after initialisation and after each round (R's `objective_harmony`, scaled by 2000/N). */
  objective: number[];
  [key: string]: unknown;
}

/** What `apply` adds to the state under `state.harmony`. */
export interface HarmonyState {
  mode: "fast" | "differentiable";
  nClusters: number;
  kmeansRounds: number[];
  objectiveKmeans: number[];
  converged: boolean;
  /** Batch variables and their levels in design order. */
  variables: string[];
  levels: string[][];
}

/**
 * Differentiable Harmony batch correction (Korsunsky et al. 2019) as a Module and Operator:
 * `apply({ embeddings, batchLabels }) → { correctedEmbeddings, clusterAssignments, objective }` plus the inputs.
 *
 * Parameters (created from the first data `apply` or `initialize` sees, as lazy initialisation):
 * - `centroids` [K, F]: initial cluster centroids (k-means++ and Lloyd on the cosine-normalised embedding,
 *   seeded from `rngs`); the rounds start from them.
 * - `logSigma` [K]: log of each cluster's soft-assignment bandwidth σ_k (config.sigma initially).
 *
 * In `"auto"` mode the classic algorithm runs on host arrays (fast, no tape) unless a gradient tape is
 * recording (`valueAndGrad`, `grad`, `tf.grads`), where the unrolled differentiable path runs instead and
 * gradients reach `embeddings`, `centroids` and `logSigma`. Every run with the same `rngs` seed repeats
 * exactly: each `apply` draws its block orders from a key fixed at construction.
 */
export class DifferentiableHarmony extends Module implements Operator<HarmonyInput, HarmonyOutput> {
  centroids: Param | null = null;
  logSigma: Param | null = null;
  private readonly key: readonly [number, number];
  private readonly onProgress?: ProgressCallback;

  constructor(
    readonly config: BatchCorrectionConfig,
    options: { rngs?: Rngs; onProgress?: ProgressCallback } = {},
  ) {
    super();
    this.key = keyFrom(options.rngs ?? new Rngs(0));
    this.onProgress = options.onProgress;
  }

  /** Number of clusters once initialised (null before). */
  get nClusters(): number | null {
    return this.centroids ? this.centroids.shape[0] : null;
  }

  /**
   * Creates `centroids` and `logSigma` from an embedding (k-means on its cosine-normalised rows) if they do
   * not exist yet. Call it before training so `valueAndGrad` sees the parameters.
   */
  initialize(embeddings: EmbeddingsLike): void {
    if (this.centroids) return;
    const x = readEmbeddings(embeddings, this.config.nFeatures);
    const k = this.config.clustersFor(x.rows);
    const { centroids, logSigma } = initialParameters(x.data, x.rows, x.cols, k, this.config, this.key);
    this.centroids = paramFrom(tf.tensor2d(centroids, [k, x.cols]), "centroids");
    this.logSigma = paramFrom(tf.tensor1d(logSigma), "logSigma");
  }

  apply(
    data: HarmonyInput,
    state: State = {},
    metadata: Metadata = null,
  ): [HarmonyInput & HarmonyOutput, State, Metadata] {
    const x = readEmbeddings(data?.embeddings, this.config.nFeatures);
    const design = encodeBatches(data.batchLabels, x.rows);
    this.initialize(data.embeddings);
    const centroids = this.centroids as Param;
    const logSigma = this.logSigma as Param;
    const k = centroids.shape[0];
    const { orderRngs } = runStreams(this.key);
    const ctx = makeContext(this.config, design, x.cols, k, orderRngs, this.onProgress);
    const mode = this.config.mode === "auto" ? (isTaping() ? "differentiable" : "fast") : this.config.mode;
    let out: HarmonyOutput;
    let info: Pick<HarmonyState, "kmeansRounds" | "objectiveKmeans" | "converged">;
    if (mode === "fast") {
      const trace = harmonyClassic(
        x.data,
        Float64Array.from(centroids.value.dataSync()),
        logSigma.value.dataSync(),
        ctx,
      );
      out = {
        correctedEmbeddings: tf.tensor2d(Float32Array.from(trace.corrected), [x.rows, x.cols]),
        clusterAssignments: tf.tensor2d(Float32Array.from(trace.assignments), [x.rows, k]),
        objective: trace.objective,
      };
      info = trace;
    } else {
      const result = harmonyUnrolled(
        data.embeddings,
        logSigma.value as tf.Tensor1D,
        centroids.value as tf.Tensor2D,
        ctx,
      );
      out = {
        correctedEmbeddings: result.corrected,
        clusterAssignments: result.assignments,
        objective: result.objective,
      };
      info = result;
    }
    const harmonyState: HarmonyState = {
      mode,
      nClusters: k,
      kmeansRounds: info.kmeansRounds,
      objectiveKmeans: info.objectiveKmeans,
      converged: info.converged,
      variables: design.variables,
      levels: design.levels,
    };
    return [{ ...data, ...out }, { ...state, harmony: harmonyState }, metadata];
  }

  /**
   * Harmony's objective on the output of {@link apply}, as a differentiable scalar (the same value as the
   * host `harmonyObjective`; see `harmonyObjectiveTensor`): a loss term for joint fits. Caller disposes.
   */
  objective(
    data: Pick<HarmonyInput & HarmonyOutput, "batchLabels" | "correctedEmbeddings" | "clusterAssignments">,
  ): tf.Scalar {
    if (!this.logSigma) throw new InputError("DifferentiableHarmony.objective", "call apply or initialize first");
    const design = encodeBatches(data.batchLabels, data.correctedEmbeddings.shape[0]);
    return harmonyObjectiveTensor(
      data.correctedEmbeddings,
      data.clusterAssignments,
      this.logSigma.value as tf.Tensor1D,
      {
        design,
        theta: perLevel("theta", this.config.theta, design),
        temperature: this.config.temperature,
      },
    );
  }
}

export interface RunHarmonyOptions extends Partial<Omit<BatchCorrectionConfigInit, "mode">> {
  /** Seed of the run's random streams (k-means++ seeding, block orders). Default 0. */
  seed?: number;
  onProgress?: ProgressCallback;
}

/** {@link HarmonyTrace} plus the run's dimensions and batch levels. */
export interface HarmonyResult extends HarmonyTrace {
  nCells: number;
  nFeatures: number;
  nClusters: number;
  variables: string[];
  levels: string[][];
}

/**
 * Harmony on host arrays, the fast classic path in one call (what the CLI uses): returns the corrected
 * embedding and assignments as float64 row-major arrays. Same result as a `DifferentiableHarmony` built with
 * `new Rngs(seed)` applied outside a tape.
 */
export function runHarmony(
  embeddings: EmbeddingsLike,
  batchLabels: BatchLabels,
  options: RunHarmonyOptions = {},
): HarmonyResult {
  const { seed, onProgress, ...init } = options;
  const x = readEmbeddings(embeddings, init.nFeatures);
  const config = new BatchCorrectionConfig({ ...init, nFeatures: x.cols, mode: "fast" });
  const design = encodeBatches(batchLabels, x.rows);
  const key = keyFrom(new Rngs(seed ?? 0));
  const k = config.clustersFor(x.rows);
  const ctx = makeContext(config, design, x.cols, k, runStreams(key).orderRngs, onProgress);
  const { centroids, logSigma } = initialParameters(x.data, x.rows, x.cols, k, config, key);
  const trace = harmonyClassic(x.data, Float64Array.from(centroids), logSigma, ctx);
  return {
    ...trace,
    nCells: x.rows,
    nFeatures: x.cols,
    nClusters: k,
    variables: design.variables,
    levels: design.levels,
  };
}

/**
 * Initial centroids (k-means on the cosine-normalised embedding, seeded) and log σ, rounded to float32 as
 * the module's parameters hold them, so `runHarmony` and `DifferentiableHarmony.apply` agree exactly.
 */
function initialParameters(
  z: Float64Array,
  n: number,
  f: number,
  k: number,
  config: BatchCorrectionConfig,
  key: readonly [number, number],
): { centroids: Float32Array; logSigma: Float32Array } {
  checkClusterCount(k, n);
  const zCos = new Float64Array(n * f);
  normalizeRows(z, n, f, zCos);
  const { centroids } = kmeans(zCos, n, f, k, config.maxIterInit, runStreams(key).initRngs);
  return {
    centroids: Float32Array.from(centroids),
    logSigma: new Float32Array(k).fill(Math.log(config.sigma)),
  };
}

/** A Param from a fresh tensor, which is then freed (the variable holds its own reference to the data). */
function paramFrom(initial: tf.Tensor, name: string): Param {
  const param = new Param(initial, name);
  initial.dispose();
  return param;
}

/** A 64-bit run key from a generator (a forked child, so the caller's own stream is not consumed). */
function keyFrom(rngs: Rngs): readonly [number, number] {
  const words = rngs.fork().bits(2);
  return [words[0], words[1]];
}
