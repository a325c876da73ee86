import { InputError, ShapeError } from "../errors.js";
import { allocLike, customVjp } from "../kernel.js";
import { chunkStart, defineKernel, type KernelArgs, runChunks, useThreads } from "../parallel/pool.js";
import { tf } from "../tf.js";

export interface NeighborAverageAttrs {
  /** Neighbour indices, N × k row-major. */
  indices: Int32Array;
  k: number;
}

/**
 * Neighbour aggregation y_i = Σ_r w_ir · x_{idx(i,r)} as a fused kernel with gradients for both the values
 * x [M, D] and the weights w [N, k] (so moments built from soft, learnable neighbour weights stay
 * differentiable). One pass over N·k rows of D values each way; the scatter-add backward replaces
 * `tf.gather`'s gradient, which the wasm backend lacks.
 */
export const neighborAverageKernel = customVjp<NeighborAverageAttrs>(
  ([x, w], { indices, k }) => {
    const d = x.shape[1];
    const n = w.shape[0];
    const y = allocLike(x.data, n * d);
    const args = { n, k, d, indices, w: w.data, x: x.data, y };
    runChunks(FORWARD, args as unknown as KernelArgs, CHUNKS, useThreads(CHUNKS, n * k * d, 200_000), ["y"]);
    return { outputs: [{ data: y, shape: [n, d] }] };
  },
  ({ inputs: [x, w], cotangents: [dy], attrs: { indices, k } }) => {
    const d = x.shape[1];
    const n = w.shape[0];
    const m = x.shape[0];
    const dx = allocLike(x.data, x.data.length);
    const dw = allocLike(x.data, n * k);
    const parallel = useThreads(CHUNKS, n * k * d, 200_000);
    const weights = { n, k, d, indices, x: x.data, dy: dy.data, dw };
    runChunks(WEIGHT_GRADIENT, weights as unknown as KernelArgs, CHUNKS, parallel, ["dw"]);
    const { start, pairs } = sourcesOf(indices, m);
    const values = { m, k, d, start, pairs, w: w.data, dy: dy.data, dx };
    runChunks(VALUE_GRADIENT, values as unknown as KernelArgs, CHUNKS, parallel, ["dx"]);
    return [dx, dw];
  },
  "neighborAverage",
);

/** Fixed row chunks of the three passes (results do not depend on the thread count). */
const CHUNKS = 16;

interface ForwardArgs {
  n: number;
  k: number;
  d: number;
  indices: Int32Array;
  w: ArrayLike<number>;
  x: ArrayLike<number>;
  y: Float32Array | Float64Array;
}

/** y_i = Σ_r w_ir · x_idx(i,r) for the rows of one chunk (zero weights skipped). */
function forwardChunk(a: ForwardArgs, chunk: number, nChunks: number): void {
  const { n, k, d, indices, w, x, y } = a;
  const hi = chunkStart(chunk + 1, n, nChunks);
  for (let i = chunkStart(chunk, n, nChunks); i < hi; i++) {
    const out = i * d;
    for (let r = 0; r < k; r++) {
      const weight = w[i * k + r];
      if (weight === 0) continue;
      const src = indices[i * k + r] * d;
      for (let f = 0; f < d; f++) y[out + f] += weight * x[src + f];
    }
  }
}

interface WeightGradientArgs {
  n: number;
  k: number;
  d: number;
  indices: Int32Array;
  x: ArrayLike<number>;
  dy: ArrayLike<number>;
  dw: Float32Array | Float64Array;
}

/** ∂L/∂w_ir = dy_i · x_idx(i,r) for the rows of one chunk. */
function weightGradientChunk(a: WeightGradientArgs, chunk: number, nChunks: number): void {
  const { n, k, d, indices, x, dy, dw } = a;
  const hi = chunkStart(chunk + 1, n, nChunks);
  for (let i = chunkStart(chunk, n, nChunks); i < hi; i++) {
    const row = i * d;
    for (let r = 0; r < k; r++) {
      const src = indices[i * k + r] * d;
      let dot = 0;
      for (let f = 0; f < d; f++) dot += dy[row + f] * x[src + f];
      dw[i * k + r] = dot;
    }
  }
}

