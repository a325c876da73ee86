/**
 * Property tests (fast-check) over random small count matrices for pp's array-level operators:
 * normalisation, log1p, PCA and first moments give finite values of the right shape, whatever the counts
 * (zeros rows and constant columns included).
 */
import { Rngs } from "@diffcell/core";
import { dense, toDenseFloat32 } from "@diffcell/io";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstMoment, log1pLayer, momentWeights, normalizeRows, pcaMatrix, sizeFactors } from "./index.js";

const matrix = fc
  .record({ n: fc.integer({ min: 3, max: 10 }), g: fc.integer({ min: 2, max: 6 }) })
  .chain(({ n, g }) =>
    fc.tuple(
      fc.array(fc.integer({ min: 0, max: 10000 }), { minLength: n * g, maxLength: n * g }),
      fc.constant(n),
      fc.constant(g),
    ),
  );
const rowSums = (x: number[], n: number, g: number) =>
  Array.from({ length: n }, (_, i) => x.slice(i * g, (i + 1) * g).reduce((a, b) => a + b, 0));

describe("pp properties", () => {
  it("sizeFactors > 0 and normalizeRows + log1p finite, same shape", () => {
    fc.assert(
      fc.property(matrix, ([x, n, g]) => {
        const counts = rowSums(x, n, g);
        const f = sizeFactors(counts);
        expect(f.every((v) => v > 0 && Number.isFinite(v))).toBe(true);
        const normalized = normalizeRows(dense(Float32Array.from(x), n, g), counts);
        expect([normalized.rows, normalized.cols]).toEqual([n, g]);
        const logged = toDenseFloat32(log1pLayer(normalized));
        expect(logged).toHaveLength(n * g);
        expect(logged.every((v) => Number.isFinite(v) && v >= 0)).toBe(true);
      }),
      { numRuns: 30, seed: 5 },
    );
  });

  it("pcaMatrix: finite scores [N, k] and components [k, G]", () => {
    fc.assert(
      fc.property(matrix, ([x, n, g]) => {
        const k = Math.min(n, g) - 1;
        if (k < 1) return;
        const data = Float32Array.from(x, (v) => Math.log1p(v));
        const r = pcaMatrix({ data, rows: n, cols: g }, k, { rngs: new Rngs(0) });
        expect([r.scores.rows, r.scores.cols]).toEqual([n, k]);
        expect([r.components.rows, r.components.cols]).toEqual([k, g]);
        expect(r.scores.data.every(Number.isFinite)).toBe(true);
        expect(r.components.data.every(Number.isFinite)).toBe(true);
      }),
      { numRuns: 15, seed: 6 },
    );
  });

  it("first moments over a ring graph: finite, [N, G], within the range of the data", () => {
    fc.assert(
      fc.property(matrix, ([x, n, g]) => {
        // Each cell connected to its two ring neighbours (a valid kNN-like graph).
        const rows: number[] = [];
        const cols: number[] = [];
        for (let i = 0; i < n; i++)
          for (const j of [(i + 1) % n, (i + n - 1) % n]) {
            rows.push(i);
            cols.push(j);
          }
        const graph = dense(new Float32Array(n * n), n, n);
        rows.forEach((i, p) => {
          graph.data[i * n + cols[p]] = 1;
        });
        const w = momentWeights(graph);
        const m = firstMoment(w, dense(Float32Array.from(x), n, g));
        expect(m).toHaveLength(n * g);
        const max = Math.max(...x);
        expect(m.every((v) => Number.isFinite(v) && v >= 0 && v <= max * (1 + 1e-6))).toBe(true);
      }),
      { numRuns: 20, seed: 7 },
    );
  });
});
