/**
 * The velocity graph's cosines on core's worker pool: cells order[rowLo .. rowHi) split into fixed chunks, each
 * candidate pair's correlation written to its own slot (so results do not depend on the thread count).
 * Self-contained functions (shipped to worker threads by `defineKernel`).
 */
import { chunkStart, defineKernel, type ParallelKernel } from "@diffcell/core";

/** The parts of the WebAssembly API used here (the compiler's libraries here do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
export interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
}

export interface GraphArgs {
  m: number;
  rowLo: number;
  rowHi: number;
  /** 1: sign·√|·| on displacements (velocities are transformed by the caller). */
  sqrt: number;
  /** Cells in processing order (row p of v, x and the candidate lists is cell order[p]) and rank[order[p]] = p. */
  order: Int32Array;
  rank: Int32Array;
  /** Centred velocities and expression, N × m, in processing order. */
  v: Float32Array;
  x: Float32Array;
  /**
   * The WebAssembly memory holding v and x (views on its buffer, bytes 0–1023 left for per-chunk results), for
   * the SIMD pair sums ({@link graphWasm}); null: plain loops.
   */
  memory: WasmMemory | null;
  /** Per row of v: Σ_c v and Σ_c v² over the stored (float32) velocities, summed in gene order. */
  vSum: Float64Array;
  vSquares: Float64Array;
  /**
   * Candidates (cell numbers, sorted) of each cell, as CSR in processing order (row p: cell order[p]), and the
   * output slot of each: the correlation, 0 when undefined.
   */
  candStart: Int32Array;
  cand: Int32Array;
  cos: Float32Array;
}

/**
 * A WebAssembly module (hand-assembled; no toolchain) exporting sums(a, b, va, vb, m, both, out): over genes
 * c = 0, 2, 4, … < m − m mod 2, in two f64x2 lanes (lane 0 even genes, lane 1 odd), with d = x_a − x_b from
 * float32 rows promoted to float64 — ⟨d, v_va⟩, ⟨d, v_vb⟩ (when `both`), Σd and Σd² — stored as four f64x2 at
 * `out`. Arguments are byte addresses in the imported memory ("env" "memory"; `shared` as the memory is). The
 * same operations in the same order as the kernel's two-accumulator loops, so the same bits, two genes per
 * instruction (2.6× on rows in cache). Self-contained (shipped to worker threads).
 */
