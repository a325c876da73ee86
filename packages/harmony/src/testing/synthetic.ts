import { Rngs } from "@diffcell/core";

/**
 * Small synthetic embeddings for tests: `nTypes` cell types (well-separated Gaussian blobs) measured in
 * `nBatches` batches, each batch adding its own offset to every cell, as a batch effect does to PCs.
 */
export function batchedBlobs(options: {
  nCells: number;
  nFeatures: number;
  nTypes?: number;
  nBatches?: number;
  shift?: number;
  spread?: number;
  seed?: number;
}) {
  const { nCells: n, nFeatures: f } = options;
  const nTypes = options.nTypes ?? 3;
  const nBatches = options.nBatches ?? 2;
  const r = new Rngs(options.seed ?? 1);
  const centres = r.normal(nTypes * f, 0, 4);
  const offsets = r.normal(nBatches * f, 0, options.shift ?? 1.5);
  const noise = r.normal(n * f, 0, options.spread ?? 0.4);
  const data = new Float64Array(n * f);
  const batch: string[] = [];
  const type: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i % nTypes;
    const b = Math.floor(i / nTypes) % nBatches;
    type.push(t);
    batch.push(`batch${b}`);
    for (let j = 0; j < f; j++) data[i * f + j] = centres[t * f + j] + offsets[b * f + j] + noise[i * f + j];
  }
  return { data, rows: n, cols: f, batch, type };
}
