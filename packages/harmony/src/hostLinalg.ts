/**
 * Dense loops on host arrays for the fast (tape-free) path and the fused kernels. Harmony's products are
 * N × K × F with F ≈ 20–50 and K ≤ 100: thin, and with outputs of N·K entries, where tfjs-wasm's matmul is
 * measured slow (its cost grows with the output size) and a call's upload alone costs milliseconds. So: one
 * register-blocked kernel, C = α·A·Bᵀ (+ C), 4 rows × 4 columns per step (16 accumulators: each loaded value
 * is used four times), ~2.5× faster than a plain dot-product loop in V8.
 */
import type { HostArray } from "@diffcell/core";

type Numbers = HostArray | Float64Array;

export interface GemmArgs {
  /** A: rows of length `len` at a[aOffset + row·aStride ..]. */
  a: Numbers;
  aOffset?: number;
  aStride: number;
  /** Optional row list: output row r uses A row aRows[r] and is written to C row aRows[r] (or r, see packed). */
  aRows?: Int32Array;
  /** With aRows: write output row r to C row r (a compact block) instead of C row aRows[r]. */
  packed?: boolean;
  /** B: rows of length `len` at b[bOffset + col·bStride ..]. */
  b: Numbers;
  bOffset?: number;
  bStride: number;
  /** C: out[outOffset + row·outStride + col]. */
  out: Numbers;
  outOffset?: number;
  outStride: number;
  /** Rows of C (or length of aRows), columns of C, inner length. */
  n: number;
  k: number;
  len: number;
  alpha?: number;
  /** Add to C instead of overwriting it. */
  accumulate?: boolean;
}

/** C[r, c] = α Σ_j A[r, j] B[c, j] (+ C[r, c]). */
export function gemmNT(args: GemmArgs): void {
  const { a, b, out, n, k, len, aStride, bStride, outStride, aRows } = args;
  const aOffset = args.aOffset ?? 0;
  const bOffset = args.bOffset ?? 0;
  const oOffset = args.outOffset ?? 0;
  const alpha = args.alpha ?? 1;
  const acc = args.accumulate ?? false;
  const packed = args.packed ?? false;
  const rowOf = (r: number) => (aRows ? aRows[r] : r);
  const outOf = (r: number) => (packed ? r : rowOf(r));
  let r = 0;
  for (; r + 3 < n; r += 4) {
    const a0 = aOffset + rowOf(r) * aStride;
    const a1 = aOffset + rowOf(r + 1) * aStride;
    const a2 = aOffset + rowOf(r + 2) * aStride;
    const a3 = aOffset + rowOf(r + 3) * aStride;
    const i0 = outOf(r);
    const i1 = outOf(r + 1);
    const i2 = outOf(r + 2);
    const i3 = outOf(r + 3);
    let c = 0;
    for (; c + 3 < k; c += 4) {
      const b0 = bOffset + c * bStride;
      const b1 = b0 + bStride;
      const b2 = b1 + bStride;
      const b3 = b2 + bStride;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      let s20 = 0;
      let s21 = 0;
      let s22 = 0;
      let s23 = 0;
      let s30 = 0;
      let s31 = 0;
      let s32 = 0;
      let s33 = 0;
      for (let j = 0; j < len; j++) {
        const y0 = b[b0 + j];
        const y1 = b[b1 + j];
        const y2 = b[b2 + j];
        const y3 = b[b3 + j];
        let u = a[a0 + j];
        s00 += u * y0;
        s01 += u * y1;
        s02 += u * y2;
        s03 += u * y3;
        u = a[a1 + j];
        s10 += u * y0;
        s11 += u * y1;
        s12 += u * y2;
        s13 += u * y3;
        u = a[a2 + j];
        s20 += u * y0;
        s21 += u * y1;
        s22 += u * y2;
        s23 += u * y3;
        u = a[a3 + j];
        s30 += u * y0;
        s31 += u * y1;
        s32 += u * y2;
        s33 += u * y3;
      }
      store4(out, oOffset + i0 * outStride + c, s00, s01, s02, s03, alpha, acc);
      store4(out, oOffset + i1 * outStride + c, s10, s11, s12, s13, alpha, acc);
      store4(out, oOffset + i2 * outStride + c, s20, s21, s22, s23, alpha, acc);
      store4(out, oOffset + i3 * outStride + c, s30, s31, s32, s33, alpha, acc);
    }
    for (; c < k; c++) {
      const bc = bOffset + c * bStride;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let j = 0; j < len; j++) {
        const y = b[bc + j];
        s0 += a[a0 + j] * y;
        s1 += a[a1 + j] * y;
        s2 += a[a2 + j] * y;
        s3 += a[a3 + j] * y;
      }
      store1(out, oOffset + i0 * outStride + c, s0, alpha, acc);
      store1(out, oOffset + i1 * outStride + c, s1, alpha, acc);
      store1(out, oOffset + i2 * outStride + c, s2, alpha, acc);
      store1(out, oOffset + i3 * outStride + c, s3, alpha, acc);
    }
  }
  for (; r < n; r++) {
    const i = outOf(r);
    const ai = aOffset + rowOf(r) * aStride;
    for (let c = 0; c < k; c++) {
      const bc = bOffset + c * bStride;
      let s = 0;
      for (let j = 0; j < len; j++) s += a[ai + j] * b[bc + j];
      store1(out, oOffset + i * outStride + c, s, alpha, acc);
    }
  }
}

function store4(out: Numbers, o: number, s0: number, s1: number, s2: number, s3: number, alpha: number, acc: boolean) {
  if (acc) {
    out[o] += alpha * s0;
    out[o + 1] += alpha * s1;
    out[o + 2] += alpha * s2;
    out[o + 3] += alpha * s3;
  } else {
    out[o] = alpha * s0;
    out[o + 1] = alpha * s1;
    out[o + 2] = alpha * s2;
    out[o + 3] = alpha * s3;
  }
}

function store1(out: Numbers, o: number, s: number, alpha: number, acc: boolean) {
  if (acc) out[o] += alpha * s;
  else out[o] = alpha * s;
}

/** out[i·K + c] = a_i · b_c for rows a_i of `a` (N × F) and b_c of `b` (K × F). */
export function rowDots(a: Numbers, n: number, b: Numbers, k: number, f: number, out: Numbers): void {
  gemmNT({ a, aStride: f, b, bStride: f, out, outStride: k, n, k, len: f });
}

/** Transpose of an R × C row-major matrix into `out` (C × R). */
export function transpose(x: Numbers, rows: number, cols: number, out: Numbers): void {
  for (let i = 0; i < rows; i++) {
    const xi = i * cols;
    for (let j = 0; j < cols; j++) out[j * rows + i] = x[xi + j];
  }
}

/**
 * Writes x_i / ‖x_i‖ into `out` (may alias `x`) for N rows of length F and returns the norms. A zero row
 * stays zero (callers reject zero rows in the input first).
 */
export function normalizeRows(x: Numbers, n: number, f: number, out: Numbers): Float64Array {
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < f; j++) s += x[i * f + j] * x[i * f + j];
    const norm = Math.sqrt(s);
    norms[i] = norm;
    const inv = norm > 0 ? 1 / norm : 0;
    for (let j = 0; j < f; j++) out[i * f + j] = x[i * f + j] * inv;
  }
  return norms;
}
