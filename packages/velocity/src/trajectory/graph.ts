import { InputError, type ProgressCallback, ShapeError } from "@diffcell/core";
import { CsrBuilder, neighborSets, type SparseRows } from "./sparse.js";

export interface VelocityGraphOptions {
  /** kNN neighbour lists, N × k row-major (the cell itself may be included; it is skipped). */
  neighbors: Int32Array;
  /** 1: the kNN neighbours only; 2: also the neighbours' neighbours (scVelo's default). */
  recurse?: number;
  /** Genes to use (e.g. velocity genes); default all. Genes with a non-finite velocity in any cell are dropped. */
  genes?: ArrayLike<boolean | number>;
  /** sign·√|x| on velocities and displacements (scVelo's default for stochastic velocities). */
  sqrtTransform?: boolean;
  onProgress?: ProgressCallback;
}

export interface VelocityGraph {
  /** Positive cosines, N × N sparse. */
  graph: SparseRows;
  /** Negative cosines (kept negative), N × N sparse. */
  graphNeg: SparseRows;
}

/**
 * scVelo's velocity graph: for each cell i and each candidate j (its kNN and, with `recurse: 2`, their kNN),
 * the Pearson correlation between i's velocity and the displacement x_j − x_i — both centred across genes
 * (scVelo's `cosine_correlation` on a per-cell-centred velocity) — split into positive and negative parts.
 * x is the expression the velocity lives in (usually `layers.Ms`, linear scale).
 *
 * Per pair only three sums over genes are needed — ⟨d, v⟩, Σd and ‖d‖² — since centring d shifts
 * ⟨d, v⟩ by −mean(d)·Σv and ‖d‖² by −G·mean(d)².
 */
export function velocityGraph(
  velocity: ArrayLike<number>,
  expression: ArrayLike<number>,
  n: number,
  g: number,
  options: VelocityGraphOptions,
): VelocityGraph {
  if (velocity.length !== n * g) throw new ShapeError("velocity", `[${n}, ${g}]`, `${velocity.length} values`);
  if (expression.length !== n * g) throw new ShapeError("expression", `[${n}, ${g}]`, `${expression.length} values`);
  const mask = options.genes ? Array.from(options.genes, Boolean) : new Array<boolean>(g).fill(true);
  if (mask.length !== g) throw new ShapeError("genes", `[${g}]`, [mask.length]);
  for (let j = 0; j < g; j++) {
    for (let i = 0; i < n && mask[j]; i++) if (!Number.isFinite(velocity[i * g + j])) mask[j] = false;
  }
  const genes = mask.flatMap((m, j) => (m ? [j] : []));
  if (genes.length === 0) throw new InputError("genes", "no genes selected for the velocity graph");
  const m = genes.length;
  // Gene-subset copies: contiguous rows make the pair loops fast.
  const v = new Float64Array(n * m);
  const x = new Float64Array(n * m);
  const root = options.sqrtTransform ? (z: number) => Math.sign(z) * Math.sqrt(Math.abs(z)) : (z: number) => z;
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let c = 0; c < m; c++) {
      const value = root(velocity[i * g + genes[c]]);
      v[i * m + c] = value;
      mean += value / m;
      const e = expression[i * g + genes[c]];
      if (!Number.isFinite(e)) {
        throw new InputError(
          "expression",
          `value ${e} at row ${i}, column ${genes[c]}; expected finite`,
          i * g + genes[c],
        );
      }
      x[i * m + c] = e;
    }
    for (let c = 0; c < m; c++) v[i * m + c] -= mean;
  }
  const direct = neighborSets(options.neighbors, n);
  const recurse = options.recurse ?? 2;
  const positive = new CsrBuilder(n);
  const negative = new CsrBuilder(n);
  const seen = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const candidates: number[] = [];
    seen[i] = i;
    let frontier = direct[i];
    for (let level = 0; level < recurse; level++) {
      const next: number[] = [];
      for (const j of frontier) {
        if (seen[j] === i) continue;
        seen[j] = i;
        candidates.push(j);
        if (level + 1 < recurse) next.push(...direct[j]);
      }
      frontier = next;
    }
    candidates.sort((a, b) => a - b);
    let vSum = 0;
    let vv = 0;
    const vi = i * m;
    for (let c = 0; c < m; c++) {
      vSum += v[vi + c];
      vv += v[vi + c] * v[vi + c];
    }
    if (vv > 0) {
      const vNorm = Math.sqrt(vv);
      for (const j of candidates) {
        const xj = j * m;
        let dv = 0;
        let dSum = 0;
        let dd = 0;
        for (let c = 0; c < m; c++) {
          const d = root(x[xj + c] - x[vi + c]);
          dv += d * v[vi + c];
          dSum += d;
          dd += d * d;
        }
        const mean = dSum / m;
        const centredNorm2 = dd - m * mean * mean;
        if (!(centredNorm2 > 0)) continue;
        // v is centred, so Σv = 0 and centring d leaves ⟨d, v⟩ unchanged; kept general for clarity.
        const cos = (dv - mean * vSum) / (Math.sqrt(centredNorm2) * vNorm);
        if (cos > 0) positive.push(j, cos);
        else if (cos < 0) negative.push(j, cos);
      }
    }
    positive.endRow();
    negative.endRow();
    if (options.onProgress && (i % 256 === 255 || i === n - 1)) {
      options.onProgress({ stage: "velocity graph", done: i + 1, total: n });
    }
  }
  return { graph: positive.build(), graphNeg: negative.build() };
}
