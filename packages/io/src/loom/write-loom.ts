/**
 * Writes a .loom file (Loom spec 2.0.1, as velocyto and loompy 2 write and loompy 3 / scVelo's
 * `scv.read(…loom)` / anndata's `read_loom` read), the inverse of {@link readLoom}:
 * - `/matrix` = X and `/layers/<name>` = every other layer, genes × cells on disk (transposed), float32,
 *   chunked 64 × 64 and gzip-compressed at level 2 by default, as loompy;
 * - `/row_attrs`: `Gene` (var names) and every var column; `/col_attrs`: `CellID` (obs names) and every obs
 *   column; `obsm`/`varm` matrices become 2-D attributes (e.g. `col_attrs/X_umap`, N × 2);
 * - `/col_graphs` / `/row_graphs`: `obsp` / `varp` as coordinate lists `a`, `b`, `w`;
 * - the root attribute `LOOM_SPEC_VERSION` = "2.0.1".
 * Loom has no booleans or categoricals: booleans are stored as uint8 and categoricals as their labels.
 * Strings are fixed-length ASCII with non-ASCII characters as XML character references (loompy's
 * convention, undone by its reader). `uns` has no place in loom and is left out (listed via `onWarning`).
 */
import { InputError, type ProgressCallback } from "@diffcell/core";
import type { AnnData } from "../anndata.js";
import type { Column, DataFrame } from "../dataframe.js";
import { type Compression, type Filter, resolveCompression } from "../h5/compression.js";
import { type Group, writeHdf5Atomically } from "../h5/h5file.js";
import { checkName, createNumericDataset, dtypeOf } from "../h5/write-util.js";
import { toCsr, toDenseFloat32 } from "../matrix/ops.js";
import type { DenseMatrix, Layer } from "../matrix/types.js";

export interface WriteLoomOptions {
  /** Compression of the matrix and layers (default "gzip", as loompy); attributes are small and stay plain. */
  compression?: Compression;
  /** gzip level (default 2, as loompy). */
  compressionLevel?: number;
  /** Told what the format cannot hold (uns entries, sparse obsm). */
  onWarning?: (message: string) => void;
  onProgress?: ProgressCallback;
}

const CHUNK = 64;

export async function writeLoom(adata: AnnData, path: string, options: WriteLoomOptions = {}): Promise<void> {
  adata.validate();
  const filter = resolveCompression(options.compression ?? "gzip", options.compressionLevel ?? 2);
  const warn = options.onWarning ?? (() => {});
  const [nCells, nGenes] = adata.shape;
  const matrix = adata.X ?? adata.layers.spliced ?? Object.values(adata.layers)[0];
  if (!matrix) throw new InputError(path, "nothing to write as /matrix: the AnnData has neither X nor a layer");
  for (const key of Object.keys(adata.uns)) warn(`uns.${key}: not written (loom files have no place for uns)`);
  const layerNames = Object.keys(adata.layers).filter((name) => adata.layers[name] !== matrix);
  const total = 3 + layerNames.length;
  let done = 0;
  const progress = (message: string) => options.onProgress?.({ stage: "write loom", done: ++done, total, message });

  await writeHdf5Atomically(path, (file) => {
    file.create_attribute("LOOM_SPEC_VERSION", "2.0.1");
    writeGenesByCells(file, "matrix", matrix, nCells, nGenes, filter);
    progress("matrix");
    const layers = file.create_group("layers");
    for (const name of layerNames) {
      checkName(`${path}:/layers/${name}`, name);
      writeGenesByCells(layers, name, adata.layers[name], nCells, nGenes, filter);
      progress(name);
    }
    writeAttributes(path, file.create_group("row_attrs"), "row_attrs", "Gene", adata.var, adata.varm);
    writeAttributes(path, file.create_group("col_attrs"), "col_attrs", "CellID", adata.obs, adata.obsm);
    progress("attributes");
    writeGraphs(path, file.create_group("row_graphs"), "row_graphs", adata.varp);
    writeGraphs(path, file.create_group("col_graphs"), "col_graphs", adata.obsp);
    progress("graphs");
  });
}

