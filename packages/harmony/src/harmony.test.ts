import { Rngs, tf } from "@diffcell/core";
import { beforeAll, describe, expect, it } from "vitest";
import { BatchCorrectionConfig } from "./config.js";
import { DifferentiableHarmony, type HarmonyState, runHarmony } from "./harmony.js";
import { cLisi, iLisi } from "./lisi.js";
import { batchAsw } from "./silhouette.js";
import { cellLines, columnCorrelations, pbmc3500 } from "./testing/data.js";
import { batchedBlobs } from "./testing/synthetic.js";

describe("pbmc3500 (3500 cells × 30 PCs, batch = donor) against R harmony", () => {
  const data = pbmc3500();
  let corrected: Float32Array;
  let state: HarmonyState;

  beforeAll(() => {
    const embeddings = tf.tensor2d(Float32Array.from(data.pcs.data), [data.pcs.rows, data.pcs.cols]);
    const op = new DifferentiableHarmony(new BatchCorrectionConfig({ nFeatures: 30 }), { rngs: new Rngs(0) });
    const [out, s] = op.apply({ embeddings, batchLabels: data.donor });
    corrected = out.correctedEmbeddings.dataSync() as Float32Array;
    state = s.harmony as HarmonyState;
    expect(out.clusterAssignments.shape).toEqual([3500, 100]);
    expect(out.objective.length).toBe(state.kmeansRounds.length + 1);
    tf.dispose([embeddings, out.correctedEmbeddings, out.clusterAssignments]);
    op.dispose();
  });

  it("every corrected PC has Pearson r ≥ 0.95 with R's output (the uncorrected PCs do not)", () => {
    const ours = columnCorrelations({ data: corrected, rows: 3500, cols: 30 }, data.harmonizedR);
    const uncorrected = columnCorrelations(data.pcs, data.harmonizedR);
    expect(Math.min(...uncorrected)).toBeLessThan(0.95);
    ours.forEach((r, pc) => {
      expect(r, `PC${pc + 1}`).toBeGreaterThanOrEqual(0.95);
    });
  });

  it("uses harmonypy's defaults and lowers the objective", () => {
    expect(state.mode).toBe("fast");
    expect(state.nClusters).toBe(100); // min(round(3500/30), 100)
    expect(state.levels).toEqual([["A", "B", "C"]]);
    expect(state.kmeansRounds.every((r) => r >= 1 && r <= 20)).toBe(true);
    const trace = state.objectiveKmeans;
    expect(trace[trace.length - 1]).toBeLessThan(trace[0]);
  });
});

describe("cell lines (Jurkat / 293T / 50:50 mix, batch = dataset)", () => {
  it("mixes the datasets (median iLISI rises) and keeps Jurkat and 293T apart (cLISI ≈ 1)", () => {
    const d = cellLines();
    const result = runHarmony(d.pcs, d.dataset, { seed: 1 });
    const after = { data: result.corrected, rows: d.pcs.rows, cols: d.pcs.cols };
    const iBefore = iLisi(d.pcs, d.dataset);
    const iAfter = iLisi(after, d.dataset);
    const cAfter = cLisi(after, d.cellType);
    expect(iBefore.median).toBeLessThan(1.1);
    expect(iAfter.median).toBeGreaterThan(iBefore.median + 0.5);
    expect(cAfter.median).toBeLessThan(1.05);
    expect(cAfter.mean).toBeLessThan(1.05);
    expect(batchAsw(after, d.dataset, { cellTypes: d.cellType })).toBeGreaterThan(
      batchAsw(d.pcs, d.dataset, { cellTypes: d.cellType }),
    );
  });
});

