/**
 * `read(path)`: one entry for every supported input, dispatched on the content, not the name — HDF5 files
 * are told apart by their structure (a loom file has a `/matrix` dataset and `/row_attrs`; anything else
 * is read as AnnData), text by its first line (MatrixMarket header, or a delimited table). A folder is
 * 10x output: `spliced/` and `unspliced/` subfolders become those layers, a plain folder becomes X.
 */
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { basename, extname, join } from "node:path";
import { InputError } from "@diffcell/core";
import { AnnData } from "./anndata.js";
import { DataFrame } from "./dataframe.js";
import { fileError } from "./files/errors.js";
import { hasSignature, openHdf5 } from "./h5/h5file.js";
import { isLoomLayout, readH5ad } from "./h5ad/read.js";
import { readLoom } from "./loom/read-loom.js";
import { read10x } from "./mtx/read-10x.js";
import { readMtx } from "./mtx/read-mtx.js";
import { readCsv } from "./text/read-csv.js";
import { readMaybeGzip } from "./text/read-text.js";

export type InputFormat = "h5ad" | "loom" | "10x" | "mtx" | "table";

export interface ReadOptions {
  /** Called when the name says one format and the content another (the content wins). */
  onWarning?: (message: string) => void;
}

/** The format of `path` judged by its content (a folder: 10x). Throws {@link InputError} when unknown. */
export async function detectFormat(path: string): Promise<InputFormat> {
  if (!existsSync(path)) throw new InputError(path, "no such file or folder");
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch (e) {
    throw fileError(e, path, "cannot read");
  }
  if (stats.isDirectory()) return "10x";
  if (stats.size === 0) throw new InputError(path, "the file is empty");
  if (hasSignature(path, stats.size)) {
    const file = await openHdf5(path);
    try {
      return isLoomLayout(file.keys()) ? "loom" : "h5ad";
    } finally {
      file.close();
    }
  }
  // Named as HDF5 but without the signature: say so (judging it as text would only list other formats).
  if (/\.(h5ad|loom|h5|hdf5)$/i.test(path))
    throw new InputError(path, "not an HDF5 file (no HDF5 signature) — corrupt or wrong format");
  const head = firstBytes(path, 512);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    // gzip: judge the decompressed text (small files only are read twice; large tables are rare here)
    const text = readMaybeGzip(path).subarray(0, 512);
    return textFormat(path, text);
  }
  return textFormat(path, head);
}

function textFormat(path: string, head: Buffer): InputFormat {
  const text = head.toString("latin1");
  if (text.startsWith("%%MatrixMarket")) return "mtx";
  // A readable table: printable text with a separator in the first line.
  const printable = [...head].every((b) => b === 9 || b === 10 || b === 13 || (b >= 32 && b !== 127));
  const firstLine = text.split(/\r?\n/)[0];
  if (printable && /[\t,]/.test(firstLine)) return "table";
  throw new InputError(
    path,
    "unrecognised format: not HDF5 (.h5ad, .loom), MatrixMarket (.mtx) or a delimited text table (.csv, .tsv)",
  );
}

function firstBytes(path: string, count: number): Buffer {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(count);
    const got = readSync(fd, buf, 0, count, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

const EXPECTED_EXT: Record<InputFormat, RegExp> = {
  h5ad: /\.h5(ad)?$/i,
  loom: /\.loom$/i,
  "10x": /.*/,
  mtx: /\.mtx(\.gz)?$/i,
  table: /\.(csv|tsv|txt)(\.gz)?$/i,
};

/** Reads any supported input as an {@link AnnData}, choosing the reader by content (see the module note). */
export async function read(path: string, options: ReadOptions = {}): Promise<AnnData> {
  const format = await detectFormat(path);
  const ext = extname(path.replace(/\.gz$/i, ""));
  if (ext && !EXPECTED_EXT[format].test(path))
    options.onWarning?.(`${basename(path)}: the name says ${ext} but the content is ${format}; read as ${format}`);
  switch (format) {
    case "h5ad":
      return readH5ad(path);
    case "loom":
      return readLoom(path);
    case "10x":
      return readVelocityFolder(path);
    case "mtx": {
      const X = readMtx(path);
      return new AnnData({ X, source: path });
    }
    case "table":
      return tableAnnData(path);
  }
}

/** A delimited table: the first column names the cells when it is not numeric; numeric columns are X. */
function tableAnnData(path: string): AnnData {
  const frame = readCsv(path, { index: null });
  const names = frame.columnNames;
  const first = names.length ? frame.get(names[0]).kind : undefined;
  const cellNames = first && first !== "numeric" ? frame.strings(names[0]) : undefined;
  const numeric = names.filter((c) => frame.get(c).kind === "numeric");
  if (numeric.length === 0 || frame.nRows === 0) throw new InputError(path, "has no numeric columns or no rows");
  const rows = frame.nRows;
  const data = new Float32Array(rows * numeric.length);
  numeric.forEach((c, j) => {
    const v = frame.numbers(c);
    for (let i = 0; i < rows; i++) data[i * numeric.length + j] = v[i];
  });
  return new AnnData({
    X: { format: "dense", data, rows, cols: numeric.length },
    obs: new DataFrame(cellNames ?? Array.from({ length: rows }, (_, i) => String(i))),
    var: new DataFrame(numeric),
    source: path,
  });
}

/**
 * A folder with `spliced/` and `unspliced/` 10x subfolders (matrix.mtx, barcodes.tsv, features.tsv) becomes
 * one AnnData with those layers; a plain 10x folder becomes X only.
 */
export function readVelocityFolder(dir: string): AnnData {
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
