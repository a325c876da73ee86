/**
 * Approximate kNN by NN-descent (Dong, Moses & Li 2011) started from random-projection-tree leaves,
 * the scheme of pynndescent, which scanpy uses for large data. "A neighbour of a neighbour is likely a
 * neighbour": each round compares, for every point, pairs among its new and old neighbours (and reverse
 * neighbours) and keeps the k best per point, until fewer than δ·N·k lists change. Randomness (tree
 * hyperplanes, sampling) comes from `Rngs`, so results are reproducible. Final lists are re-ranked with
 * float64 distances and start with the point itself.
 */
import type { KernelArgs, KnnResult, Matrix, ProgressCallback, Rngs } from "@diffcell/core";
import {
  ConfigError,
  chunkStart,
  releaseWorkerMemory,
  runChunks,
  sharedFloat64,
  toShared,
  useThreads,
} from "@diffcell/core";
import { JOIN_CHUNKS, JOIN_KERNEL, JOIN_PART_PAIRS, type JoinArgs, squaredDistance } from "./joinKernel.js";

export interface NnDescentOptions {
  rngs: Rngs;
  /** Random-projection trees for the initial graph (default 4 + ⌊N^¼ / 2⌋, capped at 12). */
  nTrees?: number;
  /** Largest tree leaf (default max(60, 2k)). */
  leafSize?: number;
  maxIterations?: number;
  /** Stop when fewer than delta · N · k neighbour slots change in a round (default 0.001). */
  delta?: number;
  /**
   * Candidate pairs per batch of the parallel local joins (default `JOIN_PART_PAIRS`, 4 Mi: 64 MB of output
   * buffers). Any value gives the same graph.
   */
  joinPartPairs?: number;
  onProgress?: ProgressCallback;
}

/** Per-point bounded max-heaps of (squared distance, index, isNew). */
class NeighborHeaps {
  readonly idx: Int32Array;
  readonly dist: Float64Array;
  readonly isNew: Uint8Array;
  constructor(
    readonly n: number,
    readonly k: number,
    /** Distances in shared memory (the parallel joins read the worst of each heap). */
    shared = false,
  ) {
    this.idx = new Int32Array(n * k).fill(-1);
    this.dist = (shared ? sharedFloat64(n * k) : new Float64Array(n * k)).fill(Number.POSITIVE_INFINITY);
    this.isNew = new Uint8Array(n * k);
  }

  /** Inserts j into i's heap if closer than the current worst and not present; returns 1 if inserted. */
  push(i: number, j: number, d: number): number {
    const { k, idx, dist, isNew } = this;
    const base = i * k;
    if (d >= dist[base]) return 0;
    for (let r = 0; r < k; r++) if (idx[base + r] === j) return 0;
    // Replace the root (the worst) and sift down.
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      const r = l + 1;
      let top = c;
      let topDist = d;
      if (l < k && dist[base + l] > topDist) {
        top = l;
        topDist = dist[base + l];
      }
      if (r < k && dist[base + r] > topDist) top = r;
      if (top === c) break;
      dist[base + c] = dist[base + top];
      idx[base + c] = idx[base + top];
      isNew[base + c] = isNew[base + top];
      c = top;
    }
    dist[base + c] = d;
    idx[base + c] = j;
    isNew[base + c] = 1;
    return 1;
  }
}

/** Leaves of one random-projection tree (hyperplane between two random points, split by side). */
function rpTreeLeaves(x: Float32Array, d: number, points: Int32Array, leafSize: number, rngs: Rngs): Int32Array[] {
  const leaves: Int32Array[] = [];
  const stack: Int32Array[] = [points];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.length <= leafSize) {
      leaves.push(node);
      continue;
    }
    const [u0, u1] = rngs.uniform(2);
    const a = node[Math.floor(u0 * node.length)];
    let b = node[Math.floor(u1 * node.length)];
    if (a === b) b = node[(node.indexOf(a) + 1) % node.length];
    // Hyperplane normal a − b through the midpoint.
    const normal = new Float64Array(d);
    let offset = 0;
    for (let f = 0; f < d; f++) {
      normal[f] = x[a * d + f] - x[b * d + f];
      offset -= (normal[f] * (x[a * d + f] + x[b * d + f])) / 2;
    }
    const left: number[] = [];
    const right: number[] = [];
    const coin = rngs.uniform(node.length);
    for (let t = 0; t < node.length; t++) {
      const p = node[t];
      let side = offset;
      for (let f = 0; f < d; f++) side += normal[f] * x[p * d + f];
      if (side > 0 || (side === 0 && coin[t] < 0.5)) left.push(p);
      else right.push(p);
    }
    if (left.length === 0 || right.length === 0) {
      // Degenerate split (duplicates): halve at random.
      const order = Array.from(node, (_, t) => t).sort((p, q) => coin[p] - coin[q]);
      const shuffled = order.map((t) => node[t]);
      const half = shuffled.length >> 1;
      stack.push(Int32Array.from(shuffled.slice(0, half)), Int32Array.from(shuffled.slice(half)));
      continue;
    }
    stack.push(Int32Array.from(left), Int32Array.from(right));
  }
  return leaves;
}

