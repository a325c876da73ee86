/**
 * The 2-D arrays an AnnData holds. Dense matrices are row-major (cells × genes, like numpy's C order and
 * core's `Matrix`); sparse ones are scipy's compressed formats: CSR (rows compressed, the usual layout
 * of count layers) and CSC (columns compressed, what some tools write).
 */

export type FloatArray = Float32Array | Float64Array;
export type IntArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
export type NumericArray = FloatArray | IntArray;

/** Row-major dense matrix. `Float32Array` data makes it a core `Matrix` as well. */
export interface DenseMatrix {
  readonly format: "dense";
  data: FloatArray;
  rows: number;
  cols: number;
}

/**
 * Compressed sparse matrix, as scipy's `csr_matrix` / `csc_matrix`: for CSR, the non-zeros of row `i`
 * are `data[indptr[i]..indptr[i+1]]` at columns `indices[...]`; for CSC the roles of rows and columns
 * swap. Indices within a row (column) need not be sorted.
 */
export interface SparseMatrix {
  readonly format: "csr" | "csc";
  data: FloatArray;
  indices: Int32Array;
  indptr: Int32Array;
  rows: number;
  cols: number;
}

export type CsrMatrix = SparseMatrix & { readonly format: "csr" };
export type CscMatrix = SparseMatrix & { readonly format: "csc" };

/** Anything that can sit in `X`, `layers`, `obsp` or `varp`. */
export type Layer = DenseMatrix | SparseMatrix;

export function isSparse(m: Layer): m is SparseMatrix {
  return m.format === "csr" || m.format === "csc";
}

export function isDense(m: Layer): m is DenseMatrix {
  return m.format === "dense";
}
