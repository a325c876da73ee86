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
  const fit = new GeneFitAccumulator(observed, n, m, cells);
  fit.add(observed, predicted, 0, n);
  return fit.result();
}

/**
 * {@link geneFitStatistics} with the predictions given a block of rows at a time (a model evaluated in row
 * chunks: no N × m prediction held at once). The observed data's per-gene spread is read when it is made;
 * `add` takes the predictions of rows [lo, hi) — with the observed data again, which may be a fresh view —
 * in any order of blocks covering every row once; `result` then equals {@link geneFitStatistics} on the
 * whole (the sums run over the rows in the same order when the blocks come in order).
 */
export class GeneFitAccumulator {
  private readonly rows: ArrayLike<number>;
  private readonly sd: Float64Array[];
  private readonly d1: Float64Array;
  private readonly d2: Float64Array;
  private readonly total: Float64Array;

  constructor(
    observed: { unspliced: ArrayLike<number>; spliced: ArrayLike<number> },
    readonly n: number,
    readonly m: number,
    cells?: ArrayLike<number>,
  ) {
    for (const [name, x] of [
      ["observed.unspliced", observed.unspliced],
      ["observed.spliced", observed.spliced],
    ] as const) {
      if (x.length !== n * m) throw new ShapeError(name, `[${n}, ${m}]`, `${x.length} values`);
    }
    this.rows = cells ?? Int32Array.from({ length: n }, (_, i) => i);
    const count = this.rows.length;
    // Per gene: Σv and Σv² over the rows in order (row by row: contiguous reads of the row-major data).
    const spread = (x: ArrayLike<number>) => {
      const a = new Float64Array(m);
      const b = new Float64Array(m);
      for (let r = 0; r < count; r++) {
        const base = this.rows[r] * m;
        for (let c = 0; c < m; c++) {
          const v = x[base + c];
          a[c] += v;
          b[c] += v * v;
        }
      }
      return Float64Array.from(b, (sq, c) => {
        const mean = a[c] / count;
        return Math.sqrt(Math.max(sq / count - mean * mean, 0));
      });
    };
    this.sd = [spread(observed.unspliced), spread(observed.spliced)];
    this.d1 = new Float64Array(m);
    this.d2 = new Float64Array(m);
    this.total = new Float64Array(m);
  }

  /** Adds rows [lo, hi): `predicted` holds those rows ([hi − lo, m]); `observed` all n rows. */
  add(
    observed: { unspliced: ArrayLike<number>; spliced: ArrayLike<number> },
    predicted: { unspliced: ArrayLike<number>; spliced: ArrayLike<number> },
    lo: number,
    hi: number,
  ): void {
    const { m, d1, d2, total } = this;
    const [sdU, sdS] = this.sd;
    for (const [name, x] of [
      ["predicted.unspliced", predicted.unspliced],
      ["predicted.spliced", predicted.spliced],
    ] as const) {
      if (x.length !== (hi - lo) * m) throw new ShapeError(name, `[${hi - lo}, ${m}]`, `${x.length} values`);
    }
    for (let r = 0; r < this.rows.length; r++) {
      const i = this.rows[r];
      if (i < lo || i >= hi) continue;
      const k0 = i * m;
      const p0 = (i - lo) * m;
      for (let c = 0; c < m; c++) {
        if (!(sdU[c] > 0 || sdS[c] > 0)) continue;
        const ru = sdU[c] > 0 ? (observed.unspliced[k0 + c] - predicted.unspliced[p0 + c]) / sdU[c] : 0;
        const rs = sdS[c] > 0 ? (observed.spliced[k0 + c] - predicted.spliced[p0 + c]) / sdS[c] : 0;
        const dd = ru * ru + rs * rs;
        d2[c] += dd;
        d1[c] += Math.sqrt(dd);
        total[c] += (sdU[c] > 0 ? 1 : 0) + (sdS[c] > 0 ? 1 : 0);
      }
    }
  }

  result(): GeneFitStatistics {
    const { m, d1, d2, total } = this;
    const [sdU, sdS] = this.sd;
    const count = this.rows.length;
    const likelihood = new Float64Array(m).fill(Number.NaN);
    const r2 = new Float64Array(m).fill(Number.NaN);
    if (count < 2) return { likelihood, r2 };
    for (let c = 0; c < m; c++) {
      if (!(sdU[c] > 0 || sdS[c] > 0)) continue;
      const meanD2 = d2[c] / count;
      const meanD = d1[c] / count;
      const variance = Math.max(meanD2 - meanD * meanD, 1e-12);
      likelihood[c] = Math.exp(-0.5 * (meanD2 / variance) - 0.5 * Math.log(2 * Math.PI * variance));
      // Σ over cells of the standardised squared deviations from the mean is `count` per standardised axis.
      r2[c] = 1 - d2[c] / total[c];
    }
    return { likelihood, r2 };
  }
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