/** A cells × genes layer as a genes × cells float32 dataset. */
function writeGenesByCells(
  parent: Group,
  name: string,
  layer: Layer,
  nCells: number,
  nGenes: number,
  filter: Filter,
): void {
  const cellsByGenes = toDenseFloat32(layer);
  const data = new Float32Array(nCells * nGenes);
  for (let c = 0; c < nCells; c++) for (let g = 0; g < nGenes; g++) data[g * nCells + c] = cellsByGenes[c * nGenes + g];
  const compressed = filter.id !== 0 && data.length > 0;
  createNumericDataset(
    parent,
    name,
    data,
    [nGenes, nCells],
    compressed
      ? {
          chunks: [Math.max(1, Math.min(CHUNK, nGenes)), Math.max(1, Math.min(CHUNK, nCells))],
          compression: filter.id,
          compression_opts: filter.options,
        }
      : {},
  );
}

function writeAttributes(
  path: string,
  group: Group,
  where: string,
  indexName: string,
  frame: DataFrame,
  matrices: Record<string, DenseMatrix>,
): void {
  writeStrings(group, indexName, frame.index);
  for (const name of frame.columnNames) {
    checkName(`${path}:/${where}/${name}`, name);
    if (name === indexName)
      throw new InputError(`${path}:/${where}/${name}`, `a column named ${indexName} would replace the names`);
    writeColumn(group, name, frame.get(name));
  }
  for (const [name, m] of Object.entries(matrices)) {
    checkName(`${path}:/${where}/${name}`, name);
    if (frame.has(name)) throw new InputError(`${path}:/${where}/${name}`, "is both a column and a matrix");
    group.create_dataset({ name, data: m.data, shape: [m.rows, m.cols], dtype: dtypeOf(m.data) });
  }
}

function writeColumn(group: Group, name: string, column: Column): void {
  switch (column.kind) {
    case "numeric":
      group.create_dataset({ name, data: column.values, shape: [column.values.length], dtype: dtypeOf(column.values) });
      return;
    case "boolean":
      group.create_dataset({ name, data: column.values, shape: [column.values.length], dtype: "<B" });
      return;
    case "string":
      writeStrings(group, name, column.values);
      return;
    case "categorical":
      // Missing values (code −1) become empty strings: loom has no missing marker for strings.
      writeStrings(
        group,
        name,
        Array.from(column.codes, (k) => (k < 0 ? "" : String(column.categories[k]))),
      );
      return;
  }
}

/** Fixed-length ASCII strings; other characters as XML character references ("é" → "&#233;"), as loompy. */
function writeStrings(group: Group, name: string, values: readonly string[]): void {
  const ascii = values.map((v) => v.replace(/[^\x20-\x7e]/gu, (ch) => `&#${ch.codePointAt(0)};`));
  const width = Math.max(1, ...ascii.map((v) => v.length));
  group.create_dataset({ name, data: ascii, shape: [ascii.length], dtype: `S${width}` });
}

function writeGraphs(path: string, group: Group, where: string, graphs: Record<string, Layer>): void {
  for (const [name, graph] of Object.entries(graphs)) {
    checkName(`${path}:/${where}/${name}`, name);
    const m = toCsr(graph);
    const a = new Int32Array(m.data.length);
    for (let r = 0; r < m.rows; r++) for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) a[p] = r;
    const edges = group.create_group(name);
    edges.create_dataset({ name: "a", data: a, shape: [a.length], dtype: "<i" });
    edges.create_dataset({ name: "b", data: Int32Array.from(m.indices), shape: [a.length], dtype: "<i" });
    edges.create_dataset({ name: "w", data: Float32Array.from(m.data), shape: [a.length], dtype: "<f" });
  }
}
