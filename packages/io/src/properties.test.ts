/**
 * Property tests (fast-check): a bad entry anywhere in a random matrix, stored dense, CSR or CSC, is
 * reported by checkLayerCounts at its own row and column with its value spelled as a user reads it.
 */
import { ValueError } from "@diffcell/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkLayerCounts, colSums, dense, rowSums, toCsc, toCsr } from "./index.js";

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

describe("row and column sums", () => {
  it("agree in every storage with sums worked entry by entry", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 0, max: 1000 }),
        (n, g, salt) => {
          const data = Float64Array.from({ length: n * g }, (_, p) => ((p * 7 + salt) % 5) * 0.5);
          const rows = Array.from({ length: n }, (_, i) => data.slice(i * g, (i + 1) * g).reduce((a, b) => a + b, 0));
          const cols = Array.from({ length: g }, (_, j) => rows.reduce((a, _r, i) => a + data[i * g + j], 0));
          const d = dense(data, n, g);
          for (const layer of [d, toCsr(d), toCsc(d)]) {
            expect(Array.from(rowSums(layer))).toEqual(rows);
            expect(Array.from(colSums(layer))).toEqual(cols);
          }
        },
      ),
      { numRuns: 100, seed: 3 },
    );
  });
});
