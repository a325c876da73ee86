import { ConfigError, InputError } from "../errors.js";
import { ensureTensorMemory } from "../memory.js";
import type { ProgressCallback } from "../progress.js";
import { tf, withValues } from "../tf.js";
import type { Matrix } from "./dense.js";

export interface KnnOptions {
  /** Count the query point itself as its first neighbour (scanpy's convention). Default true. */
  includeSelf?: boolean;
  /** Query rows per distance block (bounds memory at rows × N floats). Default 1024. */
  chunkRows?: number;
  onProgress?: ProgressCallback;
}

export interface KnnResult {
  /** Neighbour indices, N × k, nearest first. */
  indices: Int32Array;
  /** Euclidean distances, N × k, ascending. */
  distances: Float32Array;
  n: number;
  k: number;
}

/**
 * Exact k nearest neighbours by Euclidean distance. Candidate distances come from the backend's GEMM
 * (‖x‖² + ‖y‖² − 2x·y, float32) in row blocks; the best k + 8 candidates of each row are then re-ranked
 * with distances recomputed in float64, so float32 cancellation cannot reorder close neighbours. Ties
 * break by the lower index. Points in the plane (2 columns, e.g. a UMAP layout) go to a grid search instead
 * (`knnPlane`: about N·k work instead of N²), with the same result.
 */
export function knn(x: Matrix, k: number, options: KnnOptions = {}): KnnResult {
  const { rows: n, cols: d } = x;
  const includeSelf = options.includeSelf ?? true;
  const available = includeSelf ? n : n - 1;
  if (!Number.isInteger(k) || k < 1 || k > available) {
    throw new ConfigError("knn", "k", `an integer in [1, ${available}] for ${n} points`, k);
  }
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i])) {
      throw new InputError(
        "knn input",
        `value ${x.data[i]} at row ${Math.floor(i / d)}, column ${i % d}; expected finite`,
        i,
      );
    }
  }
  if (d === 2) return knnPlane(x.data, n, k, includeSelf);
  const chunk = options.chunkRows ?? 1024;
  const candidates = Math.min(available, k + 8);
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x.data[i * d + j] ** 2;
    norms[i] = s;
  }
  // The data, its transpose and one block of distances live in tensors at once.
  ensureTensorMemory(`knn on ${n} × ${d}`, 4 * (2 * n * d + Math.min(n, chunk) * n));
  const all = tf.tensor2d(x.data, [n, d]);
  const allT = tf.transpose(all);
  const heapIdx = new Int32Array(candidates);
  const heapVal = new Float64Array(candidates);
  const exact = new Float64Array(candidates);
  const order = new Int32Array(candidates);
  try {
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const block = tf.tidy(() => tf.matMul(tf.slice(all, [start, 0], [end - start, d]), allT));
      try {
        // The block is read in place (no copy out of the wasm heap); no tensor op runs until it is disposed.
        withValues(block, (dots) => {
          for (let i = start; i < end; i++) {
            // Max-heap of the best `candidates` squared distances seen so far, over j = 0 … n − 1 in order (the
            // query itself at distance −1). The heap fills from the first candidates; the rest of the row is a
            // tight scan against the current worst, with the query's own column taken out of the loop.
            let size = 0;
            const row = (i - start) * n;
            const ni = norms[i];
            let j = 0;
            for (; j < n && size < candidates; j++) {
              if (j === i) {
                if (includeSelf) heapPush(heapIdx, heapVal, size++, j, -1);
              } else heapPush(heapIdx, heapVal, size++, j, ni + norms[j] - 2 * dots[row + j]);
            }
            if (j <= i) {
              scanRow(dots, row, norms, ni, j, i, heapIdx, heapVal, size);
              if (includeSelf && (-1 < heapVal[0] || (-1 === heapVal[0] && i < heapIdx[0])))
                heapReplaceTop(heapIdx, heapVal, size, i, -1);
              scanRow(dots, row, norms, ni, i + 1, n, heapIdx, heapVal, size);
            } else scanRow(dots, row, norms, ni, j, n, heapIdx, heapVal, size);
            for (let c = 0; c < size; c++) {
              const j = heapIdx[c];
              let s = 0;
              for (let f = 0; f < d; f++) s += (x.data[i * d + f] - x.data[j * d + f]) ** 2;
              exact[c] = j === i ? -1 : s; // the query itself always comes first
              order[c] = c;
            }
            const sorted = Array.from(order.subarray(0, size)).sort(
              (a, b) => exact[a] - exact[b] || heapIdx[a] - heapIdx[b],
            );
            for (let r = 0; r < k; r++) {
              indices[i * k + r] = heapIdx[sorted[r]];
              distances[i * k + r] = Math.sqrt(Math.max(0, exact[sorted[r]]));
            }
          }
        });
      } finally {
        block.dispose();
      }
      options.onProgress?.({ stage: "knn", done: end, total: n });
    }
  } finally {
    all.dispose();
    allT.dispose();
  }
  return { indices, distances, n, k };
}

/**
 * Exact k nearest neighbours of points in the plane (rows of an N × 2 array) on a uniform grid: each query
 * visits rings of grid cells around its own until no unvisited cell can hold a closer point than its k-th best.
 * About N·k work for spread-out points instead of the N² of a distance matrix (a UMAP layout of 33k cells: 5.8
 * s by GEMM blocks). Distances in float64; ties break by the lower index; with `includeSelf` the query comes
 * first, even among duplicates — the same order as a float64 brute force.
 */
