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
    const indexTensor = tf.tensor1d(idx, "int32");
    const value = tf.gather(input, indexTensor);
    indexTensor.dispose();
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
