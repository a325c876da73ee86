/**
 * Simulated data with batches, preprocessed as the pipeline expects (the kinetic simulator's counts →
 * scVelo's per-cell normalisation of X, spliced and unspliced → log1p → PCA), with its truth.
 */
import { tf } from "@diffcell/core";
import { AnnData, DataFrame, dense, toDenseFloat32 } from "@diffcell/io";
import { filterAndNormalize, pca } from "@diffcell/pp";
import { type KineticSimulation, simulateKinetics } from "@diffcell/sim";
import type { BatchVelocityInput } from "./batchVelocity.js";

export interface SimulatedBatches extends BatchVelocityInput {
  truth: KineticSimulation["truth"];
}

export function simulateBatches(options: {
  nCells: number;
  nGenes: number;
  nBatches: number;
  batchEffect: number;
  unsplicedBatchEffect?: number;
  branches?: 1 | 2;
  seed?: number;
  nPcs?: number;
}): SimulatedBatches {
  const sim = simulateKinetics({
    nCells: options.nCells,
    nGenes: options.nGenes,
    nBatches: options.nBatches,
    batchEffect: options.batchEffect,
    unsplicedBatchEffect: options.unsplicedBatchEffect ?? 0,
    branches: options.branches ?? 1,
    seed: options.seed ?? 0,
  });
  const [n, g] = sim.spliced.shape;
  const s = sim.spliced.dataSync() as Float32Array;
  const u = sim.unspliced.dataSync() as Float32Array;
  tf.dispose([sim.spliced, sim.unspliced]);
  const adata = new AnnData({
    X: dense(s.slice(), n, g),
    layers: { spliced: dense(s, n, g), unspliced: dense(u, n, g) },
    obs: new DataFrame(Array.from({ length: n }, (_, i) => `cell${i}`)),
    var: new DataFrame(Array.from({ length: g }, (_, j) => `gene${j}`)),
  });
  filterAndNormalize(adata, { minSharedCounts: 0 });
  pca(adata, { nComps: Math.min(options.nPcs ?? 30, g - 1, n - 1), seed: options.seed ?? 0 });
  const pcs = adata.obsm.X_pca;
  return {
    spliced: toDenseFloat32(adata.layer("spliced")),
    unspliced: toDenseFloat32(adata.layer("unspliced")),
    nCells: n,
    nGenes: adata.nVars,
    embeddings: toDenseFloat32(pcs),
    nFeatures: pcs.cols,
    batchLabels: Array.from(sim.truth.batch, (b) => `batch${b}`),
    truth: sim.truth,
  };
}
