/**
 * Highly variable genes, Seurat flavour (Satija et al. 2015), as scVelo's `filter_genes_dispersion` and
 * scanpy's `highly_variable_genes(flavor="seurat")`: per gene, mean μ and dispersion σ²/μ of the
 * normalised (not yet logged) expression; log of both (log1p for μ); genes are binned by log-mean into 20
 * equal-width bins (pandas.cut); within a bin the log-dispersion is z-scored; the `nTopGenes` largest
 * z-scores are kept (ties at the cut-off included).
 */
import { ConfigError, maskToIndex } from "@diffcell/core";
import { type AnnData, booleanColumn, type Layer, numericColumn } from "@diffcell/io";
import { columnMeanVar, mapValues } from "./array.js";

export interface HighlyVariableOptions {
  nTopGenes?: number;
  /** Without `nTopGenes`: cut-offs on log-mean and normalised dispersion (scanpy's defaults). */
  minMean?: number;
  maxMean?: number;
  minDisp?: number;
  maxDisp?: number;
  nBins?: number;
  /** Keep only the selected genes (default true, as scVelo's recipe). */
  subset?: boolean;
  /** Also keep these genes when subsetting. */
  retainGenes?: string[];
  /** Layer to use (default X). */
  layer?: string;
  /** The layer holds log1p values (scanpy's convention); they are exponentiated back first. */
  logged?: boolean;
}

export interface DispersionResult {
  /** log1p of the mean (what scVelo stores as `var.means`). */
  means: Float64Array;
  /** log of the dispersion σ²/μ (NaN where zero). */
  dispersions: Float64Array;
  /** Dispersion z-scored within its mean bin (0 where undefined). */
  dispersionsNorm: Float64Array;
}

/** The per-gene statistics (array-level core). */
export function seuratDispersion(m: Layer, nBins = 20): DispersionResult {
  const { mean, variance } = columnMeanVar(m);
  const g = m.cols;
  const means = new Float64Array(g);
  const dispersions = new Float64Array(g);
  for (let j = 0; j < g; j++) {
    const mu = mean[j] === 0 ? 1e-12 : mean[j];
    const d = variance[j] / mu;
    dispersions[j] = d === 0 ? Number.NaN : Math.log(d);
    means[j] = Math.log1p(mu);
  }
  const bin = cutEqualWidth(means, nBins);
  // Per-bin mean and sample std (ddof 1) of the dispersion, skipping NaN as pandas does.
  const count = new Float64Array(nBins);
  const sum = new Float64Array(nBins);
  for (let j = 0; j < g; j++) {
    if (Number.isNaN(dispersions[j])) continue;
    count[bin[j]]++;
    sum[bin[j]] += dispersions[j];
  }
  const binMean = Float64Array.from(sum, (s, b) => (count[b] > 0 ? s / count[b] : Number.NaN));
  const sq = new Float64Array(nBins);
  for (let j = 0; j < g; j++) {
    if (!Number.isNaN(dispersions[j])) sq[bin[j]] += (dispersions[j] - binMean[bin[j]]) ** 2;
  }
  const binStd = Float64Array.from(sq, (s, b) => (count[b] > 1 ? Math.sqrt(s / (count[b] - 1)) : Number.NaN));
  // A bin with a single gene has no std: scanpy sets std = mean and mean = 0, so that gene scores 1.
  for (let b = 0; b < nBins; b++) {
    if (Number.isNaN(binStd[b])) {
      binStd[b] = binMean[b];
      binMean[b] = 0;
    }
  }
  const dispersionsNorm = new Float64Array(g);
  for (let j = 0; j < g; j++) {
    const z = (dispersions[j] - binMean[bin[j]]) / binStd[bin[j]];
    dispersionsNorm[j] = Number.isNaN(z) ? 0 : z;
  }
  return { means, dispersions, dispersionsNorm };
}

