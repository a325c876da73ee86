/**
 * Columns per block when per-gene work reads a row-major [N, G] matrix (steady-state fits, initialisation):
 * 32 × 100k cells × float64 = 26 MB per copied layer.
 */
export const COLUMN_BLOCK = 32;

/**
 * Columns j0 … j0 + w − 1 of row-major [n, g] `x` into `out` as w contiguous columns of n values. Per-gene code
 * reads these copies: scanning a large row-major matrix column by column touches a new memory page per value
 * (100k cells × 2000 genes: the steady-state fit took 50 s that way, 8.5 s on the copies).
 */
export function gatherColumns(
  x: ArrayLike<number>,
  n: number,
  g: number,
  j0: number,
  w: number,
  out: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    const row = i * g + j0;
    for (let c = 0; c < w; c++) out[c * n + i] = x[row + c];
  }
}

/**
 * Columns of row-major [n, g] `values` that are finite in every row, among `candidates` (non-zero entries;
 * default every column), as a 0/1 mask. Read row by row: a column-by-column scan of a large row-major matrix
 * touches a new memory page per value (100k cells × 2000 genes: tens of seconds per pass over the columns).
 */
export function finiteColumns(
  values: ArrayLike<number>,
  n: number,
  g: number,
  candidates?: ArrayLike<number | boolean>,
): Uint8Array {
  const finite = new Uint8Array(g);
  let open: number[] = [];
  for (let j = 0; j < g; j++) {
    if (candidates && !candidates[j]) continue;
    finite[j] = 1;
    open.push(j);
  }
  for (let i = 0; i < n && open.length > 0; i++) {
    const row = i * g;
    const still: number[] = [];
    for (const j of open) {
      if (Number.isFinite(values[row + j])) still.push(j);
      else finite[j] = 0;
    }
    if (still.length < open.length) open = still;
  }
  return finite;
}
