/**
 * Pieces both pipelines share: step timing, scVelo's preprocessing, training with restarts, and reading
 * a trained model's per-gene rates and trajectories.
 */
import {
  checkpoint,
  InputError,
  type Optimizer,
  type ProgressCallback,
  Rngs,
  releaseTensorHeap,
  rowRanges,
  runToEnd,
  type Steps,
  tf,
  tidyHost,
  withValues,
} from "@diffcell/core";
import { type AnnData, dense, selectColumns, spillLayer, storedLength, storedType } from "@diffcell/io";
import { filterAndNormalize, pca } from "@diffcell/pp";
import {
  DifferentiableVelocity,
  defaultWarmupEpochs,
  EVALUATION_ROWS,
  GeneFitAccumulator,
  type GeneFitStatistics,
  initializeFromTime,
  type KineticsModel,
  type LossWeights,
  rowSlice,
  trainingEpochs,
  VelocityConfig,
  type VelocityInput,
} from "@diffcell/velocity";
import { defaultEpochs, MEMORY_DEFAULTS, PREPROCESS_DEFAULTS, VELOCITY_DEFAULTS } from "./defaults.js";

/** Loss weights of the pipelines' velocity training: no Euler projection, a strong uniform-time prior. */
export const VELOCITY_WEIGHTS: LossWeights = { projection: 0, timePrior: 10 };

export interface FittedCurves {
  /** Gene indices (columns of `adata`) the curves belong to. */
  genes: number[];
  /** Latent times the curves are sampled at. */
  time: Float32Array;
  /** [genes.length, time.length] row-major: predicted unspliced (observed scale) and spliced. */
  unspliced: Float32Array;
  spliced: Float32Array;
}

export interface FittedRates {
  alpha: Float64Array;
  beta: Float64Array;
  gamma: Float64Array;
  scaling: Float64Array;
  switchTime: Float64Array;
  /** Goodness of fit at each cell's latent time (`geneFitStatistics`): scVelo's fit_likelihood and fit_r2. */
  likelihood: Float64Array;
  r2: Float64Array;
}

/**
 * A trained model evaluated on every cell, a block of rows at a time (velocity's `EVALUATION_ROWS`): velocity
 * (N × G, NaN outside the modelled `genes`), latent time, the per-gene rates and the fit statistics at each cell's
 * latent time, and the trajectories. One trajectory solve per cell and gene gives the velocity and the predicted
 * (û, ŝ) the statistics compare with the data (`DifferentiableVelocity.evaluate`); the values are those of
 * `forward` and of {@link fittedKinetics} at the same latent times.
 */
export function evaluateModel(
  model: DifferentiableVelocity,
  data: VelocityInput,
  genes: readonly number[],
  g: number,
  blockRows = EVALUATION_ROWS,
): { velocity: Float32Array; latentTime: Float32Array; fit: FittedRates; curves: FittedCurves } {
  const [n, m] = data.spliced.shape;
  const velocity = new Float32Array(n * g).fill(Number.NaN);
  const latentTime = new Float32Array(n);
  const accumulator = valuesOf(data, (o) => new GeneFitAccumulator(o, n, m));
  for (const [lo, hi] of rowRanges(n, blockRows)) {
    tidyHost(() => {
      const result = model.evaluate(rowSlice(data, lo, hi));
      latentTime.set(result.latentTime.dataSync(), lo);
      // No tensor operation inside: the in-place views stay valid.
      withValues(result.velocity, (v) => {
        for (let i = lo; i < hi; i++) {
          const row = (i - lo) * m;
          for (let c = 0; c < m; c++) velocity[i * g + genes[c]] = v[row + c];
        }
      });
      valuesOf(result, (predicted) => valuesOf(data, (o) => accumulator.add(o, predicted, lo, hi)));
    });
  }
  return { velocity, latentTime, ...fittedRates(model, genes, g, accumulator.result()) };
}

/** A pair of (unspliced, spliced) tensors read in place on the backend (valid inside `fn` while no tensor op runs). */
function valuesOf<T>(
  pair: { unspliced: tf.Tensor; spliced: tf.Tensor },
  fn: (values: { unspliced: Float32Array; spliced: Float32Array }) => T,
): T {
  return withValues(pair.unspliced, (unspliced) => withValues(pair.spliced, (spliced) => fn({ unspliced, spliced })));
}

/** Columns `genes` of a dense [n, g] row-major array, as [n, genes.length]. */
export function takeColumns(x: Float32Array, n: number, g: number, genes: ArrayLike<number>): Float32Array {
  return selectColumns(dense(x, n, g), genes).data as Float32Array;
}

