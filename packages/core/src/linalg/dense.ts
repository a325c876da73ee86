import type { Matrix } from "../matrices.js";
import { ensureTensorMemory } from "../memory.js";
import { tf, tidyHost } from "../tf.js";

export { type Matrix, matrix, orthonormalColumns, symmetricEigen } from "../matrices.js";

/** Host copy of a 2-D tensor. */
export function fromTensor(t: tf.Tensor2D): Matrix {
  return { data: t.dataSync() as Float32Array, rows: t.shape[0], cols: t.shape[1] };
}

export function toTensor(m: Matrix): tf.Tensor2D {
  ensureTensorMemory(`a ${m.rows} × ${m.cols} matrix`, 4 * m.rows * m.cols);
  return tf.tensor2d(m.data, [m.rows, m.cols], "float32");
}

/**
 * `a @ b` on host matrices through the backend's GEMM (XNNPACK on wasm), with `b` optionally transposed
 * explicitly first (flag-free matmul is the fast path on wasm).
 */
export function hostMatMul(a: Matrix, b: Matrix, transposeB = false): Matrix {
  return tidyHost(() => {
    const ta = toTensor(a);
    let tb = toTensor(b);
    if (transposeB) tb = tf.transpose(tb);
    return fromTensor(tf.matMul(ta, tb));
  });
}
