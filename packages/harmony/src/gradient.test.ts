import { checkGrad, Rngs, tf, valueAndGrad } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { encodeBatches } from "./batchDesign.js";
import { harmonyClassic } from "./classic.js";
import { BatchCorrectionConfig } from "./config.js";
import { makeContext, runStreams } from "./context.js";
import { DifferentiableHarmony } from "./harmony.js";
import { batchedBlobs } from "./testing/synthetic.js";
import { harmonyUnrolled } from "./unrolled.js";

/**
 * A small unrolled Harmony (48 cells, 4 features, 3 clusters, 2 batches, fixed iteration counts so the
 * function is smooth) as a function of the embedding, log σ and the initial centroids.
 */
function smallCase(options: { sigma: number; nIterations: number; maxIterKmeans: number }) {
  const n = 48;
  const f = 4;
  const k = 3;
  const blobs = batchedBlobs({ nCells: n, nFeatures: f, nBatches: 2, shift: 1, spread: 0.5, seed: 4 });
  const design = encodeBatches(blobs.batch, n);
  const config = new BatchCorrectionConfig({
    nFeatures: f,
    nClusters: k,
    sigma: options.sigma,
    nIterations: options.nIterations,
    maxIterKmeans: options.maxIterKmeans,
    earlyStop: false,
    blockSize: 0.25,
  });
  const r = new Rngs(11);
  const weights = Float64Array.from(r.normal(n * f));
  const weightsR = Float64Array.from(r.normal(n * k));
  const z = Float64Array.from(blobs.data, (v) => Math.fround(v));
  const logSigma = new Float64Array(k).fill(Math.fround(Math.log(options.sigma)));
  const centroids = Float64Array.from(r.normal(k * f), (v) => Math.fround(v));
  // A fresh stream per evaluation: every call draws the same block orders.
  const context = () => makeContext(config, design, f, k, runStreams([7, 8]).orderRngs);
  const w = tf.tensor2d(Float32Array.from(weights), [n, f]);
  const wR = tf.tensor2d(Float32Array.from(weightsR), [n, k]);
  /** L = mean(Z_corr ⊙ W) + Σ R ⊙ W_R through the taped path. */
  const taped = (zt: tf.Tensor, ls: tf.Tensor, c: tf.Tensor): tf.Scalar => {
    const result = harmonyUnrolled(zt as tf.Tensor2D, ls as tf.Tensor1D, c as tf.Tensor2D, context());
    const loss = tf.add(tf.mean(tf.mul(result.corrected, w)), tf.sum(tf.mul(result.assignments, wR))) as tf.Scalar;
    tf.dispose([result.corrected, result.assignments]);
    return loss;
  };
  /** The same L through the float64 classic path (no tape). */
  const host = (zh: Float64Array, ls: Float64Array, c: Float64Array): number => {
    const trace = harmonyClassic(zh, c, ls, context(), { float64Products: true });
    let s = 0;
    for (let i = 0; i < n * f; i++) s += (trace.corrected[i] * weights[i]) / (n * f);
    for (let i = 0; i < n * k; i++) s += trace.assignments[i] * weightsR[i];
    return s;
  };
  const tensors = () => [
    tf.tensor2d(Float32Array.from(z), [n, f]),
    tf.tensor1d(Float32Array.from(logSigma)),
    tf.tensor2d(Float32Array.from(centroids), [k, f]),
  ];
  return { n, f, k, z, logSigma, centroids, taped, host, tensors, dispose: () => tf.dispose([w, wR]) };
}

