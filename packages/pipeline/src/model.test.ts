/**
 * The trained model's full-data evaluations run a block of rows at a time (memory at 100k cells): blocked
 * and whole evaluations agree, and the fit statistics equal `geneFitStatistics` on one whole prediction.
 */
import { Rngs, tf } from "@diffcell/core";
import { simulateKinetics } from "@diffcell/sim";
import { DifferentiableVelocity, geneFitStatistics, VelocityConfig } from "@diffcell/velocity";
import { describe, expect, it } from "vitest";
import { evaluateModel, fittedKinetics } from "./model.js";

describe("block-wise evaluation of a trained model", () => {
  it("gives the same velocity, latent time and fit statistics in blocks of 7 rows as in one block, fused or not", () => {
    const sim = simulateKinetics({ nCells: 60, nGenes: 12, seed: 3 });
    const [n, m] = sim.spliced.shape;
    const data = { spliced: sim.spliced as tf.Tensor2D, unspliced: sim.unspliced as tf.Tensor2D };
    const model = new DifferentiableVelocity(new VelocityConfig({ nGenes: m, kineticsModel: "dynamical" }), {
      rngs: new Rngs(1),
    });
    // The model's columns sit at every other column of a 2m-gene data set.
    const genes = Array.from({ length: m }, (_, c) => 2 * c + 1);
    const whole = evaluateModel(model, data, genes, 2 * m, n);
    const blocked = evaluateModel(model, data, genes, 2 * m, 7);
    expect(Array.from(blocked.latentTime)).toEqual(Array.from(whole.latentTime));
    // Reference velocity and latent time: the model's forward pass on all cells at once.
    const forward = model.forward(data, { projection: false });
    expect(Array.from(whole.latentTime)).toEqual(Array.from(forward.latentTime.dataSync()));
    const v = forward.velocity.dataSync();
    for (let i = 0; i < n; i++) {
      expect(Number.isNaN(whole.velocity[i * 2 * m])).toBe(true); // unmodelled column
      genes.forEach((j, c) => {
        expect(whole.velocity[i * 2 * m + j]).toBe(v[i * m + c]);
        expect(blocked.velocity[i * 2 * m + j]).toBeCloseTo(whole.velocity[i * 2 * m + j], 6);
      });
    }
    const fitWhole = fittedKinetics(model, genes, 2 * m, data, whole.latentTime, n);
    const fitBlocked = fittedKinetics(model, genes, 2 * m, data, whole.latentTime, 7);
    // The fused evaluation's statistics, rates and curves are fittedKinetics' at the same latent times.
    expect(whole.fit).toEqual(fitWhole.fit);
    expect(whole.curves).toEqual(fitWhole.curves);
    expect(blocked.fit).toEqual(fitBlocked.fit);
    // Reference: the statistics of one prediction for every cell.
    const predicted = model.predict(tf.tensor1d(whole.latentTime));
    const reference = geneFitStatistics(
      { unspliced: data.unspliced.dataSync(), spliced: data.spliced.dataSync() },
      { unspliced: predicted.unspliced.dataSync(), spliced: predicted.spliced.dataSync() },
      n,
      m,
    );
    genes.forEach((j, c) => {
      expect(fitBlocked.fit.likelihood[j]).toBe(fitWhole.fit.likelihood[j]);
      expect(fitBlocked.fit.r2[j]).toBe(fitWhole.fit.r2[j]);
      expect(fitWhole.fit.likelihood[j]).toBeCloseTo(reference.likelihood[c], 10);
      expect(fitWhole.fit.r2[j]).toBeCloseTo(reference.r2[c], 10);
      expect(Number.isNaN(fitWhole.fit.r2[j - 1])).toBe(true);
    });
    tf.dispose([sim.spliced, sim.unspliced, predicted.unspliced, predicted.spliced, ...Object.values(forward)]);
    model.dispose();
  });
});
