/**
 * Harmony figures on pbmc3500 (3500 cells × 30 PCs, batch = donor, harmonypy's defaults: K = 100, 10 rounds,
 * up to 20 k-means iterations): the fast classic path (fused host loops, no tape) against the same algorithm
 * run through the differentiable path (TensorFlow.js ops + fused kernels, forward only), and the distance
 * softmax (GEMM + fused kernel) against the same math in plain tfjs ops, forward and backward.
 */
import { fileURLToPath } from "node:url";
import { matMul, Rngs, tf } from "@diffcell/core";
import { BatchCorrectionConfig, DifferentiableHarmony, runHarmony, softAssignments } from "@diffcell/harmony";
import { readCsv } from "@diffcell/io";
import type { BenchCase } from "../harness.js";

const dir = fileURLToPath(new URL("../../packages/harmony/testdata/pbmc3500/", import.meta.url));

function pbmc3500() {
  const table = readCsv(`${dir}pbmc_3500_pcs.tsv.gz`, { index: null });
  const names = table.columnNames;
  const rows = table.nRows;
  const data = new Float32Array(rows * names.length);
  names.forEach((name, j) => {
    const column = table.numbers(name);
    for (let i = 0; i < rows; i++) data[i * names.length + j] = column[i];
  });
  const donor = readCsv(`${dir}pbmc_3500_meta.tsv.gz`, { index: null }).strings("donor");
  return { data, rows, cols: names.length, donor };
}

export default function cases(): BenchCase[] {
  const d = pbmc3500();
  const embeddings = tf.tensor2d(d.data, [d.rows, d.cols]);
  const differentiable = new DifferentiableHarmony(
    new BatchCorrectionConfig({ nFeatures: d.cols, mode: "differentiable" }),
    { rngs: new Rngs(0) },
  );
  differentiable.initialize(embeddings);

  // Distance + softmax at pbmc3500 size: unit cells, K = 100 unit centroids, σ = 0.1.
  const n = d.rows;
  const f = d.cols;
  const k = 100;
  const r = new Rngs(1);
  const unit = (rows: number) =>
    tf.tidy(() => {
      const x = tf.tensor2d(Float32Array.from(r.normal(rows * f)), [rows, f]);
      return tf.div(x, tf.norm(x, "euclidean", 1, true)) as tf.Tensor2D;
    });
  const z = unit(n);
  const y = unit(k);
  const logSigma = tf.fill([k], Math.log(0.1)) as tf.Tensor1D;
  const weights = tf.tensor2d(Float32Array.from(r.normal(n * k)), [n, k]);
  const assignGrads = (assign: (zz: tf.Tensor2D, yy: tf.Tensor2D, ls: tf.Tensor1D) => tf.Tensor) =>
    tf.tidy(() => {
      const grads = tf.grads((zz: tf.Tensor, yy: tf.Tensor, ls: tf.Tensor) =>
        tf.sum(tf.mul(assign(zz as tf.Tensor2D, yy as tf.Tensor2D, ls as tf.Tensor1D), weights)),
      )([z, y, logSigma]);
      for (const g of grads) g.dataSync();
    });

  return [
    {
      group: "harmony",
      name: `pbmc3500 ${d.rows}×${d.cols}, batch = donor, defaults (fast path)`,
      run: () => runHarmony({ data: d.data, rows: d.rows, cols: d.cols }, d.donor, { seed: 0 }),
      baseline: {
        name: "same algorithm through the differentiable path (tfjs ops + fused kernels, no tape)",
        run: () => {
          const [out] = differentiable.apply({ embeddings, batchLabels: d.donor });
          tf.dispose([out.correctedEmbeddings, out.clusterAssignments]);
        },
      },
      reference: "R harmony 2.0.4: 2.0–2.5 s on this machine",
      repeats: 3,
    },
    {
      group: "harmony kernel",
      name: `distance + softmax forward+backward ${n}×${k}×${f} (GEMM + fused kernel)`,
      run: () => assignGrads((zz, yy, ls) => softAssignments(zz, yy, ls, 1).r0),
      baseline: {
        name: "plain tfjs ops (core matMul, autodiff)",
        run: () =>
          assignGrads((zz, yy, ls) => {
            const dist = tf.mul(2, tf.sub(1, matMul(zz, tf.transpose(yy))));
            return tf.softmax(tf.neg(tf.div(dist, tf.exp(ls))));
          }),
      },
      repeats: 5,
      teardown: () => {
        tf.dispose([embeddings, z, y, logSigma, weights]);
        differentiable.dispose();
      },
    },
  ];
}
