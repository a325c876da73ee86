/**
 * NN-descent's local joins on core's worker pool: for the points [lo, hi) of a part, every pair among a
 * point's new candidates and between its new and old candidates (as `nn-descent.ts` enumerates them), its
 * squared distance, kept when it beats the worst distance in either point's heap. Each chunk writes its pairs
 * in order from its own offset; the caller pushes them in chunk order, so results do not depend on the number
 * of threads. Self-contained functions (shipped to worker threads by `defineKernel`).
 */
import { chunkStart, defineKernel, type ParallelKernel } from "@diffcell/core";

/** Fixed chunks per part (results do not depend on the thread count). */
export const JOIN_CHUNKS = 8;
/** Pairs per part at most: the output buffers' size (16 bytes a pair: 64 MB). */
export const JOIN_PART_PAIRS = 4 * 2 ** 20;

export interface JoinArgs {
  /** Points, N × d row-major. */
  x: Float32Array;
  d: number;
  /** Heap size; `heapDist[i · kk]` is the worst distance in point i's heap. */
  kk: number;
  heapDist: Float64Array;
  lo: number;
  hi: number;
  /** Candidates of each point (CSR), deduplicated. */
  newStart: Int32Array;
  newIdx: Int32Array;
  oldStart: Int32Array;
  oldIdx: Int32Array;
  /** Kept pairs: chunk c writes from `chunkOffsets[c]` and stores how many in `counts[c]`. */
  p: Int32Array;
  q: Int32Array;
  dist: Float64Array;
  counts: Int32Array;
  chunkOffsets: Int32Array;
}

/** Squared Euclidean distance between rows a and b of x (N × d), summed in float64. */
export function squaredDistance(x: Float32Array, d: number, a: number, b: number): number {
  let s = 0;
  const pa = a * d;
  const pb = b * d;
  for (let f = 0; f < d; f++) {
    const t = x[pa + f] - x[pb + f];
    s += t * t;
  }
  return s;
}

function joinChunk(a: JoinArgs, chunk: number, nChunks: number): void {
  const span = a.hi - a.lo;
  const first = a.lo + chunkStart(chunk, span, nChunks);
  const last = a.lo + chunkStart(chunk + 1, span, nChunks);
  const { x, d, kk, heapDist, newStart, newIdx, oldStart, oldIdx } = a;
  let w = a.chunkOffsets[chunk];
  const start = w;
  for (let i = first; i < last; i++) {
    const n0 = newStart[i];
    const n1 = newStart[i + 1];
    for (let ia = n0; ia < n1; ia++) {
      const p = newIdx[ia];
      const worstP = heapDist[p * kk];
      for (let ib = ia + 1; ib < n1; ib++) {
        const q = newIdx[ib];
        const dist = squaredDistance(x, d, p, q);
        if (dist < worstP || dist < heapDist[q * kk]) {
          a.p[w] = p;
          a.q[w] = q;
          a.dist[w++] = dist;
        }
      }
      for (let ob = oldStart[i]; ob < oldStart[i + 1]; ob++) {
        const q = oldIdx[ob];
        if (q === p) continue;
        const dist = squaredDistance(x, d, p, q);
        if (dist < worstP || dist < heapDist[q * kk]) {
          a.p[w] = p;
          a.q[w] = q;
          a.dist[w++] = dist;
        }
      }
    }
  }
  a.counts[chunk] = w - start;
}

export const JOIN_KERNEL: ParallelKernel = defineKernel("pp.nnDescentJoin", joinChunk, [chunkStart, squaredDistance]);
