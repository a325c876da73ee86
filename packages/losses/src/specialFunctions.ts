import { allocLike, customVjp } from "@diffcell/core";

/**
 * log Γ(x), ψ(x) = d/dx log Γ(x) and ψ′(x) for x > 0 in float64, with tfjs ops whose gradients chain
 * (tfjs has no lgamma/digamma). Small arguments are shifted up by the recurrences
 * Γ(x+1) = xΓ(x), ψ(x+1) = ψ(x) + 1/x, ψ′(x+1) = ψ′(x) − 1/x², then the asymptotic (Stirling) series
 * are summed at x ≥ 12, where their truncation error is below 1e-14.
 */
const SHIFT = 12;

export function logGammaScalar(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let shift = 0;
  while (x < SHIFT) {
    shift += Math.log(x);
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  const series = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (1 / 1680 - inv2 / 1188))));
  return (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series - shift;
}

export function digammaScalar(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let shift = 0;
  while (x < SHIFT) {
    shift += 1 / x;
    x += 1;
  }
  const inv2 = 1 / (x * x);
  const series = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - (inv2 * 1) / 132))));
  return Math.log(x) - 0.5 / x - series - shift;
}

export function trigammaScalar(x: number): number {
  if (!(x > 0)) return Number.NaN;
  let shift = 0;
  while (x < SHIFT) {
    shift += 1 / (x * x);
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  const series =
    inv * (1 + inv * (0.5 + inv * (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 * (1 / 30 - (inv2 * 5) / 66))))));
  return series + shift;
}

function elementwise(name: string, f: (x: number) => number, derivative: (x: number) => number) {
  return customVjp<null>(
    ([x]) => {
      const out = allocLike(x.data, x.data.length);
      for (let i = 0; i < out.length; i++) out[i] = f(x.data[i]);
      return { outputs: [{ data: out, shape: x.shape }] };
    },
    ({ inputs: [x], cotangents: [dy] }) => {
      const dx = allocLike(x.data, x.data.length);
      for (let i = 0; i < dx.length; i++) dx[i] = dy.data[i] * derivative(x.data[i]);
      return [dx];
    },
    name,
  );
}

/** Element-wise log Γ(x) as a differentiable op (gradient ψ(x)). */
export const lgammaOp = elementwise("lgamma", logGammaScalar, digammaScalar);
/** Element-wise ψ(x) as a differentiable op (gradient ψ′(x)). */
export const digammaOp = elementwise("digamma", digammaScalar, trigammaScalar);