/** [n, genes.length] values placed in columns `genes` of an [n, g] array, NaN elsewhere (genes not modelled). */
export function scatterColumns(
  values: ArrayLike<number>,
  n: number,
  g: number,
  genes: readonly number[],
): Float32Array {
  const m = genes.length;
  const out = new Float32Array(n * g).fill(Number.NaN);
  for (let i = 0; i < n; i++) for (let c = 0; c < m; c++) out[i * g + genes[c]] = values[i * m + c];
  return out;
}

/**
 * Named steps with progress events and wall-clock times. Before each step the event loop gets a turn and an
 * aborted `signal` stops the job (its reason is thrown).
 */
export function stepTimer(progress?: ProgressCallback, signal?: AbortSignal) {
  const timings: Array<{ step: string; seconds: number }> = [];
  const timed = async <T>(step: string, fn: () => T | Promise<T>): Promise<T> => {
    await checkpoint(signal);
    progress?.({ stage: step, done: 0, total: 1 });
    const t0 = performance.now();
    const out = await fn();
    // A step that needed GBs of tensors (PCA, training) leaves the wasm heap at that size; with no tensor left
    // alive it is returned to the system here (no-op below 256 MiB: pancreas never releases).
    await releaseTensorHeap();
    timings.push({ step, seconds: (performance.now() - t0) / 1000 });
    progress?.({ stage: step, done: 1, total: 1 });
    return out;
  };
  return { timings, timed };
}

/**
 * Parks `X` and every layer not named in `keep` larger than `spillBytes` (default {@link MEMORY_DEFAULTS}) in
 * a temporary file until it is written or read again (see io's `spillLayer`): the steps after preprocessing
 * read X (or X_pca), spliced and unspliced, the steps after the moments only Ms and Mu.
 */
export function spillUnusedLayers(
  adata: AnnData,
  keep: readonly string[],
  options: { spillBytes?: number; spillDir?: string } = {},
): void {
  const limit = options.spillBytes ?? MEMORY_DEFAULTS.spillBytes;
  const bytes = (name: string) => {
    const m = adata.layer(name);
    const parts = m.format === "dense" ? (["data"] as const) : (["data", "indices", "indptr"] as const);
    return parts.reduce((sum, part) => sum + storedLength(m, part) * storedType(m, part).BYTES_PER_ELEMENT, 0);
  };
  for (const name of ["X", ...Object.keys(adata.layers)]) {
    if (keep.includes(name) || !adata.hasLayer(name) || bytes(name) <= limit) continue;
    if (name === "X") adata.X = spillLayer(adata.layer("X"), options.spillDir);
    else adata.layers[name] = spillLayer(adata.layers[name], options.spillDir);
  }
}

/** scVelo's recipe: filter_and_normalize(min_shared_counts, n_top_genes) with log1p, then PCA. */
export async function preprocessForVelocity(
  adata: AnnData,
  options: {
    minSharedCounts?: number;
    nTopGenes?: number;
    nPcs?: number;
    spillBytes?: number;
    spillDir?: string;
    inPlace?: boolean;
  },
  seed: number,
  timed: ReturnType<typeof stepTimer>["timed"],
): Promise<void> {
  adata.layer("spliced");
  adata.layer("unspliced");
  await timed("preprocess", () => {
    const d = PREPROCESS_DEFAULTS;
    const minSharedCounts = options.minSharedCounts ?? d.minSharedCounts;
    const genes = adata.nVars;
    // No gene left is refused by the filter itself (naming min_shared_counts); one is too few for PCA.
    filterAndNormalize(adata, {
      minSharedCounts,
      nTopGenes: options.nTopGenes ?? d.nTopGenes,
      inPlace: options.inPlace ?? false,
    });
    if (adata.nVars < 2)
      throw new InputError(
        adata.source ?? "adata",
        `only 1 gene left after filtering (min_shared_counts=${minSharedCounts}: genes need that many spliced + unspliced counts in cells with both > 0; ${genes} genes in the input); velocity needs at least 2`,
      );
    pca(adata, { nComps: Math.min(options.nPcs ?? d.nPcs, adata.nVars - 1, adata.nObs - 1), seed });
  });
  // X stays for the neighbours (they use it instead of X_pca below 50 genes, as scanpy).
  spillUnusedLayers(adata, ["X", "spliced", "unspliced"], options);
}

/**
 * Trains `restarts` models from different initialisations and keeps the best. One restart: a plain fit.
 * Several: short trial fits (`trialEpochs` each, default a fifth of the epochs) from every initialisation,
 * the one with the lowest loss continued for the remaining epochs — a fit heading for a poor minimum shows
 * it early, and the trials cost a fraction of full restarts. With `initialTime` every trial starts from one
 * model started there (`initializeFromTime`, done once; the direction decided once, from the data) and the
 * trials differ in their minibatches. Returns the kept model, its loss curve
 * (trial + continuation) and every trial's curve (in order).
 */