function knnPlane(data: ArrayLike<number>, n: number, k: number, includeSelf: boolean): KnnResult {
  let x0 = Number.POSITIVE_INFINITY;
  let y0 = Number.POSITIVE_INFINITY;
  let x1 = Number.NEGATIVE_INFINITY;
  let y1 = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, data[2 * i]);
    x1 = Math.max(x1, data[2 * i]);
    y0 = Math.min(y0, data[2 * i + 1]);
    y1 = Math.max(y1, data[2 * i + 1]);
  }
  // About two points per cell on a square grid over the bounding box.
  const side = Math.max(1, Math.ceil(Math.sqrt(n / 2)));
  const width = Math.max(x1 - x0, y1 - y0) / side || 1;
  const nx = Math.max(1, Math.min(side, Math.floor((x1 - x0) / width) + 1));
  const ny = Math.max(1, Math.min(side, Math.floor((y1 - y0) / width) + 1));
  const cellX = (x: number) => Math.min(nx - 1, Math.floor((x - x0) / width));
  const cellY = (y: number) => Math.min(ny - 1, Math.floor((y - y0) / width));
  // Points bucketed by cell (counting sort, in index order within a cell).
  const cellOf = new Int32Array(n);
  const cellStart = new Int32Array(nx * ny + 1);
  for (let i = 0; i < n; i++) {
    cellOf[i] = cellY(data[2 * i + 1]) * nx + cellX(data[2 * i]);
    cellStart[cellOf[i] + 1]++;
  }
  for (let c = 0; c < nx * ny; c++) cellStart[c + 1] += cellStart[c];
  const members = new Int32Array(n);
  const fill = cellStart.slice(0, nx * ny);
  for (let i = 0; i < n; i++) members[fill[cellOf[i]]++] = i;

  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  const heapIdx = new Int32Array(k);
  const heapVal = new Float64Array(k);
  const order = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    const qx = data[2 * i];
    const qy = data[2 * i + 1];
    const cx = cellX(qx);
    const cy = cellY(qy);
    let size = 0;
    // The query itself at distance −1: first whatever the duplicates.
    if (includeSelf) heapPush(heapIdx, heapVal, size++, i, -1);
    for (let ring = 0; ; ring++) {
      const xa = cx - ring;
      const xb = cx + ring;
      const ya = cy - ring;
      const yb = cy + ring;
      for (let gy = Math.max(0, ya); gy <= Math.min(ny - 1, yb); gy++) {
        const edgeRow = gy === ya || gy === yb;
        for (let gx = Math.max(0, xa); gx <= Math.min(nx - 1, xb); gx++) {
          if (!edgeRow && gx !== xa && gx !== xb) continue; // inner cells were visited in earlier rings
          const cell = gy * nx + gx;
          for (let p = cellStart[cell]; p < cellStart[cell + 1]; p++) {
            const j = members[p];
            if (j === i) continue;
            const dx = data[2 * j] - qx;
            const dy = data[2 * j + 1] - qy;
            const dist = dx * dx + dy * dy;
            if (size < k) heapPush(heapIdx, heapVal, size++, j, dist);
            else if (worse(heapVal[0], heapIdx[0], dist, j)) heapReplaceTop(heapIdx, heapVal, size, j, dist);
          }
        }
      }
      if (xa <= 0 && ya <= 0 && xb >= nx - 1 && yb >= ny - 1) break; // every cell visited
      if (size === k) {
        // Nearest possible point outside the visited square of cells (its inner edges; grid borders excluded),
        // less a margin for the rounding of the cell assignment.
        let bound = Number.POSITIVE_INFINITY;
        if (xa > 0) bound = Math.min(bound, qx - (x0 + xa * width));
        if (xb < nx - 1) bound = Math.min(bound, x0 + (xb + 1) * width - qx);
        if (ya > 0) bound = Math.min(bound, qy - (y0 + ya * width));
        if (yb < ny - 1) bound = Math.min(bound, y0 + (yb + 1) * width - qy);
        bound -= 1e-6 * width;
        if (bound > 0 && heapVal[0] < bound * bound) break;
      }
    }
    // Heap → ascending by (distance, index).
    for (let c = 0; c < size; c++) order[c] = c;
    const sorted = Array.from(order.subarray(0, size)).sort(
      (a, b) => heapVal[a] - heapVal[b] || heapIdx[a] - heapIdx[b],
    );
    for (let r = 0; r < size; r++) {
      indices[i * k + r] = heapIdx[sorted[r]];
      distances[i * k + r] = Math.sqrt(Math.max(0, heapVal[sorted[r]]));
    }
  }
  return { indices, distances, n, k };
}

/**
 * Offers columns from … to − 1 of one row of the distance block to the full max-heap of candidates. A
 * top-level function with everything in parameters, so the loop runs on registers: as a closure inside
 * `knn` (context-allocated variables) the same loop cost about twice as much (~8 s of 15 s of kNN on 33k cells).
 */
function scanRow(
  dots: Float32Array,
  row: number,
  norms: Float64Array,
  ni: number,
  from: number,
  to: number,
  heapIdx: Int32Array,
  heapVal: Float64Array,
  size: number,
): void {
  let top = heapVal[0];
  for (let c = from; c < to; c++) {
    const dist = ni + norms[c] - 2 * dots[row + c];
    if (dist < top || (dist === top && c < heapIdx[0])) {
      heapReplaceTop(heapIdx, heapVal, size, c, dist);
      top = heapVal[0];
    }
  }
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
