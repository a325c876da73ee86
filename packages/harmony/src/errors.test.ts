import { ConfigError, InputError, Rngs, ShapeError, tf } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { BatchCorrectionConfig } from "./config.js";
import { DifferentiableHarmony, runHarmony } from "./harmony.js";
import { batchedBlobs } from "./testing/synthetic.js";

const blobs = batchedBlobs({ nCells: 60, nFeatures: 4, nBatches: 2 });

function apply(embeddings: unknown, batchLabels: unknown, init: Record<string, unknown> = {}) {
  const op = new DifferentiableHarmony(new BatchCorrectionConfig({ nFeatures: 4, nClusters: 3, ...init }), {
    rngs: new Rngs(0),
  });
  try {
    const [out] = op.apply({ embeddings, batchLabels } as never);
    tf.dispose([out.correctedEmbeddings, out.clusterAssignments]);
  } finally {
    op.dispose();
  }
}

describe("BatchCorrectionConfig", () => {
  it("has harmonypy's defaults", () => {
    const c = new BatchCorrectionConfig({ nFeatures: 30 });
    expect(c).toMatchObject({
      theta: 2,
      sigma: 0.1,
      lambda: 1,
      nIterations: 10,
      maxIterKmeans: 20,
      epsilonCluster: 1e-5,
      epsilonHarmony: 1e-4,
      blockSize: 0.05,
      temperature: 1,
      mode: "auto",
    });
    expect(c.clustersFor(3500)).toBe(100);
    expect(c.clustersFor(2370)).toBe(79);
    expect(c.clustersFor(10)).toBe(1);
  });

  it("names the offending field", () => {
    expect(() => new BatchCorrectionConfig({ nFeatures: 0 })).toThrow(ConfigError);
    expect(() => new BatchCorrectionConfig({ nFeatures: 4, sigma: -1 })).toThrow(
      "BatchCorrectionConfig.sigma must be a number > 0; got -1",
    );
    expect(() => new BatchCorrectionConfig({ nFeatures: 4, blockSize: 1.5 })).toThrow(/blockSize/);
    expect(() => new BatchCorrectionConfig({ nFeatures: 4, theta: [2, -1] })).toThrow(/theta/);
    expect(() => new BatchCorrectionConfig({ nFeatures: 4, lambda: "big" as never })).toThrow(/lambda.*"auto"/);
    expect(() => new BatchCorrectionConfig({ nFeatures: 4, mode: "slow" as never })).toThrow(/mode/);
    expect(() => new BatchCorrectionConfig({ nFeatures: 4, nCluster: 5 } as never)).toThrow(/did you mean "nClusters"/);
  });
});

describe("bad input gives typed errors naming the problem", () => {
  const good = tf.tensor2d(Float32Array.from(blobs.data), [60, 4]);

  it("wrong shapes", () => {
    expect(() => apply(tf.zeros([60]), blobs.batch)).toThrow(ShapeError);
    expect(() => apply(tf.ones([60, 5]), blobs.batch)).toThrow("embeddings: expected shape [N, 4], got [60, 5]");
    expect(() => apply(undefined, blobs.batch)).toThrow(/embeddings: expected shape .* got nothing \(missing\)/);
  });

  it("label count mismatch", () => {
    expect(() => apply(good, blobs.batch.slice(0, 50))).toThrow(
      "batchLabels: expected shape 60 labels (one per cell of embeddings), got 50 labels",
    );
    expect(() => apply(good, { donor: blobs.batch, tech: ["a", "b"] })).toThrow(/batchLabels\.tech: .*got 2 labels/);
  });

  it("NaN rows and all-zero rows", () => {
    const data = Float32Array.from(blobs.data);
    data[7 * 4 + 2] = Number.NaN;
    const withNaN = tf.tensor2d(data, [60, 4]);
    expect(() => apply(withNaN, blobs.batch)).toThrow(InputError);
    expect(() => apply(withNaN, blobs.batch)).toThrow(
      "embeddings: row 7 (cell 7) has a non-finite value NaN at column 2",
    );
    const zeros = Float32Array.from(blobs.data);
    zeros.fill(0, 12, 16);
    const withZero = tf.tensor2d(zeros, [60, 4]);
    expect(() => apply(withZero, blobs.batch)).toThrow(/row 3 \(cell 3\) is all zeros/);
    tf.dispose([withNaN, withZero]);
  });

  it("a single batch", () => {
    expect(() => apply(good, Array(60).fill("donorA"))).toThrow(
      'batchLabels: only one batch ("donorA") among 60 cells: Harmony needs at least 2 batches to correct',
    );
    expect(() => runHarmony(blobs, { donor: blobs.batch, tech: Array(60).fill(1) })).toThrow(
      /batchLabels\.tech: only one batch/,
    );
  });

  it("missing labels and mismatched settings", () => {
    const labels: unknown[] = [...blobs.batch];
    labels[5] = null;
    expect(() => apply(good, labels)).toThrow(
      "batchLabels: label at cell 5 is null; expected a string or number (at index 5)",
    );
    expect(() => apply(good, blobs.batch, { nBatches: 3 })).toThrow(
      /found 2 batch levels \(batch0, batch1\) but BatchCorrectionConfig.nBatches is 3/,
    );
    expect(() => apply(good, blobs.batch, { nClusters: 61 })).toThrow(
      "BatchCorrectionConfig.nClusters must be at most the number of cells (60); got 61",
    );
    expect(() => apply(good, blobs.batch, { theta: [1, 2] })).toThrow(/theta must be one value per batch variable/);
    expect(() => apply(good, { donor: blobs.batch }, { theta: { tissue: 1 } })).toThrow(
      /theta must be keyed by batch variable names \(donor\)/,
    );
  });
});
