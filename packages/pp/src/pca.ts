/**
 * PCA of the (log-normalised) expression, as scanpy's `pp.pca` stores it: `obsm.X_pca` (cells × comps),
 * `varm.PCs` (genes × comps, zero rows for genes left out), `uns.pca.{variance, variance_ratio, params}`.
 * The decomposition is core's seeded randomized SVD (sign-fixed), run on highly variable genes when
 * `var.highly_variable` exists.
 */
import { ConfigError, pca as corePca, type Matrix, type PcaResult, Rngs } from "@diffcell/core";
import { type AnnData, type DenseMatrix, selectColumns, toDenseFloat32 } from "@diffcell/io";

export interface PcaOptions {
  /** Components; default min(30, genes − 1, cells − 1) as scVelo. */
  nComps?: number;
  /** Restrict to `var.highly_variable` when present (default true). */
  useHighlyVariable?: boolean;
  zeroCenter?: boolean;
  /** Randomized-SVD accuracy knobs (see {@link pcaMatrix}). */
  oversamples?: number;
  powerIterations?: number;
  /** Seed for the random projection (default 0), or a generator. */
  seed?: number;
  rngs?: Rngs;
  layer?: string;
  /** obsm key for the scores (default `X_pca`). */
  key?: string;
}

/**
 * Array-level PCA of a dense cells × genes matrix. Small problems (rank ≤ 400) project onto the full
 * column space, which makes the randomized SVD exact (trailing components then match ARPACK, which
 * scanpy/scVelo use, and so do the neighbour sets built on them); larger ones oversample by
 * max(10, nComps) with 10 power iterations.
 */
export function pcaMatrix(
  x: Matrix,
  nComps: number,
  options: { rngs: Rngs; zeroCenter?: boolean; oversamples?: number; powerIterations?: number },
): PcaResult {
  const rank = Math.min(x.rows, x.cols);
  const oversamples = options.oversamples ?? (rank <= 400 ? rank - nComps : Math.max(10, nComps));
  return corePca(x, nComps, {
    rngs: options.rngs,
    center: options.zeroCenter ?? true,
    oversamples,
    powerIterations: options.powerIterations ?? 10,
  });
}

export function pca(adata: AnnData, options: PcaOptions = {}): AnnData {
  const layer = options.layer ?? "X";
  const useHvg = (options.useHighlyVariable ?? true) && adata.var.has("highly_variable");
  let genes = Array.from({ length: adata.nVars }, (_, j) => j);
  if (useHvg) {
    const hv = adata.var.numbers("highly_variable");
    genes = genes.filter((j) => hv[j] !== 0);
  }
  const maxComps = Math.min(genes.length, adata.nObs) - 1;
  const nComps = options.nComps ?? Math.min(30, maxComps);
  if (!Number.isInteger(nComps) || nComps < 1 || nComps > Math.min(genes.length, adata.nObs)) {
    throw new ConfigError("pca", "nComps", `an integer in [1, ${Math.min(genes.length, adata.nObs)}]`, nComps);
  }
  const source = adata.layer(layer);
  const sub = genes.length === adata.nVars ? source : selectColumns(source, genes);
  const x: Matrix = { data: toDenseFloat32(sub), rows: adata.nObs, cols: genes.length };
  const rngs = options.rngs ?? new Rngs(options.seed ?? 0);
  const result = pcaMatrix(x, nComps, {
    rngs,
    zeroCenter: options.zeroCenter,
    oversamples: options.oversamples,
    powerIterations: options.powerIterations,
  });

  const loadings = new Float32Array(adata.nVars * nComps);
  genes.forEach((j, c) => {
    for (let k = 0; k < nComps; k++) loadings[j * nComps + k] = result.components.data[k * genes.length + c];
  });
  adata.obsm[options.key ?? "X_pca"] = {
    format: "dense",
    data: result.scores.data,
    rows: adata.nObs,
    cols: nComps,
  } satisfies DenseMatrix;
  adata.varm.PCs = { format: "dense", data: loadings, rows: adata.nVars, cols: nComps };
  adata.uns.pca = {
    params: {
      zero_center: options.zeroCenter ?? true,
      use_highly_variable: useHvg,
      ...(useHvg ? { mask_var: "highly_variable" } : {}),
    },
    variance: result.explainedVariance,
    variance_ratio: result.explainedVarianceRatio,
  };
  return adata;
}
