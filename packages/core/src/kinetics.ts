/**
 * The transcription–splicing–degradation ODE (La Manno et al. 2018; Bergen et al. 2020):
 *
 *   du/dt = α − β·u        ds/dt = β·u − γ·s
 *
 * and its exact solution over an interval Δ with constant α from the state (u0, s0):
 *
 *   u(Δ) = u0·e^{−βΔ} + α·Δ·g(βΔ)
 *   s(Δ) = s0·e^{−γΔ} + α·Δ·g(γΔ) + (β·u0 − α)·h(β, γ, Δ)
 *
 * with g(x) = (1 − e^{−x})/x and h(β, γ, Δ) = (e^{−βΔ} − e^{−γΔ})/(γ − β) = Δ·e^{−βΔ}·g((γ − β)Δ).
 * Writing the solution through g keeps it finite and accurate when β → 0, γ → 0 or β → γ, where the
 * textbook form divides by zero. Shared by the simulator (`@diffcell/sim`) and the fused kinetics kernels
 * (`@diffcell/velocity`), which also need g′.
 */

/**
 * g(x) = (1 − e^{−x})/x, with g(0) = 1. `ex` = e^{−x} when the caller already has it (the fused kernels
 * reuse one exponential several times); the closed form is then (1 − ex)/x, accurate in float64 for
 * |x| ≥ 1e-4, and the series is used below.
 */
export function expm1Ratio(x: number, ex?: number): number {
  if (Math.abs(x) < 1e-4) return 1 - x / 2 + (x * x) / 6;
  return ex === undefined ? -Math.expm1(-x) / x : (1 - ex) / x;
}

/** g′(x) = (e^{−x}(1 + x) − 1)/x², with g′(0) = −1/2 (series below 1e-3, where the closed form cancels). */
export function expm1RatioDerivative(x: number, ex = Math.exp(-x)): number {
  if (Math.abs(x) < 1e-3) return -0.5 + x / 3 - (x * x) / 8;
  return (ex * (1 + x) - 1) / (x * x);
}

/**
 * h(β, γ, Δ) = (e^{−βΔ} − e^{−γΔ})/(γ − β), symmetric in β and γ, finite for γ = β (where it equals
 * Δ·e^{−βΔ}). Evaluated as Δ·e^{−mΔ}·g((M − m)Δ) with m = min(β, γ), M = max(β, γ), so the argument of g
 * is never negative and nothing overflows for long intervals.
 */
export function splicingKernel(beta: number, gamma: number, delta: number): number {
  const low = Math.min(beta, gamma);
  return delta * Math.exp(-low * delta) * expm1Ratio(Math.abs(gamma - beta) * delta);
}

/** Unspliced abundance after time Δ from u0 with transcription rate α. */
export function unsplicedAt(u0: number, alpha: number, beta: number, delta: number): number {
  return u0 * Math.exp(-beta * delta) + alpha * delta * expm1Ratio(beta * delta);
}

/** Spliced abundance after time Δ from (u0, s0) with transcription rate α. */
export function splicedAt(u0: number, s0: number, alpha: number, beta: number, gamma: number, delta: number): number {
  return (
    s0 * Math.exp(-gamma * delta) +
    alpha * delta * expm1Ratio(gamma * delta) +
    (beta * u0 - alpha) * splicingKernel(beta, gamma, delta)
  );
}
