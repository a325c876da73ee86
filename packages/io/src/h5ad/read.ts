import { InputError, type ProgressCallback } from "@diffcell/core";
import { AnnData } from "../anndata.js";
import type { DataFrame } from "../dataframe.js";
import { guard, isDataset, isGroup, openHdf5 } from "../h5/h5file.js";
import type { DenseMatrix, Layer } from "../matrix/types.js";
import type { UnsDict } from "../uns.js";
import { keyName, type ReadContext } from "./context.js";
import { applyLegacyCategories, readDataFrame } from "./read-dataframe.js";
import { readAxisArray, readLayer } from "./read-matrix.js";
import { readUns } from "./read-uns.js";

export interface ReadH5adOptions {
  /** Called for elements that were skipped (unsupported encodings, `raw`). Default: silent. */
  onWarning?: (message: string) => void;
  onProgress?: ProgressCallback;
}

/**
 * Reads an AnnData `.h5ad` file: the current on-disk format (0.8+, `encoding-type` attributes), anndata
 * 0.7 files (categoricals by object reference) and pre-0.7 files (record-array `obs`/`var`, categories in
 * `uns/<column>_categories`, `h5sparse_format` sparse groups). The file is opened read-only.
 *
 * Every failure is an `InputError` naming the file and the key, e.g.
 * `pancreas.h5ad:/layers/spliced: unreadable: …` or `…:/layers/unspliced: shape [10, 5] does not match …`.
 */
export async function readH5ad(path: string, options: ReadH5adOptions = {}): Promise<AnnData> {
  const file = await openHdf5(path);
  const ctx: ReadContext = { file, fileName: path, warn: options.onWarning ?? (() => {}) };
  try {
    const root = guard(path, "", () => file.keys());
    if (isLoomLayout(root) && !root.includes("X") && !root.includes("obs"))
      throw new InputError(
        path,
        "is a .loom file (velocyto layout: /matrix genes × cells, /row_attrs, /col_attrs), not an .h5ad; read it with readLoom() or read()",
      );
    const steps = ["X", "layers", "obs", "var", "obsm", "varm", "obsp", "varp", "uns"];
    let done = 0;
    const progress = (stage: string) =>
      options.onProgress?.({ stage: "read", done: ++done, total: steps.length, message: stage });

    const X = root.includes("X") ? readLayer(ctx, "X") : null;
    progress("X");
    const layers = readLayerGroup(ctx, root, "layers");
    progress("layers");
    const obsRead = root.includes("obs") ? readDataFrame(ctx, "obs") : undefined;
    progress("obs");
    const varRead = root.includes("var") ? readDataFrame(ctx, "var") : undefined;
    progress("var");
    const obsm = readAxisGroup(ctx, root, "obsm");
    progress("obsm");
    const varm = readAxisGroup(ctx, root, "varm");
    progress("varm");
    const obsp = readLayerGroup(ctx, root, "obsp");
    progress("obsp");
    const varp = readLayerGroup(ctx, root, "varp");
    progress("varp");
    const uns: UnsDict = root.includes("uns") ? readUns(ctx, "uns") : {};
    progress("uns");
    if (root.includes("raw")) ctx.warn(`${keyName(ctx, "raw")}: skipped (raw is not read)`);

    const obs = obsRead?.frame;
    const vars = varRead?.frame;
    if (obsRead?.legacy && obs) applyLegacyCategories(obs, uns);
    if (varRead?.legacy && vars) applyLegacyCategories(vars, uns);
    const reference = X ?? Object.values(layers)[0];
    if (!obs && !reference)
      throw new InputError(keyName(ctx, "obs"), "missing, and no X or layer gives the number of cells");
    if (!vars && !reference)
      throw new InputError(keyName(ctx, "var"), "missing, and no X or layer gives the number of genes");
    return new AnnData({
      X,
      layers,
      obs: obs as DataFrame | undefined,
      var: vars as DataFrame | undefined,
      obsm,
      varm,
      obsp,
      varp,
      uns,
      nObs: reference?.rows,
      nVars: reference?.cols,
      source: path,
    });
  } finally {
    file.close();
  }
}

/** HDF5 root keys of a loom file: a /matrix dataset with /row_attrs and /col_attrs. */
export function isLoomLayout(root: readonly string[]): boolean {
  return root.includes("matrix") && root.includes("row_attrs");
}

function readLayerGroup(ctx: ReadContext, root: string[], group: string): Record<string, Layer> {
  if (!root.includes(group)) return {};
  const node = guard(ctx.fileName, group, () => ctx.file.get(group));
  if (!isGroup(node)) {
    ctx.warn(`${keyName(ctx, group)}: skipped (not a group)`);
    return {};
  }
  const out: Record<string, Layer> = {};
  for (const key of node.keys()) out[key] = readLayer(ctx, `${group}/${key}`);
  return out;
}

function readAxisGroup(ctx: ReadContext, root: string[], group: string): Record<string, DenseMatrix> {
  if (!root.includes(group)) return {};
  const node = guard(ctx.fileName, group, () => ctx.file.get(group));
  if (isDataset(node)) {
    ctx.warn(`${keyName(ctx, group)}: skipped (pre-0.7 record-array ${group} is not supported)`);
    return {};
  }
  if (!isGroup(node)) return {};
  const out: Record<string, DenseMatrix> = {};
  for (const key of node.keys()) {
    const m = readAxisArray(ctx, `${group}/${key}`);
    if (m) out[key] = m;
  }
  return out;
}
