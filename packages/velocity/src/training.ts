import {
  adam,
  chain,
  clipByGlobalNorm,
  knn,
  Optimizer,
  type ProgressCallback,
  Rngs,
  runCooperatively,
  runToEnd,
  type Steps,
  stats,
  tf,
  tidyHost,
  valueAndGrad,
} from "@diffcell/core";
import { VelocityConsistencyLoss, type VelocityConsistencyOptions } from "@diffcell/losses";
import { disposeBatch, latentTimeOf, rowBatches } from "./batches.js";
import { fitTimeEncoder, type InitializeOptions, initializeFromData, initializeFromTime } from "./initialize.js";
import { type LossWeights, velocityLoss } from "./objective.js";
import { orientationScore } from "./orientation.js";
import { fitSteadyState } from "./steadyState.js";
import { type DifferentiableVelocity, inverseVarianceWeights, type VelocityInput } from "./velocity.js";

export {
  DEFAULT_WEIGHTS,
  type LossWeights,
  type VelocityLossContext,
  velocityLoss,
  velocityObjective,
} from "./objective.js";

export interface VelocityTrainingOptions {
  epochs?: number;
  /** Cells per step; default all cells (full batch). */
  batchSize?: number;
  learningRate?: number;
  weights?: LossWeights;
  consistency?: VelocityConsistencyOptions;
  /** Neighbour sets for the consistency loss over the full data (N × k); default kNN on log1p spliced. */
  neighbors?: Int32Array;
  /** G × d basis for the consistency loss (e.g. PCA loadings). */
  basis?: tf.Tensor2D;
  /** Start from `initializeFromData` (with `initialTime`: `initializeFromTime`) (default true). */
  initialize?: boolean;
  /** Options of that start (e.g. the steady-state ratios when already fitted). */
  initialization?: InitializeOptions;
  /**
   * A starting latent time per cell (e.g. `initialLatentTime`): after `initializeFromData`, the time encoder
   * is fitted to it before training, and its direction is taken as decided: only the final direction check runs.
   * With `initialize: false` the model is taken as already started from it (`initializeFromTime`, e.g. a copy
   * of one started model per restart): the warm-up and the direction reference still apply.
   */
  initialTime?: ArrayLike<number>;
  /**
   * With `initialTime`: epochs at the start that fit the kinetics alone, the time encoder frozen at the
   * starting time (default {@link defaultWarmupEpochs}: a quarter of `epochs`, rounded up; part of `epochs`, not
   * added to them).
   */
  warmupEpochs?: number;
  /**
   * Check that latent time runs the way the splicing says (`orientationScore` against scVelo's
   * steady-state velocity) after a sixth and half of the epochs and at the end; when it runs backwards,
   * refit the time encoder to 1 − t, re-initialise the kinetics and continue (after the end check: for a
   * third of the epochs more). The kinetic loss has a time-reversed local minimum that training falls into
   * from some seeds, early or late. With `initialTime`, only the final check. Default true.
   */
  orient?: boolean;
  /**
   * A reference ordering whose direction was decided from the data (default: `initialTime`). When present, the
   * direction checks compare latent time with it (Spearman < 0 → turned around) instead of re-deciding from
   * the splicing: the starting time won its direction by the largest |orientationScore| among candidates, and
   * a trained time's own score can be weak and of either sign (a 300-cell simulation: −0.09 at the end of a fit
   * with Spearman 0.84 to the truth, which the check then reversed).
   */
  direction?: ArrayLike<number>;
  /**
   * Resume with this optimiser's state (its Adam moments) instead of a fresh one: a continued fit (e.g. the
   * restart trial kept by `trainBestOf`) then goes on where it stopped. A fresh Adam moves every parameter
   * by the full learning rate on its first steps (its moment estimates start from one gradient): on pancreas
   * that raised the loss of a fit continued from 3.01 to 4.04 in its first epoch. Training takes ownership
   * (disposes it at the end, or when a warm-up or a reversal replaces it), unless `keepOptimizer`.
   */
  optimizer?: Optimizer;
  /** Hand the optimiser back in the history (`history.optimizer`, the caller disposes it) instead of disposing it. */
  keepOptimizer?: boolean;
  seed?: number;
  onProgress?: ProgressCallback;
}

export interface TrainingHistory {
  loss: number[];
  /**
   * Direction checks: epoch, score (> 0: time runs with the splicing — or, with a `direction` reference, the
   * Spearman correlation with it) and whether time was reversed.
   */
  orientation: Array<{ epoch: number; score: number; reversed: boolean }>;
  /** With `keepOptimizer`: the optimiser in the state training ended with (the caller disposes it). */
  optimizer?: Optimizer;
}

