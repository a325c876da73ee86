import { expm1Ratio, expm1RatioDerivative } from "./kinetics.js";

/**
 * One interval of the transcription–splicing ODE with its exact derivatives, for the fused kernels
 * (`@diffcell/velocity`'s trajectory kernels). The formulas and why they are written through
 * g(x) = (1 − e^{−x})/x are in `kinetics.ts`; this file adds the Jacobian and shares one exponential
 * between g, g′ and the decay factors.
 *
 * The functions here and `expm1Ratio`/`expm1RatioDerivative` are self-contained (no module state), so
 * the parallel kernels ship their source to worker threads (see `parallel/pool.ts`).
 *
 * `solveInterval(u0, s0, α, β, γ, Δ, out)` writes
 *   out[0] u, out[1] s,
 *   out[2] ∂u/∂u0, out[3] ∂u/∂α, out[4] ∂u/∂β, out[5] ∂u/∂Δ,
 *   out[6] ∂s/∂s0, out[7] ∂s/∂u0, out[8] ∂s/∂α, out[9] ∂s/∂β, out[10] ∂s/∂γ, out[11] ∂s/∂Δ.
 *
 * Derivation (E_b = e^{−βΔ}, E_c = e^{−γΔ}, q = g′):
 *   u = u0·E_b + αΔ·g(βΔ)                     s = s0·E_c + αΔ·g(γΔ) + (βu0 − α)·h
 *   ∂u/∂β = −u0·Δ·E_b + αΔ²·q(βΔ)              ∂s/∂γ = −s0·Δ·E_c + αΔ²·q(γΔ) + (βu0 − α)·∂h/∂γ
 *   ∂s/∂α = Δ·g(γΔ) − h                        ∂s/∂β = u0·h + (βu0 − α)·∂h/∂β
 *   ∂u/∂Δ = α − βu, ∂s/∂Δ = βu − γs (the ODE itself)
 *   with h = Δ·e^{−mΔ}·g(x), m = min(β, γ), x = |γ − β|Δ:  ∂h/∂max = Δ²e^{−mΔ}q(x), ∂h/∂min = −Δh − Δ²e^{−mΔ}q(x).
 */
export const SOLUTION_SIZE = 12;

export function solveInterval(
  u0: number,
  s0: number,
  alpha: number,
  beta: number,
  gamma: number,
  delta: number,
  out: Float64Array,
  offset = 0,
): void {
  const xb = beta * delta;
  const xc = gamma * delta;
  const eb = Math.exp(-xb);
  const ec = Math.exp(-xc);
  const gb = expm1Ratio(xb, eb);
  const gc = expm1Ratio(xc, ec);
  const qb = expm1RatioDerivative(xb, eb);
  const qc = expm1RatioDerivative(xc, ec);
  const betaIsLow = beta <= gamma;
  const em = betaIsLow ? eb : ec;
  const x = Math.abs(gamma - beta) * delta;
  // e^{−|γ−β|Δ} = e^{−max·Δ}/e^{−min·Δ}: one exp fewer, exact unless e^{−min·Δ} underflows.
  const ex = em > 1e-280 ? (betaIsLow ? ec : eb) / em : Math.exp(-x);
  const gx = expm1Ratio(x, ex);
  const qx = expm1RatioDerivative(x, ex);
  const h = delta * em * gx;
  const dhHigh = delta * delta * em * qx;
  const dhLow = -delta * h - dhHigh;
  const dhBeta = betaIsLow ? dhLow : dhHigh;
  const dhGamma = betaIsLow ? dhHigh : dhLow;
  const u = u0 * eb + alpha * delta * gb;
  const drive = beta * u0 - alpha;
  const s = s0 * ec + alpha * delta * gc + drive * h;
  out[offset] = u;
  out[offset + 1] = s;
  out[offset + 2] = eb;
  out[offset + 3] = delta * gb;
  out[offset + 4] = -u0 * delta * eb + alpha * delta * delta * qb;
  out[offset + 5] = alpha - beta * u;
  out[offset + 6] = ec;
  out[offset + 7] = beta * h;
  out[offset + 8] = delta * gc - h;
  out[offset + 9] = u0 * h + drive * dhBeta;
  out[offset + 10] = -s0 * delta * ec + alpha * delta * delta * qc + drive * dhGamma;
  out[offset + 11] = beta * u - gamma * s;
}

/** Values only (u, s) of {@link solveInterval}, for forward passes that need no Jacobian. */
export function solveValues(
  u0: number,
  s0: number,
  alpha: number,
  beta: number,
  gamma: number,
  delta: number,
  out: Float64Array,
): void {
  const xb = beta * delta;
  const xc = gamma * delta;
  const eb = Math.exp(-xb);
  const ec = Math.exp(-xc);
  const betaIsLow = beta <= gamma;
  const em = betaIsLow ? eb : ec;
  const x = Math.abs(gamma - beta) * delta;
  const ex = em > 1e-280 ? (betaIsLow ? ec : eb) / em : Math.exp(-x);
  const h = delta * em * expm1Ratio(x, ex);
  out[0] = u0 * eb + alpha * delta * expm1Ratio(xb, eb);
  out[1] = s0 * ec + alpha * delta * expm1Ratio(xc, ec) + (beta * u0 - alpha) * h;
}
