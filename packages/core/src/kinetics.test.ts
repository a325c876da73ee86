import { describe, expect, it } from "vitest";
import { expm1Ratio, expm1RatioDerivative, splicedAt, splicingKernel, unsplicedAt } from "./kinetics.js";

/** Reference: RK4 integration of the ODE with tiny steps. */
function integrate(u0: number, s0: number, a: number, b: number, c: number, t: number) {
  let u = u0;
  let s = s0;
  const n = 20000;
  const h = t / n;
  const f = (uu: number, ss: number) => [a - b * uu, b * uu - c * ss];
  for (let i = 0; i < n; i++) {
    const k1 = f(u, s);
    const k2 = f(u + (h / 2) * k1[0], s + (h / 2) * k1[1]);
    const k3 = f(u + (h / 2) * k2[0], s + (h / 2) * k2[1]);
    const k4 = f(u + h * k3[0], s + h * k3[1]);
    u += (h / 6) * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
    s += (h / 6) * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
  }
  return [u, s];
}

describe("analytic kinetics", () => {
  it.each([
    [0, 0, 2, 0.7, 0.3, 1.5],
    [1.2, 3, 0, 0.7, 0.3, 2],
    [0.5, 0.1, 1, 0.4, 0.4, 3], // β = γ: the textbook form divides by zero
    [0.5, 0.1, 1, 0.4, 0.4000001, 3],
    [0, 0, 1, 1e-9, 0.2, 1], // β → 0
  ])("matches RK4 from (u0=%d, s0=%d), α=%d β=%d γ=%d Δ=%d", (u0, s0, a, b, c, t) => {
    const [u, s] = integrate(u0, s0, a, b, c, t);
    expect(unsplicedAt(u0, a, b, t)).toBeCloseTo(u, 9);
    expect(splicedAt(u0, s0, a, b, c, t)).toBeCloseTo(s, 9);
  });

  it("hand values: steady state and the β = γ limit", () => {
    expect(unsplicedAt(0, 2, 0.5, 1e6)).toBeCloseTo(4, 12); // α/β
    expect(splicedAt(0, 0, 2, 0.5, 0.25, 1e6)).toBeCloseTo(8, 9); // α/γ
    expect(splicingKernel(0.4, 0.4, 2)).toBeCloseTo(2 * Math.exp(-0.8), 14);
    expect(expm1Ratio(0)).toBe(1);
    expect(expm1RatioDerivative(0)).toBe(-0.5);
    const x = 0.37;
    const h = 1e-6;
    expect(expm1RatioDerivative(x)).toBeCloseTo((expm1Ratio(x + h) - expm1Ratio(x - h)) / (2 * h), 8);
    expect(expm1RatioDerivative(2e-3)).toBeCloseTo((expm1Ratio(2e-3 + h) - expm1Ratio(2e-3 - h)) / (2 * h), 8);
  });
});
