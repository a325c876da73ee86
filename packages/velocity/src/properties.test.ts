/**
 * Property tests (fast-check) over random small count matrices: the operator's outputs and the training
 * loss's gradients are finite and shaped [N, G] / [N] / [G]; trainVelocity with one extreme (but accepted)
 * count still ends finite; a count above 1e12 is refused by name.
 */
import { tf, ValueError, valueAndGrad } from "@diffcell/core";
import { VelocityConsistencyLoss } from "@diffcell/losses";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DifferentiableVelocity, fitSteadyState, trainVelocity, VelocityConfig, velocityLoss } from "./index.js";

/** N × G counts (N 4…9, G 1…4), integers up to `max`, as [data, n, g]. */
const counts = (max: number) =>
  fc
    .record({ n: fc.integer({ min: 4, max: 9 }), g: fc.integer({ min: 1, max: 4 }) })
    .chain(({ n, g }) =>
      fc.tuple(
        fc.array(fc.integer({ min: 0, max }), { minLength: n * g, maxLength: n * g }),
        fc.array(fc.integer({ min: 0, max }), { minLength: n * g, maxLength: n * g }),
        fc.constant(n),
        fc.constant(g),
      ),
    );
const allFinite = (t: tf.Tensor) => (t.dataSync() as Float32Array).every(Number.isFinite);

describe("DifferentiableVelocity properties", () => {
  it("forward: finite velocity [N, G], latent time [N], rates [G], for any counts", () => {
    fc.assert(
      fc.property(counts(5000), ([s, u, n, g]) => {
        const data = { spliced: tf.tensor2d(s, [n, g]), unspliced: tf.tensor2d(u, [n, g]) };
        const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: g }));
        const out = op.forward(data);
        try {
          expect(out.velocity.shape).toEqual([n, g]);
          expect(out.latentTime.shape).toEqual([n]);
          expect(out.gamma.shape).toEqual([g]);
          for (const t of [out.velocity, out.latentTime, out.alpha, out.beta, out.gamma])
            expect(allFinite(t)).toBe(true);
        } finally {
          tf.dispose([data.spliced, data.unspliced, ...(Object.values(out) as tf.Tensor[])]);
          op.dispose();
        }
      }),
      { numRuns: 8, seed: 1 },
    );
  });

  it("the training loss and its gradients are finite", () => {
    fc.assert(
      fc.property(counts(2000), ([s, u, n, g]) => {
        const data = { spliced: tf.tensor2d(s, [n, g]), unspliced: tf.tensor2d(u, [n, g]) };
        const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: g }));
        const neighbors = Int32Array.from({ length: n * 2 }, (_, p) => (Math.floor(p / 2) + 1 + (p % 2)) % n);
        const step = valueAndGrad((m: DifferentiableVelocity) =>
          velocityLoss(m, data, { consistency: new VelocityConsistencyLoss(), neighbors }),
        );
        try {
          const [value, grads] = step(op);
          expect(Number.isFinite(value)).toBe(true);
          const tensors = collectTensors(grads);
          expect(tensors.length).toBeGreaterThan(0);
          for (const t of tensors) expect(allFinite(t)).toBe(true);
          tf.dispose(tensors);
        } finally {
          tf.dispose([data.spliced, data.unspliced]);
          op.dispose();
        }
      }),
      { numRuns: 5, seed: 2 },
    );
  });

  it("trainVelocity: one count of up to 1e12 still gives a finite model; above 1e12 is refused by name", () => {
    fc.assert(
      fc.property(
        counts(50),
        fc.double({ min: 1e3, max: 1e12, noNaN: true }),
        fc.nat(),
        ([s, u, n, g], extreme, where) => {
          const i = where % (n * g);
          const sx = Float32Array.from(s);
          sx[i] = extreme;
          const data = { spliced: tf.tensor2d(sx, [n, g]), unspliced: tf.tensor2d(u, [n, g]) };
          const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: g }));
          try {
            trainVelocity(op, data, { epochs: 2, seed: 0 });
            const out = op.forward(data);
            const ok = [out.velocity, out.latentTime, out.alpha, out.beta, out.gamma].every(allFinite);
            tf.dispose(Object.values(out) as tf.Tensor[]);
            expect(ok).toBe(true);
          } finally {
            tf.dispose([data.spliced, data.unspliced]);
            op.dispose();
          }
        },
      ),
      { numRuns: 4, seed: 3 },
    );
    const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: 2 }));
    const big = tf.tensor2d([1, 2, 3, 1e30, 5, 6], [3, 2]);
    expect(() => trainVelocity(op, { spliced: big, unspliced: big }, { epochs: 1 })).toThrow(ValueError);
    expect(() => trainVelocity(op, { spliced: big, unspliced: big }, { epochs: 1 })).toThrow(
      "spliced: value 1e30 at row 1, column 1; expected finite, in [0, 1e12]",
    );
    tf.dispose(big);
    op.dispose();
  });

  it("fitSteadyState: finite γ′ and R² per gene for any counts", () => {
    fc.assert(
      fc.property(counts(1000), ([s, u, n, g]) => {
        const fit = fitSteadyState(Float32Array.from(s), Float32Array.from(u), n, g);
        expect(fit.gamma).toHaveLength(g);
        expect(fit.gamma.every(Number.isFinite)).toBe(true);
        expect(fit.r2.every((r) => Number.isFinite(r) || Number.isNaN(r))).toBe(true);
      }),
      { numRuns: 20, seed: 4 },
    );
  });
});

/** Every tensor inside a gradient tree (nested objects/arrays). */
function collectTensors(tree: unknown): tf.Tensor[] {
  if (tree instanceof tf.Tensor) return [tree];
  if (Array.isArray(tree)) return tree.flatMap(collectTensors);
  if (tree && typeof tree === "object") return Object.values(tree).flatMap(collectTensors);
  return [];
}
