/**
 * Entry checks of the whole-analysis functions, before any work: the AnnData and its spliced/unspliced
 * counts (finite, ≥ 0, ≤ 1e12; non-integers with a warning, as scVelo), the options' ranges, the keys, and
 * the sizes the analysis needs (cells ≥ neighbours, ≥ 2 batches). Each failure is a typed error naming the
 * array (row, column, value) or the option. Genes left after the min_shared_counts filter are checked by the
 * filter itself (pp's filterAndNormalize; `preprocessForVelocity` for fewer than 2), without a second pass.
 */
import { ConfigError, InputError } from "@diffcell/core";
import { AnnData, checkLayerCounts, checkLayerFinite } from "@diffcell/io";
import { kineticsModelNames } from "@diffcell/velocity";
import { NEIGHBOR_DEFAULTS } from "./defaults.js";

export interface EntryOptions {
  mode?: string;
  seed?: number;
  epochs?: number;
  restarts?: number;
  minSharedCounts?: number;
  nTopGenes?: number;
  nPcs?: number;
  nNeighbors?: number;
  clusterKey?: string;
  batchKey?: string;
  jointSteps?: number;
  onWarning?: (message: string) => void;
}

/** Throws unless `adata` and `options` can go through `entry` (the function's name, for messages). */
export function validatePipelineInput(entry: string, adata: unknown, options: EntryOptions): void {
  if (!(adata instanceof AnnData)) throw new InputError(`${entry}: adata`, "expected an AnnData (io's read())");
  const source = adata.source ?? "adata";
  for (const layer of ["spliced", "unspliced"])
    if (!adata.hasLayer(layer))
      throw new InputError(
        `${source}: layers/${layer}`,
        `missing; velocity needs spliced and unspliced counts (layers: ${Object.keys(adata.layers).join(", ") || "none"})`,
      );
  const o = options;
  const int = (field: keyof EntryOptions, min: number) => {
    const v = o[field];
    if (v !== undefined && !(typeof v === "number" && Number.isInteger(v) && v >= min))
      throw new ConfigError(entry, field, `an integer ≥ ${min}`, v);
  };
  int("seed", 0);
  int("epochs", 1);
  int("restarts", 1);
  int("minSharedCounts", 0);
  int("nTopGenes", 2);
  int("nPcs", 2);
  int("nNeighbors", 2);
  int("jointSteps", 0);
  const modes = ["stochastic", ...kineticsModelNames()];
  if (o.mode !== undefined && !modes.includes(o.mode))
    throw new ConfigError(entry, "mode", `one of ${modes.join(", ")}`, o.mode);

  const [n] = adata.shape;
  const k = o.nNeighbors ?? NEIGHBOR_DEFAULTS.nNeighbors;
  if (n < Math.max(k, 3))
    throw new InputError(
      source,
      `has ${n} cells; nNeighbors = ${k} (the cell itself included) needs at least ${Math.max(k, 3)} cells`,
    );
  for (const key of [o.clusterKey, o.batchKey])
    if (key !== undefined && !adata.obs.has(key))
      throw new InputError(
        `${source}: obs`,
        `has no column ${JSON.stringify(key)} (columns: ${adata.obs.columnNames.join(", ") || "none"})`,
      );
  if (o.batchKey !== undefined) {
    const batches = new Set(adata.obs.strings(o.batchKey));
    if (batches.size < 2)
      throw new InputError(
        `${source}: obs.${o.batchKey}`,
        `has ${batches.size} batch${batches.size === 1 ? ` (${JSON.stringify([...batches][0])})` : "es"}; batch correction needs at least 2`,
      );
  }

  const spliced = adata.layer("spliced");
  const unspliced = adata.layer("unspliced");
  checkLayerCounts(`${source}: layers/spliced`, spliced, o.onWarning);
  checkLayerCounts(`${source}: layers/unspliced`, unspliced, o.onWarning);
  // X (counts or already normalised) feeds PCA: any finite value is usable.
  if (adata.X) checkLayerFinite(`${source}: X`, adata.X);
}
