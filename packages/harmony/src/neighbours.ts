import { ConfigError } from "@diffcell/core";
import { gemmNT } from "./hostLinalg.js";

/** Query rows per block of candidate distances (bounds memory at BLOCK × N doubles). */
const BLOCK = 256;

/**
 * Exact k nearest neighbours (Euclidean) of every row of `x` (N × F, float64), the row itself first, for
 * the metrics. Same contract as core's `knn` (candidates from Gram-matrix distances, the best k + 8
 * re-ranked with distances recomputed directly, ties to the lower index), but the Gram blocks run through
 * the host kernel: core's `knn` goes through tfjs-wasm's matMul, which is measured here at ~8 s for
 * 2370 × 20 with k = 90 (its cost grows with the N × N output), against ~0.2 s for this loop.
 */
export function exactNeighbours(
  x: Float64Array,
  n: number,
  f: number,
  k: number,
): { indices: Int32Array; distances: Float64Array } {
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new ConfigError("neighbours", "k", `an integer in [1, ${n}] for ${n} cells`, k);
  }
  const candidates = Math.min(n, k + 8);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < f; j++) s += x[i * f + j] ** 2;
    norms[i] = s;
  }
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  const dots = new Float64Array(BLOCK * n);
  const heapIdx = new Int32Array(candidates);
  const heapVal = new Float64Array(candidates);
  for (let start = 0; start < n; start += BLOCK) {
    const rows = Math.min(BLOCK, n - start);
    gemmNT({ a: x, aOffset: start * f, aStride: f, b: x, bStride: f, out: dots, outStride: n, n: rows, k: n, len: f });
    for (let r = 0; r < rows; r++) {
      const i = start + r;
      let size = 0;
      for (let j = 0; j < n; j++) {
        // The query itself always ranks first (scanpy's and core's convention).
        const d = j === i ? -1 : norms[i] + norms[j] - 2 * dots[r * n + j];
        if (size < candidates) {
          heapPush(heapIdx, heapVal, size++, j, d);
        } else if (d < heapVal[0] || (d === heapVal[0] && j < heapIdx[0])) {
          heapReplaceTop(heapIdx, heapVal, size, j, d);
        }
      }
      const exact = Array.from({ length: size }, (_, c) => {
        const j = heapIdx[c];
        let s = 0;
        for (let q = 0; q < f; q++) s += (x[i * f + q] - x[j * f + q]) ** 2;
        return { j, d: j === i ? -1 : s };
      }).sort((a, b) => a.d - b.d || a.j - b.j);
      for (let c = 0; c < k; c++) {
        indices[i * k + c] = exact[c].j;
        distances[i * k + c] = Math.sqrt(Math.max(0, exact[c].d));
      }
    }
  }
  return { indices, distances };
}

function worse(vi: number, ii: number, vj: number, ij: number): boolean {
  return vi > vj || (vi === vj && ii > ij);
}

function heapPush(idx: Int32Array, val: Float64Array, size: number, j: number, v: number): void {
  let c = size;
  idx[c] = j;
  val[c] = v;
  while (c > 0) {
    const parent = (c - 1) >> 1;
    if (!worse(val[c], idx[c], val[parent], idx[parent])) break;
    swap(idx, val, c, parent);
    c = parent;
  }
}

function heapReplaceTop(idx: Int32Array, val: Float64Array, size: number, j: number, v: number): void {
  idx[0] = j;
  val[0] = v;
  let c = 0;
  for (;;) {
    const l = 2 * c + 1;
    const r = l + 1;
    let top = c;
    if (l < size && worse(val[l], idx[l], val[top], idx[top])) top = l;
    if (r < size && worse(val[r], idx[r], val[top], idx[top])) top = r;
    if (top === c) return;
    swap(idx, val, c, top);
    c = top;
  }
}

function swap(idx: Int32Array, val: Float64Array, a: number, b: number): void {
  const ti = idx[a];
  idx[a] = idx[b];
  idx[b] = ti;
  const tv = val[a];
  val[a] = val[b];
  val[b] = tv;
}
