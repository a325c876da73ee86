import { ConfigError, calibrateBeta, InputError, knn, stats } from "@diffcell/core";
import { encodeLabels, type LabelVector } from "./labels.js";
import { type EmbeddingsLike, readEmbeddings } from "./validate.js";

export interface LisiOptions {
  /** Effective number of neighbours of the Gaussian kernel. Default 30 (harmonypy, R lisi). */
  perplexity?: number;
}

/** Per-cell LISI and its summaries. */
export interface LisiSummary {
  perCell: Float64Array;
  median: number;
  mean: number;
  /** Number of distinct labels: the largest LISI possible. */
  nLabels: number;
}

/**
 * Local Inverse Simpson's Index per cell (Korsunsky et al. 2019), computed exactly as harmonypy's
 * `compute_lisi`: the 3·perplexity nearest neighbours (Euclidean, the cell itself excluded), Gaussian
 * weights exp(−β_i d_ij) on the distances with β_i found by bisection until the entropy of the weights is
 * log(perplexity) (tolerance 1e-5, 50 steps, starting at β = 1), then 1 / Σ_label (Σ_{j ∈ label} p_ij)².
 * LISI is the effective number of labels around a cell: 1 = all neighbours share one label.
 */
export function lisi(embeddings: EmbeddingsLike, labels: LabelVector, options: LisiOptions = {}): Float64Array {
  const perplexity = options.perplexity ?? 30;
  if (!(perplexity > 0) || !Number.isFinite(perplexity)) {
    throw new ConfigError("lisi", "perplexity", "a finite number > 0", perplexity);
  }
  const x = readEmbeddings(embeddings, undefined, { allowZeroRows: true });
  const { codes, names } = encodeLabels("labels", labels, x.rows);
  const k = Math.round(3 * perplexity);
  if (k > x.rows) {
    throw new InputError(
      "embeddings",
      `LISI with perplexity ${perplexity} needs at least ${k} cells (3·perplexity neighbours); got ${x.rows}`,
    );
  }
  const neighbours = knn({ data: Float32Array.from(x.data), rows: x.rows, cols: x.cols }, k, { includeSelf: true });
  const f = x.cols;
  const dist = new Float64Array(k - 1);
  const out = new Float64Array(x.rows);
  for (let i = 0; i < x.rows; i++) {
    // Column 0 is the cell itself (harmonypy drops it too); distances again in float64 from the caller's values.
    const idx = neighbours.indices.subarray(i * k + 1, (i + 1) * k);
    for (let r = 0; r < k - 1; r++) {
      const j = idx[r];
      let s = 0;
      for (let q = 0; q < f; q++) s += (x.data[i * f + q] - x.data[j * f + q]) ** 2;
      dist[r] = Math.sqrt(s);
    }
    out[i] = 1 / simpson(dist, idx, codes, names.length, perplexity);
  }
  return out;
}

/** LISI with its median and mean: iLISI when the labels are batches, cLISI when they are cell types. */
export function lisiSummary(embeddings: EmbeddingsLike, labels: LabelVector, options: LisiOptions = {}): LisiSummary {
  const perCell = lisi(embeddings, labels, options);
  return {
    perCell,
    median: stats.median(perCell),
    mean: stats.mean(perCell),
    nLabels: encodeLabels("labels", labels, perCell.length).names.length,
  };
}

/** Integration LISI: LISI of the batch labels (higher = better mixed, up to the number of batches). */
export function iLisi(embeddings: EmbeddingsLike, batchLabels: LabelVector, options: LisiOptions = {}): LisiSummary {
  return lisiSummary(embeddings, batchLabels, options);
}

/** Cell-type LISI: LISI of the cell-type labels (≈ 1 = cell types kept apart). */
export function cLisi(embeddings: EmbeddingsLike, cellTypes: LabelVector, options: LisiOptions = {}): LisiSummary {
  return lisiSummary(embeddings, cellTypes, options);
}

/**
 * Simpson's index Σ_label p_label² of one cell's neighbourhood, with the kernel bandwidth calibrated to the
 * perplexity by harmonypy's bisection (same start, tolerance, step rule and iteration cap, so values match).
 */
function simpson(dist: Float64Array, idx: Int32Array, codes: Int32Array, nLabels: number, perplexity: number): number {
  const m = dist.length;
  const p = new Float64Array(m);
  const logU = Math.log(perplexity);
  let h = 0;
  const entropy = (beta: number): number => {
    let sum = 0;
    for (let r = 0; r < m; r++) {
      p[r] = Math.exp(-dist[r] * beta);
      sum += p[r];
    }
    if (sum === 0) {
      p.fill(0);
      h = 0;
      return h;
    }
    let weighted = 0;
    for (let r = 0; r < m; r++) weighted += dist[r] * p[r];
    for (let r = 0; r < m; r++) p[r] /= sum;
    h = Math.log(sum) + (beta * weighted) / sum;
    return h;
  };
  // p and h are left at the returned β (core's bisection evaluates it last).
  calibrateBeta(entropy, logU);
  // harmonypy marks a degenerate kernel (all weights underflowed) with −1 before adding the label masses.
  let index = h === 0 ? -1 : 0;
  const mass = new Float64Array(nLabels);
  for (let r = 0; r < m; r++) mass[codes[idx[r]]] += p[r];
  for (let b = 0; b < nLabels; b++) index += mass[b] * mass[b];
  return index;
}
