import {
  InputError,
  type KernelArgs,
  type ProgressCallback,
  releaseWorkerMemory,
  runChunks,
  ShapeError,
  toShared,
  useThreads,
} from "@diffcell/core";
import { finiteColumns } from "./columns.js";
import {
  GRAPH_KERNEL,
  GRAPH_SCRATCH_BYTES,
  type GraphArgs,
  graphWasm,
  type WasmApi,
  type WasmMemory,
} from "./graphKernel.js";
import { CsrBuilder, neighborSets, type SparseRows } from "./sparse.js";

export interface VelocityGraphOptions {
  /** kNN neighbour lists, N × k row-major (the cell itself may be included; it is skipped). */
  neighbors: Int32Array;
  /** 1: the kNN neighbours only; 2: also the neighbours' neighbours (scVelo's default). */
  recurse?: number;
  /** Genes to use (e.g. velocity genes); default all. Genes with a non-finite velocity in any cell are dropped. */
  genes?: ArrayLike<boolean | number>;
  /** sign·√|x| on velocities and displacements (scVelo's default for stochastic velocities). */
  sqrtTransform?: boolean;
  /**
   * Per-gene factors applied to velocity and expression as they are read (length G; e.g.
   * `standardizedGeneScale`): the graph of the rescaled space without storing it. Default none.
   */
  geneScale?: ArrayLike<number>;
  onProgress?: ProgressCallback;
  /**
   * Pair sums with WebAssembly SIMD where available (default true; the same bits as the plain loops, which
   * `false` selects — for comparisons).
   */
  simd?: boolean;
}

export interface VelocityGraph {
  /** Positive cosines, N × N sparse. */
  graph: SparseRows;
  /** Negative cosines (kept negative), N × N sparse. */
  graphNeg: SparseRows;
}

/**
 * scVelo's velocity graph: for each cell i and each candidate j (its kNN and, with `recurse: 2`, their kNN),
 * the Pearson correlation between i's velocity and the displacement x_j − x_i — both centred across genes
 * (scVelo's `cosine_correlation` on a per-cell-centred velocity) — split into positive and negative parts.
 * x is the expression the velocity lives in (usually `layers.Ms`, linear scale).
 *
 * Per pair only three sums over genes are needed — ⟨d, v⟩, Σd and ‖d‖² — since centring d shifts
 * ⟨d, v⟩ by −mean(d)·Σv and ‖d‖² by −G·mean(d)².
 */
