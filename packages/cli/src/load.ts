/**
 * Resolving `--input`: an .h5ad (AnnData / scVelo), a .loom (velocyto), a folder with 10x output for
 * spliced and unspliced counts, or nothing (the bundled pancreas data).
 */
import { basename } from "node:path";
import { InputError } from "@diffcell/core";
import { pancreas } from "@diffcell/datasets";
import { type AnnData, read } from "@diffcell/io";

export interface LoadedInput {
  adata: AnnData;
  /** Short name for summaries ("pancreas", the file name). */
  name: string;
  /** Absolute or given path; undefined for the bundled data. */
  path?: string;
  bundled: boolean;
}

/**
 * The input by content (io's `read`): an HDF5 file is a loom or an h5ad by its structure, whatever its
 * name; a folder is 10x output. A name that disagrees with the content is a warning.
 */
export async function loadInput(
  input: string | undefined,
  onWarning?: (message: string) => void,
): Promise<LoadedInput> {
  if (input === undefined) return { adata: pancreas(), name: "pancreas (bundled)", bundled: true };
  const adata = await read(input, { onWarning });
  return { adata, name: basename(input), path: input, bundled: false };
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
