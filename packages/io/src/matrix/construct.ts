/** Matrix constructors that validate their structure, and the sparse structure check itself. */
import { InputError, ShapeError } from "@diffcell/core";
import type { CscMatrix, CsrMatrix, DenseMatrix, FloatArray, SparseMatrix } from "./types.js";

/** A dense row-major matrix; checks that `data` holds `rows × cols` values. */
export function dense(data: FloatArray, rows: number, cols: number, name = "matrix"): DenseMatrix {
  if (data.length !== rows * cols) {
    throw new ShapeError(name, `[${rows}, ${cols}] (${rows * cols} values)`, `${data.length} values`);
  }
  return { format: "dense", data, rows, cols };
}

/** A CSR matrix; checks the structure (indptr length and monotonicity, index range). */
export function csr(
  data: FloatArray,
  indices: Int32Array,
  indptr: Int32Array,
  rows: number,
  cols: number,
  name = "matrix",
): CsrMatrix {
  const m = { format: "csr" as const, data, indices, indptr, rows, cols };
  checkSparse(m, name);
  return m;
}

export function csc(
  data: FloatArray,
  indices: Int32Array,
  indptr: Int32Array,
  rows: number,
  cols: number,
  name = "matrix",
): CscMatrix {
  const m = { format: "csc" as const, data, indices, indptr, rows, cols };
  checkSparse(m, name);
  return m;
}

/**
 * Validates a compressed matrix so later loops can index without bounds checks. A corrupt file usually
 * shows up here (an indptr that decreases or points past the data, an index out of range).
 */
export function checkSparse(m: SparseMatrix, name: string): void {
  const major = m.format === "csr" ? m.rows : m.cols;
  const minor = m.format === "csr" ? m.cols : m.rows;
  if (m.indptr.length !== major + 1) {
    throw new InputError(
      name,
      `indptr has ${m.indptr.length} entries; expected ${major + 1} for shape [${m.rows}, ${m.cols}]`,
    );
  }
  if (m.data.length !== m.indices.length) {
    throw new InputError(name, `data has ${m.data.length} values but indices has ${m.indices.length}`);
  }
  if (m.indptr[0] !== 0 || m.indptr[major] !== m.data.length) {
    throw new InputError(
      name,
      `indptr must start at 0 and end at nnz = ${m.data.length}; got ${m.indptr[0]}…${m.indptr[major]}`,
    );
  }
  for (let i = 0; i < major; i++) {
    if (m.indptr[i + 1] < m.indptr[i]) throw new InputError(name, "indptr decreases", i);
  }
  for (let p = 0; p < m.indices.length; p++) {
    const j = m.indices[p];
    if (!(j >= 0 && j < minor)) {
      throw new InputError(name, `index ${j} out of range [0, ${minor})`, p);
    }
  }
}
