import { describe, expect, it } from "vitest";
import { attractionExact, portablePow, repulsionExact } from "./gradient-table.js";

describe("portablePow (UMAP's x^b, the same bits on every JavaScript engine)", () => {
  it("agrees with ** to a few units in the last place over the layout's range, 0^y = 0", () => {
    let worst = 0;
    for (const b of [0.79, 0.8951, 1.2, 1.9, 2 * 0.8951]) {
      for (let e = -30; e < 16; e += 0.37) {
        const x = 2 ** e * 1.2345;
        worst = Math.max(worst, Math.abs(portablePow(x, b) / x ** b - 1));
      }
    }
    expect(worst).toBeLessThan(1e-13);
    expect(portablePow(0, 1.79)).toBe(0);
    expect(portablePow(1, 0.9)).toBe(1);
  });

  it("gives UMAP's gradient coefficients (hand formulas with **)", () => {
    const [a, b, gamma] = [1.577, 0.8951, 1];
    for (const x of [1e-6, 0.01, 0.5, 1, 3, 40]) {
      expect(attractionExact(x, a, b)).toBeCloseTo((2 * a * b * x ** (b - 1)) / (1 + a * x ** b), 12);
      expect(repulsionExact(x, a, b, gamma)).toBeCloseTo((2 * gamma * b) / ((0.001 + x) * (1 + a * x ** b)), 12);
    }
  });
});
