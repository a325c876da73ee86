/**
 * Compression of numeric HDF5 datasets, named as h5py names it: "gzip" (deflate) or "none".
 *
 * Why no "lzf" (h5py's fast filter, id 32000), which anndata users know: libhdf5-wasm (inside h5wasm) does
 * not include it; its only prebuilt plugin (npm `h5wasm-plugins`) declares a peer range that excludes the
 * h5wasm we use, so npm refuses to install it; and h5wasm registers every filter as mandatory, so LZF —
 * which gives up on chunks it cannot shrink (h5py marks it optional for that reason) — fails the whole write
 * on ordinary float data. gzip at level 1 is the fast alternative; files stay readable by h5py/anndata.
 */
import { ConfigError } from "@diffcell/core";

export type Compression = "gzip" | "none";

export const COMPRESSIONS: readonly Compression[] = ["gzip", "none"];

/** HDF5 filter id and its client data, as h5wasm's `create_dataset` takes them (id 0: none). */
export interface Filter {
  id: number;
  options: number[];
}

const GZIP = 1;
/** gzip level when none is given: h5py's default. */
const DEFAULT_GZIP_LEVEL = 4;

/** The filter for a compression choice; `level` applies to gzip (1 fastest … 9 smallest). */
export function resolveCompression(compression: Compression | undefined, level?: number): Filter {
  if (compression === undefined || compression === "none") return { id: 0, options: [] };
  if (compression === "gzip") {
    const l = level ?? DEFAULT_GZIP_LEVEL;
    if (!(Number.isInteger(l) && l >= 1 && l <= 9))
      throw new ConfigError("write", "compressionLevel", "an integer 1–9", l);
    return { id: GZIP, options: [l] };
  }
  const why =
    (compression as string) === "lzf"
      ? ' ("lzf" is not available in h5wasm — see @diffcell/io h5/compression.ts; use "gzip" with level 1 for speed)'
      : "";
  throw new ConfigError("write", "compression", `"gzip" or "none"${why}`, compression);
}

/** Chunk shape for a dataset: whole rows, about 256 KiB per chunk (compressed datasets must be chunked). */
export function chunkShape(shape: readonly number[], bytesPerValue: number): number[] {
  const rowLength = shape.slice(1).reduce((a, b) => a * b, 1);
  const rows = Math.max(1, Math.min(shape[0], Math.floor(262144 / Math.max(1, rowLength * bytesPerValue))));
  return [rows, ...shape.slice(1)];
}
