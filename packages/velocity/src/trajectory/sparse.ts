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

  /** The matrix (its arrays are the builder's own when they are exactly full: build once, at the end). */
  build(): SparseRows {
    const exact = this.nnz === this.indices.length;
    return {
      n: this.n,
      indptr: this.indptr,
      indices: exact ? this.indices : this.indices.slice(0, this.nnz),
      data: exact ? this.data : this.data.slice(0, this.nnz),
    };
  }
}

/** Entries per row the packed sort keys of {@link RowOrder} allow (2²⁰; a row holds at most n + 1 entries). */
const ROW_SLOTS = 1 << 20;

/**
 * The order by column of one row gathered from several sources, each already sorted by column (e.g. a row of
 * the positive graph, then the same row of the negative graph, then a self entry): positions of cols[0 ..
 * count) in increasing column order, ties in position order. Sorted runs are merged (linear); a run that is
 * not sorted (a graph read from elsewhere) sends the row to one native sort of packed keys column · 2²⁰ +
 * position, which gives the same order. Buffers are reused across rows.
 */
export class RowOrder {
  private a = new Int32Array(64);
  private b = new Int32Array(64);
  private keys = new Float64Array(64);

  constructor(private readonly what: string) {}

  /** `ends`: the end of each sorted run (the last is `count`). The result is valid until the next call. */
  of(cols: Int32Array, ends: readonly number[]): Int32Array {
    const count = ends[ends.length - 1];
    if (count >= ROW_SLOTS) throw new ShapeError(this.what, `rows of fewer than ${ROW_SLOTS} entries`, [count]);
    if (count > this.a.length) {
      this.a = new Int32Array(2 * count);
      this.b = new Int32Array(2 * count);
      this.keys = new Float64Array(2 * count);
    }
    let start = 0;
    for (const end of ends) {
      for (let e = start + 1; e < end; e++) if (cols[e] < cols[e - 1]) return this.sorted(cols, count);
      start = end;
    }
    let merged = this.a;
    let other = this.b;
    for (let e = 0; e < ends[0]; e++) merged[e] = e;
    for (let r = 1; r < ends.length; r++) {
      const length = ends[r - 1];
      let p = 0;
      let q = length;
      let o = 0;
      while (p < length && q < ends[r]) other[o++] = cols[q] < cols[merged[p]] ? q++ : merged[p++];
      while (p < length) other[o++] = merged[p++];
      while (q < ends[r]) other[o++] = q++;
      [merged, other] = [other, merged];
    }
    return merged.subarray(0, count);
  }

  private sorted(cols: Int32Array, count: number): Int32Array {
    const keys = this.keys.subarray(0, count);
    for (let e = 0; e < count; e++) keys[e] = cols[e] * ROW_SLOTS + e;
    keys.sort();
    for (let e = 0; e < count; e++) this.a[e] = keys[e] % ROW_SLOTS;
    return this.a.subarray(0, count);
  }
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
