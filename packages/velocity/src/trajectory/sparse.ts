/** A sparse N×N matrix in CSR form (row i's entries at indptr[i]..indptr[i+1]). */
export interface SparseRows {
  n: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}

/** Builds CSR from per-row lists of (column, value). */
export function fromRows(n: number, rows: Array<{ cols: number[]; vals: number[] }>): SparseRows {
  const indptr = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) indptr[i + 1] = indptr[i] + rows[i].cols.length;
  const indices = new Int32Array(indptr[n]);
  const data = new Float32Array(indptr[n]);
  for (let i = 0; i < n; i++) {
    indices.set(rows[i].cols, indptr[i]);
    data.set(rows[i].vals, indptr[i]);
  }
  return { n, indptr, indices, data };
}

/** Neighbour lists (N × k, as from kNN) as sets of column indices per row, without the row itself. */
export function neighborSets(indices: Int32Array, n: number): number[][] {
  const k = indices.length / n;
  const out: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    for (let r = 0; r < k; r++) {
      const j = indices[i * k + r];
      if (j !== i && j >= 0) row.push(j);
    }
    out.push(row);
  }
  return out;
}
