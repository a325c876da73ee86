/**
 * Loom files as velocyto writes them: `/matrix` and `/layers/{spliced,unspliced,ambiguous}` are
 * genes × cells on disk; `/row_attrs` annotate genes (`Gene`, `Accession`, …) and `/col_attrs` cells
 * (`CellID`, clusters, embeddings). We transpose to AnnData's cells × genes, as scvelo/anndata's
 * `read_loom`: `X` = `/matrix`, layers keep their names, 1-D attributes become obs/var columns and 2-D ones
 * obsm/varm entries. Count matrices are stored sparse (CSR).
 */
import { InputError } from "@diffcell/core";
import { AnnData } from "../anndata.js";
import { type Column, DataFrame, makeUnique } from "../dataframe.js";
import { type Dataset, type Entity, guard, isDataset, isGroup, openHdf5 } from "../h5/h5file.js";
import { booleanValues, datasetKind, numericValues, stringValues, toFloat, toNumeric } from "../h5/values.js";
import { toCsr } from "../matrix/ops.js";
import type { CscMatrix, DenseMatrix, Layer } from "../matrix/types.js";

export interface ReadLoomOptions {
  /** Column attribute holding cell names (default "CellID", falling back to "obs_names"). */
  obsNames?: string;
  /** Row attribute holding gene names (default "Gene", falling back to "var_names"). */
  varNames?: string;
  /** Make duplicate gene names unique with "-1", "-2" suffixes (default true). */
  makeUnique?: boolean;
  onWarning?: (message: string) => void;
}

export async function readLoom(path: string, options: ReadLoomOptions = {}): Promise<AnnData> {
  const file = await openHdf5(path);
  const warn = options.onWarning ?? (() => {});
  try {
    const matrix = guard(path, "matrix", () => file.get("matrix"));
    if (!isDataset(matrix)) throw new InputError(`${path}:/matrix`, "missing (not a loom file?)");
    const shape = matrix.shape ?? [];
    if (shape.length !== 2) throw new InputError(`${path}:/matrix`, `expected 2-D, got shape [${shape.join(", ")}]`);
    const [nGenes, nCells] = shape;
    const X = readGenesByCells(matrix, `${path}:/matrix`, nGenes, nCells);
    const layers: Record<string, Layer> = {};
    const layerGroup = guard(path, "layers", () => file.get("layers"));
    if (isGroup(layerGroup)) {
      for (const name of layerGroup.keys()) {
        const key = `${path}:/layers/${name}`;
        const ds = guard(path, `layers/${name}`, () => layerGroup.get(name));
        if (!isDataset(ds)) throw new InputError(key, "not a dataset");
        const s = ds.shape ?? [];
        if (s[0] !== nGenes || s[1] !== nCells) {
          throw new InputError(
            key,
            `shape [${s.join(", ")}] does not match /matrix [${nGenes}, ${nCells}] (genes × cells)`,
          );
        }
        layers[name] = guard(path, `layers/${name}`, () => readGenesByCells(ds, key, nGenes, nCells));
      }
    }
    const cols = readAttrs(path, file.get("col_attrs"), "col_attrs", nCells, warn);
    const rows = readAttrs(path, file.get("row_attrs"), "row_attrs", nGenes, warn);
    const obsKey = pickName(cols.columns, options.obsNames, ["CellID", "obs_names", "cell_names"]);
    const varKey = pickName(rows.columns, options.varNames, ["Gene", "var_names", "gene_names"]);
    const obsIndex = obsKey
      ? stringsOf(cols.columns.get(obsKey)!)
      : Array.from({ length: nCells }, (_, i) => String(i));
    let varIndex = varKey ? stringsOf(rows.columns.get(varKey)!) : Array.from({ length: nGenes }, (_, i) => String(i));
    if (options.makeUnique ?? true) varIndex = makeUnique(varIndex);
    if (obsKey) cols.columns.delete(obsKey);
    if (varKey) rows.columns.delete(varKey);
    return new AnnData({
      X,
      layers,
      obs: new DataFrame(obsIndex, cols.columns),
      var: new DataFrame(varIndex, rows.columns),
      obsm: cols.matrices,
      varm: rows.matrices,
      source: path,
    });
  } finally {
    file.close();
  }
}