export function nnDescent(x: Matrix, k: number, options: NnDescentOptions): KnnResult {
  const { rows: n, cols: d, data } = x;
  if (!Number.isInteger(k) || k < 2 || k > n) throw new ConfigError("nnDescent", "k", `an integer in [2, ${n}]`, k);
  const rngs = options.rngs;
  const kk = k - 1; // neighbours other than self
  // The local joins' distances on the worker pool (joinKernel.ts): every pair a round compares, filtered by
  // the heaps' current worst distances, then pushed on this thread in the order the pairs were generated —
  // the pairs filtered out could not have entered either heap, so the graph is the one-thread result exactly.
  const parallel = useThreads(JOIN_CHUNKS, n * kk * d, 1_000_000);
  const heaps = new NeighborHeaps(n, kk, parallel);
  const leafSize = options.leafSize ?? Math.max(60, 2 * k);
  const sample = Math.max(1, Math.ceil(kk / 2));
  const ints = (length: number) =>
    parallel ? new Int32Array(new SharedArrayBuffer(4 * length)) : new Int32Array(length);
  const points = parallel ? toShared(data) : data;
  let updates = 0;
  const partPairs = Math.max(1, options.joinPartPairs ?? JOIN_PART_PAIRS);
  // (A part holds one list at least: room for the largest a list can be, (2·sample)² / 2 + 2·sample · 2·kk.)
  const capacity = Math.max(partPairs, 2 * sample * (sample + 2 * kk), (leafSize * leafSize) / 2);
  const out = {
    p: ints(capacity),
    q: ints(capacity),
    dist: parallel ? sharedFloat64(capacity) : new Float64Array(capacity),
    counts: ints(JOIN_CHUNKS),
    chunkOffsets: ints(JOIN_CHUNKS + 1),
  };
  /**
   * The local joins of `count` candidate lists (points, or tree leaves with no old lists), pushed in order.
   * Parts of consecutive lists whose pairs (at most nw(nw − 1)/2 + nw·od each) fit the output buffers.
   */
  const joinAll = (lists: Pick<JoinArgs, "newStart" | "newIdx" | "oldStart" | "oldIdx">, count: number) => {
    const before = new Float64Array(count + 1);
    for (let i = 0; i < count; i++) {
      const nw = lists.newStart[i + 1] - lists.newStart[i];
      before[i + 1] = before[i] + (nw * (nw - 1)) / 2 + nw * (lists.oldStart[i + 1] - lists.oldStart[i]);
    }
    for (let lo = 0; lo < count; ) {
      let hi = lo + 1;
      while (hi < count && before[hi + 1] - before[lo] <= partPairs) hi++;
      // Each chunk writes from the bound of the lists before it.
      for (let c = 0; c <= JOIN_CHUNKS; c++)
        out.chunkOffsets[c] = before[lo + chunkStart(c, hi - lo, JOIN_CHUNKS)] - before[lo];
      const args: JoinArgs = { ...lists, x: points, d, kk, heapDist: heaps.dist, lo, hi, ...out };
      runChunks(JOIN_KERNEL, args as unknown as KernelArgs, JOIN_CHUNKS, parallel);
      for (let c = 0; c < JOIN_CHUNKS; c++) {
        const end = out.chunkOffsets[c] + out.counts[c];
        for (let w = out.chunkOffsets[c]; w < end; w++) {
          const pp = out.p[w];
          const qq = out.q[w];
          updates += heaps.push(pp, qq, out.dist[w]) + heaps.push(qq, pp, out.dist[w]);
        }
      }
      lo = hi;
    }
  };
  const nTrees = options.nTrees ?? Math.min(12, 4 + Math.floor(n ** 0.25 / 2));
  const all = Int32Array.from({ length: n }, (_, i) => i);
  for (let t = 0; t < nTrees; t++) {
    // Every pair within each leaf: a join of the leaf as a list of new candidates.
    const leaves = rpTreeLeaves(data, d, all, leafSize, rngs);
    const newStart = ints(leaves.length + 1);
    leaves.forEach((leaf, l) => {
      newStart[l + 1] = newStart[l] + leaf.length;
    });
    const newIdx = ints(n);
    for (let l = 0; l < leaves.length; l++) newIdx.set(leaves[l], newStart[l]);
    joinAll({ newStart, newIdx, oldStart: ints(leaves.length + 1), oldIdx: ints(0) }, leaves.length);
  }
  // Fill any short list with random points so every heap is full.
  for (let i = 0; i < n; i++) {
    let tries = 0;
    while (heaps.idx[i * kk] < 0 && tries++ < 10 * kk) {
      const j = Math.floor(rngs.uniform(1)[0] * n);
      if (j !== i) heaps.push(i, j, squaredDistance(data, d, i, j));
    }
  }
  const maxIterations = options.maxIterations ?? 12;
  const delta = options.delta ?? 0.001;
  // Typed lists reused by every round (the joins read them in place): each point's raw candidates in the
  // order they are found, then deduplicated (and sampled down) in point order.
  const slots = n * kk;
  const kind = new Uint8Array(slots);
  const rawNewStart = new Int32Array(n + 1);
  const rawOldStart = new Int32Array(n + 1);
  const rawNew = new Int32Array(2 * slots);
  const rawOld = new Int32Array(2 * slots);
  const cursorNew = new Int32Array(n);
  const cursorOld = new Int32Array(n);
  const newStart = ints(n + 1);
  const oldStart = ints(n + 1);
  const newIdx = ints(n * 2 * sample);
  const oldIdx = ints(n * 2 * kk);
  const seen = new Uint8Array(n);
  let uniqueBuffer = new Int32Array(Math.max(64, 4 * kk));
  /** The distinct entries of raw[start, end) in first-seen order, at most `limit` (a random subset when more), into out at `at`. */
  const dedupe = (raw: Int32Array, start: number, end: number, limit: number, out: Int32Array, at: number) => {
    if (end - start > uniqueBuffer.length) uniqueBuffer = new Int32Array(2 * (end - start));
    let count = 0;
    for (let p = start; p < end; p++) {
      const j = raw[p];
      if (seen[j]) continue;
      seen[j] = 1;
      uniqueBuffer[count++] = j;
    }
    for (let t = 0; t < count; t++) seen[uniqueBuffer[t]] = 0; // cleared for the next list
    if (count <= limit) {
      out.set(uniqueBuffer.subarray(0, count), at);
      return count;
    }
    const keys = rngs.uniform(count);
    const order = Array.from({ length: count }, (_, t) => t).sort((a, b) => keys[a] - keys[b]);
    for (let t = 0; t < limit; t++) out[at + t] = uniqueBuffer[order[t]];
    return limit;
  };
  for (let iter = 0; iter < maxIterations; iter++) {
    // Candidate lists: a sample of new neighbours (then marked old) and old ones, plus reverse edges — counted,
    // then filled in the same order (kind 1: sampled new, 2: old).
    const u = rngs.uniform(slots);
    rawNewStart.fill(0);
    rawOldStart.fill(0);
    for (let i = 0; i < n; i++) {
      for (let r = 0; r < kk; r++) {
        const slot = i * kk + r;
        const j = heaps.idx[slot];
        kind[slot] = 0;
        if (j < 0) continue;
        if (heaps.isNew[slot]) {
          if (u[slot] * kk < sample) {
            kind[slot] = 1;
            rawNewStart[i + 1]++;
            rawNewStart[j + 1]++;
            heaps.isNew[slot] = 0;
          }
        } else {
          kind[slot] = 2;
          rawOldStart[i + 1]++;
          rawOldStart[j + 1]++;
        }
      }
    }
    for (let i = 0; i < n; i++) {
      rawNewStart[i + 1] += rawNewStart[i];
      rawOldStart[i + 1] += rawOldStart[i];
    }
    cursorNew.set(rawNewStart.subarray(0, n));
    cursorOld.set(rawOldStart.subarray(0, n));
    for (let slot = 0; slot < slots; slot++) {
      const k0 = kind[slot];
      if (k0 === 0) continue;
      const i = (slot / kk) | 0;
      const j = heaps.idx[slot];
      if (k0 === 1) {
        rawNew[cursorNew[i]++] = j;
        rawNew[cursorNew[j]++] = i;
      } else {
        rawOld[cursorOld[i]++] = j;
        rawOld[cursorOld[j]++] = i;
      }
    }
    for (let i = 0; i < n; i++) {
      newStart[i + 1] =
        newStart[i] + dedupe(rawNew, rawNewStart[i], rawNewStart[i + 1], 2 * sample, newIdx, newStart[i]);
      oldStart[i + 1] = oldStart[i] + dedupe(rawOld, rawOldStart[i], rawOldStart[i + 1], 2 * kk, oldIdx, oldStart[i]);
    }
    updates = 0;
    joinAll({ newStart, newIdx, oldStart, oldIdx }, n);
    options.onProgress?.({
      stage: "knn",
      done: iter + 1,
      total: maxIterations,
      message: `NN-descent round, ${updates} updates`,
    });
    if (updates <= delta * n * kk) break;
  }
  // The workers' references to this call's shared lists and buffers go with them.
  if (parallel) releaseWorkerMemory();
  return finalize(data, d, heaps, n, k);
}

function finalize(data: Float32Array, d: number, heaps: NeighborHeaps, n: number, k: number): KnnResult {
  const kk = k - 1;
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const entries: [number, number][] = [];
    for (let r = 0; r < kk; r++) {
      const j = heaps.idx[i * kk + r];
      if (j < 0) continue;
      let s = 0;
      for (let f = 0; f < d; f++) s += (data[i * d + f] - data[j * d + f]) ** 2;
      entries.push([j, Math.sqrt(s)]);
    }
    entries.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    indices[i * k] = i;
    for (let r = 1; r < k; r++) {
      const e = entries[r - 1];
      indices[i * k + r] = e ? e[0] : -1;
      distances[i * k + r] = e ? e[1] : 0;
    }
  }
  return { indices, distances, n, k };
}
