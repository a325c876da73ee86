import { describe, expect, it } from "vitest";
import { InputError, ShapeError } from "./errors.js";
import { encodeLabels, maskToIndex } from "./labels.js";
import { calibrateBeta } from "./perplexity.js";

describe("encodeLabels", () => {
  it("sorts levels as R's as.factor: numbers numerically, strings by code unit", () => {
    expect(encodeLabels("b", ["b", "a", "c", "a"], 4)).toEqual({
      names: ["a", "b", "c"],
      codes: Int32Array.of(1, 0, 2, 0),
    });
    // 2 < 10 as numbers; "10" < "2" as strings.
    expect(encodeLabels("b", [10, 2, 10], 3)).toEqual({ names: ["2", "10"], codes: Int32Array.of(1, 0, 1) });
    expect(encodeLabels("b", ["10", 2], 2)).toEqual({ names: ["10", "2"], codes: Int32Array.of(0, 1) });
    expect(encodeLabels("b", Float32Array.of(1, 1), 2)).toEqual({ names: ["1"], codes: Int32Array.of(0, 0) });
  });
  it("names the array, the cell and the expectation", () => {
    expect(() => encodeLabels("batch", ["a"], 2, "row")).toThrow(ShapeError);
    expect(() => encodeLabels("batch", ["a"], 2, "row")).toThrow(
      "batch: expected shape 2 labels (one per row), got 1 labels",
    );
    expect(() => encodeLabels("batch", [1, Number.NaN], 2)).toThrow(
      "batch: label NaN at cell 1 is not a finite number (at index 1)",
    );
    expect(() => encodeLabels("batch", ["a", null as unknown as string], 2)).toThrow(InputError);
    expect(() => encodeLabels("batch", undefined as unknown as string[], 2)).toThrow(/expected an array of labels/);
  });
});

describe("maskToIndex", () => {
  it("lists the set positions in order", () => {
    expect(maskToIndex([0, 1, 1, 0, 1])).toEqual(Int32Array.of(1, 2, 4));
    expect(maskToIndex([true, false, true])).toEqual(Int32Array.of(0, 2));
    expect(maskToIndex(Uint8Array.of(0, 0))).toEqual(new Int32Array(0));
  });
});

describe("calibrateBeta", () => {
  const run = (entropy: (b: number) => number, target: number, options?: { maxIter?: number }) => {
    const calls: number[] = [];
    const beta = calibrateBeta(
      (b) => {
        calls.push(b);
        return entropy(b);
      },
      target,
      options,
    );
    return { beta, calls };
  };
  it("doubles until bracketed, then halves the bracket (hand-traced)", () => {
    // H(β) = log 4 − log β equals log 2 at β = 2: 1 → 2.
    expect(run((b) => Math.log(4) - Math.log(b), Math.log(2))).toEqual({ beta: 2, calls: [1, 2] });
    // H(β) = log 12 − log β equals log 4 at β = 3: 1 → 2 → 4 (overshoot) → (2 + 4)/2 = 3.
    expect(run((b) => Math.log(12) - Math.log(b), Math.log(4))).toEqual({ beta: 3, calls: [1, 2, 4, 3] });
    // Entropy too low: halve, 1 → 0.5.
    expect(run((b) => -Math.log(b) - Math.log(2), Math.log(1))).toEqual({ beta: 0.5, calls: [1, 0.5] });
  });
  it("stops after maxIter moves, the last call at the returned β; NaN counts as not converged", () => {
    expect(run(() => 1, 0, { maxIter: 3 })).toEqual({ beta: 8, calls: [1, 2, 4, 8] });
    expect(run(() => Number.NaN, 0, { maxIter: 2 })).toEqual({ beta: 0.25, calls: [1, 0.5, 0.25] });
  });
  it("two neighbours at distances 0 and 1 reach perplexity 1.5 within the tolerance", () => {
    // p ∝ (1, e^{−β}): H(β) = log(1 + e^{−β}) + β·e^{−β}/(1 + e^{−β}).
    const entropy = (b: number) => Math.log(1 + Math.exp(-b)) + (b * Math.exp(-b)) / (1 + Math.exp(-b));
    const { beta, calls } = run(entropy, Math.log(1.5));
    expect(Math.abs(entropy(beta) - Math.log(1.5))).toBeLessThan(1e-5);
    expect(calls.at(-1)).toBe(beta);
  });
});
