/**
 * The kernel precision β (1/bandwidth) at which a neighbourhood's entropy equals log(perplexity), by the
 * bisection of t-SNE and harmonypy's `compute_simpson`: start at β = 1; while |H(β) − target| ≥ tol (and at
 * most `maxIter` times) move β up (H too high) or down, doubling/halving until the other side is bracketed,
 * then halving the bracket. Shared by Harmony's LISI and the batch-mixing loss, which differ only in H.
 *
 * `entropyAt(β)` returns the entropy H(β) of the normalised kernel; it is always last called at the β
 * returned, so a caller that keeps the kernel weights in a closure holds the final ones. A NaN entropy is
 * treated as not converged.
 */
export function calibrateBeta(
  entropyAt: (beta: number) => number,
  target: number,
  options: { tol?: number; maxIter?: number } = {},
): number {
  const tol = options.tol ?? 1e-5;
  const maxIter = options.maxIter ?? 50;
  let beta = 1;
  let lo = Number.NEGATIVE_INFINITY;
  let hi = Number.POSITIVE_INFINITY;
  let diff = entropyAt(beta) - target;
  for (let t = 0; t < maxIter && !(Math.abs(diff) < tol); t++) {
    if (diff > 0) {
      lo = beta;
      beta = Number.isFinite(hi) ? (beta + hi) / 2 : beta * 2;
    } else {
      hi = beta;
      beta = Number.isFinite(lo) ? (beta + lo) / 2 : beta / 2;
    }
    diff = entropyAt(beta) - target;
  }
  return beta;
}
