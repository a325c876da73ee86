/**
 * Host matrices without TensorFlow.js: the `Matrix` type ({ data, rows, cols }, row-major float32) and the
 * small dense algebra the kNN/PCA/Harmony code runs on the host. Importing this module does not load tfjs
 * (`@diffcell/core/matrices`); the tensor bridges (`toTensor`, `fromTensor`, `hostMatMul`) are in
 * `linalg/dense.ts`.
 */
import { ShapeError } from "./errors.js";

/** A dense row-major matrix on the host. */
export interface Matrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

export function matrix(data: Float32Array, rows: number, cols: number, name = "matrix"): Matrix {
  if (data.length !== rows * cols)
    throw new ShapeError(name, `[${rows}, ${cols}] (${rows * cols} values)`, `${data.length} values`);
  return { data, rows, cols };
}

/** Orthonormal basis of the columns of a tall matrix (float64 Gram–Schmidt, two passes), rows×cols. */
export function orthonormalColumns(a: Matrix): Matrix {
  const { rows: n, cols: k } = a;
  // Columns stored contiguously (column-major) while they are orthogonalised: the row-major layout made every
  // dot product stride through memory (PCA of 33k cells: 15 s in here; the same arithmetic in the same order).
  const q = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) q[j * n + i] = a.data[i * k + j];
  // Modified Gram–Schmidt twice ("twice is enough", Giraud et al. 2005): stable for k ≪ n.
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < k; j++) {
      const cj = q.subarray(j * n, (j + 1) * n);
      for (let p = 0; p < j; p++) {
        const cp = q.subarray(p * n, (p + 1) * n);
        let dot = 0;
        for (let i = 0; i < n; i++) dot += cp[i] * cj[i];
        for (let i = 0; i < n; i++) cj[i] -= dot * cp[i];
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += cj[i] ** 2;
      norm = Math.sqrt(norm);
      const inv = norm > 1e-30 ? 1 / norm : 0;
      for (let i = 0; i < n; i++) cj[i] *= inv;
    }
  }
  const out = new Float32Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) out[i * k + j] = q[j * n + i];
  return { data: out, rows: n, cols: k };
}

/**
 * Eigen-decomposition of a small symmetric matrix (cyclic Jacobi, float64). Returns eigenvalues in
 * descending order and the matching unit eigenvectors as columns of `vectors` (n×n, row-major).
 */
export function symmetricEigen(a: ArrayLike<number>, n: number): { values: Float64Array; vectors: Float64Array } {
  const m = Float64Array.from(a);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off < 1e-22 * Math.max(1, frobenius(m))) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => m[j * n + j] - m[i * n + i]);
  const values = Float64Array.from(order, (i) => m[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

function frobenius(m: Float64Array): number {
  let s = 0;
  for (let i = 0; i < m.length; i++) s += m[i] * m[i];
  return s;
}