/**
 * Epochs of a fit from a starting time that train the kinetics alone, the time encoder frozen (the default of
 * `warmupEpochs`): a quarter of `epochs`, at least one, so a fit of one epoch is all warm-up.
 */
export function defaultWarmupEpochs(epochs: number): number {
  return Math.min(epochs, Math.ceil(epochs / 4));
}

/**
 * Trains a {@link DifferentiableVelocity} with Adam (gradient norm clipped at 1) on minibatches of cells.
 * Deterministic for a seed. Reports progress once per epoch.
 */
export function trainVelocity(
  op: DifferentiableVelocity,
  data: VelocityInput,
  options: VelocityTrainingOptions = {},
): TrainingHistory {
  return runToEnd(trainingEpochs(op, data, options));
}

/**
 * {@link trainVelocity} that yields to the event loop after every epoch (a page or server stays responsive)
 * and stops at the next epoch boundary when `signal` is aborted, freeing the optimiser state and rejecting with
 * the signal's reason. Same epochs, same result.
 */
export function trainVelocityAsync(
  op: DifferentiableVelocity,
  data: VelocityInput,
  options: VelocityTrainingOptions & { signal?: AbortSignal } = {},
): Promise<TrainingHistory> {
  return runCooperatively(trainingEpochs(op, data, options), options.signal);
}

/** The training loop as steps, one per epoch (see `runToEnd` / `runCooperatively` in core). */
export function* trainingEpochs(
  op: DifferentiableVelocity,
  data: VelocityInput,
  options: VelocityTrainingOptions = {},
): Steps<TrainingHistory> {
  // The training data are constants here: no gradients for them, log1p computed once per tensor.
  const wasConstant = op.constantInputs;
  op.constantInputs = true;
  try {
    return yield* trainOn(op, data, options);
  } finally {
    op.constantInputs = wasConstant;
  }
}