export function trainBestOf(data: VelocityInput, options: TrainBestOfOptions): TrainedBest {
  return runToEnd(trainBestOfSteps(data, options));
}

export interface TrainedBest {
  model: DifferentiableVelocity;
  loss: number[];
  restarts: number[][];
}

export interface TrainBestOfOptions {
  kineticsModel: KineticsModel;
  restarts: number;
  seed: number;
  epochs?: number;
  trialEpochs?: number;
  /** Neighbour sets (N × k, the cell itself excluded) for the consistency loss: the pipeline's graph. */
  neighbors?: Int32Array;
  initialTime?: ArrayLike<number>;
  /** scVelo's steady-state ratio γ′ of each modelled gene, already fitted (the start does not refit it). */
  steadyStateRatio?: ArrayLike<number>;
  onProgress?: ProgressCallback;
}

/** {@link trainBestOf} as steps, one per training epoch (run with core's `runCooperatively` to yield/abort). */
export function* trainBestOfSteps(data: VelocityInput, options: TrainBestOfOptions): Steps<TrainedBest> {
  const [n, g] = data.spliced.shape;
  if (!(Number.isInteger(options.restarts) && options.restarts >= 1))
    throw new InputError("restarts", `must be an integer ≥ 1; got ${options.restarts}`);
  const epochs = options.epochs ?? defaultEpochs(n);
  const trialLength = Math.min(epochs, options.trialEpochs ?? Math.max(1, Math.round(epochs / 5)));
  // From a starting time, trials share one start and begin with the time encoder frozen (the warm-up); trials
  // that are nothing but warm-up differ only in the order of their minibatches, so they are not run: one fit.
  // That is every default run above ~26 000 cells (7 epochs or fewer: one-epoch trials), where the trials cost
  // 2 of the 5 epochs trained (100k cells) and could not leave the start's basin.
  const allWarmup = options.initialTime !== undefined && trialLength <= defaultWarmupEpochs(trialLength);
  const several = options.restarts > 1 && !allWarmup;
  const trial = several ? trialLength : epochs;
  const train = (
    model: DifferentiableVelocity,
    count: number,
    seed: number,
    continued: boolean,
    started: boolean,
    optimizer?: Optimizer,
  ) =>
    trainingEpochs(model, data, {
      epochs: count,
      batchSize: Math.min(VELOCITY_DEFAULTS.batchSize, n),
      seed,
      weights: VELOCITY_WEIGHTS,
      neighbors: options.neighbors,
      initialTime: continued ? undefined : options.initialTime,
      // The continued fit keeps the direction the starting time was given (decided once, from the data).
      direction: options.initialTime,
      // A continued fit, or a trial copied from the shared start, is already started.
      initialize: !started,
      initialization: { steadyStateRatio: options.steadyStateRatio },
      // Trials are compared by loss; only the kept fit's direction is checked (at its end).
      orient: !(several && !continued && trial < epochs),
      // A trial hands its optimiser back, and the kept trial's continuation resumes it (no fresh Adam start).
      keepOptimizer: several && !continued && trial < epochs,
      optimizer,
      onProgress: options.onProgress,
    });
  // A finished trial; its optimiser (trials hand theirs back) goes to the continuation if it is kept.
  type Trial = { model: DifferentiableVelocity; loss: number[]; optimizer?: Optimizer };
  let best: Trial | null = null;
  let current: DifferentiableVelocity | null = null;
  let finished = false;
  const restarts: number[][] = [];
  // From a starting time every trial starts from the same model (the kinetics from the data, the time encoder
  // fitted to the time), copied: fitted once, not once per trial; the trials differ in their minibatches.
  // Without one, each trial initialises its own randomly started encoder.
  let start: tf.Tensor[] | null = null;
  try {
    for (let r = 0; r < (several ? options.restarts : 1); r++) {
      current = new DifferentiableVelocity(
        new VelocityConfig({ nGenes: g, kineticsModel: options.kineticsModel, projection: false }),
        { rngs: new Rngs(options.seed + 7919 * r) },
      );
      if (options.initialTime && several) {
        if (start === null) {
          initializeFromTime(current, data, options.initialTime, { steadyStateRatio: options.steadyStateRatio });
          start = current.parameters().map(([, p]) => tf.clone(p.value));
        } else {
          const from = start;
          current.parameters().forEach(([, p], i) => {
            p.assign(from[i]);
          });
        }
      }
      const { loss, optimizer } = yield* train(current, trial, options.seed + r, false, start !== null);
      restarts.push(loss);
      if (best === null || loss[loss.length - 1] < best.loss[best.loss.length - 1]) {
        best?.model.dispose();
        best?.optimizer?.dispose();
        best = { model: current, loss, optimizer };
      } else {
        current.dispose();
        optimizer?.dispose();
      }
      current = null;
    }
    const kept = best as Trial;
    // Only trials shorter than the fit hand their optimiser back: it exists exactly when there is more to train.
    if (trial < epochs) {
      // The continuation owns the kept trial's optimiser from here (it disposes it).
      const optimizer = kept.optimizer;
      kept.optimizer = undefined;
      const more = yield* train(kept.model, epochs - trial, options.seed + options.restarts, true, true, optimizer);
      kept.loss = [...kept.loss, ...more.loss];
    }
    finished = true;
    return { model: kept.model, loss: kept.loss, restarts };
  } finally {
    if (start) tf.dispose(start);
    // Stopped early (an error, or closed by an abort): free the models in training.
    if (!finished) {
      current?.dispose();
      const open = best as Trial | null;
      open?.model.dispose();
      open?.optimizer?.dispose();
    }
  }
}

