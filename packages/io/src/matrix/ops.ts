import { checkSparse, csc, csr, dense } from "./construct.js";

import type { CscMatrix, CsrMatrix, DenseMatrix, FloatArray, Layer, SparseMatrix } from "./types.js";

// The constructors live in construct.ts; re-exported so `matrix/ops.js` stays the one import for matrices.
export { checkSparse, csc, csr, dense };

export function shapeOf(m: Layer): [number, number] {
  return [m.rows, m.cols];
}

/** Row-major Float32 copy (or the data itself when it already is dense float32). */
export function toDenseFloat32(m: Layer): Float32Array {
  if (m.format === "dense") return m.data instanceof Float32Array ? m.data : Float32Array.from(m.data);
  const out = new Float32Array(m.rows * m.cols);
  scatterInto(m, out);
  return out;
}

/** Dense copy keeping the element type. */
export function toDense(m: Layer): DenseMatrix {
  if (m.format === "dense") return m;
  const out = m.data instanceof Float64Array ? new Float64Array(m.rows * m.cols) : new Float32Array(m.rows * m.cols);
  scatterInto(m, out);
  return { format: "dense", data: out, rows: m.rows, cols: m.cols };
}

function scatterInto(m: SparseMatrix, out: FloatArray): void {
  const { rows, cols } = m;
  if (m.format === "csr") {
    for (let i = 0; i < rows; i++) {
      for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) out[i * cols + m.indices[p]] += m.data[p];
    }
  } else {
    for (let j = 0; j < cols; j++) {
      for (let p = m.indptr[j]; p < m.indptr[j + 1]; p++) out[m.indices[p] * cols + j] += m.data[p];
    }
  }
}

/** CSR form: converts dense (dropping zeros) and CSC (by a counting transpose); CSR passes through. */
export function toCsr(m: Layer): CsrMatrix {
  if (m.format === "csr") return m as CsrMatrix;
  if (m.format === "csc") {
    const t = compressTranspose(m.data, m.indices, m.indptr, m.cols, m.rows);
    return { format: "csr", ...t, rows: m.rows, cols: m.cols };
  }
  const { rows, cols, data } = m;
  let nnz = 0;
  for (let k = 0; k < data.length; k++) if (data[k] !== 0) nnz++;
  const values = data instanceof Float64Array ? new Float64Array(nnz) : new Float32Array(nnz);
  const indices = new Int32Array(nnz);
  const indptr = new Int32Array(rows + 1);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j];
      if (v !== 0) {
        values[p] = v;
        indices[p++] = j;
      }
    }
    indptr[i + 1] = p;
  }
  return { format: "csr", data: values, indices, indptr, rows, cols };
}

export function toCsc(m: Layer): CscMatrix {
  if (m.format === "csc") return m as CscMatrix;
  const r = toCsr(m);
  const t = compressTranspose(r.data, r.indices, r.indptr, r.rows, r.cols);
  return { format: "csc", ...t, rows: r.rows, cols: r.cols };
}

/**
 * Re-compresses along the other axis: given a compressed structure with `major` outer entries and
 * `minor` inner positions, returns the structure compressed by the inner axis (indices come out sorted).
 */
function compressTranspose(
  data: FloatArray,
  indices: Int32Array,
  indptr: Int32Array,
  major: number,
  minor: number,
): { data: FloatArray; indices: Int32Array; indptr: Int32Array } {
  const nnz = data.length;
  const outPtr = new Int32Array(minor + 1);
  for (let p = 0; p < nnz; p++) outPtr[indices[p] + 1]++;
  for (let j = 0; j < minor; j++) outPtr[j + 1] += outPtr[j];
  const next = outPtr.slice(0, minor);
  const outIdx = new Int32Array(nnz);
  const outData = data instanceof Float64Array ? new Float64Array(nnz) : new Float32Array(nnz);
  for (let i = 0; i < major; i++) {
    for (let p = indptr[i]; p < indptr[i + 1]; p++) {
      const q = next[indices[p]]++;
      outIdx[q] = i;
      outData[q] = data[p];
    }
  }
  return { data: outData, indices: outIdx, indptr: outPtr };
}