export function velocityGraph(
  velocity: ArrayLike<number>,
  expression: ArrayLike<number>,
  n: number,
  g: number,
  options: VelocityGraphOptions,
): VelocityGraph {
  if (velocity.length !== n * g) throw new ShapeError("velocity", `[${n}, ${g}]`, `${velocity.length} values`);
  if (expression.length !== n * g) throw new ShapeError("expression", `[${n}, ${g}]`, `${expression.length} values`);
  if (options.genes && options.genes.length !== g) throw new ShapeError("genes", `[${g}]`, [options.genes.length]);
  const mask = finiteColumns(velocity, n, g, options.genes);
  const genes: number[] = [];
  for (let j = 0; j < g; j++) if (mask[j]) genes.push(j);
  if (genes.length === 0) throw new InputError("genes", "no genes selected for the velocity graph");
  const m = genes.length;
  // Rows stored and processed in breadth-first order of the kNN graph: a row's candidates then sit a few
  // thousand rows away instead of anywhere in N, so the rows a pair reads are mostly still in cache (100k
  // simulated cells: 64–69 → 52–55 s). Each pair's sums are the same, so the graph is too.
  let { candStart, cand, order, rank } = candidatesInOrder(options.neighbors, n, options.recurse ?? 2);
  const parallel = useThreads(CHUNKS, cand.length * m, 200_000);
  // On the pool the lists live in shared memory from here (the originals go; no pooled copy per call).
  if (parallel) [candStart, cand, order, rank] = [candStart, cand, order, rank].map((a) => toShared(a));
  // Gene-subset copies in float32 (contiguous rows make the pair loops fast; the pair sums stay float64),
  // shared with the worker pool from the start: at 100k cells × 1000 genes float64 copies plus the pool's
  // copies of them held 3.2 GB, and the pair loops read half the bytes.
  // With WebAssembly SIMD (unless `simd: false`), v and x live in a WebAssembly memory the pair sums read.
  const memory = options.simd === false ? null : graphMemory(n * m, parallel);
  const block = (length: number) =>
    parallel ? new Float32Array(new SharedArrayBuffer(4 * length)) : new Float32Array(length);
  const v = memory ? new Float32Array(memory.buffer, GRAPH_SCRATCH_BYTES, n * m) : block(n * m);
  const x = memory ? new Float32Array(memory.buffer, GRAPH_SCRATCH_BYTES + 4 * n * m, n * m) : block(n * m);
  const scale = options.geneScale;
  if (scale && scale.length !== g) throw new ShapeError("geneScale", `[${g}]`, [scale.length]);
  const root = options.sqrtTransform ? (z: number) => Math.sign(z) * Math.sqrt(Math.abs(z)) : (z: number) => z;
  const row = new Float64Array(m);
  const sums = (length: number) =>
    parallel ? new Float64Array(new SharedArrayBuffer(8 * length)) : new Float64Array(length);
  const vSum = sums(n);
  const vSquares = sums(n);
  for (let i = 0; i < n; i++) {
    const at = rank[i] * m;
    let mean = 0;
    for (let c = 0; c < m; c++) {
      const f = scale ? scale[genes[c]] : 1;
      const value = root(velocity[i * g + genes[c]] * f);
      row[c] = value;
      mean += value / m;
      const e = expression[i * g + genes[c]] * f;
      if (!Number.isFinite(e)) {
        throw new InputError(
          "expression",
          `value ${e} at row ${i}, column ${genes[c]}; expected finite`,
          i * g + genes[c],
        );
      }
      x[at + c] = e;
    }
    // Each row's Σv and Σv² over the stored (float32) values, in gene order: the kernel reads them for both
    // slots of a pair.
    let total = 0;
    let squares = 0;
    for (let c = 0; c < m; c++) {
      v[at + c] = row[c] - mean;
      const stored = v[at + c];
      total += stored;
      squares += stored * stored;
    }
    vSum[rank[i]] = total;
    vSquares[rank[i]] = squares;
  }
  // Correlations of every candidate pair on the worker pool, a quarter of the rows at a time (progress). A row
  // also fills slots of later rows (pairs that are candidates both ways: see the kernel); those rows skip them.
  const cos = block(cand.length);
  const args: GraphArgs = {
    m,
    rowLo: 0,
    rowHi: 0,
    sqrt: options.sqrtTransform ? 1 : 0,
    v,
    x,
    memory,
    vSum,
    vSquares,
    order,
    rank,
    candStart,
    cand,
    cos,
  };
  for (let part = 0; part < 4; part++) {
    args.rowLo = Math.floor((part * n) / 4);
    args.rowHi = Math.floor(((part + 1) * n) / 4);
    runChunks(GRAPH_KERNEL, args as unknown as KernelArgs, CHUNKS, parallel, ["cos"]);
    options.onProgress?.({ stage: "velocity graph", done: args.rowHi, total: n });
  }
  if (parallel) releaseWorkerMemory(); // the workers' references to v and x go with them
  // Exact capacities (counted first): no growing copies, and `build` keeps the arrays.
  let positives = 0;
  let negatives = 0;
  for (let e = 0; e < cos.length; e++) {
    if (cos[e] > 0) positives++;
    else if (cos[e] < 0) negatives++;
  }
  const positive = new CsrBuilder(n, positives);
  const negative = new CsrBuilder(n, negatives);
  for (let i = 0; i < n; i++) {
    for (let e = candStart[rank[i]]; e < candStart[rank[i] + 1]; e++) {
      if (cos[e] > 0) positive.push(cand[e], cos[e]);
      else if (cos[e] < 0) negative.push(cand[e], cos[e]);
    }
    positive.endRow();
    negative.endRow();
  }
  return { graph: positive.build(), graphNeg: negative.build() };
}

/**
 * {@link localityOrder} from a set of kNN lists, each cell's position in it (rank[order[p]] = p), and the
 * candidate lists in that order (see {@link candidates}).
 */
function candidatesInOrder(
  neighbors: Int32Array,
  n: number,
  recurse: number,
): { candStart: Int32Array; cand: Int32Array; order: Int32Array; rank: Int32Array } {
  const direct = neighborSets(neighbors, n);
  const order = localityOrder(direct, n);
  const rank = new Int32Array(n);
  for (let p = 0; p < n; p++) rank[order[p]] = p;
  return { ...candidates(direct, n, recurse, order), order, rank };
}

/**
 * A WebAssembly memory for the velocity graph's v and x (`values` float32 each, after the chunks' result
 * bytes), shared when the pool runs the pass; null where WebAssembly SIMD is missing or the data exceed a
 * 32-bit memory (then plain typed arrays and loops).
 */
