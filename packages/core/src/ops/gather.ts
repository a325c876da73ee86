import { InputError } from "../errors.js";
import { customGrad, tf } from "../tf.js";

/**
 * Rows `x[indices]` with a gradient (a scatter-add in TypeScript). `tf.gather`'s own gradient needs
 * `UnsortedSegmentSum`, which the wasm backend lacks (docs/engine.md rule 4); minibatches and neighbour
 * lookups go through this instead.
 */
export function gatherRows<T extends tf.Tensor>(x: T, indices: ArrayLike<number>): T {
  const nRows = x.shape[0];
  const idx = Int32Array.from(indices as ArrayLike<number>);
  for (let i = 0; i < idx.length; i++) {
    if (!(idx[i] >= 0 && idx[i] < nRows)) {
      throw new InputError("gatherRows.indices", `index ${idx[i]} out of range for ${nRows} rows`, i);
    }
  }
  const rowSize = x.size / Math.max(nRows, 1);
  const op = customGrad(([input]) => {
    let value: tf.Tensor;
    if (input.dtype === "float32") {
      // A host copy of the rows: the wasm backend's Gather takes 5 ms for 512 rows of 3696 × 329, reading the
      // tensor and copying rows 1.7 ms (0.2 ms from a kept host copy, see `takeRows`).
      value = tf.tensor(takeRows(input.dataSync() as Float32Array, rowSize, idx), [
        idx.length,
        ...input.shape.slice(1),
      ]);
    } else {
      const indexTensor = tf.tensor1d(idx, "int32");
      value = tf.gather(input, indexTensor);
      indexTensor.dispose();
    }
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        const dyData = dy.dataSync() as Float32Array;
        const out = new Float32Array(input.size);
        for (let i = 0; i < idx.length; i++) {
          const src = i * rowSize;
          const dst = idx[i] * rowSize;
          for (let j = 0; j < rowSize; j++) out[dst + j] += dyData[src + j];
        }
        return tf.tensor(out, input.shape, "float32");
      },
    };
  });
  return op(x) as T;
}

/** Rows `indices` of a row-major host array with `rowSize` values per row, as a new array. */
export function takeRows(values: Float32Array, rowSize: number, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * rowSize);
  for (let r = 0; r < indices.length; r++) {
    const start = indices[r] * rowSize;
    out.set(values.subarray(start, start + rowSize), r * rowSize);
  }
  return out;
}