/** Transpose of any layer, in the same storage family (CSR ↔ CSC reinterpretation is free). */
export function transpose(m: Layer): Layer {
  if (m.format === "csr")
    return { format: "csc", data: m.data, indices: m.indices, indptr: m.indptr, rows: m.cols, cols: m.rows };
  if (m.format === "csc")
    return { format: "csr", data: m.data, indices: m.indices, indptr: m.indptr, rows: m.cols, cols: m.rows };
  const { rows, cols, data } = m;
  const out = data instanceof Float64Array ? new Float64Array(data.length) : new Float32Array(data.length);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = data[i * cols + j];
  return { format: "dense", data: out, rows: cols, cols: rows };
}

/**
 * CSR from coordinate triplets (any order). Duplicate coordinates are summed, as scipy's
 * `coo_matrix.tocsr()` does; indices within each row come out sorted.
 */
export function csrFromTriplets(
  rowIdx: Int32Array,
  colIdx: Int32Array,
  values: FloatArray,
  rows: number,
  cols: number,
): CsrMatrix {
  const n = values.length;
  const counts = new Int32Array(rows + 1);
  for (let k = 0; k < n; k++) counts[rowIdx[k] + 1]++;
  for (let i = 0; i < rows; i++) counts[i + 1] += counts[i];
  const next = counts.slice(0, rows);
  const idx = new Int32Array(n);
  const val = values instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const q = next[rowIdx[k]]++;
    idx[q] = colIdx[k];
    val[q] = values[k];
  }
  // Sort each row by column and merge duplicates.
  const outIdx = new Int32Array(n);
  const outVal = values instanceof Float64Array ? new Float64Array(n) : new Float32Array(n);
  const indptr = new Int32Array(rows + 1);
  let w = 0;
  const order: number[] = [];
  for (let i = 0; i < rows; i++) {
    const start = counts[i];
    const end = counts[i + 1];
    let sorted = true;
    for (let p = start + 1; p < end; p++) if (idx[p] <= idx[p - 1]) sorted = false;
    if (sorted) {
      for (let p = start; p < end; p++) {
        outIdx[w] = idx[p];
        outVal[w++] = val[p];
      }
    } else {
      order.length = 0;
      for (let p = start; p < end; p++) order.push(p);
      order.sort((a, b) => idx[a] - idx[b]);
      let last = -1;
      for (const p of order) {
        if (idx[p] === last) outVal[w - 1] += val[p];
        else {
          outIdx[w] = idx[p];
          outVal[w++] = val[p];
          last = idx[p];
        }
      }
    }
    indptr[i + 1] = w;
  }
  return {
    format: "csr",
    data: w === n ? outVal : outVal.slice(0, w),
    indices: w === n ? outIdx : outIdx.slice(0, w),
    indptr,
    rows,
    cols,
  };
}

/** Sum of each row, in float64. */
export function rowSums(m: Layer): Float64Array {
  const out = new Float64Array(m.rows);
  if (m.format === "dense") {
    for (let i = 0; i < m.rows; i++) {
      let s = 0;
      for (let j = 0; j < m.cols; j++) s += m.data[i * m.cols + j];
      out[i] = s;
    }
  } else if (m.format === "csr") {
    for (let i = 0; i < m.rows; i++) {
      let s = 0;
      for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) s += m.data[p];
      out[i] = s;
    }
  } else {
    for (let p = 0; p < m.data.length; p++) out[m.indices[p]] += m.data[p];
  }
  return out;
}

/** Sum of each column, in float64. */
export function colSums(m: Layer): Float64Array {
  if (m.format !== "dense") return rowSums(transpose(m)); // a view for CSR/CSC
  // Dense: accumulated in place, rows in order (the same sums as over a transposed copy, without the copy).
  const out = new Float64Array(m.cols);
  for (let i = 0; i < m.rows; i++) {
    const base = i * m.cols;
    for (let j = 0; j < m.cols; j++) out[j] += m.data[base + j];
  }
  return out;
}