export function graphWasm(shared: boolean): Uint8Array {
  const leb = (value: number): number[] => {
    const out: number[] = [];
    let rest = value;
    do {
      let byte = rest & 0x7f;
      rest >>>= 7;
      if (rest) byte |= 0x80;
      out.push(byte);
    } while (rest);
    return out;
  };
  const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
  const name = (text: string) => [text.length, ...Array.from(text, (ch) => ch.charCodeAt(0))];
  const I32 = 0x7f;
  const V128 = 0x7b;
  const SIMD = 0xfd;
  const get = (local: number) => [0x20, local];
  const set = (local: number) => [0x21, local];
  // promote_low(load64_zero(address + c)): two float32 of a row as f64x2 (params 0–3 are addresses, local 7 is c).
  const load = (address: number) => [...get(address), ...get(7), 0x6a, SIMD, 0x5d, 2, 0, SIMD, 0x5f];
  const add = [SIMD, 0xf0, 1];
  const sub = [SIMD, 0xf1, 1];
  const mul = [SIMD, 0xf2, 1];
  const store = (local: number, offset: number) => [...get(6), ...get(local), SIMD, 0x0b, 4, offset];
  // Locals: 7 c (bytes), 8 end (bytes), 9 dv, 10 dw, 11 dSum, 12 dd, 13 d.
  const body = [
    2,
    2,
    I32,
    5,
    V128,
    ...[...get(4), 0x41, 0x7e, 0x71, 0x41, 2, 0x74, ...set(8)], // end = (m & −2) << 2
    0x02,
    0x40,
    0x03,
    0x40,
    ...[...get(7), ...get(8), 0x4f, 0x0d, 1], // c ≥ end: leave
    ...[...load(0), ...load(1), ...sub, ...set(13)],
    ...[...get(9), ...get(13), ...load(2), ...mul, ...add, ...set(9)],
    ...[...get(5), 0x04, 0x40, ...get(10), ...get(13), ...load(3), ...mul, ...add, ...set(10), 0x0b],
    ...[...get(11), ...get(13), ...add, ...set(11)],
    ...[...get(12), ...get(13), ...get(13), ...mul, ...add, ...set(12)],
    ...[...get(7), 0x41, 8, 0x6a, ...set(7)],
    0x0c,
    0,
    0x0b,
    0x0b,
    ...store(9, 0),
    ...store(10, 16),
    ...store(11, 32),
    ...store(12, 48),
    0x0b,
  ];
  return new Uint8Array([
    ...[0, 0x61, 0x73, 0x6d, 1, 0, 0, 0],
    ...section(1, [1, 0x60, 7, I32, I32, I32, I32, I32, I32, I32, 0]),
    ...section(2, [1, ...name("env"), ...name("memory"), 2, shared ? 3 : 1, 1, ...leb(65536)]),
    ...section(3, [1, 0]),
    ...section(7, [1, ...name("sums"), 0, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

/** {@link graphWasm}'s export: addresses of x_a, x_b, v_va, v_vb, the gene count, 1 for ⟨d, v_vb⟩, the result. */
type PairSums = (xa: number, xb: number, va: number, vb: number, m: number, both: number, out: number) => void;

/** Bytes at the start of a graph's memory kept for the chunks' results (64 each, up to 16 chunks). */
export const GRAPH_SCRATCH_BYTES = 1024;

/** Slot of candidate `i` in row `q`'s sorted list, or −1. */
function reverseSlot(candStart: Int32Array, cand: Int32Array, q: number, i: number): number {
  let lo = candStart[q];
  const end = candStart[q + 1];
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cand[mid] < i) lo = mid + 1;
    else hi = mid;
  }
  return lo < end && cand[lo] === i ? lo : -1;
}

/**
 * Rows [lo, hi) (cells order[lo .. hi)) of the graph. A pair that is a candidate both ways (j in i's list and i in
 * j's) is computed once, by the earlier row, for both slots: d = x_j − x_i serves i (⟨d, v_i⟩) and j (d′ = −d
 * exactly, so Σd′ = −Σd, Σd′² = Σd² and ⟨d′, v_j⟩ = −⟨d, v_j⟩ bit for bit) — one pass over the genes instead of
 * two, and the same values whichever side computes them. The later row skips that slot; slots are written by
 * exactly one row, so chunks on different threads never write the same one.
 */
function graphChunk(a: GraphArgs, chunk: number, nChunks: number): void {
  const span = a.rowHi - a.rowLo;
  const lo = a.rowLo + chunkStart(chunk, span, nChunks);
  const hi = a.rowLo + chunkStart(chunk + 1, span, nChunks);
  const { m, v, x, candStart, cand, cos, sqrt, vSum, vSquares, order, rank, memory } = a;
  // The SIMD sums (no sqrt transform), compiled here: a worker gets its own copy of the memory object per call.
  let sums: PairSums | null = null;
  let result: Float64Array<ArrayBufferLike> = new Float64Array(0);
  const out = 64 * chunk;
  if (memory && !sqrt) {
    // A page without cross-origin isolation has no SharedArrayBuffer at all (and runs on one thread).
    const shared = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
    const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const instance = new api.Instance(new api.Module(graphWasm(shared)), { env: { memory } });
    sums = instance.exports.sums as PairSums;
    result = new Float64Array(memory.buffer, out, 8);
  }
  const even = m - (m % 2);
  for (let p = lo; p < hi; p++) {
    const i = order[p];
    const vi = p * m;
    const viNorm = Math.sqrt(vSquares[p]);
    for (let e = candStart[p]; e < candStart[p + 1]; e++) {
      const j = cand[e];
      const q = rank[j];
      const r = reverseSlot(candStart, cand, q, i);
      if (r >= 0 && q < p) continue; // computed with row q's pair
      const xj = q * m;
      // Two partial sums of each: the adds of one sum no longer wait on each other (1.5× faster on 33k cells).
      let dv0 = 0;
      let dSum0 = 0;
      let dd0 = 0;
      let dv1 = 0;
      let dSum1 = 0;
      let dd1 = 0;
      // ⟨d, v_j⟩ for the reverse slot.
      let dw0 = 0;
      let dw1 = 0;
      let c = 0;
      if (sums) {
        sums(
          x.byteOffset + 4 * xj,
          x.byteOffset + 4 * vi,
          v.byteOffset + 4 * vi,
          v.byteOffset + 4 * xj,
          m,
          r >= 0 ? 1 : 0,
          out,
        );
        dv0 = result[0];
        dv1 = result[1];
        dw0 = result[2];
        dw1 = result[3];
        dSum0 = result[4];
        dSum1 = result[5];
        dd0 = result[6];
        dd1 = result[7];
        c = even;
      } else if (!sqrt) {
        // The plain loops (no SIMD): the order the module reproduces.
        const both = r >= 0;
        for (; c + 1 < m; c += 2) {
          const d0 = x[xj + c] - x[vi + c];
          const d1 = x[xj + c + 1] - x[vi + c + 1];
          dv0 += d0 * v[vi + c];
          dv1 += d1 * v[vi + c + 1];
          if (both) {
            dw0 += d0 * v[xj + c];
            dw1 += d1 * v[xj + c + 1];
          }
          dSum0 += d0;
          dSum1 += d1;
          dd0 += d0 * d0;
          dd1 += d1 * d1;
        }
      }
      for (; c < m; c++) {
        const raw = x[xj + c] - x[vi + c];
        const d = sqrt ? Math.sign(raw) * Math.sqrt(Math.abs(raw)) : raw;
        dv0 += d * v[vi + c];
        if (r >= 0) dw0 += d * v[xj + c];
        dSum0 += d;
        dd0 += d * d;
      }
      const dSum = dSum0 + dSum1;
      const dd = dd0 + dd1;
      const mean = dSum / m;
      const centredNorm2 = dd - m * mean * mean;
      const norm = Math.sqrt(centredNorm2);
      // v is centred, so Σv = 0 and centring d leaves ⟨d, v⟩ unchanged; kept general for clarity.
      cos[e] = centredNorm2 > 0 && vSquares[p] > 0 ? (dv0 + dv1 - mean * vSum[p]) / (norm * viNorm) : 0;
      if (r >= 0) {
        // d′ = −d: ⟨d′, v_j⟩ = −(dw0 + dw1), mean′ = −mean, the same centred norm.
        cos[r] =
          centredNorm2 > 0 && vSquares[q] > 0 ? (-(dw0 + dw1) + mean * vSum[q]) / (norm * Math.sqrt(vSquares[q])) : 0;
      }
    }
  }
}

export const GRAPH_KERNEL: ParallelKernel = defineKernel("velocity.graph", graphChunk, [
  chunkStart,
  reverseSlot,
  graphWasm,
]);
