import { Rngs, stats, tf } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { simulateKinetics } from "./kinetic.js";
import { samplePoisson, standardNormal } from "./sampling.js";
import { disposeVelocityData, generateVelocityData } from "./seedData.js";

describe("generateVelocityData (the seed's generator)", () => {
  it("follows the seed's formulas and is deterministic", () => {
    const a = generateVelocityData({ nCells: 50, nGenes: 20, seed: 42 });
    const b = generateVelocityData({ nCells: 50, nGenes: 20, seed: 42 });
    expect(Array.from(a.spliced.dataSync())).toEqual(Array.from(b.spliced.dataSync()));
    expect(a.spliced.shape).toEqual([50, 20]);
    expect(a.trueTime.shape).toEqual([50]);
    const s = a.spliced.dataSync();
    const u = a.unspliced.dataSync();
    const t = a.trueTime.dataSync();
    const al = a.trueAlpha.dataSync();
    const be = a.trueBeta.dataSync();
    const ga = a.trueGamma.dataSync();
    // Noise is N(0, 0.1²): the residual against the noise-free formula has sd ≈ 0.1 (clamping aside).
    const residuals: number[] = [];
    for (let i = 0; i < 50; i++)
      for (let j = 0; j < 20; j++) {
        const uExp = (al[j] / (be[j] + 1e-6)) * (1 - Math.exp(-be[j] * t[i] * 5));
        const sExp = (al[j] / (ga[j] + 1e-6)) * (1 - Math.exp(-ga[j] * t[i] * 5));
        if (uExp > 0.5) residuals.push(u[i * 20 + j] - uExp);
        if (sExp > 0.5) residuals.push(s[i * 20 + j] - sExp);
        expect(u[i * 20 + j]).toBeGreaterThanOrEqual(0);
      }
    expect(stats.std(residuals)).toBeGreaterThan(0.08);
    expect(stats.std(residuals)).toBeLessThan(0.12);
    expect(Math.abs(stats.mean(residuals))).toBeLessThan(0.02);
    // α = softplus(0.5z + 1) > softplus(−∞) = 0 and has median softplus(1) ≈ 1.313.
    expect(
      stats.median(Array.from(generateVelocityData({ nCells: 1, nGenes: 4000 }).trueAlpha.dataSync())),
    ).toBeCloseTo(1.313, 1);
    disposeVelocityData(a);
    disposeVelocityData(b);
  });
});

describe("simulateKinetics", () => {
  it("noise-free means solve the ODE: ds/dt from finite differences in time equals β·u − γ·s", () => {
    const sim = simulateKinetics({ nCells: 400, nGenes: 5, noise: "none", librarySpread: 0, seed: 3 });
    const { time, unsplicedMean, splicedMean, velocity, beta, gamma } = sim.truth;
    const order = Array.from(time.keys()).sort((a, b) => time[a] - time[b]);
    let checked = 0;
    for (let r = 1; r < order.length; r++) {
      const i = order[r - 1];
      const j = order[r];
      const dt = time[j] - time[i];
      if (dt < 1e-4 || dt > 0.05) continue;
      for (let g = 0; g < 5; g++) {
        const switched = (sim.truth.switchTime[g] - time[i]) * (sim.truth.switchTime[g] - time[j]) < 0;
        if (switched) continue;
        const fd = (splicedMean[j * 5 + g] - splicedMean[i * 5 + g]) / dt;
        const mid = (velocity[i * 5 + g] + velocity[j * 5 + g]) / 2;
        expect(fd).toBeCloseTo(mid, 1);
        expect(velocity[i * 5 + g]).toBeCloseTo(
          beta[g] * unsplicedMean[i * 5 + g] - gamma[g] * splicedMean[i * 5 + g],
          4,
        );
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    tf.dispose([sim.spliced, sim.unspliced]);
  });

  it("branches, batches and counts behave as configured", () => {
    const sim = simulateKinetics({ nCells: 600, nGenes: 40, branches: 2, nBatches: 3, batchEffect: 0.5, seed: 1 });
    const { branch, batch, time } = sim.truth;
    const tb = sim.config.branchTime * sim.config.tMax;
    for (let i = 0; i < 600; i++) if (time[i] < tb) expect(branch[i]).toBe(0);
    expect(new Set(batch).size).toBe(3);
    expect(branch.reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
    const counts = sim.spliced.dataSync();
    expect(counts.every((c) => Number.isInteger(c) && c >= 0)).toBe(true);
    const again = simulateKinetics({ nCells: 600, nGenes: 40, branches: 2, nBatches: 3, batchEffect: 0.5, seed: 1 });
    expect(Array.from(again.unspliced.dataSync())).toEqual(Array.from(sim.unspliced.dataSync()));
    expect(() => simulateKinetics({ nCells: 0 })).toThrow("KineticSimulationConfig.nCells must be an integer ≥ 1");
    tf.dispose([sim.spliced, sim.unspliced, again.spliced, again.unspliced]);
  });

  it("Poisson draws have the right mean and variance at small and large means", () => {
    const next = new Rngs(5).uniformSource();
    for (const mu of [0.7, 4, 35, 400]) {
      const draws = Array.from({ length: 20000 }, () => samplePoisson(next, mu));
      expect(stats.mean(draws) / mu).toBeCloseTo(1, 1);
      expect(stats.std(draws) ** 2 / mu).toBeCloseTo(1, 1);
    }
    const z = Array.from({ length: 20000 }, () => standardNormal(next));
    expect(stats.std(z)).toBeCloseTo(1, 1);
  });
});
