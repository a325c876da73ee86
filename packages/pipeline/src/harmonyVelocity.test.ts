import {
  adam,
  checkGrad,
  type Metadata,
  Module,
  matMul,
  type Operator,
  Optimizer,
  Param,
  Sequential,
  type State,
  stats,
  tf,
  valueAndGrad,
} from "@diffcell/core";
import { cLisi } from "@diffcell/harmony";
import { AnnData, DataFrame, dense, stringColumn, toDenseFloat32 } from "@diffcell/io";
import { simulateKinetics } from "@diffcell/sim";
import { describe, expect, it } from "vitest";
import {
  HarmonyVelocityPipeline,
  JointObjective,
  type JointObjectiveOutput,
  runHarmonyVelocity,
  simulateBatches,
} from "./index.js";
import { TINY_OPTIONS, tinyBatches } from "./testing/tiny.js";

/** A user's own differentiable step in front of Harmony: a learnable linear map of the PCs. */
class LinearMap extends Module implements Operator {
  readonly weight: Param;
  constructor(f: number) {
    super();
    this.weight = new Param(tf.eye(f), "weight");
  }
  apply(data: Record<string, unknown>, state: State = {}, metadata: Metadata = null) {
    const embeddings = matMul(data.embeddings as tf.Tensor2D, this.weight.value as tf.Tensor2D);
    return [{ ...data, embeddings }, state, metadata] as [Record<string, unknown>, State, Metadata];
  }
}

/** The kinetic simulator as an AnnData of raw counts (cells without any count dropped), with its truth. */
function simulatedAnnData(options: {
  nCells: number;
  nGenes: number;
  batchEffect: number;
  unsplicedBatchEffect?: number;
  seed?: number;
}) {
  const { nCells: n, nGenes: g } = options;
  const sim = simulateKinetics({ ...options, nBatches: 3, branches: 2, seed: options.seed ?? 0 });
  const s = sim.spliced.dataSync() as Float32Array;
  const u = sim.unspliced.dataSync() as Float32Array;
  tf.dispose([sim.spliced, sim.unspliced]);
  const keep = Array.from({ length: n }, (_, i) => i).filter((i) => s.subarray(i * g, (i + 1) * g).some((x) => x > 0));
  const m = keep.length;
  const rows = (x: Float32Array) => {
    const out = new Float32Array(m * g);
    keep.forEach((i, r) => {
      out.set(x.subarray(i * g, (i + 1) * g), r * g);
    });
    return out;
  };
  const time = keep.map((i) => sim.truth.time[i]);
  const late = keep.map((i) => sim.truth.normalizedTime[i] > 0.6);
  const fate = keep.map((i) => `fate${sim.truth.branch[i]}`);
  const obs = new DataFrame(keep.map((i) => `cell${i}`));
  obs.set("batch", stringColumn(keep.map((i) => `batch${sim.truth.batch[i]}`)));
  const spliced = rows(s);
  const adata = new AnnData({
    X: dense(spliced.slice(), m, g),
    layers: { spliced: dense(spliced, m, g), unspliced: dense(rows(u), m, g) },
    obs,
    var: new DataFrame(Array.from({ length: g }, (_, j) => `gene${j}`)),
  });
  return { adata, time, late, fate };
}

