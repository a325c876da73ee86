/** Test-data readers for the gzipped TSV fixtures in `packages/harmony/testdata/` (see its README). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

export const TESTDATA = fileURLToPath(new URL("../../testdata/", import.meta.url));

/** Header and rows of a (gzipped) tab-separated file. */
export function readTable(relativePath: string): { header: string[]; rows: string[][] } {
  const raw = readFileSync(`${TESTDATA}${relativePath}`);
  const text = (relativePath.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  const lines = text.split("\n").filter((l) => l.length > 0);
  return { header: lines[0].split("\t"), rows: lines.slice(1).map((l) => l.split("\t")) };
}

/** A numeric table as a row-major float64 matrix (`skipColumns` leading columns dropped, e.g. row names). */
export function readMatrix(relativePath: string, skipColumns = 0): { data: Float64Array; rows: number; cols: number } {
  const { rows } = readTable(relativePath);
  const cols = rows[0].length - skipColumns;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((r, i) => {
    for (let j = 0; j < cols; j++) data[i * cols + j] = Number(r[j + skipColumns]);
  });
  return { data, rows: rows.length, cols };
}

/** One column of a table by header name. */
export function readColumn(relativePath: string, name: string): string[] {
  const { header, rows } = readTable(relativePath);
  const j = header.indexOf(name);
  if (j < 0) throw new Error(`${relativePath}: no column ${name} in ${header.join(", ")}`);
  return rows.map((r) => r[j]);
}

export function pbmc3500() {
  return {
    pcs: readMatrix("pbmc3500/pbmc_3500_pcs.tsv.gz"),
    harmonizedR: readMatrix("pbmc3500/pbmc_3500_pcs_harmonized.tsv.gz"),
    donor: readColumn("pbmc3500/pbmc_3500_meta.tsv.gz", "donor"),
  };
}

export function cellLines() {
  return {
    pcs: readMatrix("cell-lines/cell_lines_scaled_pcs.tsv.gz"),
    dataset: readColumn("cell-lines/cell_lines_meta.tsv.gz", "dataset"),
    cellType: readColumn("cell-lines/cell_lines_meta.tsv.gz", "cell_type"),
  };
}

/** Per-column Pearson r between two N × F matrices. */
export function columnCorrelations(
  a: { data: ArrayLike<number>; rows: number; cols: number },
  b: { data: ArrayLike<number>; rows: number; cols: number },
): number[] {
  const out: number[] = [];
  for (let j = 0; j < a.cols; j++) {
    let ma = 0;
    let mb = 0;
    for (let i = 0; i < a.rows; i++) {
      ma += a.data[i * a.cols + j];
      mb += b.data[i * b.cols + j];
    }
    ma /= a.rows;
    mb /= a.rows;
    let sab = 0;
    let saa = 0;
    let sbb = 0;
    for (let i = 0; i < a.rows; i++) {
      const da = a.data[i * a.cols + j] - ma;
      const db = b.data[i * b.cols + j] - mb;
      sab += da * db;
      saa += da * da;
      sbb += db * db;
    }
    out.push(sab / Math.sqrt(saa * sbb));
  }
  return out;
}
