/**
 * Mouse pancreas endocrinogenesis at E15.5 (Bastidas-Ponce et al. 2019, GEO GSE132188), the standard
 * RNA-velocity benchmark used by scVelo: 3696 cells × 2000 genes, raw spliced and unspliced counts.
 * See `data/pancreas/README.md` for provenance and licence.
 */
import { InputError } from "@diffcell/core";
import {
  AnnData,
  type Column,
  type CsrMatrix,
  categoricalColumn,
  cloneLayer,
  DataFrame,
  readCsv,
  readLines,
  readMtx,
} from "@diffcell/io";
import { dataFile } from "./paths.js";

/** Cluster names in developmental order: ductal progenitors → endocrine precursors → the four fates. */
export const PANCREAS_CLUSTERS = [
  "Ductal",
  "Ngn3 low EP",
  "Ngn3 high EP",
  "Pre-endocrine",
  "Beta",
  "Alpha",
  "Delta",
  "Epsilon",
] as const;

/**
 * The known lineage (Bastidas-Ponce et al. 2019), as "from → to" cluster pairs: ductal → Ngn3 low EP →
 * Ngn3 high EP → pre-endocrine → {alpha, beta, delta, epsilon}. The edges CBDir is published with.
 */
export const PANCREAS_EDGES: ReadonlyArray<readonly [string, string]> = [
  ["Ductal", "Ngn3 low EP"],
  ["Ngn3 low EP", "Ngn3 high EP"],
  ["Ngn3 high EP", "Pre-endocrine"],
  ["Pre-endocrine", "Alpha"],
  ["Pre-endocrine", "Beta"],
  ["Pre-endocrine", "Delta"],
  ["Pre-endocrine", "Epsilon"],
];

export const PANCREAS_COARSE_CLUSTERS = [
  "Ductal",
  "Ngn3 low EP",
  "Ngn3 high EP",
  "Pre-endocrine",
  "Endocrine",
] as const;

/** Renamed meta columns (the numeric cluster ids would otherwise collide with `clusters`). */
const RENAMED: Record<string, string> = {
  clusters: "clusters_id",
  "clusters.coarse": "clusters_coarse_id",
};

/**
 * The pancreas dataset as AnnData: `layers.spliced`, `layers.unspliced` (raw integer counts, CSR),
 * `X` = spliced (a copy, as scVelo's loader), `obs.clusters` (categorical in {@link PANCREAS_CLUSTERS}
 * order), `obs.clusters_coarse`, and the other columns of the authors' metadata (cell-cycle scores,
 * per-cell totals; numeric cluster ids as `clusters_id`, `clusters_coarse_id`).
 */
export function pancreas(): AnnData {
  const barcodes = readLines(dataFile("pancreas/barcodes.txt"));
  const genes = readLines(dataFile("pancreas/genes.txt"));
  const part1 = readMtx(dataFile("pancreas/spliced_cells_x_genes.part1_cells1-1848.mtx.gz"));
  const part2 = readMtx(dataFile("pancreas/spliced_cells_x_genes.part2_cells1849-3696.mtx.gz"));
  const spliced = stackRows(part1, part2);
  const unspliced = readMtx(dataFile("pancreas/unspliced_cells_x_genes.mtx.gz"));
  const name = dataFile("pancreas/");
  for (const [label, m] of [
    ["spliced", spliced],
    ["unspliced", unspliced],
  ] as const) {
    if (m.rows !== barcodes.length || m.cols !== genes.length) {
      throw new InputError(
        `${name}${label}`,
        `shape [${m.rows}, ${m.cols}] does not match ${barcodes.length} barcodes × ${genes.length} genes`,
      );
    }
  }
  const meta = readCsv(dataFile("pancreas/meta.csv.gz"), { index: "cell" });
  const order = new Map(meta.index.map((b, i) => [b, i]));
  const rows = barcodes.map((b, i) => {
    const r = order.get(b);
    if (r === undefined) throw new InputError(`${name}meta.csv.gz`, `no metadata for barcode ${b}`, i);
    return r;
  });
  const aligned = meta.selectRows(rows);
  const obs = new DataFrame(barcodes);
  obs.set("clusters", categoricalColumn(aligned.strings("clusters_name"), { categories: [...PANCREAS_CLUSTERS] }));
  obs.set(
    "clusters_coarse",
    categoricalColumn(aligned.strings("clusters_coarse_name"), { categories: [...PANCREAS_COARSE_CLUSTERS] }),
  );
  for (const [col, column] of aligned.entries()) {
    if (col === "clusters_name" || col === "clusters_coarse_name") continue;
    obs.set(RENAMED[col] ?? col, column as Column);
  }
  for (const col of ["clusters", "clusters_coarse"]) {
    const c = obs.get(col);
    if (c.kind === "categorical") {
      const missing = c.codes.indexOf(-1);
      if (missing >= 0)
        throw new InputError(`${name}meta.csv.gz`, `unknown ${col} label for cell ${barcodes[missing]}`, missing);
    }
  }
  return new AnnData({
    X: cloneLayer(spliced),
    layers: { spliced, unspliced },
    obs,
    var: new DataFrame(genes),
    source: name,
  });
}

/** Vertical concatenation of two CSR matrices with the same number of columns. */
function stackRows(a: CsrMatrix, b: CsrMatrix): CsrMatrix {
  if (a.cols !== b.cols) throw new InputError("pancreas spliced parts", `column counts differ: ${a.cols} vs ${b.cols}`);
  const nnzA = a.data.length;
  const data = new Float32Array(nnzA + b.data.length);
  data.set(a.data);
  data.set(b.data, nnzA);
  const indices = new Int32Array(nnzA + b.indices.length);
  indices.set(a.indices);
  indices.set(b.indices, nnzA);
  const indptr = new Int32Array(a.rows + b.rows + 1);
  indptr.set(a.indptr);
  for (let i = 1; i <= b.rows; i++) indptr[a.rows + i] = nnzA + b.indptr[i];
  return { format: "csr", data, indices, indptr, rows: a.rows + b.rows, cols: a.cols };
}
