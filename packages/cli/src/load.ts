/**
 * Resolving `--input`: an .h5ad (AnnData / scVelo), a .loom (velocyto), a folder with 10x output for
 * spliced and unspliced counts, or nothing (the bundled pancreas data).
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { InputError } from "@diffcell/core";
import { pancreas } from "@diffcell/datasets";
import { type AnnData, read10x, readH5ad, readLoom } from "@diffcell/io";

export interface LoadedInput {
  adata: AnnData;
  /** Short name for summaries ("pancreas", the file name). */
  name: string;
  /** Absolute or given path; undefined for the bundled data. */
  path?: string;
  bundled: boolean;
}

export async function loadInput(input: string | undefined): Promise<LoadedInput> {
  if (input === undefined) return { adata: pancreas(), name: "pancreas (bundled)", bundled: true };
  if (!existsSync(input)) throw new InputError(input, "no such file or directory");
  const stats = statSync(input);
  if (stats.isDirectory()) return { adata: readFolder(input), name: basename(input), path: input, bundled: false };
  if (stats.size === 0) throw new InputError(input, "the file is empty");
  const ext = extname(input).toLowerCase();
  const adata =
    ext === ".h5ad"
      ? await readH5ad(input)
      : ext === ".loom"
        ? await readLoom(input)
        : (() => {
            throw new InputError(
              input,
              `unsupported input type "${ext || "(none)"}"; expected .h5ad, .loom or a 10x folder`,
            );
          })();
  return { adata, name: basename(input), path: input, bundled: false };
}

/**
 * A folder with `spliced/` and `unspliced/` 10x subfolders (matrix.mtx, barcodes.tsv, features.tsv) becomes
 * one AnnData with those layers; a plain 10x folder becomes X only (velocity then reports the missing layer).
 */
function readFolder(dir: string): AnnData {
  const sub = (name: string) => join(dir, name);
  if (existsSync(sub("spliced")) && existsSync(sub("unspliced"))) {
    const spliced = read10x(sub("spliced"));
    const unspliced = read10x(sub("unspliced"));
    if (spliced.nObs !== unspliced.nObs || spliced.nVars !== unspliced.nVars)
      throw new InputError(
        sub("unspliced"),
        `shape [${unspliced.nObs}, ${unspliced.nVars}] differs from spliced [${spliced.nObs}, ${spliced.nVars}]`,
      );
    const a = spliced.obsNames;
    const b = unspliced.obsNames;
    const mismatch = a.findIndex((x, i) => x !== b[i]);
    if (mismatch >= 0)
      throw new InputError(
        `${sub("unspliced")}/barcodes`,
        `barcode ${b[mismatch]} differs from spliced ${a[mismatch]}`,
        mismatch,
      );
    spliced.layers.spliced = spliced.X ?? spliced.layer("spliced");
    spliced.layers.unspliced = unspliced.X ?? unspliced.layer("unspliced");
    return spliced;
  }
  const entries = readdirSync(dir);
  if (entries.some((f) => f.startsWith("matrix.mtx"))) return read10x(dir);
  throw new InputError(dir, "folder has neither spliced/ and unspliced/ 10x subfolders nor a matrix.mtx");
}

/** The obs column `key`, or an error listing the columns there are. */
export function requireObsColumn(adata: AnnData, key: string, flag: string): string[] {
  if (!adata.obs.has(key)) {
    const available = adata.obs.columnNames;
    throw new InputError(
      `${flag} ${key}`,
      `obs has no column "${key}"${available.length ? ` (columns: ${available.slice(0, 12).join(", ")}${available.length > 12 ? ", …" : ""})` : " (obs has no columns)"}`,
    );
  }
  return adata.obs.strings(key);
}