interface ValueGradientArgs {
  m: number;
  k: number;
  d: number;
  /** Pairs p = i·k + r that read source row j: pairs[start[j] .. start[j + 1]), in increasing p. */
  start: Int32Array;
  pairs: Int32Array;
  w: ArrayLike<number>;
  dy: ArrayLike<number>;
  dx: Float32Array | Float64Array;
}

/**
 * ∂L/∂x_j = Σ over the pairs (i, r) reading row j of w_ir · dy_i, for the source rows of one chunk. The pairs
 * come in increasing i·k + r, the order a scatter over (i, r) adds them in, and each sum accumulates in the
 * output array itself (rounded to its precision after every addition, as the scatter did): the same bits.
 */
function valueGradientChunk(a: ValueGradientArgs, chunk: number, nChunks: number): void {
  const { m, k, d, start, pairs, w, dy, dx } = a;
  const hi = chunkStart(chunk + 1, m, nChunks);
  for (let j = chunkStart(chunk, m, nChunks); j < hi; j++) {
    const out = j * d;
    for (let q = start[j]; q < start[j + 1]; q++) {
      const p = pairs[q];
      const weight = w[p];
      const row = ((p - (p % k)) / k) * d;
      for (let f = 0; f < d; f++) dx[out + f] += weight * dy[row + f];
    }
  }
}

const FORWARD = defineKernel("core.neighborAverage", forwardChunk, [chunkStart]);
const WEIGHT_GRADIENT = defineKernel("core.neighborAverageWeightGrad", weightGradientChunk, [chunkStart]);
const VALUE_GRADIENT = defineKernel("core.neighborAverageValueGrad", valueGradientChunk, [chunkStart]);

/** For each source row, the pairs (i·k + r) that read it, in increasing order (counting sort; cached per list). */
const sourceCache = new WeakMap<Int32Array, { m: number; start: Int32Array; pairs: Int32Array }>();
function sourcesOf(indices: Int32Array, m: number): { start: Int32Array; pairs: Int32Array } {
  const cached = sourceCache.get(indices);
  if (cached && cached.m === m) return cached;
  const start = new Int32Array(m + 1);
  for (let p = 0; p < indices.length; p++) start[indices[p] + 1]++;
  for (let j = 0; j < m; j++) start[j + 1] += start[j];
  const next = start.slice(0, m);
  const pairs = new Int32Array(indices.length);
  for (let p = 0; p < indices.length; p++) pairs[next[indices[p]]++] = p;
  const entry = { m, start, pairs };
  sourceCache.set(indices, entry);
  return entry;
}

/**
 * Σ_r w_ir · x[idx(i, r)] for neighbour lists `indices` (N × k) over the rows of `x` [M, D].
 * `weights` [N, k] default to 1/k (a plain mean over the listed neighbours); without weights N = M (the
 * neighbours of every row of `x`).
 */
export function neighborAverage(x: tf.Tensor2D, indices: Int32Array, weights?: tf.Tensor2D): tf.Tensor2D {
  const m = x.shape[0];
  if (weights && weights.rank !== 2) throw new ShapeError("weights", "[N, k]", weights.shape);
  const n = weights ? weights.shape[0] : m;
  const k = indices.length / n;
  if (!Number.isInteger(k) || (weights && weights.shape[1] !== k)) {
    throw new ShapeError("indices", `${n} × k neighbour indices`, `${indices.length} values`);
  }
  for (let i = 0; i < indices.length; i++) {
    if (!(indices[i] >= 0 && indices[i] < m))
      throw new InputError("indices", `index ${indices[i]} out of range for ${m} rows`, i);
  }
  return tf.tidy(() => {
    const w = weights ?? tf.fill([n, k], 1 / k);
    return neighborAverageKernel([x, w], { indices, k })[0] as tf.Tensor2D;
  });
}
