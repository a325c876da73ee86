/**
 * Matrices in an .h5ad: dense datasets, and sparse groups in the current encoding
 * (`encoding-type` = `csr_matrix` / `csc_matrix`, attribute `shape`) or the pre-0.7 one
 * (`h5sparse_format` = `csr` / `csc`, attribute `h5sparse_shape`).
 */
import { InputError } from "@diffcell/core";
import { type Entity, guard, isDataset, isGroup, stringAttr } from "../h5/h5file.js";
import { datasetKind, numericValues, toFloat, toInt32, toNumeric } from "../h5/values.js";
import { checkSparse, toDense } from "../matrix/ops.js";
import type { DenseMatrix, Layer, SparseMatrix } from "../matrix/types.js";
import { keyName, type ReadContext } from "./context.js";

export function sparseFormatOf(node: Entity | null): "csr" | "csc" | undefined {
  if (!isGroup(node)) return undefined;
  const enc = stringAttr(node, "encoding-type") ?? stringAttr(node, "h5sparse_format");
  if (enc === "csr_matrix" || enc === "csr") return "csr";
  if (enc === "csc_matrix" || enc === "csc") return "csc";
  return undefined;
}

/** Reads a matrix element (X, a layer, an obsp/varp entry) at `key`. */
export function readLayer(ctx: ReadContext, key: string): Layer {
  const name = keyName(ctx, key);
  const node = guard(ctx.fileName, key, () => ctx.file.get(key));
  if (node === null) throw new InputError(name, "missing");
  const format = sparseFormatOf(node);
  if (format && isGroup(node)) return readSparse(ctx, key, format);
  if (isDataset(node)) {
    return guard(ctx.fileName, key, () => {
      const kind = datasetKind(node);
      if (kind !== "numeric" && kind !== "boolean")
        throw new InputError(name, `expected a numeric matrix, found ${kind} data`);
      const shape = node.shape ?? [];
      if (shape.length !== 2) throw new InputError(name, `expected a 2-D array, found shape [${shape.join(", ")}]`);
      const data = toFloat(numericValues(node, name));
      if (data.length !== shape[0] * shape[1]) {
        throw new InputError(
          name,
          `holds ${data.length} values; shape [${shape.join(", ")}] needs ${shape[0] * shape[1]}`,
        );
      }
      return { format: "dense", data, rows: shape[0], cols: shape[1] } satisfies DenseMatrix;
    });
  }
  const enc = isGroup(node) ? stringAttr(node, "encoding-type") : undefined;
  throw new InputError(name, `not a matrix (${enc ? `encoding-type "${enc}"` : "a group without a matrix encoding"})`);
}

function readSparse(ctx: ReadContext, key: string, format: "csr" | "csc"): SparseMatrix {
  const name = keyName(ctx, key);
  return guard(ctx.fileName, key, () => {
    const group = ctx.file.get(key);
    if (!isGroup(group)) throw new InputError(name, "missing");
    const shapeAttr = group.attrs.shape ?? group.attrs.h5sparse_shape;
    if (!shapeAttr) throw new InputError(name, "sparse matrix without a shape attribute");
    const shape = Array.from(toNumeric(shapeAttr.value, `${name}@shape`));
    if (shape.length !== 2) throw new InputError(name, `shape attribute has ${shape.length} entries; expected 2`);
    const part = (p: string) => {
      const ds = group.get(p);
      if (!isDataset(ds)) throw new InputError(`${name}/${p}`, "missing");
      return ds;
    };
    const data = toFloat(numericValues(part("data"), `${name}/data`));
    const indices = toInt32(part("indices").value, `${name}/indices`);
    const indptr = toInt32(part("indptr").value, `${name}/indptr`);
    const m: SparseMatrix = { format, data, indices, indptr, rows: shape[0], cols: shape[1] };
    checkSparse(m, name);
    return m;
  });
}

/** An obsm/varm entry: dense 2-D (sparse ones are densified; 1-D arrays become one column). */
export function readAxisArray(ctx: ReadContext, key: string): DenseMatrix | undefined {
  const node = guard(ctx.fileName, key, () => ctx.file.get(key));
  if (isGroup(node) && !sparseFormatOf(node)) {
    ctx.warn(
      `${keyName(ctx, key)}: skipped (${stringAttr(node, "encoding-type") ?? "group"} in an axis array is not supported)`,
    );
    return undefined;
  }
  if (isDataset(node) && (node.shape ?? []).length === 1) {
    const data = toFloat(numericValues(node, keyName(ctx, key)));
    return { format: "dense", data, rows: data.length, cols: 1 };
  }
  return toDense(readLayer(ctx, key));
}