describe("end-to-end gradients of the unrolled Harmony", () => {
  it("pass core's tf-level checkGrad (embedding, log σ, initial centroids)", () => {
    // Float32 evaluations limit the finite differences: the deeper unrolling gets the larger step.
    for (const [options, step] of [
      [{ sigma: 0.5, nIterations: 1, maxIterKmeans: 1 }, 3e-3],
      [{ sigma: 0.5, nIterations: 2, maxIterKmeans: 2 }, 1e-2],
    ] as const) {
      const c = smallCase(options);
      const inputs = c.tensors();
      const report = checkGrad(c.taped, inputs, { step });
      expect(report.ok, `${JSON.stringify(options)}: ${report.message}`).toBe(true);
      tf.dispose(inputs);
      c.dispose();
    }
  });

  it("agree with float64 finite differences of the classic path, input by input", () => {
    // Float32 finite differences cannot resolve the small log σ and centroid gradients; the float64 classic
    // path computes the same function (same block orders, no early stopping), so it is the reference.
    for (const options of [
      { sigma: 0.5, nIterations: 2, maxIterKmeans: 3 },
      { sigma: 0.5, nIterations: 1, maxIterKmeans: 1 },
      { sigma: 0.1, nIterations: 1, maxIterKmeans: 2 },
    ]) {
      const c = smallCase(options);
      const inputs = c.tensors();
      const analytic = tf
        .grads(c.taped)(inputs)
        .map((g) => {
          const data = Float64Array.from(g.dataSync());
          g.dispose();
          return data;
        });
      const hostInputs = [c.z, c.logSigma, c.centroids];
      hostInputs.forEach((x, which) => {
        let scale = 0;
        let worst = 0;
        for (let idx = 0; idx < Math.min(x.length, 24); idx++) {
          const original = x[idx];
          const h = 1e-6;
          x[idx] = original + h;
          const up = c.host(c.z, c.logSigma, c.centroids);
          x[idx] = original - h;
          const down = c.host(c.z, c.logSigma, c.centroids);
          x[idx] = original;
          const numeric = (up - down) / (2 * h);
          scale = Math.max(scale, Math.abs(numeric));
          worst = Math.max(worst, Math.abs(numeric - analytic[which][idx]));
        }
        const label = `${["embeddings", "logSigma", "centroids"][which]} ${JSON.stringify(options)}`;
        expect(scale, label).toBeGreaterThan(1e-4);
        expect(worst, label).toBeLessThan(1e-3 * scale + 1e-6);
      });
      tf.dispose(inputs);
      c.dispose();
    }
  });

  it("reach the module's parameters through valueAndGrad, and the input through tf.grads", () => {
    const blobs = batchedBlobs({ nCells: 90, nFeatures: 5, nBatches: 2, seed: 2 });
    const embeddings = tf.tensor2d(Float32Array.from(blobs.data), [90, 5]);
    const config = new BatchCorrectionConfig({
      nFeatures: 5,
      nClusters: 4,
      sigma: 0.3,
      nIterations: 2,
      maxIterKmeans: 2,
    });
    const op = new DifferentiableHarmony(config, { rngs: new Rngs(1) });
    op.initialize(embeddings);
    const target = tf.tensor2d(Float32Array.from(new Rngs(2).normal(90 * 5)), [90, 5]);
    const loss = (m: DifferentiableHarmony) => {
      const [out] = m.apply({ embeddings, batchLabels: blobs.batch });
      return tf.add(
        tf.mean(tf.square(tf.sub(out.correctedEmbeddings, target))),
        tf.mean(out.clusterAssignments),
      ) as tf.Scalar;
    };
    const [value, grads] = valueAndGrad(loss)(op);
    expect(Number.isFinite(value)).toBe(true);
    for (const g of [grads.centroids, grads.logSigma]) {
      const data = g.dataSync();
      expect(data.every(Number.isFinite)).toBe(true);
      expect(Math.max(...Array.from(data, Math.abs))).toBeGreaterThan(0);
    }
    expect(grads.centroids.shape).toEqual([4, 5]);
    expect(grads.logSigma.shape).toEqual([4]);
    const [gx] = tf.grads((x: tf.Tensor) => {
      const [out] = op.apply({ embeddings: x as tf.Tensor2D, batchLabels: blobs.batch });
      return tf.sum(tf.square(out.correctedEmbeddings));
    })([embeddings]);
    expect(gx.shape).toEqual([90, 5]);
    expect(Math.max(...Array.from(gx.dataSync(), Math.abs))).toBeGreaterThan(0);
    tf.dispose([gx, grads.centroids, grads.logSigma, embeddings, target]);
    op.dispose();
  });
});

describe("memory", () => {
  it("leaks no tensors in either mode, with or without a tape", () => {
    const blobs = batchedBlobs({ nCells: 120, nFeatures: 5, nBatches: 3, seed: 3 });
    const before = tf.memory().numTensors;
    const embeddings = tf.tensor2d(Float32Array.from(blobs.data), [120, 5]);
    for (const mode of ["auto", "fast", "differentiable"] as const) {
      const op = new DifferentiableHarmony(new BatchCorrectionConfig({ nFeatures: 5, nClusters: 4, mode }), {
        rngs: new Rngs(0),
      });
      const [out] = op.apply({ embeddings, batchLabels: blobs.batch });
      tf.dispose([out.correctedEmbeddings, out.clusterAssignments]);
      if (mode !== "fast") {
        const [, grads] = valueAndGrad((m: DifferentiableHarmony) => {
          const [o] = m.apply({ embeddings, batchLabels: blobs.batch });
          return tf.sum(o.correctedEmbeddings) as tf.Scalar;
        })(op);
        tf.dispose([grads.centroids, grads.logSigma]);
      }
      op.dispose();
    }
    embeddings.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
