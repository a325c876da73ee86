import { inheritValidation, rowRanges, sliceRows, takeRows, tf, tidyHost, withValues } from "@diffcell/core";
import { knownLog1pOf, rememberLog1p, type TimeEncoder } from "./timeEncoder.js";
import type { VelocityInput } from "./velocity.js";

/**
 * Minibatches of constant training data (no gradient flows to them): the rows copied on the host instead of
 * a gather on the backend per batch (wasm: 5 ms per 512 × 329 gather against 0.2 ms for the copy). On the
 * wasm backend the rows are read in place from the tensors' memory (no host copy of the whole data: 800 MB
 * at 100k cells × 1000 genes); elsewhere from host copies read once. A batch inherits the value checks its
 * source passed (`inheritValidation`), and comes with its rows of the data's log1p (the time encoder's input),
 * computed for all the data once (on the first batch, shared by every fit on the same tensors) by the same
 * `tf.log1p` (the same values): a log1p of every batch at every step took 7 s of a 100k-cell fit (3 epochs). Free a batch with {@link disposeBatch}.
 */
export function rowBatches(data: VelocityInput): (rows: ArrayLike<number>) => VelocityInput {
  const [, g] = data.spliced.shape;
  const inPlace = tf.getBackend() === "wasm";
  let host: { spliced: Float32Array; unspliced: Float32Array } | null = null;
  let logs: { spliced: Float32Array; unspliced: Float32Array } | null = null;
  // Rows copied out first: the tensors are made after the in-place view is gone (a new tensor can grow the heap).
  const take = (which: "spliced" | "unspliced", rows: ArrayLike<number>) => {
    if (inPlace) return withValues(data[which], (values) => takeRows(values, g, rows));
    host ??= {
      spliced: data.spliced.dataSync() as Float32Array,
      unspliced: data.unspliced.dataSync() as Float32Array,
    };
    return takeRows(host[which], g, rows);
  };
  return (rows) => {
    logs ??= { spliced: hostLog1p(data.spliced), unspliced: hostLog1p(data.unspliced) };
    const batch = {
      spliced: tf.tensor2d(take("spliced", rows), [rows.length, g]),
      unspliced: tf.tensor2d(take("unspliced", rows), [rows.length, g]),
    };
    rememberLog1p(batch.spliced, tf.tensor2d(takeRows(logs.spliced, g, rows), [rows.length, g]));
    rememberLog1p(batch.unspliced, tf.tensor2d(takeRows(logs.unspliced, g, rows), [rows.length, g]));
    // Rows of checked data pass the same value checks: the model does not read every minibatch again.
    inheritValidation(batch.spliced, data.spliced);
    inheritValidation(batch.unspliced, data.unspliced);
    return batch;
  };
}

/**
 * log1p of constant training data on the host, by tensor: the fits of one run (the encoder's start, each restart
 * trial, the continuation) take batches of the same tensors and share it instead of each making its own (an
 * N × G pass and 0.8 GB at 100k cells per fit). Held while the tensor object is alive; a disposed tensor's is
 * never used.
 */
const log1pOfData = new WeakMap<tf.Tensor, Float32Array>();

function hostLog1p(x: tf.Tensor2D): Float32Array {
  const known = log1pOfData.get(x);
  if (known && !x.isDisposed) return known;
  const [n, g] = x.shape;
  const out = new Float32Array(n * g);
  for (const [lo, hi] of rowRanges(n, EVALUATION_ROWS)) {
    tidyHost(() => out.set(tf.log1p(lo === 0 && hi === n ? x : sliceRows(x, lo, hi)).dataSync(), lo * g));
  }
  log1pOfData.set(x, out);
  return out;
}

/** Frees a batch of {@link rowBatches} (its tensors and their log1p). */
export function disposeBatch(batch: VelocityInput): void {
  for (const x of [batch.spliced, batch.unspliced]) {
    const log = knownLog1pOf(x);
    if (log) tf.dispose(log);
    tf.dispose(x);
  }
}

/**
 * Rows per block of full-data evaluations (latent time of every cell, the trained model's velocity and fit
 * statistics): activations per block instead of for every cell at once, which at 100k cells × 1000 genes
 * held GBs of the wasm heap (it never shrinks within a step). Data up to this size is one block.
 */
export const EVALUATION_ROWS = 16_384;

/** Rows [lo, hi) of `data` (new tensors the caller disposes), or `data` itself when that is every row. */
export function rowSlice(data: VelocityInput, lo: number, hi: number): VelocityInput {
  if (lo === 0 && hi === data.spliced.shape[0]) return data;
  const part = { spliced: sliceRows(data.spliced, lo, hi), unspliced: sliceRows(data.unspliced, lo, hi) };
  inheritValidation(part.spliced, data.spliced);
  inheritValidation(part.unspliced, data.unspliced);
  return part;
}

/** Latent time of every cell, evaluated {@link EVALUATION_ROWS} cells at a time. */
export function latentTimeOf(encoder: TimeEncoder, data: VelocityInput, blockRows = EVALUATION_ROWS): Float32Array {
  const n = data.spliced.shape[0];
  const out = new Float32Array(n);
  for (const [lo, hi] of rowRanges(n, blockRows)) {
    tidyHost(() => {
      const part = rowSlice(data, lo, hi);
      out.set(encoder.apply(part.spliced, part.unspliced).dataSync(), lo);
    });
  }
  return out;
}

/** Columns per block of {@link columnMoments}. */
const MOMENT_COLUMNS = 256;

/**
 * Per-column mean and variance of `x` (or of `transform(x)`, e.g. log1p) a block of columns at a time: each
 * column's reduction is the one over the whole matrix (bit-identical) without holding [N, G] temporaries
 * (100k cells × 1000 genes: GBs of the 4 GiB wasm heap, where a 100k-cell run aborted).
 */
export function columnMoments(
  x: tf.Tensor2D,
  transform: (block: tf.Tensor2D) => tf.Tensor2D = (block) => block,
): { mean: Float32Array; variance: Float32Array } {
  const [n, g] = x.shape;
  const mean = new Float32Array(g);
  const variance = new Float32Array(g);
  for (let c = 0; c < g; c += MOMENT_COLUMNS) {
    const width = Math.min(MOMENT_COLUMNS, g - c);
    tf.tidy(() => {
      const m = tf.moments(transform(tf.slice(x, [0, c], [n, width])), 0);
      mean.set(m.mean.dataSync(), c);
      variance.set(m.variance.dataSync(), c);
    });
  }
  return { mean, variance };
}
