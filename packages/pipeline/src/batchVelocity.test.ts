import { checkGrad, stats, tf } from "@diffcell/core";
import { cLisi, iLisi } from "@diffcell/harmony";
import { describe, expect, it } from "vitest";
import { HarmonyVelocityPipeline, simulateBatches } from "./index.js";
import { TINY_OPTIONS, tinyBatches } from "./testing/tiny.js";

describe("HarmonyVelocityPipeline on 3 simulated batches", () => {
  // Strong batch effects: a (batch, gene) factor on all counts (sd 0.35 in log) and another on unspliced
  // counts only (sd 0.5: batches capturing intronic reads differently). Uncorrected PCA separates the batches.
  const sim = simulateBatches({
    nCells: 900,
    nGenes: 120,
    nBatches: 3,
    batchEffect: 0.35,
    unsplicedBatchEffect: 0.5,
    branches: 2,
    seed: 0,
  });
  const f = sim.nFeatures;

  it("mixes the batches (iLISI ≥ 80% of 3), keeps the fates apart, recovers the batch scales, and is deterministic", () => {
    const run = () => {
      const op = new HarmonyVelocityPipeline(f, { jointSteps: 3, seed: 0 });
      op.fit(sim);
      const [out] = op.apply(sim);
      const scale = op.moments?.logUnsplicedScale?.value.arraySync() as number[][];
      const history = op.history;
      op.dispose();
      return { out, scale, history };
    };
    const before = tf.memory().numTensors;
    const a = run();
    expect(tf.memory().numTensors).toBe(before);
    const embedding = { data: a.out.correctedEmbeddings, rows: sim.nCells, cols: f };
    expect(iLisi({ data: sim.embeddings, rows: sim.nCells, cols: f }, sim.batchLabels).median).toBeLessThan(1.1);
    expect(iLisi(embedding, sim.batchLabels).median).toBeGreaterThanOrEqual(0.8 * 3);
    const late = Array.from(sim.truth.normalizedTime, (t, i) => (t > 0.6 ? i : -1)).filter((i) => i >= 0);
    const lateEmbedding = Float32Array.from(
      late.flatMap((i) => Array.from(embedding.data.subarray(i * f, (i + 1) * f))),
    );
    const fates = late.map((i) => String(sim.truth.branch[i]));
    expect(cLisi({ data: lateEmbedding, rows: late.length, cols: f }, fates).median).toBeLessThan(1.1);

    // The learned unspliced scale follows the simulated unspliced × expression factors (centred over batches).
    const estimated: number[] = [];
    const truth: number[] = [];
    const g = sim.nGenes;
    a.out.genes.forEach((j, c) => {
      const log = [0, 1, 2].map(
        (b) => Math.log(sim.truth.batchFactor[b * g + j]) + Math.log(sim.truth.unsplicedBatchFactor[b * g + j]),
      );
      const mean = (log[0] + log[1] + log[2]) / 3;
      for (let b = 0; b < 3; b++) {
        estimated.push(a.scale[b][c]);
        truth.push(log[b] - mean);
      }
    });
    expect(stats.pearson(estimated, truth)).toBeGreaterThan(0.9);

    // The joint steps lower the joint loss, and everything repeats exactly.
    expect(a.history.joint).toHaveLength(3);
    expect(a.history.joint[2].total).toBeLessThan(a.history.joint[0].total);
    const b = run();
    expect(b.out.latentTime).toEqual(a.out.latentTime);
    expect(b.out.correctedEmbeddings).toEqual(a.out.correctedEmbeddings);
    expect(stats.spearman(a.out.latentTime, sim.truth.time)).toBeGreaterThanOrEqual(0.9);
  });
});

describe("gradients through the whole pipeline", () => {
  it("match finite differences with respect to the input embedding (Harmony → soft weights → moments → losses)", () => {
    const tiny = tinyBatches();
    const op = new HarmonyVelocityPipeline(tiny.nFeatures, TINY_OPTIONS);
    op.fit(tiny);
    const x = tf.tensor2d(tiny.embeddings, [tiny.nCells, tiny.nFeatures]);
    const loss = (embeddings: tf.Tensor) => {
      const [total, terms] = op.jointLoss(embeddings as tf.Tensor2D);
      tf.dispose(Object.values(terms));
      return total;
    };
    const gradient = tf.grad(loss)(x);
    expect(tf.max(tf.abs(gradient)).dataSync()[0]).toBeGreaterThan(0);
    gradient.dispose();
    const report = checkGrad(loss, [x], { step: 3e-3, maxEntriesPerInput: 24 });
    expect(report.ok, report.message).toBe(true);
    x.dispose();
    op.dispose();
  });
});

describe("knnIndices", () => {
  it("puts the cell itself in the slots of neighbours at distance 0 (dropped from the sparse graph)", async () => {
    const { csr } = await import("@diffcell/io");
    const { knnIndices } = await import("./index.js");
    // Row 0: neighbours 2 (0.5) and 1 (0.2); row 1: only 2 (its twin, cell 0, is at distance 0); row 2: 1, 0.
    const m = csr(
      Float32Array.from([0.5, 0.2, 0.3, 0.3, 0.5]),
      Int32Array.from([2, 1, 2, 1, 0]),
      Int32Array.from([0, 2, 3, 5]),
      3,
      3,
    );
    expect(Array.from(knnIndices(m, 3))).toEqual([0, 1, 2, 1, 2, 1, 2, 1, 0]);
  });
});
