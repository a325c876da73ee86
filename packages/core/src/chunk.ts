import { tf } from "./tf.js";

/**
 * Runs `fn` on consecutive row ranges and concatenates the results along axis 0, so large inference
 * never holds more than one chunk's intermediates (the wasm heap is 4 GiB and never shrinks).
 * Each chunk runs in its own `tf.tidy`.
 */
export function mapRowChunks<T extends tf.Tensor>(
  nRows: number,
  chunkRows: number,
  fn: (start: number, end: number) => T,
): T {
  if (nRows <= chunkRows) return tf.tidy(() => fn(0, nRows));
  const parts: T[] = [];
  try {
    for (const [start, end] of rowRanges(nRows, chunkRows)) parts.push(tf.tidy(() => fn(start, end)));
    return tf.concat(parts, 0) as T;
  } finally {
    for (const p of parts) p.dispose();
  }
}

/**
 * Rows per chunk so that one chunk of `bytesPerRow`-sized intermediates stays under `budgetBytes`
 * (default 256 MiB).
 */
export function chunkRowsFor(bytesPerRow: number, budgetBytes = 256 * 1024 * 1024): number {
  return Math.max(1, Math.floor(budgetBytes / Math.max(1, bytesPerRow)));
}

/** Row slice `x[start:end]` of a 2-D tensor. */
export function sliceRows<T extends tf.Tensor>(x: T, start: number, end: number): T {
  const begin = x.shape.map((_, i) => (i === 0 ? start : 0));
  const size = x.shape.map((s, i) => (i === 0 ? end - start : s));
  return tf.slice(x, begin, size) as T;
}

/** Consecutive row ranges [start, end) of at most `chunkRows` rows covering 0..nRows (one range up to that size). */
export function rowRanges(nRows: number, chunkRows: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let start = 0; start < nRows; start += chunkRows) ranges.push([start, Math.min(nRows, start + chunkRows)]);
  return ranges;
}
