import { ShapeError } from "@diffcell/core";

/** A sparse N×N matrix in CSR form (row i's entries at indptr[i]..indptr[i+1]). */
export interface SparseRows {
  n: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
}

/**
 * Builds CSR row by row into typed arrays that grow by doubling (no JS array per entry: those hit V8's
 * array limits and load the GC at 100k cells). `push` entries of the current row, then `endRow()`.
 */
export class CsrBuilder {
  private indices: Int32Array;
  private data: Float32Array;
  private nnz = 0;
  private row = 0;
  private readonly indptr: Int32Array;

  constructor(
    readonly n: number,
    capacity = 16 * n,
  ) {
    this.indptr = new Int32Array(n + 1);
    this.indices = new Int32Array(Math.max(16, capacity));
    this.data = new Float32Array(Math.max(16, capacity));
  }

  push(column: number, value: number): void {
    if (this.nnz === this.indices.length) {
      const indices = new Int32Array(2 * this.nnz);
      indices.set(this.indices);
      const data = new Float32Array(2 * this.nnz);
      data.set(this.data);
      this.indices = indices;
      this.data = data;
    }
    this.indices[this.nnz] = column;
    this.data[this.nnz++] = value;
  }

  endRow(): void {
    this.indptr[++this.row] = this.nnz;
  }

  build(): SparseRows {
    return {
      n: this.n,
      indptr: this.indptr,
      indices: this.indices.slice(0, this.nnz),
      data: this.data.slice(0, this.nnz),
    };
  }
}

/** Entries per row the packed sort keys of {@link sortByColumn} allow (2²⁰; a row holds at most n + 1 entries). */
const ROW_SLOTS = 1 << 20;

/**
 * The order of one row's entries by column (columns distinct within the row): one native sort of packed keys
 * column · 2²⁰ + position, written into `keys` (length ≥ count). Entry e of the sorted row is the one at
 * position `keys[e] % 2²⁰`. An insertion per entry was quadratic in the row length (~240 entries per row on
 * 33k cells: 7 s in the transition matrix, 1.8 s per diffusion map).
 */
export function sortByColumn(cols: Int32Array, count: number, keys: Float64Array, what: string): Float64Array {
  if (count >= ROW_SLOTS) throw new ShapeError(what, `rows of fewer than ${ROW_SLOTS} entries`, [count]);
  const order = keys.subarray(0, count);
  for (let e = 0; e < count; e++) order[e] = cols[e] * ROW_SLOTS + e;
  return order.sort();
}

/** Position in the unsorted row of entry `key` of {@link sortByColumn}'s order. */
export function sortedPosition(key: number): number {
  return key % ROW_SLOTS;
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