describe("JointObjective in a Sequential: one gradient through a user operator, Harmony and velocity", () => {
  const tiny = tinyBatches();
  const makePipeline = () => {
    const pipeline = new HarmonyVelocityPipeline(tiny.nFeatures, { ...TINY_OPTIONS, seed: 1 });
    pipeline.fit(tiny);
    return pipeline;
  };

  it("gives finite-difference-exact gradients for the user's weight and Harmony's log σ, and one step moves all of them", () => {
    const before = tf.memory().numTensors;
    const pipeline = makePipeline();
    const user = new LinearMap(tiny.nFeatures);
    const model = new Sequential([user, new JointObjective(pipeline)]);
    const x = tf.tensor2d(tiny.embeddings, [tiny.nCells, tiny.nFeatures]);
    const lossOf = (m: Sequential) => {
      const [out] = m.apply({ embeddings: x });
      const { loss, terms } = out as unknown as JointObjectiveOutput;
      tf.dispose([out.embeddings as tf.Tensor, ...Object.values(terms)]);
      return loss;
    };

    // (1) The user's weight, by finite differences through the whole chain.
    const ofWeight = (w: tf.Tensor) =>
      tf.tidy(() => {
        const [loss, terms] = pipeline.jointLoss(matMul(x, w as tf.Tensor2D));
        tf.dispose(Object.values(terms));
        return loss;
      });
    const report = checkGrad(ofWeight, [user.weight.value], { step: 3e-3, maxEntriesPerInput: 16 });
    expect(report.ok, report.message).toBe(true);

    // (2) The tree of gradients of the Sequential reaches every stage.
    const step = valueAndGrad(lossOf);
    const [value, grads] = step(model);
    expect(Number.isFinite(value)).toBe(true);
    const flat = model.trainableParameters().map(([path]) => path);
    expect(flat).toContain("steps.0.weight");
    expect(flat.some((p) => p.startsWith("steps.1.pipeline.harmony."))).toBe(true);
    expect(flat.some((p) => p.startsWith("steps.1.pipeline.velocity."))).toBe(true);
    const tree = grads as unknown as {
      steps: [{ weight: tf.Tensor }, { pipeline: { harmony: { logSigma: tf.Tensor }; velocity: unknown } }];
    };
    const gSigma = tree.steps[1].pipeline.harmony.logSigma;
    const norm = (t: tf.Tensor) => tf.tidy(() => tf.norm(t).dataSync()[0]);
    expect(norm(tree.steps[0].weight)).toBeGreaterThan(0);
    expect(norm(gSigma)).toBeGreaterThan(0);

    // (3) Harmony's log σ: the directional derivative matches central differences of the loss.
    const logSigma = pipeline.harmony.logSigma as Param;
    const k = logSigma.value.size;
    const direction = tf.tensor1d(Array.from({ length: k }, (_, i) => (i % 2 ? -1 : 1)));
    const analytic = tf.tidy(() => tf.sum(tf.mul(gSigma, direction)).dataSync()[0]);
    const original = tf.clone(logSigma.value);
    // h small enough that the truncation error (the loss curves sharply in log σ: h = 1e-2 gave 0.297 against an
    // analytic 0.267 that h = 5e-3, 2.5e-3 and 1e-3 all confirm) stays under the tolerance, large enough for float32.
    const h = 2.5e-3;
    const at = (sign: number) => {
      tf.tidy(() => logSigma.variable.assign(tf.add(original, tf.mul(direction, sign * h))));
      return tf.tidy(() => lossOf(model).dataSync()[0]);
    };
    const numeric = (at(1) - at(-1)) / (2 * h);
    logSigma.variable.assign(original);
    expect(Math.abs(analytic - numeric)).toBeLessThan(0.05 * Math.abs(numeric) + 1e-3);
    expect(Math.abs(numeric)).toBeGreaterThan(1e-4);

    // (4) One optimiser step over the Sequential changes the user's, Harmony's and velocity's parameters.
    const snapshot = () => model.trainableParameters().map(([path, p]) => [path, p.value.dataSync().slice()] as const);
    const start = snapshot();
    const optimizer = new Optimizer(model, adam(1e-2));
    optimizer.update(grads);
    const moved = snapshot().filter(([, v], i) => v.some((y, j) => y !== start[i][1][j]));
    const movedPaths = moved.map(([p]) => p);
    expect(movedPaths).toContain("steps.0.weight");
    expect(movedPaths).toContain("steps.1.pipeline.harmony.logSigma");
    expect(movedPaths.some((p) => p.startsWith("steps.1.pipeline.velocity."))).toBe(true);

    optimizer.dispose();
    tf.dispose([x, direction, original]);
    tf.dispose(Object.values(flattenTensors(grads)));
    model.dispose();
    pipeline.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

function flattenTensors(tree: unknown, out: Record<string, tf.Tensor> = {}, path = ""): Record<string, tf.Tensor> {
  if (tree instanceof tf.Tensor) out[path] = tree;
  else if (tree && typeof tree === "object")
    for (const [key, child] of Object.entries(tree)) flattenTensors(child, out, path ? `${path}.${key}` : key);
  return out;
}

describe("runHarmonyVelocity", () => {
  it("writes scVelo's keys plus X_pca_harmony, is deterministic and leaks no tensor", async () => {
    const run = async () => {
      const { adata } = simulatedAnnData({ nCells: 240, nGenes: 50, batchEffect: 0.35, unsplicedBatchEffect: 0.5 });
      const result = await runHarmonyVelocity(adata, {
        batchKey: "batch",
        seed: 3,
        epochs: 4,
        jointSteps: 2,
        nNeighbors: 15,
        minSharedCounts: 0,
        umap: false,
      });
      return result;
    };
    const before = tf.memory().numTensors;
    const a = await run();
    expect(tf.memory().numTensors).toBe(before);
    const b = await run();
    expect(tf.memory().numTensors).toBe(before);

    const ad = a.adata;
    for (const key of ["Ms", "Mu", "velocity"]) expect(ad.layers[key], key).toBeDefined();
    for (const key of ["X_pca", "X_pca_harmony"]) expect(ad.obsm[key], key).toBeDefined();
    for (const key of ["connectivities", "distances", "velocity_graph"]) expect(ad.obsp[key], key).toBeDefined();
    for (const key of ["latent_time", "velocity_pseudotime", "velocity_confidence"])
      expect(ad.obs.has(key), key).toBe(true);
    for (const key of ["fit_alpha", "fit_gamma", "velocity_genes"]) expect(ad.var.has(key), key).toBe(true);
    expect(a.history.joint).toHaveLength(2);
    expect(a.metrics.ilisi.nBatches).toBe(3);
    expect(a.metrics.ilisi.after).toBeGreaterThan(a.metrics.ilisi.before + 0.5);

    expect(b.adata.obs.numbers("latent_time")).toEqual(ad.obs.numbers("latent_time"));
    expect(toDenseFloat32(b.adata.obsm.X_pca_harmony)).toEqual(toDenseFloat32(ad.obsm.X_pca_harmony));
    expect(toDenseFloat32(b.adata.layers.velocity)).toEqual(toDenseFloat32(ad.layers.velocity));
  });

  it("requires an existing batch column", async () => {
    const { adata } = simulatedAnnData({ nCells: 60, nGenes: 20, batchEffect: 0.3 });
    await expect(runHarmonyVelocity(adata, { batchKey: "donor" })).rejects.toThrow(/donor/);
  });
});

describe("acceptance: 3 simulated batches, corrected and jointly fitted against uncorrected velocity", () => {
  // Batches differ by a (batch, gene) factor on all counts (sd 0.35 on the log scale) and another on the
  // unspliced counts only (sd 0.5: batches capturing intronic reads differently). Uncorrected, the PCA
  // separates the batches, so every cell's moments come from its own batch.
  // The issue asks for ≥ 0.1 above uncorrected velocity. Against `runVelocityPipeline` (no restarts) that holds
  // here only because its uncorrected fit runs time backwards (ρ ≈ −0.6) — an artefact, so it is not asserted.
  // Against the same machinery with Harmony off (stage-1 restarts keep the lowest loss) uncorrected velocity
  // already reaches ρ ≈ 0.98: the batch effect barely hurts it, and the joint fit is asserted only not worse.
  const options = { nCells: 900, nGenes: 120, batchEffect: 0.35, unsplicedBatchEffect: 0.5, seed: 0 };

  it("latent time ρ ≥ 0.9 and not below uncorrected; iLISI ≥ 80% of 3; fates kept apart", async () => {
    const joint = simulatedAnnData(options);
    const result = await runHarmonyVelocity(joint.adata, {
      batchKey: "batch",
      seed: 0,
      umap: false,
      minSharedCounts: 0,
    });
    const rhoJoint = stats.spearman(joint.adata.obs.numbers("latent_time"), joint.time);
    expect(rhoJoint).toBeGreaterThanOrEqual(0.9);
    const sim = simulateBatches({ ...options, nBatches: 3, branches: 2 });
    const uncorrected = new HarmonyVelocityPipeline(sim.nFeatures, {
      harmony: false,
      batchScale: false,
      jointSteps: 0,
      seed: 0,
    });
    uncorrected.fit(sim);
    const rhoSameMachinery = stats.spearman(uncorrected.apply(sim)[0].latentTime, sim.truth.time);
    uncorrected.dispose();
    expect(rhoJoint).toBeGreaterThanOrEqual(rhoSameMachinery - 0.02);
    expect(result.metrics.ilisi.before).toBeLessThan(1.5);
    expect(result.metrics.ilisi.after).toBeGreaterThanOrEqual(0.8 * 3);
    expect(result.history.joint.length).toBeGreaterThan(0);

    // cLISI of the two fates among late cells (where the fates have diverged) in the corrected embedding.
    const z = toDenseFloat32(joint.adata.obsm.X_pca_harmony);
    const f = joint.adata.obsm.X_pca_harmony.cols;
    const late = joint.late.map((x, i) => (x ? i : -1)).filter((i) => i >= 0);
    const lateZ = new Float32Array(late.length * f);
    late.forEach((i, r) => {
      lateZ.set(z.subarray(i * f, (i + 1) * f), r * f);
    });
    const fates = late.map((i) => joint.fate[i]);
    expect(cLisi({ data: lateZ, rows: late.length, cols: f }, fates).median).toBeLessThan(1.1);
  }, 300_000); // ~55 s alone; several minutes when the machine is shared
});
