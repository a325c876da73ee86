import { checkGrad, tf } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { encodeBatches, perLevel } from "./batchDesign.js";
import { BatchCorrectionConfig } from "./config.js";
import { DifferentiableHarmony } from "./harmony.js";
import { batchClusterStatistics, harmonyObjective } from "./objective.js";
import { harmonyObjectiveTensor } from "./objectiveTensor.js";
import { batchedBlobs } from "./testing/synthetic.js";

describe("harmonyObjectiveTensor", () => {
  const blobs = batchedBlobs({ nCells: 120, nFeatures: 5, nBatches: 3, seed: 3 });
  const harmony = new DifferentiableHarmony(
    new BatchCorrectionConfig({ nFeatures: 5, nClusters: 6, theta: [1.5], nIterations: 2 }),
  );
  const embeddings = tf.tensor2d(Float32Array.from(blobs.data), [120, 5]);
  const [out] = harmony.apply({ embeddings, batchLabels: blobs.batch });

  it("equals the host objective on Harmony's output (σ with temperature, θ per level, floored O and E)", () => {
    const z = out.correctedEmbeddings.arraySync() as number[][];
    const r = out.clusterAssignments.dataSync() as Float32Array;
    const k = 6;
    // Host: cosine-normalised Z, centroids Y = normalise(RᵀẐ), d = 2(1 − ẐYᵀ).
    const zHat = z.map((row) => {
      const norm = Math.hypot(...row);
      return row.map((v) => v / norm);
    });
    const y = Array.from({ length: k }, (_, c) => {
      const sum = new Float64Array(5);
      zHat.forEach((row, i) => {
        row.forEach((v, f) => {
          sum[f] += r[i * k + c] * v;
        });
      });
      const norm = Math.hypot(...sum);
      return Array.from(sum, (v) => v / norm);
    });
    const dist = new Float64Array(120 * k);
    zHat.forEach((row, i) => {
      for (let c = 0; c < k; c++) dist[i * k + c] = 2 * (1 - row.reduce((a, v, f) => a + v * y[c][f], 0));
    });
    const design = encodeBatches(blobs.batch, 120);
    const theta = perLevel("theta", harmony.config.theta, design);
    const sigma = Float64Array.from(
      (harmony.logSigma as { value: tf.Tensor }).value.dataSync(),
      (v) => Math.exp(v) * harmony.config.temperature,
    );
    const stats = batchClusterStatistics(r, 120, k, design.codes, design.nVariables, design.nLevels);
    const host = harmonyObjective(r, dist, 120, k, sigma, theta, design.proportions, stats.observed, stats.sizes);
    const tensor = harmony.objective(out);
    expect(tensor.dataSync()[0]).toBeCloseTo(host.total, 1);
    expect(Math.abs(tensor.dataSync()[0] - host.total) / Math.abs(host.total)).toBeLessThan(1e-4);
    tensor.dispose();
  });

  it("has gradients with respect to Z and log σ that match finite differences", () => {
    const design = encodeBatches(blobs.batch, 120);
    const options = { design, theta: perLevel("theta", 1.5, design), temperature: 1 };
    const r = out.clusterAssignments;
    const report = checkGrad(
      (z: tf.Tensor, logSigma: tf.Tensor) =>
        harmonyObjectiveTensor(z as tf.Tensor2D, r, logSigma as tf.Tensor1D, options),
      [out.correctedEmbeddings, (harmony.logSigma as { value: tf.Tensor }).value],
    );
    expect(report.ok, report.message).toBe(true);
  });
});