describe("DifferentiableHarmony", () => {
  const blobs = batchedBlobs({ nCells: 300, nFeatures: 6, nBatches: 3 });
  const config = (extra = {}) => new BatchCorrectionConfig({ nFeatures: 6, nClusters: 6, ...extra });

  function run(seed: number, mode: "fast" | "differentiable" = "fast") {
    const embeddings = tf.tensor2d(Float32Array.from(blobs.data), [300, 6]);
    const op = new DifferentiableHarmony(config({ mode }), { rngs: new Rngs(seed) });
    const [out, state] = op.apply({ embeddings, batchLabels: blobs.batch });
    const corrected = Float32Array.from(out.correctedEmbeddings.dataSync());
    const assignments = Float32Array.from(out.clusterAssignments.dataSync());
    tf.dispose([embeddings, out.correctedEmbeddings, out.clusterAssignments]);
    op.dispose();
    return { corrected, assignments, objective: out.objective, state: state.harmony as HarmonyState };
  }

  it("repeats exactly with the same seed and differs with another", () => {
    const a = run(3);
    const b = run(3);
    const c = run(4);
    expect(b.corrected).toEqual(a.corrected);
    expect(b.assignments).toEqual(a.assignments);
    expect(b.objective).toEqual(a.objective);
    expect(c.corrected).not.toEqual(a.corrected);
  });

  it("fast mode equals runHarmony, and the differentiable path computes the same correction", () => {
    const fast = run(5);
    // The module reads float32 tensors; give runHarmony the same values.
    const direct = runHarmony({ data: Float32Array.from(blobs.data), rows: 300, cols: 6 }, blobs.batch, {
      seed: 5,
      nClusters: 6,
    });
    expect(fast.corrected).toEqual(Float32Array.from(direct.corrected));
    const taped = run(5, "differentiable");
    expect(taped.state.mode).toBe("differentiable");
    expect(taped.state.kmeansRounds).toEqual(fast.state.kmeansRounds);
    let worst = 0;
    for (let i = 0; i < fast.corrected.length; i++)
      worst = Math.max(worst, Math.abs(fast.corrected[i] - taped.corrected[i]));
    expect(worst).toBeLessThan(1e-3);
  });

  it("removes the batch offsets: iLISI rises from 1 towards 3 and cell types stay separate", () => {
    const { corrected } = run(6);
    const after = { data: corrected, rows: 300, cols: 6 };
    expect(iLisi(blobs, blobs.batch, { perplexity: 10 }).median).toBeLessThan(1.05);
    expect(iLisi(after, blobs.batch, { perplexity: 10 }).median).toBeGreaterThan(2);
    expect(batchAsw(after, blobs.batch)).toBeGreaterThan(batchAsw(blobs, blobs.batch));
    expect(cLisi(after, blobs.type, { perplexity: 10 }).median).toBeLessThan(1.05);
  });

  it("corrects several batch variables at once (theta per variable)", () => {
    // Donor and technology cross: each adds its own offset.
    const r = new Rngs(9);
    const n = 360;
    const f = 5;
    const type = Array.from({ length: n }, (_, i) => i % 3);
    const donor = Array.from({ length: n }, (_, i) => Math.floor(i / 3) % 3);
    const tech = Array.from({ length: n }, (_, i) => (Math.floor(i / 9) % 2 ? "10x" : "smart-seq"));
    const centres = r.normal(3 * f, 0, 4);
    const donorShift = r.normal(3 * f, 0, 1.5);
    const techShift = r.normal(2 * f, 0, 1.5);
    const noise = r.normal(n * f, 0, 0.3);
    const data = new Float64Array(n * f);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < f; j++) {
        data[i * f + j] =
          centres[type[i] * f + j] +
          donorShift[donor[i] * f + j] +
          techShift[(tech[i] === "10x" ? 1 : 0) * f + j] +
          noise[i * f + j];
      }
    }
    const x = { data, rows: n, cols: f };
    const result = runHarmony(x, { donor, technology: tech }, { nClusters: 6, theta: { donor: 2, technology: 1 } });
    expect(result.variables).toEqual(["donor", "technology"]);
    expect(result.levels).toEqual([
      ["0", "1", "2"],
      ["10x", "smart-seq"],
    ]);
    const after = { data: result.corrected, rows: n, cols: f };
    expect(batchAsw(after, donor, { cellTypes: type })).toBeGreaterThan(batchAsw(x, donor, { cellTypes: type }) + 0.1);
    expect(batchAsw(after, tech, { cellTypes: type })).toBeGreaterThan(batchAsw(x, tech, { cellTypes: type }) + 0.1);
    expect(cLisi(after, type, { perplexity: 10 }).median).toBeLessThan(1.05);
  });

  it("accepts integer labels, typed arrays and label tensors alike", () => {
    const codes = blobs.batch.map((b) => Number(b.slice(5)));
    const fromStrings = runHarmony(blobs, blobs.batch, { nClusters: 6 });
    const fromNumbers = runHarmony(blobs, codes, { nClusters: 6 });
    const fromTyped = runHarmony(blobs, Int32Array.from(codes), { nClusters: 6 });
    const labelTensor = tf.tensor1d(codes, "int32");
    const fromTensor = runHarmony(blobs, labelTensor, { nClusters: 6 });
    labelTensor.dispose();
    expect(fromNumbers.corrected).toEqual(fromStrings.corrected);
    expect(fromTyped.corrected).toEqual(fromStrings.corrected);
    expect(fromTensor.corrected).toEqual(fromStrings.corrected);
  });

  it("supports the automatic ridge penalty and a temperature", () => {
    const auto = runHarmony(blobs, blobs.batch, { nClusters: 6, lambda: "auto" });
    const fixed = runHarmony(blobs, blobs.batch, { nClusters: 6 });
    expect(auto.corrected).not.toEqual(fixed.corrected);
    const after = { data: auto.corrected, rows: 300, cols: 6 };
    expect(iLisi(after, blobs.batch, { perplexity: 10 }).median).toBeGreaterThan(2);
    const warm = runHarmony(blobs, blobs.batch, { nClusters: 6, temperature: 2 });
    expect(Number.isFinite(warm.objective[warm.objective.length - 1])).toBe(true);
  });
});
