import { InputError, ShapeError } from "../errors.js";
import { allocLike, customVjp } from "../kernel.js";
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
    for (let i = 0; i < n; i++) {
      const out = i * d;
      for (let r = 0; r < k; r++) {
        const weight = w.data[i * k + r];
        if (weight === 0) continue;
        const src = indices[i * k + r] * d;
        for (let f = 0; f < d; f++) y[out + f] += weight * x.data[src + f];
      }
    }
    return { outputs: [{ data: y, shape: [n, d] }] };
  },
  ({ inputs: [x, w], cotangents: [dy], attrs: { indices, k } }) => {
    const d = x.shape[1];
    const n = w.shape[0];
    const dx = allocLike(x.data, x.data.length);
    const dw = allocLike(x.data, n * k);
    for (let i = 0; i < n; i++) {
      const row = i * d;
      for (let r = 0; r < k; r++) {
        const weight = w.data[i * k + r];
        const src = indices[i * k + r] * d;
        let dot = 0;
        for (let f = 0; f < d; f++) {
          dx[src + f] += weight * dy.data[row + f];
          dot += dy.data[row + f] * x.data[src + f];
        }
        dw[i * k + r] = dot;
      }
    }
    return [dx, dw];
  },
  "neighborAverage",
);

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