/** kNN lists N × k with the cell itself first → N × (k − 1) without it (the training losses' neighbour sets). */
export function withoutSelf(knn: Int32Array, n: number): Int32Array {
  const k = knn.length / n;
  const out = new Int32Array(n * (k - 1));
  for (let i = 0; i < n; i++) for (let r = 1; r < k; r++) out[i * (k - 1) + r - 1] = knn[i * k + r];
  return out;
}

/**
 * A trained model's per-gene rates and fit statistics (NaN outside `genes`, the columns it models; the
 * statistics compare `data`, the model's inputs, with the model at `latentTime`, predicted `blockRows` cells
 * at a time) and its trajectories. ({@link evaluateModel} gives the same with the velocity, solving once.)
 */
export function fittedKinetics(
  model: DifferentiableVelocity,
  genes: number[],
  g: number,
  data: VelocityInput,
  latentTime: ArrayLike<number>,
  blockRows = EVALUATION_ROWS,
): { fit: FittedRates; curves: FittedCurves } {
  const [n, m] = data.spliced.shape;
  // Observed read in place on the backend, predictions a block of rows at a time (no N × m prediction: two
  // 400 MB tensors and their host copies at 100k cells × 1000 genes); one block up to EVALUATION_ROWS cells.
  const time = Float32Array.from(latentTime);
  const accumulator = valuesOf(data, (o) => new GeneFitAccumulator(o, n, m));
  for (const [lo, hi] of rowRanges(n, blockRows)) {
    tidyHost(() => {
      const predicted = model.predict(tf.tensor1d(time.subarray(lo, hi)));
      valuesOf(predicted, (p) => valuesOf(data, (o) => accumulator.add(o, p, lo, hi)));
    });
  }
  return fittedRates(model, genes, g, accumulator.result());
}

/** Per-gene rates (scattered to columns `genes` of g, NaN elsewhere), the given fit statistics and the curves. */
function fittedRates(
  model: DifferentiableVelocity,
  genes: readonly number[],
  g: number,
  statistics: GeneFitStatistics,
): { fit: FittedRates; curves: FittedCurves } {
  const nan = () => new Float64Array(g).fill(Number.NaN);
  const fit: FittedRates = {
    alpha: nan(),
    beta: nan(),
    gamma: nan(),
    scaling: nan(),
    switchTime: nan(),
    likelihood: nan(),
    r2: nan(),
  };
  genes.forEach((j, c) => {
    fit.likelihood[j] = statistics.likelihood[c];
    fit.r2[j] = statistics.r2[c];
  });
  const curves = tidyHost(() => {
    const k = model.kinetics();
    const put = (target: Float64Array, values: tf.Tensor) => {
      const d = values.dataSync();
      genes.forEach((j, c) => {
        target[j] = d[c];
      });
    };
    put(fit.alpha, k.alpha);
    put(fit.beta, k.beta);
    put(fit.gamma, k.gamma);
    put(fit.scaling, k.scale);
    put(fit.switchTime, tf.add(k.onset, k.duration));
    const time = tf.linspace(0, 1, 200) as tf.Tensor1D;
    const predicted = model.predict(time);
    return {
      genes: [...genes],
      time: time.dataSync() as Float32Array,
      unspliced: tf.transpose(predicted.unspliced).dataSync() as Float32Array,
      spliced: tf.transpose(predicted.spliced).dataSync() as Float32Array,
    };
  });
  return { fit, curves };
}
