/**
 * Full-data passes in row and column blocks (memory at 100k cells) give what one pass over the whole gives.
 */
import { Rngs, tf } from "@diffcell/core";
import { simulateKinetics } from "@diffcell/sim";
import { describe, expect, it } from "vitest";
import { columnMoments, disposeBatch, latentTimeOf, rowBatches, rowSlice } from "./batches.js";
import { VelocityConfig } from "./config.js";
import { knownLog1pOf } from "./timeEncoder.js";
import { DifferentiableVelocity } from "./velocity.js";

describe("block-wise full-data passes", () => {
  it("latent time in blocks of 7 rows equals the time encoder on every row at once", () => {
    const sim = simulateKinetics({ nCells: 50, nGenes: 9, seed: 2 });
    const data = { spliced: sim.spliced as tf.Tensor2D, unspliced: sim.unspliced as tf.Tensor2D };
    const model = new DifferentiableVelocity(new VelocityConfig({ nGenes: 9, kineticsModel: "dynamical" }), {
      rngs: new Rngs(4),
    });
    const whole = model.timeEncoder.apply(data.spliced, data.unspliced);
    const blocked = latentTimeOf(model.timeEncoder, data, 7);
    const expected = whole.dataSync();
    for (let i = 0; i < 50; i++) expect(blocked[i]).toBeCloseTo(expected[i], 6);
    expect(rowSlice(data, 0, 50)).toBe(data); // every row: no copy
    const tensors = tf.memory().numTensors;
    latentTimeOf(model.timeEncoder, data, 7);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(tensors + 2); // at most the encoder's cached log inputs
    tf.dispose([whole, sim.spliced, sim.unspliced]);
    model.dispose();
  });

  it("minibatches carry log1p of their rows: the encoder's time and gradients are those of fresh tensors; no leaks", () => {
    const sim = simulateKinetics({ nCells: 50, nGenes: 9, seed: 5 });
    const data = { spliced: sim.spliced as tf.Tensor2D, unspliced: sim.unspliced as tf.Tensor2D };
    const model = new DifferentiableVelocity(new VelocityConfig({ nGenes: 9, kineticsModel: "dynamical" }), {
      rngs: new Rngs(6),
    });
    // The encoder has cached and reused the full data's log1p (as an orientation check during training does):
    // a batch with known log1p must not pick up that cache's kept transpose for its gradients.
    model.constantInputs = true;
    tf.dispose([model.timeEncoder.apply(data.spliced, data.unspliced)]);
    tf.dispose([model.timeEncoder.apply(data.spliced, data.unspliced)]);
    const before = tf.memory().numTensors;
    const batchOf = rowBatches(data);
    const rows = Int32Array.from([3, 41, 0, 17, 17, 8]);
    const batch = batchOf(rows);
    const fresh = {
      spliced: tf.tensor2d(batch.spliced.dataSync(), batch.spliced.shape),
      unspliced: tf.tensor2d(batch.unspliced.dataSync(), batch.unspliced.shape),
    };
    for (const which of ["spliced", "unspliced"] as const) {
      const known = knownLog1pOf(batch[which]);
      expect(known).toBeDefined();
      expect(Array.from(known?.dataSync() ?? [])).toEqual(Array.from(tf.log1p(fresh[which]).dataSync()));
    }
    const run = (b: typeof batch) => {
      const { value, grads } = tf.variableGrads(
        () => tf.sum(tf.square(model.timeEncoder.apply(b.spliced, b.unspliced))) as tf.Scalar,
        model.timeEncoder.parameters().flatMap(([, p]) => (p.trainable ? [p.value as tf.Variable] : [])),
      );
      const out = [Array.from(value.dataSync()), ...Object.values(grads).map((g) => Array.from(g.dataSync()))];
      tf.dispose([value, ...Object.values(grads)]);
      return out;
    };
    // A second fit on the same data (restart trials) takes the first's host log1p: the same rows, the same values.
    const again = rowBatches(data)(rows);
    expect(Array.from(knownLog1pOf(again.spliced)?.dataSync() ?? [])).toEqual(
      Array.from(knownLog1pOf(batch.spliced)?.dataSync() ?? []),
    );
    disposeBatch(again);
    const withKnown = run(batch);
    model.constantInputs = false; // fresh tensors: log1p computed by the encoder
    expect(run(fresh)).toEqual(withKnown);
    disposeBatch(batch);
    tf.dispose([fresh.spliced, fresh.unspliced]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([sim.spliced, sim.unspliced]);
    model.dispose();
  });

  it("column moments in blocks of 256 columns equal a hand computation over 600 columns", () => {
    const n = 5;
    const g = 600;
    const values = Float32Array.from({ length: n * g }, (_, k) => Math.sin(k) * 3 + (k % g) / 100);
    const x = tf.tensor2d(values, [n, g]);
    const { mean, variance } = columnMoments(x);
    const logged = columnMoments(x, (b) => tf.log1p(tf.abs(b)));
    for (const j of [0, 255, 256, 599]) {
      const column = Array.from({ length: n }, (_, i) => values[i * g + j]);
      const mu = column.reduce((a, b) => a + b, 0) / n;
      expect(mean[j]).toBeCloseTo(mu, 5);
      expect(variance[j]).toBeCloseTo(column.reduce((a, b) => a + (b - mu) ** 2, 0) / n, 4);
      const logs = column.map((v) => Math.log1p(Math.abs(v)));
      expect(logged.mean[j]).toBeCloseTo(logs.reduce((a, b) => a + b, 0) / n, 5);
    }
    x.dispose();
  });
});
