/**
 * Property tests (fast-check): a bad entry anywhere in a random matrix, stored dense, CSR or CSC, is
 * reported by checkLayerCounts at its own row and column with its value spelled as a user reads it.
 */
import { ValueError } from "@diffcell/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkLayerCounts, dense, toCsc, toCsr } from "./index.js";

const BAD: Array<[number, string]> = [
  [Number.NaN, "NaN"],
  [Number.POSITIVE_INFINITY, "Inf"],
  [Number.NEGATIVE_INFINITY, "-Inf"],
  [-1, "-1"],
  [2e12, "2000000000000"],
];

describe("checkLayerCounts properties", () => {
  it("names the row, column and value of the first bad entry in any storage", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 12 }),
        fc.nat(),
        fc.integer({ min: 0, max: BAD.length - 1 }),
        fc.constantFrom("dense", "csr", "csc"),
        (n, g, where, which, storage) => {
          const data = Float64Array.from({ length: n * g }, (_, p) => (p * 7) % 5);
          const p = where % (n * g);
          const [value, spelled] = BAD[which];
          data[p] = value;
          const d = dense(data, n, g);
          const layer = storage === "dense" ? d : storage === "csr" ? toCsr(d) : toCsc(d);
          let error: unknown;
          try {
            checkLayerCounts("x", layer);
          } catch (e) {
            error = e;
          }
          expect(error).toBeInstanceOf(ValueError);
          const row = Math.floor(p / g);
          const column = p % g;
          expect((error as ValueError).row).toBe(row);
          expect((error as ValueError).column).toBe(column);
          const shown = spelled === "2000000000000" ? "2e12" : spelled;
          expect((error as Error).message).toContain(`x: value ${shown} at row ${row}, column ${column}`);
        },
      ),
      { numRuns: 200, seed: 8 },
    );
  });

  it("accepts any non-negative integer counts; warns once for fractions", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 40 }), (values) => {
        const warnings: string[] = [];
        expect(checkLayerCounts("x", dense(Float64Array.from(values), 1, values.length), (m) => warnings.push(m))).toBe(
          false,
        );
        expect(warnings).toEqual([]);
        const frac = Float64Array.from(values);
        frac[0] += 0.5;
        expect(checkLayerCounts("x", dense(frac, 1, values.length), (m) => warnings.push(m))).toBe(true);
        expect(warnings).toHaveLength(1);
      }),
      { numRuns: 50, seed: 9 },
    );
  });
});
