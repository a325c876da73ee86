import { ShapeError } from "@diffcell/core";

export interface GeneFitStatistics {
  /**
   * scVelo's `fit_likelihood`: with standardised residuals r_u = (u − û)/sd(u), r_s = (s − ŝ)/sd(s) and the
   * distance d = √(r_u² + r_s²) of each cell from the fitted trajectory, a Gaussian likelihood
   * exp(−½·mean(d²)/σ² − ½·log(2πσ²)), σ² = mean(d²) − mean(d)² (as scVelo's `get_likelihood`).
   */
  likelihood: Float64Array;
  /** 1 − Σ(r_u² + r_s²) / Σ(z_u² + z_s²) (z: the standardised observations): the share of (u, s) variance explained. */
  r2: Float64Array;
}

/**
 * Per-gene goodness of fit of a kinetic model: observed (u, s) against the model's (û, ŝ) at each cell's
 * latent time, all [n, m] row-major over the same m genes. `cells` restricts the statistics to a subset
 * (e.g. one cluster, for `rankDynamicalGenes`); default all cells.
 */
export function geneFitStatistics(
  observed: { unspliced: ArrayLike<number>; spliced: ArrayLike<number> },
  predicted: { unspliced: ArrayLike<number>; spliced: ArrayLike<number> },
  n: number,
  m: number,
  cells?: ArrayLike<number>,
): GeneFitStatistics {
  for (const [name, x] of [
    ["observed.unspliced", observed.unspliced],
    ["observed.spliced", observed.spliced],
    ["predicted.unspliced", predicted.unspliced],
    ["predicted.spliced", predicted.spliced],
  ] as const) {
    if (x.length !== n * m) throw new ShapeError(name, `[${n}, ${m}]`, `${x.length} values`);
  }
  const rows = cells ?? Int32Array.from({ length: n }, (_, i) => i);
  const count = rows.length;
  const likelihood = new Float64Array(m).fill(Number.NaN);
  const r2 = new Float64Array(m).fill(Number.NaN);
  if (count < 2) return { likelihood, r2 };
  const spread = (x: ArrayLike<number>, c: number) => {
    let a = 0;
    let b = 0;
    for (let r = 0; r < count; r++) {
      const v = x[rows[r] * m + c];
      a += v;
      b += v * v;
    }
    const mean = a / count;
    return { mean, sd: Math.sqrt(Math.max(b / count - mean * mean, 0)) };
  };
  for (let c = 0; c < m; c++) {
    const u = spread(observed.unspliced, c);
    const s = spread(observed.spliced, c);
    if (!(u.sd > 0 || s.sd > 0)) continue;
    let d2 = 0;
    let d1 = 0;
    let total = 0;
    for (let r = 0; r < count; r++) {
      const k = rows[r] * m + c;
      const ru = u.sd > 0 ? (observed.unspliced[k] - predicted.unspliced[k]) / u.sd : 0;
      const rs = s.sd > 0 ? (observed.spliced[k] - predicted.spliced[k]) / s.sd : 0;
      const dd = ru * ru + rs * rs;
      d2 += dd;
      d1 += Math.sqrt(dd);
      total += (u.sd > 0 ? 1 : 0) + (s.sd > 0 ? 1 : 0);
    }
    const meanD2 = d2 / count;
    const meanD = d1 / count;
    const variance = Math.max(meanD2 - meanD * meanD, 1e-12);
    likelihood[c] = Math.exp(-0.5 * (meanD2 / variance) - 0.5 * Math.log(2 * Math.PI * variance));
    // Σ over cells of the standardised squared deviations from the mean is `count` per standardised axis.
    r2[c] = 1 - d2 / total;
  }
  return { likelihood, r2 };
}

/**
 * scVelo's `rank_dynamical_genes`: genes ordered by fit likelihood, overall and within each group of cells
 * (e.g. clusters). Genes with a NaN likelihood come last. Returns gene indices (into the m genes) per group.
 */
export function rankDynamicalGenes(
  observed: { unspliced: ArrayLike<number>; spliced: ArrayLike<number> },
  predicted: { unspliced: ArrayLike<number>; spliced: ArrayLike<number> },
  n: number,
  m: number,
  groups?: readonly string[],
): { all: Int32Array; byGroup: Map<string, Int32Array> } {
  const order = (likelihood: Float64Array) =>
    Int32Array.from(likelihood.keys()).sort((a, b) => {
      const la = Number.isNaN(likelihood[a]) ? Number.NEGATIVE_INFINITY : likelihood[a];
      const lb = Number.isNaN(likelihood[b]) ? Number.NEGATIVE_INFINITY : likelihood[b];
      return lb - la || a - b;
    });
  const all = order(geneFitStatistics(observed, predicted, n, m).likelihood);
  const byGroup = new Map<string, Int32Array>();
  if (groups) {
    if (groups.length !== n) throw new ShapeError("groups", `[${n}]`, [groups.length]);
    const members = new Map<string, number[]>();
    groups.forEach((label, i) => {
      const list = members.get(label) ?? [];
      list.push(i);
      members.set(label, list);
    });
    for (const [label, cells] of members)
      byGroup.set(label, order(geneFitStatistics(observed, predicted, n, m, cells).likelihood));
  }
  return { all, byGroup };
}