/**
 * Bin index per value for `pandas.cut(x, bins)`: equal-width edges from min to max, the lowest edge
 * moved down by 0.1% of the range, right-closed intervals.
 */
export function cutEqualWidth(x: Float64Array, nBins: number): Int32Array {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const edges = new Float64Array(nBins + 1);
  const equal = lo === hi;
  if (equal) {
    const pad = lo !== 0 ? 0.001 * Math.abs(lo) : 0.001;
    lo -= pad;
    hi += pad;
  }
  // numpy.linspace: start + b·step, last edge exactly `hi`.
  const step = (hi - lo) / nBins;
  for (let b = 0; b < nBins; b++) edges[b] = b * step + lo;
  edges[nBins] = hi;
  if (!equal) edges[0] -= (hi - lo) * 0.001;
  const out = new Int32Array(x.length);
  for (let j = 0; j < x.length; j++) {
    // searchsorted(edges, v, side="left") − 1, for intervals (e_b, e_{b+1}].
    let a = 0;
    let b = edges.length;
    while (a < b) {
      const mid = (a + b) >> 1;
      if (edges[mid] < x[j]) a = mid + 1;
      else b = mid;
    }
    out[j] = Math.min(nBins - 1, Math.max(0, a - 1));
  }
  return out;
}

/** Selection mask: the `nTopGenes` largest normalised dispersions (ties included), or the cut-offs. */
export function selectHighlyVariable(result: DispersionResult, options: HighlyVariableOptions): Uint8Array {
  const { means, dispersionsNorm } = result;
  const g = means.length;
  const mask = new Uint8Array(g);
  if (options.nTopGenes !== undefined) {
    const sorted = Float64Array.from(dispersionsNorm).sort((a, b) => b - a);
    const cut = sorted[Math.min(options.nTopGenes, g) - 1];
    for (let j = 0; j < g; j++) mask[j] = dispersionsNorm[j] >= cut ? 1 : 0;
    return mask;
  }
  const minMean = options.minMean ?? 0.0125;
  const maxMean = options.maxMean ?? 3;
  const minDisp = options.minDisp ?? 0.5;
  const maxDisp = options.maxDisp ?? Number.POSITIVE_INFINITY;
  for (let j = 0; j < g; j++) {
    const d = dispersionsNorm[j];
    mask[j] = means[j] > minMean && means[j] < maxMean && d > minDisp && d < maxDisp ? 1 : 0;
  }
  return mask;
}

/**
 * Annotates `var.means`, `var.dispersions`, `var.dispersions_norm`, `var.highly_variable` and, with
 * `subset` (default), keeps only those genes. Like scVelo, nothing happens when there are fewer genes
 * than `nTopGenes`.
 */
export function highlyVariableGenes(adata: AnnData, options: HighlyVariableOptions = {}): AnnData {
  const { nTopGenes } = options;
  if (nTopGenes !== undefined && (!Number.isInteger(nTopGenes) || nTopGenes < 1)) {
    throw new ConfigError("highlyVariableGenes", "nTopGenes", "an integer ≥ 1", nTopGenes);
  }
  if (nTopGenes !== undefined && adata.nVars < nTopGenes) return adata;
  let m = adata.layer(options.layer ?? "X");
  if (options.logged) m = mapValues(m, Math.expm1);
  const result = seuratDispersion(m, options.nBins ?? 20);
  const mask = selectHighlyVariable(result, options);
  adata.var.set("means", numericColumn(Float32Array.from(result.means)));
  adata.var.set("dispersions", numericColumn(Float32Array.from(result.dispersions)));
  adata.var.set("dispersions_norm", numericColumn(Float32Array.from(result.dispersionsNorm)));
  adata.var.set("highly_variable", booleanColumn(mask));
  if (options.subset ?? true) {
    const retain = new Set(options.retainGenes ?? []);
    const names = adata.varNames;
    adata.subsetVars(maskToIndex(Array.from(mask, (v, j) => Boolean(v) || retain.has(names[j]))));
  }
  return adata;
}