/**
 * A genes × cells dataset as a cells × genes CSR matrix. Reads blocks of genes (bounded memory) and
 * builds the CSC form (one gene per column) directly, then converts.
 */
function readGenesByCells(ds: Dataset, name: string, nGenes: number, nCells: number): Layer {
  const kind = datasetKind(ds);
  if (kind !== "numeric" && kind !== "boolean") throw new InputError(name, `expected numbers, found ${kind} data`);
  const block = Math.max(1, Math.floor(8_000_000 / Math.max(1, nCells)));
  const indptr = new Int32Array(nGenes + 1);
  let indices = new Int32Array(1 << 16);
  let values: Float32Array | Float64Array = new Float32Array(1 << 16);
  let nnz = 0;
  for (let g0 = 0; g0 < nGenes; g0 += block) {
    const g1 = Math.min(nGenes, g0 + block);
    const chunk = toFloat(toNumeric(ds.slice([[g0, g1], []]), name));
    if (chunk instanceof Float64Array && values instanceof Float32Array) values = Float64Array.from(values);
    for (let g = g0; g < g1; g++) {
      const base = (g - g0) * nCells;
      for (let c = 0; c < nCells; c++) {
        const v = chunk[base + c];
        if (v === 0) continue;
        if (nnz === indices.length) {
          const grown = new Int32Array(indices.length * 2);
          grown.set(indices);
          indices = grown;
          const gv =
            values instanceof Float64Array ? new Float64Array(values.length * 2) : new Float32Array(values.length * 2);
          gv.set(values);
          values = gv;
        }
        indices[nnz] = c;
        values[nnz++] = v;
      }
      indptr[g + 1] = nnz;
    }
  }
  const m: CscMatrix = {
    format: "csc",
    data: values.slice(0, nnz),
    indices: indices.slice(0, nnz),
    indptr,
    rows: nCells,
    cols: nGenes,
  };
  return toCsr(m);
}

function readAttrs(
  path: string,
  node: Entity | null,
  group: string,
  n: number,
  warn: (m: string) => void,
): { columns: Map<string, Column>; matrices: Record<string, DenseMatrix> } {
  const columns = new Map<string, Column>();
  const matrices: Record<string, DenseMatrix> = {};
  if (!isGroup(node)) return { columns, matrices };
  for (const name of node.keys()) {
    const key = `${path}:/${group}/${name}`;
    guard(path, `${group}/${name}`, () => {
      const ds = node.get(name);
      if (!isDataset(ds)) return warn(`${key}: skipped (not a dataset)`);
      const s = ds.shape ?? [];
      if (s[0] !== n) throw new InputError(key, `has ${s[0]} entries; expected ${n}`);
      const kind = datasetKind(ds);
      if (s.length === 1) {
        if (kind === "string") columns.set(name, { kind: "string", values: stringValues(ds, key) });
        else if (kind === "boolean") columns.set(name, { kind: "boolean", values: booleanValues(ds, key) });
        else if (kind === "numeric") columns.set(name, { kind: "numeric", values: numericValues(ds, key) });
        else warn(`${key}: skipped (${kind} data)`);
      } else if (s.length === 2 && kind === "numeric") {
        matrices[name] = { format: "dense", data: toFloat(numericValues(ds, key)), rows: s[0], cols: s[1] };
      } else warn(`${key}: skipped (shape [${s.join(", ")}], ${kind} data)`);
    });
  }
  return { columns, matrices };
}

function pickName(columns: Map<string, Column>, wanted: string | undefined, defaults: string[]): string | undefined {
  if (wanted !== undefined) {
    if (!columns.has(wanted)) throw new InputError(wanted, "attribute not found in the loom file");
    return wanted;
  }
  return defaults.find((d) => columns.has(d));
}

function stringsOf(c: Column): string[] {
  if (c.kind === "string") return c.values;
  if (c.kind === "categorical") return Array.from(c.codes, (k) => String(c.categories[k]));
  return Array.from(c.values, String);
}
