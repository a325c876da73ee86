/**
 * Mean cosine between each row and its kNN neighbours (velocity confidence, ICCoh) on core's worker pool:
 * rows split into fixed chunks, each row's sum and count written in place (results do not depend on the
 * thread count). Self-contained functions (shipped to worker threads by `defineKernel`).
 */
import {
  chunkStart,
  defineKernel,
  type KernelArgs,
  type ParallelKernel,
  releaseWorkerMemory,
  runChunks,
  toShared,
  useThreads,
} from "@diffcell/core";

interface NeighborCosineArgs {
  n: number;
  m: number;
  k: number;
  /** Rows, N × m, and their norms. */
  x: Float32Array;
  norms: Float64Array;
  neighbors: Int32Array;
  /** 1: skip the row itself among its neighbours. */
  skipSelf: number;
  /** Per-row group codes: only neighbours of the row's group count (empty: every neighbour). */
  groups: Int32Array;
  /** Outputs per row: Σ cosine and the number of neighbours counted. */
  sum: Float64Array;
  count: Int32Array;
}

function neighborCosineChunk(a: NeighborCosineArgs, chunk: number, nChunks: number): void {
  const lo = chunkStart(chunk, a.n, nChunks);
  const hi = chunkStart(chunk + 1, a.n, nChunks);
  const { m, k, x, norms, neighbors, skipSelf, groups, sum, count } = a;
  const grouped = groups.length > 0;
  for (let i = lo; i < hi; i++) {
    let s = 0;
    let c = 0;
    for (let r = 0; r < k; r++) {
      const j = neighbors[i * k + r];
      if ((skipSelf && j === i) || (grouped && groups[j] !== groups[i])) continue;
      let dot = 0;
      for (let q = 0; q < m; q++) dot += x[i * m + q] * x[j * m + q];
      s += norms[i] > 0 && norms[j] > 0 ? dot / (norms[i] * norms[j]) : 0;
      c++;
    }
    sum[i] = s;
    count[i] = c;
  }
}

const KERNEL: ParallelKernel = defineKernel("velocity.neighborCosine", neighborCosineChunk, [chunkStart]);

/** Fixed row chunks (independent of the thread count). */
const CHUNKS = 32;

/**
 * For each row i of x ([n, m] row-major, float32, written by `fill` into the array it is given: shared memory
 * when the pool is used, so the rows exist once), Σ over its neighbours j (N × k lists; the row itself skipped
 * with `skipSelf`, only j of i's group with `groups`) of cos(x_i, x_j) — 0 where a norm is 0 — and how many
 * were counted. Row norms in float64. On the worker pool when large.
 */
export function neighborCosines(
  n: number,
  m: number,
  fill: (x: Float32Array) => void,
  neighbors: Int32Array,
  options: { skipSelf?: boolean; groups?: Int32Array } = {},
): { sum: Float64Array; count: Int32Array } {
  const k = neighbors.length / n;
  const parallel = useThreads(CHUNKS, n * k * m, 2_000_000);
  const x = parallel ? new Float32Array(new SharedArrayBuffer(4 * n * m)) : new Float32Array(n * m);
  fill(x);
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let q = 0; q < m; q++) s += x[i * m + q] * x[i * m + q];
    norms[i] = Math.sqrt(s);
  }
  const args: NeighborCosineArgs = {
    n,
    m,
    k,
    x,
    norms,
    neighbors: parallel ? toShared(neighbors) : neighbors,
    skipSelf: options.skipSelf ? 1 : 0,
    groups: options.groups ?? new Int32Array(0),
    sum: new Float64Array(n),
    count: new Int32Array(n),
  };
  runChunks(KERNEL, args as unknown as KernelArgs, CHUNKS, parallel, ["sum", "count"]);
  if (parallel) releaseWorkerMemory(); // the workers' references to the rows go
  return { sum: args.sum, count: args.count };
}
