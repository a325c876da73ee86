import { describe, expect, it } from "vitest";
import { formatPower, formatTick, linearScale, logScale, niceDomain, ticks } from "./scale.js";

describe("scales and ticks", () => {
  it("maps domains linearly and logarithmically", () => {
    const x = linearScale([0, 10], [100, 300]);
    expect(x(0)).toBe(100);
    expect(x(2.5)).toBe(150);
    const y = logScale([1, 1000], [0, 300]);
    expect(y(10)).toBeCloseTo(100, 10);
  });

  it("chooses 1-2-2.5-5 steps and prints every tick exactly", () => {
    expect(ticks([0, 1]).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(ticks([0, 2.3]).values).toEqual([0, 0.5, 1, 1.5, 2]);
    const { values, step } = ticks([0.1, 0.35], 5);
    expect(values.map((v) => formatTick(v, step))).toEqual(["0.10", "0.15", "0.20", "0.25", "0.30", "0.35"]);
    expect(niceDomain([0.13, 2.27])).toEqual([0, 2.5]);
    expect(formatTick(0, 0.25)).toBe("0.00");
    expect(formatTick(2e6, 1e6)).toBe("2e+6");
  });

  it("writes powers of ten with superscripts", () => {
    expect(formatPower(-3)).toBe("10⁻³");
    expect(formatPower(12)).toBe("10¹²");
    expect(formatPower(0)).toBe("1");
  });
});
