import { ShapeError } from "@diffcell/core";

export interface SteadyStateFit {
  /** Per gene: the steady-state ratio γ/β, the slope of u on s through the origin (in observed units). */
  gamma: Float64Array;
  /** Per gene: coefficient of determination of that fit on the extreme cells. */
  r2: Float64Array;
}

/**
 * scVelo's deterministic steady-state fit (`mode="deterministic"`, `perc=[5, 95]`): per gene, take the
 * cells whose normalised abundance u/max u + s/max s is in the lowest or highest `percentile` percent and
 * regress u on s through the origin: γ′ = Σ u·s / Σ s². Velocity is then u − γ′·s.
 * Inputs are row-major [N, G] host arrays.
 */
export function fitSteadyState(
  spliced: ArrayLike<number>,
  unspliced: ArrayLike<number>,
  n: number,
  g: number,
  options: { percentile?: number } = {},
): SteadyStateFit {
  if (spliced.length !== n * g) throw new ShapeError("spliced", `[${n}, ${g}]`, `${spliced.length} values`);
  if (unspliced.length !== n * g) throw new ShapeError("unspliced", `[${n}, ${g}]`, `${unspliced.length} values`);
  const percentile = options.percentile ?? 5;
  const gamma = new Float64Array(g);
  const r2 = new Float64Array(g);
  const score = new Float64Array(n);
  const order = new Int32Array(n);
  for (let j = 0; j < g; j++) {
    let maxS = 0;
    let maxU = 0;
    for (let i = 0; i < n; i++) {
      maxS = Math.max(maxS, spliced[i * g + j]);
      maxU = Math.max(maxU, unspliced[i * g + j]);
    }
    for (let i = 0; i < n; i++) {
      score[i] = (maxS > 0 ? spliced[i * g + j] / maxS : 0) + (maxU > 0 ? unspliced[i * g + j] / maxU : 0);
      order[i] = i;
    }
    const sorted = Array.from(order).sort((a, b) => score[a] - score[b]);
    const take = Math.max(1, Math.ceil((n * percentile) / 100));
    const extremes = [...sorted.slice(0, take), ...sorted.slice(n - take)];
    let su = 0;
    let ss = 0;
    let uMean = 0;
    for (const i of extremes) {
      const s = spliced[i * g + j];
      const u = unspliced[i * g + j];
      su += s * u;
      ss += s * s;
      uMean += u / extremes.length;
    }
    gamma[j] = ss > 0 ? su / ss : 0;
    let residual = 0;
    let total = 0;
    for (const i of extremes) {
      const s = spliced[i * g + j];
      const u = unspliced[i * g + j];
      residual += (u - gamma[j] * s) ** 2;
      total += (u - uMean) ** 2;
    }
    r2[j] = total > 0 ? 1 - residual / total : 0;
  }
  return { gamma, r2 };
}