/** Rows `index` (in that order) of a layer, keeping its storage (CSC is converted to CSR). */
export function selectRows(m: Layer, index: ArrayLike<number>): Layer {
  const n = index.length;
  if (m.format === "dense") {
    const out = m.data instanceof Float64Array ? new Float64Array(n * m.cols) : new Float32Array(n * m.cols);
    for (let r = 0; r < n; r++) out.set(m.data.subarray(index[r] * m.cols, (index[r] + 1) * m.cols), r * m.cols);
    return { format: "dense", data: out, rows: n, cols: m.cols };
  }
  const a = toCsr(m);
  const indptr = new Int32Array(n + 1);
  for (let r = 0; r < n; r++) indptr[r + 1] = indptr[r] + a.indptr[index[r] + 1] - a.indptr[index[r]];
  const nnz = indptr[n];
  const indices = new Int32Array(nnz);
  const data = a.data instanceof Float64Array ? new Float64Array(nnz) : new Float32Array(nnz);
  for (let r = 0; r < n; r++) {
    const s = a.indptr[index[r]];
    const e = a.indptr[index[r] + 1];
    indices.set(a.indices.subarray(s, e), indptr[r]);
    data.set(a.data.subarray(s, e), indptr[r]);
  }
  return { format: "csr", data, indices, indptr, rows: n, cols: m.cols };
}

/** Columns `index` (in that order) of a layer; sparse input stays in its format. */
export function selectColumns(m: Layer, index: ArrayLike<number>): Layer {
  const n = index.length;
  if (m.format === "dense") {
    const out = m.data instanceof Float64Array ? new Float64Array(m.rows * n) : new Float32Array(m.rows * n);
    for (let i = 0; i < m.rows; i++) {
      const base = i * m.cols;
      for (let c = 0; c < n; c++) out[i * n + c] = m.data[base + index[c]];
    }
    return { format: "dense", data: out, rows: m.rows, cols: n };
  }
  if (m.format === "csc") return transpose(selectRows(transpose(m), index)) as SparseMatrix;
  // CSR: map old column → new positions (a column may be selected more than once). Two passes over
  // typed arrays: count the output per row, then fill.
  const first = new Int32Array(m.cols).fill(-1);
  const extra = new Map<number, number[]>();
  for (let c = 0; c < n; c++) {
    const j = index[c];
    if (first[j] === -1) first[j] = c;
    else {
      const list = extra.get(j);
      if (list) list.push(c);
      else extra.set(j, [c]);
    }
  }
  const multiplicity = (j: number) => (first[j] < 0 ? 0 : 1 + (extra.get(j)?.length ?? 0));
  const indptr = new Int32Array(m.rows + 1);
  for (let i = 0; i < m.rows; i++) {
    let count = 0;
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) {
      const j = m.indices[p];
      if (first[j] >= 0) count += extra.size === 0 ? 1 : multiplicity(j);
    }
    indptr[i + 1] = indptr[i] + count;
  }
  const nnz = indptr[m.rows];
  const indices = new Int32Array(nnz);
  const data = m.data instanceof Float64Array ? new Float64Array(nnz) : new Float32Array(nnz);
  let w = 0;
  for (let i = 0; i < m.rows; i++) {
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) {
      const j = m.indices[p];
      if (first[j] < 0) continue;
      indices[w] = first[j];
      data[w++] = m.data[p];
      const more = extra.size === 0 ? undefined : extra.get(j);
      if (more) {
        for (const c of more) {
          indices[w] = c;
          data[w++] = m.data[p];
        }
      }
    }
  }
  return { format: "csr", data, indices, indptr, rows: m.rows, cols: n };
}

/** Copy of a layer (fresh typed arrays). */
export function cloneLayer<T extends Layer>(m: T): T {
  if (m.format === "dense") return { ...m, data: m.data.slice() } as T;
  const s = m as SparseMatrix;
  return { ...s, data: s.data.slice(), indices: s.indices.slice(), indptr: s.indptr.slice() } as T;
}

/** Element (i, j) of any layer (a binary search for sorted sparse rows would be faster; this is for tests). */
export function getValue(m: Layer, i: number, j: number): number {
  if (m.format === "dense") return m.data[i * m.cols + j];
  const [outer, inner] = m.format === "csr" ? [i, j] : [j, i];
  let s = 0;
  for (let p = m.indptr[outer]; p < m.indptr[outer + 1]; p++) if (m.indices[p] === inner) s += m.data[p];
  return s;
}