function* trainOn(
  op: DifferentiableVelocity,
  data: VelocityInput,
  options: VelocityTrainingOptions,
): Steps<TrainingHistory> {
  const n = data.spliced.shape[0];
  const epochs = options.epochs ?? 200;
  const batchSize = Math.min(options.batchSize ?? n, n);
  let consistency: VelocityConsistencyLoss;
  try {
    // Checked once here; the minibatches inherit the verdict instead of being read again at every step.
    op.checkInput(data);
    if (options.initialize ?? true) {
      if (options.initialTime) initializeFromTime(op, data, options.initialTime, options.initialization);
      else initializeFromData(op, data, options.initialization);
    }
    consistency = new VelocityConsistencyLoss(options.consistency);
  } catch (error) {
    // Training owns a passed optimiser: a failure before the loop frees it too.
    options.optimizer?.dispose();
    throw error;
  }
  const checkDirection = options.orient ?? true;
  const reference = options.direction ?? options.initialTime;
  const rngs = new Rngs(options.seed ?? 0);
  const kineticWeights = inverseVarianceWeights(data.spliced, data.unspliced);
  const neighbors =
    options.neighbors ??
    tidyHost(() => {
      const x = tf.log1p(data.spliced);
      const k = Math.min(consistency.nNeighbors, n - 1);
      return knn({ data: x.dataSync() as Float32Array, rows: n, cols: x.shape[1] }, k, { includeSelf: false }).indices;
    });
  const k = neighbors.length / n;
  const step = valueAndGrad((m: DifferentiableVelocity, batch: VelocityInput, batchNeighbors: Int32Array) =>
    velocityLoss(m, batch, {
      consistency,
      neighbors: batchNeighbors,
      basis: options.basis,
      weights: options.weights,
      kineticWeights,
    }),
  );
  const history: TrainingHistory = { loss: [], orientation: [] };
  const batchOf = rowBatches(data);
  const stepsPerEpoch = Math.ceil(n / batchSize);
  // From a starting time the direction is already decided: only the end is checked (training can still
  // turn a weak start around: a 300-cell simulation started at Spearman 0.46 ended at −0.94 unchecked).
  // A continued fit (initialize: false) was oriented when it started: it too gets only the final check.
  const fromScratch = !options.initialTime && (options.initialize ?? true);
  const checks =
    checkDirection && fromScratch ? [Math.floor(epochs / 6), Math.floor(epochs / 2)].filter((e) => e > 0) : [];
  const newOptimizer = () => new Optimizer(op, chain(clipByGlobalNorm(1), adam(options.learningRate ?? 1e-2)));
  // From a starting time, the kinetics are first fitted to it with the time encoder frozen: the data-driven
  // start (one onset and switch for every gene) fits no ordering, and joint Adam steps from there turned a
  // good start around within one epoch (a two-branch simulation: Spearman 0.99 → −0.98 after two steps).
  const warmup = options.initialTime ? Math.min(epochs, options.warmupEpochs ?? defaultWarmupEpochs(epochs)) : 0;
  const timeParams = op.timeEncoder.parameters().map(([, p]) => [p, p.trainable] as const);
  const freezeTime = (frozen: boolean) => {
    for (const [p, trainable] of timeParams) p.trainable = frozen ? false : trainable;
  };
  freezeTime(warmup > 0);
  // A passed optimiser is resumed only when it updates exactly the parameters trained now: with a frozen
  // warm-up it would step the frozen ones, and one made during an earlier warm-up (the time encoder frozen)
  // would never train the time encoder (a continued one-epoch trial left latent time at its start).
  const resumable = options.optimizer !== undefined && warmup === 0 && options.optimizer.coversTrainable();
  if (options.optimizer && !resumable) options.optimizer.dispose();
  let opt = resumable && options.optimizer ? options.optimizer : newOptimizer();
  let kept = false;
  try {
    let total = epochs;
    let finalCheckDone = !checkDirection;
    for (let epoch = 0; epoch < total; epoch++) {
      if (warmup > 0 && epoch === warmup) {
        freezeTime(false);
        opt.dispose();
        opt = newOptimizer();
      }
      if (checks.includes(epoch)) {
        const check = { epoch, ...orient(op, data, reference) };
        history.orientation.push(check);
        if (check.reversed) {
          opt.dispose();
          opt = newOptimizer();
        }
      }
      const order = batchSize === n ? null : rngs.permutation(n);
      let epochLoss = 0;
      for (let b = 0; b < stepsPerEpoch; b++) {
        if (!order) {
          const [loss, grads] = step(op, data, neighbors);
          opt.update(grads);
          epochLoss += loss;
          continue;
        }
        const idx = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
        const batch = batchOf(idx);
        const [loss, grads] = step(op, batch, restrictNeighbors(neighbors, k, idx));
        opt.update(grads);
        disposeBatch(batch);
        epochLoss += loss * (idx.length / n);
      }
      history.loss.push(epochLoss);
      options.onProgress?.({ stage: "train", done: epoch + 1, total, message: `loss ${epochLoss.toFixed(4)}` });
      if (epoch === total - 1 && !finalCheckDone) {
        finalCheckDone = true;
        const check = { epoch: epoch + 1, ...orient(op, data, reference) };
        history.orientation.push(check);
        if (check.reversed) {
          // The time encoder now holds the turned-around time: the extra epochs fit the (re-initialised)
          // kinetics to it with the time frozen — trained freely, they turned it back (a 300-cell simulation:
          // Spearman 0.84 with the truth before the end, −0.84 after the extra epochs).
          opt.dispose();
          freezeTime(true);
          opt = newOptimizer();
          total += Math.max(1, Math.ceil(epochs / 3));
        }
      }
      yield;
    }
    if (options.keepOptimizer) {
      history.optimizer = opt;
      kept = true;
    }
  } finally {
    freezeTime(false);
    if (!kept) opt.dispose();
  }
  return history;
}

/**
 * Neighbour lists restricted to a batch and re-indexed into it; a neighbour outside the batch becomes the
 * cell itself (skipped by the loss).
 */
export function restrictNeighbors(neighbors: Int32Array, k: number, batch: ArrayLike<number>): Int32Array {
  const position = new Map<number, number>();
  for (let b = 0; b < batch.length; b++) position.set(batch[b], b);
  const out = new Int32Array(batch.length * k);
  for (let b = 0; b < batch.length; b++) {
    for (let r = 0; r < k; r++) out[b * k + r] = position.get(neighbors[batch[b] * k + r]) ?? b;
  }
  return out;
}

/**
 * Checks the direction of latent time against the steady-state velocity and reverses it when needed:
 * refits the encoder to 1 − t and re-initialises the kinetics for the reversed clock.
 */
function orient(
  op: DifferentiableVelocity,
  data: VelocityInput,
  reference?: ArrayLike<number>,
): { score: number; reversed: boolean } {
  const t = latentTimeOf(op.timeEncoder, data);
  const score = reference ? stats.spearman(t, reference) : splicingScore(data, t);
  if (score >= 0) return { score, reversed: false };
  fitTimeEncoder(
    op,
    data,
    Float32Array.from(t, (x) => 1 - x),
  );
  initializeFromData(op, data);
  return { score, reversed: true };
}

/** `orientationScore` of time `t` against scVelo's steady-state velocity of the data (two N×G reads). */
function splicingScore(data: VelocityInput, t: Float32Array): number {
  const [n, g] = data.spliced.shape;
  const s = data.spliced.dataSync();
  const u = data.unspliced.dataSync();
  return orientationScore(s, u, n, g, fitSteadyState(s, u, n, g).gamma, t);
}