function graphMemory(values: number, shared: boolean): WasmMemory | null {
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  const pages = Math.ceil((GRAPH_SCRATCH_BYTES + 8 * values) / 65536);
  if (!api || pages > 65535 || !api.validate(graphWasm(shared))) return null;
  return new api.Memory({ initial: pages, maximum: pages, shared });
}

/** Row chunks of the correlation pass (fixed: results do not depend on the number of threads). */
const CHUNKS = 16;

/**
 * Each cell's candidates, sorted: its kNN and, with `recurse` 2, their kNN (the cell itself excluded), as CSR
 * with row p listing cell order[p]'s.
 */
function candidates(
  direct: number[][],
  n: number,
  recurse: number,
  order: Int32Array,
): { candStart: Int32Array; cand: Int32Array } {
  const candStart = new Int32Array(n + 1);
  let edges = 0;
  for (const row of direct) edges += row.length;
  let cand: Int32Array = new Int32Array(Math.max(16, 8 * edges));
  const seen = new Int32Array(n).fill(-1);
  // Typed buffers reused across rows and one native numeric sort per row (a JS array per row, spread pushes
  // and a comparator sort took 2.9 s per graph on 33k cells); the candidates come out the same.
  let row: Int32Array = new Int32Array(256);
  let frontier: Int32Array = new Int32Array(256);
  let next: Int32Array = new Int32Array(256);
  for (let p = 0; p < n; p++) {
    const i = order[p];
    let rowLength = 0;
    seen[i] = i;
    const first = direct[i];
    if (first.length > frontier.length) frontier = new Int32Array(2 * first.length);
    frontier.set(first);
    let frontierLength = first.length;
    for (let level = 0; level < recurse; level++) {
      let nextLength = 0;
      for (let f = 0; f < frontierLength; f++) {
        const j = frontier[f];
        if (seen[j] === i) continue;
        seen[j] = i;
        if (rowLength === row.length) row = grow(row, rowLength);
        row[rowLength++] = j;
        if (level + 1 < recurse) {
          const more = direct[j];
          if (nextLength + more.length > next.length) next = grow(next, nextLength + more.length);
          for (let r = 0; r < more.length; r++) next[nextLength++] = more[r];
        }
      }
      [frontier, next] = [next, frontier];
      frontierLength = nextLength;
    }
    const sorted = row.subarray(0, rowLength).sort();
    const start = candStart[p];
    if (start + rowLength > cand.length) cand = grow(cand, start + rowLength);
    cand.set(sorted, start);
    candStart[p + 1] = start + rowLength;
  }
  return { candStart, cand: cand.slice(0, candStart[n]) };
}

/**
 * The cells in breadth-first order of the kNN graph: neighbours end up close in the order (100k simulated
 * cells: a kNN pair 3.1k rows apart on average instead of 32k). Each cell not yet placed, in increasing
 * number, starts a part: a sweep over the unplaced cells it reaches finds a pseudo-peripheral cell (the last
 * reached), and the part is the sweep from there, then (kNN lists are directed, so that need not reach back)
 * from the starting cell. Every cell is placed once; every cell probed is placed in its part, so no cell is
 * probed twice.
 */
export function localityOrder(direct: number[][], n: number): Int32Array {
  const order = new Int32Array(n);
  const placed = new Uint8Array(n);
  const probed = new Uint8Array(n);
  const scratch = new Int32Array(n);
  /** Breadth-first from `from` over cells unmarked in `seen` (marking them) into out[at ..]; returns the end. */
  const sweep = (from: number, out: Int32Array, at: number, seen: Uint8Array): number => {
    let head = at;
    let tail = at;
    seen[from] = 1;
    out[tail++] = from;
    while (head < tail) {
      const row = direct[out[head++]];
      for (let r = 0; r < row.length; r++) {
        const j = row[r];
        if (!seen[j] && !placed[j]) {
          seen[j] = 1;
          out[tail++] = j;
        }
      }
    }
    return tail;
  };
  let filled = 0;
  for (let s = 0; s < n; s++) {
    if (placed[s]) continue;
    const end = sweep(s, scratch, 0, probed);
    filled = sweep(scratch[end - 1], order, filled, placed);
    if (!placed[s]) filled = sweep(s, order, filled, placed);
  }
  return order;
}

/** A copy of `a` with room for at least `needed` elements (doubling), the first `a.length` kept. */
function grow(a: Int32Array, needed: number): Int32Array {
  const out = new Int32Array(Math.max(2 * a.length, needed));
  out.set(a);
  return out;
}
