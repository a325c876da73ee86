/**
 * The consumer test's user script: type-checked against the packed declarations (strict, NodeNext) and run
 * from a fresh project that installed the tarballs (scripts/consumer-test.mjs). Not part of the workspace
 * build: every import is a package name, resolved from that project's node_modules.
 */
import { strict as assert } from "node:assert";
import { mkdirSync, writeFileSync } from "node:fs";
import { usage } from "@diffcell/cli";
import { initBackend, stats, tf } from "@diffcell/core";
import { dentategyrus50 } from "@diffcell/datasets";
import { iLisi, runHarmony } from "@diffcell/harmony";
import { AnnData, categoricalColumn, DataFrame, dense, readH5ad, toDenseFloat32, writeH5ad } from "@diffcell/io";
import { reconstructionLoss } from "@diffcell/losses";
import { HarmonyVelocityPipeline, runVelocityPipeline, simulateBatches } from "@diffcell/pipeline";
import { velocityStreamPlot } from "@diffcell/plot";
import { pca } from "@diffcell/pp";
import { simulateKinetics } from "@diffcell/sim";
import { VelocityConfig } from "@diffcell/velocity";

const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);
mkdirSync("out", { recursive: true });
// Importing @diffcell/core chooses no backend; an entry point picks the fastest once.
console.log(`backend ${(await initBackend()).name}`);
assert.match(usage(), /diffcell <command>/);
assert.equal(typeof reconstructionLoss, "function");
assert.equal(new VelocityConfig({ nGenes: 10 }).nGenes, 10);

// 1. simulate: one lineage with known time.
let t0 = performance.now();
const sim = simulateKinetics({ nCells: 300, nGenes: 60, seed: 0 });
const [n, g] = sim.spliced.shape;
const spliced = sim.spliced.dataSync() as Float32Array;
const unspliced = sim.unspliced.dataSync() as Float32Array;
tf.dispose([sim.spliced, sim.unspliced]);
const stage = Array.from(sim.truth.normalizedTime, (x) => `stage${Math.min(2, Math.floor(3 * x))}`);
const obs = new DataFrame(Array.from({ length: n }, (_, i) => `cell${i}`));
obs.set("clusters", categoricalColumn(stage, { categories: ["stage0", "stage1", "stage2"] }));
const adata = new AnnData({
  X: dense(spliced.slice(), n, g),
  layers: { spliced: dense(spliced, n, g), unspliced: dense(unspliced, n, g) },
  obs,
  var: new DataFrame(Array.from({ length: g }, (_, j) => `gene${j}`)),
});
console.log(`simulate: ${n} cells × ${g} genes (${seconds(t0)} s)`);

// 2. velocity: the whole pipeline, then the file round trip.
t0 = performance.now();
const result = await runVelocityPipeline(adata, {
  seed: 0,
  epochs: 10,
  // Three restarts, the default. This check is about the installed packages working together, not accuracy:
  // on this small simulation (300 × 60) latent time reaches Spearman 0.75 with the true time at 10 epochs
  // (the simulator tests in velocity/pipeline assert accuracy at sizes where the model is identifiable).
  restarts: 3,
  minSharedCounts: 0,
  nNeighbors: 15,
  edges: [
    ["stage0", "stage1"],
    ["stage1", "stage2"],
  ],
});
const latent = result.adata.obs.numbers("latent_time");
const rho = stats.spearman(Array.from(latent), Array.from(sim.truth.time));
console.log(`velocity: latent time ρ with the true time ${rho.toFixed(3)} (${seconds(t0)} s)`);
assert.ok(rho > 0.5, `latent time should run with the simulated time (ρ = ${rho})`);
await writeH5ad(result.adata, "out/simulated.h5ad");
const back = await readH5ad("out/simulated.h5ad");
assert.deepEqual(back.shape, result.adata.shape);
assert.ok(back.hasLayer("velocity"));
writeFileSync(
  "out/stream.svg",
  velocityStreamPlot({
    embedding: toDenseFloat32(back.obsm.X_umap),
    velocity: toDenseFloat32(back.obsm.velocity_umap),
    clusters: back.obs.strings("clusters"),
  }),
);

// 3. Harmony on simulated batches' PCs.
t0 = performance.now();
const batches = simulateBatches({ nCells: 300, nGenes: 60, nBatches: 2, batchEffect: 0.5, seed: 0, nPcs: 10 });
const pcs = { data: batches.embeddings, rows: batches.nCells, cols: batches.nFeatures };
const harmony = runHarmony(pcs, batches.batchLabels, { seed: 0 });
const before = iLisi(pcs, batches.batchLabels).median;
const after = iLisi(
  { data: harmony.corrected, rows: batches.nCells, cols: batches.nFeatures },
  batches.batchLabels,
).median;
console.log(`harmony: iLISI ${before.toFixed(2)} → ${after.toFixed(2)} of 2 (${seconds(t0)} s)`);
assert.ok(after > before, "Harmony should mix the batches");

// 4. pipeline: Harmony and velocity in one optimisation.
t0 = performance.now();
const joint = new HarmonyVelocityPipeline(batches.nFeatures, { seed: 0, jointSteps: 2 });
joint.fit(batches);
const [out] = joint.apply(batches);
const jointRho = stats.spearman(Array.from(out.latentTime), Array.from(batches.truth.time));
joint.dispose();
console.log(`pipeline: joint fit latent time ρ ${jointRho.toFixed(3)} (${seconds(t0)} s)`);
assert.ok(Number.isFinite(jointRho));

// 5. bundled data.
const small = await dentategyrus50();
pca(small, { nComps: 5 });
assert.equal(small.obsm.X_pca.cols, 5);
console.log("consumer workflow: ok");
