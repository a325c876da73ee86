import { ShapeError, stats } from "@diffcell/core";

export interface SteadyStateFit {
  /** Per gene: the steady-state ratio γ′ = γ/β (slope of u on s through the origin, observed units). */
  gamma: Float64Array;
  /** Per gene: R² = 1 − Σ(u − γ′s)²/Σ(u − ū)² over all cells (scVelo's default, can be negative). */
  r2: Float64Array;
  /** scVelo's velocity genes: R² > 0.01, γ′ > 0.01, max s > 0 and max u > 0. */
  velocityGenes: Uint8Array;
}

/**
 * scVelo's deterministic steady-state fit (`mode="deterministic"`, no offset): per gene, the cells whose
 * normalised abundance u/max(max u, 1e-3) + s/max(max s, 1e-3) is at or above its (100 − percentile)th
 * percentile (without an offset scVelo uses only this upper tail), and u regressed on s through the
 * origin over them: γ′ = Σ u·s / Σ s². Velocity is then u − γ′·s. Inputs are row-major [N, G].
 */
export function fitSteadyState(
  spliced: ArrayLike<number>,
  unspliced: ArrayLike<number>,
  n: number,
  g: number,
  options: { percentile?: number } = {},
): SteadyStateFit {
  checkShapes(spliced, unspliced, n, g);
  const percentile = options.percentile ?? 5;
  const gamma = new Float64Array(g);
  const r2 = new Float64Array(g);
  const velocityGenes = new Uint8Array(g);
  const score = new Float64Array(n);
  for (let j = 0; j < g; j++) {
    const { maxS, maxU } = columnMax(spliced, unspliced, n, g, j);
    for (let i = 0; i < n; i++) {
      score[i] = spliced[i * g + j] / Math.max(maxS, 1e-3) + unspliced[i * g + j] / Math.max(maxU, 1e-3);
    }
    const bound = stats.quantile(score, 1 - percentile / 100);
    let su = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      if (score[i] < bound) continue;
      su += spliced[i * g + j] * unspliced[i * g + j];
      ss += spliced[i * g + j] ** 2;
    }
    gamma[j] = ss > 0 ? su / ss : 0;
    r2[j] = rSquared(spliced, unspliced, n, g, j, gamma[j]);
    velocityGenes[j] = r2[j] > 0.01 && gamma[j] > 0.01 && maxS > 0 && maxU > 0 ? 1 : 0;
  }
  return { gamma, r2, velocityGenes };
}

/**
 * scVelo's stochastic fit (`mode="stochastic"`): the deterministic fit, then for velocity genes a
 * generalised least squares combining first moments on extreme cells (the deterministic selection plus
 * the cells in the top percentile of s) with second moments on all cells:
 * var_ss = 2·Mss − Ms, cov_us = 2·Mus + Mu, each block weighted by its residual variance,
 *   γ = [Σ_w Ms·Mu/σ₁² + Σ var_ss·cov_us/σ₂²] / [Σ_w Ms²/σ₁² + Σ var_ss²/σ₂²].
 * R² and velocity genes stay those of the deterministic fit, as in scVelo.
 */
export function fitStochastic(
  ms: ArrayLike<number>,
  mu: ArrayLike<number>,
  mss: ArrayLike<number>,
  mus: ArrayLike<number>,
  n: number,
  g: number,
  options: { percentile?: number } = {},
): SteadyStateFit {
  const deterministic = fitSteadyState(ms, mu, n, g, options);
  const percentile = options.percentile ?? 5;
  const gamma = Float64Array.from(deterministic.gamma);
  const anyVelocityGene = deterministic.velocityGenes.some((v) => v === 1);
  const score = new Float64Array(n);
  const column = new Float64Array(n);
  const varSS = new Float64Array(n);
  const covUS = new Float64Array(n);
  for (let j = 0; j < g; j++) {
    if (anyVelocityGene && !deterministic.velocityGenes[j]) continue;
    const { maxS, maxU } = columnMax(ms, mu, n, g, j);
    let sumA = 0;
    let sumB = 0;
    for (let i = 0; i < n; i++) {
      const k = i * g + j;
      score[i] = ms[k] / Math.max(maxS, 1e-3) + mu[k] / Math.max(maxU, 1e-3);
      column[i] = ms[k];
      varSS[i] = 2 * mss[k] - ms[k];
      covUS[i] = 2 * mus[k] + mu[k];
      sumA += varSS[i] * covUS[i];
      sumB += varSS[i] * varSS[i];
    }
    const gamma2 = sumB > 0 ? sumA / sumB : 0;
    const residual1 = new Float64Array(n);
    const residual2 = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      residual1[i] = mu[i * g + j] - deterministic.gamma[j] * ms[i * g + j];
      residual2[i] = covUS[i] - gamma2 * varSS[i];
    }
    const var1 = stats.std(residual1) ** 2;
    const var2 = stats.std(residual2) ** 2;
    const scoreBound = stats.quantile(score, 1 - percentile / 100);
    const sBound = stats.quantile(column, 1 - percentile / 100);
    let numerator = 0;
    let denominator = 0;
    for (let i = 0; i < n; i++) {
      const k = i * g + j;
      if (score[i] >= scoreBound || ms[k] >= sBound) {
        numerator += (ms[k] * mu[k]) / var1;
        denominator += (ms[k] * ms[k]) / var1;
      }
      numerator += (varSS[i] * covUS[i]) / var2;
      denominator += (varSS[i] * varSS[i]) / var2;
    }
    const value = denominator > 0 && Number.isFinite(numerator / denominator) ? numerator / denominator : 0;
    gamma[j] = value;
  }
  return { gamma, r2: deterministic.r2, velocityGenes: deterministic.velocityGenes };
}

function rSquared(s: ArrayLike<number>, u: ArrayLike<number>, n: number, g: number, j: number, gamma: number): number {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += u[i * g + j] / n;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    residual += (u[i * g + j] - gamma * s[i * g + j]) ** 2;
    total += (u[i * g + j] - mean) ** 2;
  }
  const value = total > 0 ? 1 - residual / total : 0;
  return Number.isFinite(value) ? value : 0;
}

function columnMax(s: ArrayLike<number>, u: ArrayLike<number>, n: number, g: number, j: number) {
  let maxS = 0;
  let maxU = 0;
  for (let i = 0; i < n; i++) {
    maxS = Math.max(maxS, s[i * g + j]);
    maxU = Math.max(maxU, u[i * g + j]);
  }
  return { maxS, maxU };
}

function checkShapes(s: ArrayLike<number>, u: ArrayLike<number>, n: number, g: number): void {
  if (s.length !== n * g) throw new ShapeError("spliced", `[${n}, ${g}]`, `${s.length} values`);
  if (u.length !== n * g) throw new ShapeError("unspliced", `[${n}, ${g}]`, `${u.length} values`);
}
