import { checkGrad, Rngs, tf } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { batchMixingKernel, batchMixingLoss } from "./batchMixing.js";

/**
 * Two batches on a ring: every position holds one cell of each batch (mixed), or the second batch's copy of
 * the ring lies far away (separated).
 */
function ring(n: number, separated: boolean) {
  const data = new Float32Array(n * 2);
  const batch: string[] = [];
  for (let i = 0; i < n; i++) {
    const b = i % 2;
    const angle = (2 * Math.PI * (i - b)) / n;
    data[i * 2] = 5 * Math.cos(angle) + (separated ? 100 * b : 0);
    data[i * 2 + 1] = 5 * Math.sin(angle);
    batch.push(b ? "tech2" : "tech1");
  }
  return { x: tf.tensor2d(data, [n, 2]), batch };
}

describe("batchMixingLoss", () => {
  it("is small for mixed batches and log 2 for fully separated equal-sized batches", () => {
    const mixed = ring(200, false);
    const separated = ring(200, true);
    const lossMixed = batchMixingLoss(mixed.x, mixed.batch, { perplexity: 10 });
    const lossSeparated = batchMixingLoss(separated.x, separated.batch, { perplexity: 10 });
    // Not exactly 0: without itself, a cell's neighbourhood holds one more cell of the other batch.
    expect(lossMixed.dataSync()[0]).toBeLessThan(0.1 * Math.LN2);
    // Every neighbourhood holds one batch: KL(one-hot ‖ (½, ½)) = log 2.
    expect(lossSeparated.dataSync()[0]).toBeCloseTo(Math.LN2, 5);
    tf.dispose([mixed.x, separated.x, lossMixed, lossSeparated]);
  });

  it("uses given target proportions and precomputed neighbours", () => {
    const { x, batch } = ring(40, true);
    // Neighbours: the two previous and two next cells of the same batch, as lists.
    const k = 4;
    const neighbors = new Int32Array(40 * k);
    for (let i = 0; i < 40; i++) {
      [-4, -2, 2, 4].forEach((o, r) => {
        neighbors[i * k + r] = (i + o + 40) % 40;
      });
    }
    const loss = batchMixingLoss(x, batch, { neighbors, proportions: [1, 3] });
    // A tech1 cell sees only tech1: −log(1/4); a tech2 cell: −log(3/4).
    expect(loss.dataSync()[0]).toBeCloseTo((Math.log(4) + Math.log(4 / 3)) / 2, 5);
    tf.dispose([x, loss]);
  });

  it("passes a float64 finite-difference check of its fused kernel", () => {
    const rngs = new Rngs(3);
    const n = 16;
    const k = 5;
    const x = { data: Float64Array.from(rngs.normal(n * 3)), shape: [n, 3] };
    const neighbors = new Int32Array(n * k);
    for (let i = 0; i < n; i++) for (let r = 0; r < k; r++) neighbors[i * k + r] = (i + r) % n; // r = 0 is the cell itself
    const attrs = {
      neighbors,
      k,
      beta: Float64Array.from(rngs.uniform(n, 0.5, 2)),
      batches: Int32Array.from({ length: n }, (_, i) => i % 3),
      proportions: Float64Array.from([0.5, 0.3, 0.2]),
    };
    const report = checkGrad(batchMixingKernel, [x], attrs);
    expect(report.ok, report.message).toBe(true);
  });

  it("its gradient mixes batches: gradient steps on the embedding lower the loss", () => {
    const r = new Rngs(1);
    const n = 120;
    const data = new Float32Array(n * 2);
    const batch: number[] = [];
    for (let i = 0; i < n; i++) {
      batch.push(i % 2);
      data[i * 2] = r.normal(1)[0] + 1.5 * (i % 2);
      data[i * 2 + 1] = r.normal(1)[0];
    }
    let x = tf.tensor2d(data, [n, 2]);
    const first = batchMixingLoss(x, batch, { perplexity: 10 });
    const start = first.dataSync()[0];
    first.dispose();
    for (let step = 0; step < 20; step++) {
      const [g] = tf.grads((e: tf.Tensor) => batchMixingLoss(e as tf.Tensor2D, batch, { perplexity: 10 }))([x]);
      const next = tf.sub(x, tf.mul(g, 5)) as tf.Tensor2D;
      tf.dispose([x, g]);
      x = next;
    }
    const last = batchMixingLoss(x, batch, { perplexity: 10 });
    expect(last.dataSync()[0]).toBeLessThan(0.5 * start);
    tf.dispose([x, last]);
  });

  it("names bad input", () => {
    const { x, batch } = ring(20, false);
    expect(() => batchMixingLoss(x, batch.slice(1))).toThrow(
      "batchLabels: expected shape 20 labels (one per row of embeddings), got 19 labels",
    );
    expect(() => batchMixingLoss(x, Array(20).fill("a"), { perplexity: 3 })).toThrow(/only one batch/);
    expect(() => batchMixingLoss(x, batch, { perplexity: -1 })).toThrow(/perplexity/);
    x.dispose();
  });
});
