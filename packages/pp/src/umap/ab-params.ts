/**
 * UMAP's low-dimensional similarity curve q(d) = 1 / (1 + a·d^(2b)), with a and b fitted (least squares,
 * as umap-learn's `find_ab_params` does with scipy's `curve_fit`) to the offset exponential
 *   ψ(d) = 1 for d < min_dist,  exp(−(d − min_dist) / spread) otherwise,
 * sampled at 300 points evenly spaced on [0, 3·spread]. Scanpy's defaults (min_dist 0.5, spread 1) give
 * a ≈ 0.583, b ≈ 1.334; umap-learn's (0.1, 1) give a ≈ 1.577, b ≈ 0.895.
 *
 * umap-js fits the same curve differently (it replaces the abscissae below min_dist by 1), so its a, b
 * differ from umap-learn's; this is one reason the two engines' embeddings look different.
 */
import { ConfigError } from "@diffcell/core";
import { portablePow } from "./gradient-table.js";

export interface AbParams {
  a: number;
  b: number;
}

const SAMPLES = 300;

export function findAbParams(spread: number, minDist: number): AbParams {
  if (!Number.isFinite(spread) || spread <= 0) throw new ConfigError("umap", "spread", "a finite number > 0", spread);
  if (!Number.isFinite(minDist) || minDist < 0)
    throw new ConfigError("umap", "minDist", "a finite number ≥ 0", minDist);
  const xs = new Float64Array(SAMPLES);
  const ys = new Float64Array(SAMPLES);
  for (let i = 0; i < SAMPLES; i++) {
    // numpy's linspace(0, 3·spread, 300): the step is (stop − start)/(num − 1).
    xs[i] = (i * 3 * spread) / (SAMPLES - 1);
    ys[i] = xs[i] < minDist ? 1 : Math.exp(-(xs[i] - minDist) / spread);
  }
  return levenbergMarquardt(xs, ys, 1, 1);
}

/**
 * Two-parameter Levenberg–Marquardt from (a, b) = (1, 1), scipy's starting point. With u = x^(2b):
 *   ∂q/∂a = −u / (1 + a·u)²,   ∂q/∂b = −2·a·u·ln x / (1 + a·u)²   (both 0 at x = 0, where u = 0 for b > 0).
 * The 2×2 normal equations (JᵀJ + λ·diag(JᵀJ)) δ = −Jᵀr are solved in closed form.
 */
function levenbergMarquardt(xs: Float64Array, ys: Float64Array, a0: number, b0: number): AbParams {
  let a = a0;
  let b = b0;
  let lambda = 1e-3;
  let cost = sumOfSquares(xs, ys, a, b);
  for (let iter = 0; iter < 500; iter++) {
    let jaa = 0;
    let jab = 0;
    let jbb = 0;
    let ga = 0;
    let gb = 0;
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i];
      if (x === 0) continue; // q(0) = 1 whatever a, b: no residual gradient (ys[0] is 1 too).
      const u = portablePow(x, 2 * b);
      const denom = 1 + a * u;
      const r = 1 / denom - ys[i];
      const da = -u / (denom * denom);
      const db = (-2 * a * u * Math.log(x)) / (denom * denom);
      jaa += da * da;
      jab += da * db;
      jbb += db * db;
      ga += da * r;
      gb += db * r;
    }
    let improved = false;
    for (let attempt = 0; attempt < 30 && !improved; attempt++) {
      const m00 = jaa * (1 + lambda);
      const m11 = jbb * (1 + lambda);
      const det = m00 * m11 - jab * jab;
      if (!(Math.abs(det) > 0)) {
        lambda *= 10;
        continue;
      }
      const stepA = (-ga * m11 + gb * jab) / det;
      const stepB = (-gb * m00 + ga * jab) / det;
      const na = a + stepA;
      const nb = b + stepB;
      const newCost = na > 0 && nb > 0 ? sumOfSquares(xs, ys, na, nb) : Number.POSITIVE_INFINITY;
      if (newCost < cost) {
        const relativeDrop = (cost - newCost) / Math.max(cost, 1e-300);
        const relativeStep = Math.hypot(stepA / a, stepB / b);
        a = na;
        b = nb;
        cost = newCost;
        lambda = Math.max(lambda / 10, 1e-12);
        improved = true;
        if (relativeDrop < 1e-15 || relativeStep < 1e-12) return { a, b };
      } else {
        lambda *= 10;
      }
    }
    if (!improved) break; // no descent direction left: at the minimum to machine precision
  }
  return { a, b };
}

function sumOfSquares(xs: Float64Array, ys: Float64Array, a: number, b: number): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) {
    const r = 1 / (1 + a * portablePow(xs[i], 2 * b)) - ys[i];
    s += r * r;
  }
  return s;
}
