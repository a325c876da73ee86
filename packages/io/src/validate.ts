/** Value checks on layers in any storage (dense, CSR, CSC), naming the row and column of a bad entry. */
import { checkCounts, checkValues, countExpectation, nonIntegerWarning, ValueError } from "@diffcell/core";
import type { Layer } from "./matrix/types.js";

/**
 * Counts as scVelo accepts them (finite, ≥ 0, ≤ 1e12; see core's `checkCounts`): a {@link ValueError} at the
 * first bad stored entry, with its row and column; non-integer values reported once through `onWarning`.
 * Returns whether any stored value was not an integer.
 */
export function checkLayerCounts(name: string, m: Layer, onWarning?: (message: string) => void): boolean {
  return checkLayer(name, m, true, onWarning);
}

/**
 * Any finite values (an expression matrix that may be normalised, logged or scaled): a {@link ValueError}
 * naming the row and column of the first NaN, Inf or -Inf.
 */
export function checkLayerFinite(name: string, m: Layer): void {
  checkLayer(name, m, false);
}

function checkLayer(name: string, m: Layer, counts: boolean, onWarning?: (message: string) => void): boolean {
  if (m.format === "dense") {
    if (counts) return checkCounts(name, m.data, { rowLength: m.cols, onWarning });
    checkValues(name, m.data, { rowLength: m.cols });
    return false;
  }
  const major = m.format === "csr" ? m.rows : m.cols;
  let fraction: { row: number; column: number; value: number } | undefined;
  for (let a = 0; a < major; a++) {
    for (let p = m.indptr[a]; p < m.indptr[a + 1]; p++) {
      const v = m.data[p];
      const row = m.format === "csr" ? a : m.indices[p];
      const column = m.format === "csr" ? m.indices[p] : a;
      if (!counts) {
        if (!Number.isFinite(v)) throw new ValueError(name, v, "finite", { row, column, index: row * m.cols + column });
        continue;
      }
      const expected = countExpectation(v);
      if (expected) throw new ValueError(name, v, expected, { row, column, index: row * m.cols + column });
      if (!fraction && v !== Math.floor(v)) fraction = { row, column, value: v };
    }
  }
  if (fraction)
    onWarning?.(
      nonIntegerWarning(name, fraction.value, { ...fraction, index: fraction.row * m.cols + fraction.column }),
    );
  return fraction !== undefined;
}
