/**
 * A real-data batch benchmark built from the bundled pancreas counts: the cells are split into two
 * batches whose composition differs along the lineage, and batch "B" gets a technical effect by binomial
 * thinning — every count of gene g is kept with probability q_g (so counts stay integer and real), with a
 * mild per-gene capture of spliced reads and a stronger one of unspliced (intronic) reads, as when one
 * library captures fewer intronic reads (e.g. a different chemistry or nuclei fraction). Batch "A" is the
 * original data. The truth stays known: the lineage, and the clean counts (`pancreas()`).
 */
import { ConfigError, Rngs } from "@diffcell/core";
import { type AnnData, type CsrMatrix, categoricalColumn, numericColumn, toCsr } from "@diffcell/io";
import { PANCREAS_CLUSTERS, pancreas } from "./pancreas.js";

export interface PancreasBatchesOptions {
  /** Seed of the split and of the thinning (the benchmark is fixed for a seed; default 0). */
  seed?: number;
  /**
   * Probability that a cell of each cluster goes to batch B, in {@link PANCREAS_CLUSTERS} order. Default:
   * early cells mostly in A, late cells mostly in B (0.3 for ductal rising to 0.7 for the endocrine fates),
   * so batch and developmental stage are partly confounded, as in time-course designs.
   */
  fractionB?: readonly number[];
  /** Median capture of spliced reads in batch B and the per-gene spread (sd of log capture). */
  splicedCapture?: number;
  splicedSpread?: number;
  /** Median capture of unspliced reads in batch B and its per-gene spread. */
  unsplicedCapture?: number;
  unsplicedSpread?: number;
}

export const PANCREAS_BATCHES_DEFAULTS: Required<PancreasBatchesOptions> = {
  seed: 0,
  fractionB: [0.3, 0.35, 0.45, 0.5, 0.7, 0.7, 0.7, 0.7],
  splicedCapture: 0.8,
  splicedSpread: 0.2,
  unsplicedCapture: 0.45,
  unsplicedSpread: 0.4,
};

/**
 * Pancreas (3696 × 2000) with `obs.batch` ("A"/"B") and batch B's counts binomially thinned. Per gene,
 * capture q = min(1, median·exp(spread·z)), z ~ N(0, 1), drawn separately for spliced and unspliced; the
 * captures are stored in `var.capture_spliced_B` / `var.capture_unspliced_B`.
 */
export function pancreasBatches(options: PancreasBatchesOptions = {}): AnnData {
  const o = { ...PANCREAS_BATCHES_DEFAULTS, ...options };
  if (o.fractionB.length !== PANCREAS_CLUSTERS.length || o.fractionB.some((p) => !(p >= 0 && p <= 1)))
    throw new ConfigError(
      "PancreasBatchesOptions",
      "fractionB",
      `${PANCREAS_CLUSTERS.length} probabilities in [0, 1]`,
      o.fractionB,
    );
  for (const key of ["splicedCapture", "unsplicedCapture"] as const)
    if (!(o[key] > 0 && o[key] <= 1))
      throw new ConfigError("PancreasBatchesOptions", key, "a number in (0, 1]", o[key]);
  for (const key of ["splicedSpread", "unsplicedSpread"] as const)
    if (!(o[key] >= 0 && Number.isFinite(o[key])))
      throw new ConfigError("PancreasBatchesOptions", key, "a finite number ≥ 0", o[key]);

  const adata = pancreas();
  const [n, g] = adata.shape;
  const [splitRng, splicedRng, unsplicedRng, thinRng] = new Rngs(o.seed).split(4);
  const clusters = adata.obs.strings("clusters");
  const draw = splitRng.uniform(n);
  const inB = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = PANCREAS_CLUSTERS.indexOf(clusters[i] as (typeof PANCREAS_CLUSTERS)[number]);
    inB[i] = draw[i] < o.fractionB[c] ? 1 : 0;
  }
  const capture = (rng: Rngs, median: number, spread: number) =>
    Float64Array.from(rng.normal(g), (z) => Math.min(1, median * Math.exp(spread * z)));
  const qSpliced = capture(splicedRng, o.splicedCapture, o.splicedSpread);
  const qUnspliced = capture(unsplicedRng, o.unsplicedCapture, o.unsplicedSpread);
  const uniform = thinRng.uniformSource();
  const spliced = thin(toCsr(adata.layer("spliced")), inB, qSpliced, uniform);
  const unspliced = thin(toCsr(adata.layer("unspliced")), inB, qUnspliced, uniform);
  adata.layers.spliced = spliced;
  adata.layers.unspliced = unspliced;
  adata.X = { ...spliced, data: Float32Array.from(spliced.data) };
  adata.obs.set(
    "batch",
    categoricalColumn(
      Array.from(inB, (b) => (b ? "B" : "A")),
      { categories: ["A", "B"] },
    ),
  );
  adata.var.set("capture_spliced_B", numericColumn(Float32Array.from(qSpliced)));
  adata.var.set("capture_unspliced_B", numericColumn(Float32Array.from(qUnspliced)));
  return adata;
}

/** Binomial thinning of the rows in `rows` (mask): each of a count's reads kept with probability q[column]. */
function thin(m: CsrMatrix, rows: Uint8Array, q: Float64Array, uniform: () => number): CsrMatrix {
  const data = Float32Array.from(m.data);
  for (let i = 0; i < m.rows; i++) {
    if (!rows[i]) continue;
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) {
      const count = data[p];
      const keep = q[m.indices[p]];
      let kept = 0;
      for (let r = 0; r < count; r++) if (uniform() < keep) kept++;
      data[p] = kept;
    }
  }
  return { ...m, data, indices: Int32Array.from(m.indices), indptr: Int32Array.from(m.indptr) };
}
