/**
 * Per-cell size normalisation as scVelo's `pp.normalize_per_cell`: each of `X`, `spliced`, `unspliced`
 * is divided, cell by cell, by its total counts and multiplied by the median total of that layer, so
 * every cell ends with the median size. Totals are the *initial* sizes (before gene filtering) when
 * `obs.initial_size*` exist. Layers that already look normalised (non-integer values in the first five
 * cells) are left alone unless `enforce` is set — scVelo's heuristic, so running the recipe twice is harmless.
 */
import { InputError } from "@diffcell/core";
import { type AnnData, type Layer, numericColumn, rowSums } from "@diffcell/io";
import { median, scaleRows } from "./array.js";

export interface NormalizePerCellOptions {
  /** Layers besides X (default `["spliced", "unspliced"]`, those present). */
  layers?: string[];
  /** Target total per cell; default the median of the totals. */
  countsPerCellAfter?: number;
  /** Use `obs.initial_size*` when present (default true). */
  useInitialSize?: boolean;
  /** Normalise even layers that look normalised already. */
  enforce?: boolean;
  /** obs column receiving the totals of X afterwards (default `n_counts`). */
  keyNCounts?: string;
  /**
   * Layers whose value arrays the caller owns and no other layer shares (e.g. the copies a gene filter just
   * made): scaled in place. Every other layer gets a scaled copy and its old array is left as it was.
   */
  inPlace?: readonly string[];
}

/** scVelo's check: all values of the first five cells are integers (±1e-3). */
export function notYetNormalized(m: Layer): boolean {
  const rows = Math.min(5, m.rows);
  if (m.format === "dense") {
    for (let k = 0; k < rows * m.cols; k++) if (!isIntegral(m.data[k])) return false;
    return true;
  }
  if (m.format === "csr") {
    for (let p = 0; p < m.indptr[rows]; p++) if (!isIntegral(m.data[p])) return false;
    return true;
  }
  for (let p = 0; p < m.data.length; p++) if (m.indices[p] < rows && !isIntegral(m.data[p])) return false;
  return true;
}

function isIntegral(v: number): boolean {
  // numpy's `allclose(x % 1, 0, atol=1e-3)`: x % 1 lies in [0, 1), so 2.9999 does not count as integral.
  return v - Math.floor(v) <= 1e-3;
}

/**
 * Scale factors per cell: `counts / median(counts)` (zeros left at 1), as scVelo. Dividing a cell by its
 * factor gives it the target size.
 */
export function sizeFactors(counts: ArrayLike<number>, countsPerCellAfter?: number): Float64Array {
  let after = countsPerCellAfter ?? median(counts);
  if (after === 0) after = 1;
  const out = new Float64Array(counts.length);
  for (let i = 0; i < counts.length; i++) {
    const f = counts[i] / after;
    out[i] = f === 0 ? 1 : f;
  }
  return out;
}

/**
 * Divides each row of `m` by its size factor (array-level core of {@link normalizePerCell}); a copy, or `m`'s own
 * values with `inPlace`.
 */
export function normalizeRows<T extends Layer>(
  m: T,
  counts: ArrayLike<number>,
  countsPerCellAfter?: number,
  inPlace = false,
): T {
  if (counts.length !== m.rows)
    throw new InputError("counts", `has ${counts.length} entries; the matrix has ${m.rows} rows`);
  const factors = sizeFactors(counts, countsPerCellAfter);
  return scaleRows(
    m,
    Float64Array.from(factors, (f) => 1 / f),
    inPlace,
  );
}

export function normalizePerCell(adata: AnnData, options: NormalizePerCellOptions = {}): AnnData {
  const layers = ["X", ...(options.layers ?? ["spliced", "unspliced"]).filter((l) => l !== "X" && adata.hasLayer(l))];
  const useInitial = options.useInitialSize ?? true;
  for (const layer of layers) {
    if (!adata.hasLayer(layer)) continue;
    const m = adata.layer(layer);
    if (!(options.enforce || notYetNormalized(m))) continue;
    const key = layer === "X" ? "initial_size" : `initial_size_${layer}`;
    const counts = useInitial && adata.obs.has(key) ? adata.obs.numbers(key) : rowSums(m);
    adata.setLayer(
      layer,
      normalizeRows(m, counts, options.countsPerCellAfter, options.inPlace?.includes(layer) ?? false),
    );
  }
  if (adata.X) adata.obs.set(options.keyNCounts ?? "n_counts", numericColumn(Float32Array.from(rowSums(adata.X))));
  return adata;
}
