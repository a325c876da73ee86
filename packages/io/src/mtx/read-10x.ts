/**
 * Cell Ranger's `filtered_feature_bc_matrix/` folders: `matrix.mtx[.gz]` (features × barcodes),
 * `barcodes.tsv[.gz]` and `features.tsv[.gz]` (v3: id, name, type) or `genes.tsv` (v2: id, name).
 * The result is cells × genes, as scanpy's `read_10x_mtx`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "@diffcell/core";
import { AnnData } from "../anndata.js";
import { DataFrame, makeUnique } from "../dataframe.js";
import { toCsr, transpose } from "../matrix/ops.js";
import { readLines } from "../text/read-text.js";
import { readMtx } from "./read-mtx.js";

export interface Read10xOptions {
  /** Which feature column names the genes (scanpy's default: symbols). */
  varNames?: "gene_symbols" | "gene_ids";
  /** Make duplicate gene names unique with "-1", "-2" suffixes (default true, as scanpy). */
  makeUnique?: boolean;
  /** File prefix, e.g. "sample1_" for "sample1_matrix.mtx.gz". */
  prefix?: string;
}

export function read10x(dir: string, options: Read10xOptions = {}): AnnData {
  const prefix = options.prefix ?? "";
  const find = (...names: string[]) => {
    for (const n of names) {
      for (const candidate of [n, `${n}.gz`]) {
        const p = join(dir, prefix + candidate);
        if (existsSync(p)) return p;
      }
    }
    return undefined;
  };
  const matrixPath = find("matrix.mtx");
  const barcodesPath = find("barcodes.tsv");
  const featuresPath = find("features.tsv", "genes.tsv");
  if (!matrixPath) throw new InputError(join(dir, `${prefix}matrix.mtx[.gz]`), "file not found");
  if (!barcodesPath) throw new InputError(join(dir, `${prefix}barcodes.tsv[.gz]`), "file not found");
  if (!featuresPath) throw new InputError(join(dir, `${prefix}features.tsv[.gz]`), "file not found (nor genes.tsv)");

  const counts = readMtx(matrixPath); // features × barcodes
  const barcodes = readLines(barcodesPath).map((l) => l.split("\t")[0]);
  const features = readLines(featuresPath).map((l) => l.split("\t"));
  if (barcodes.length !== counts.cols) {
    throw new InputError(barcodesPath, `${barcodes.length} barcodes, but the matrix has ${counts.cols} columns`);
  }
  if (features.length !== counts.rows) {
    throw new InputError(featuresPath, `${features.length} features, but the matrix has ${counts.rows} rows`);
  }
  features.forEach((f, i) => {
    if (f.length < 2 && options.varNames !== "gene_ids") {
      throw new InputError(`${featuresPath}:line ${i + 1}`, "expected at least 2 tab-separated fields (id, name)");
    }
  });
  const ids = features.map((f) => f[0]);
  const symbols = features.map((f) => f[1] ?? f[0]);
  const names = options.varNames === "gene_ids" ? ids : symbols;
  const varIndex = (options.makeUnique ?? true) ? makeUnique(names) : names;
  const vars = new DataFrame(varIndex);
  if (options.varNames === "gene_ids") vars.set("gene_symbols", { kind: "string", values: symbols });
  else vars.set("gene_ids", { kind: "string", values: ids });
  if (features.every((f) => f.length >= 3))
    vars.set("feature_types", { kind: "string", values: features.map((f) => f[2]) });
  return new AnnData({
    X: toCsr(transpose(counts)),
    obs: new DataFrame(barcodes),
    var: vars,
    source: dir,
  });
}
