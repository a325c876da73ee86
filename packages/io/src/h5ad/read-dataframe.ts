/**
 * `obs` / `var` tables in the three layouts anndata has used:
 * - 0.8+ (`encoding-type` = `dataframe`): a group, index dataset named by the `_index` attribute,
 *   `column-order` attribute, categoricals as groups with `codes`, `categories` and `ordered`;
 * - 0.7: the same group, but categoricals are integer datasets whose `categories` attribute is an HDF5
 *   object reference to `__categories/<column>`;
 * - before 0.7: one compound dataset (a numpy record array) with an `index` field; categoricals are
 *   integer codes whose labels sit in `uns/<column>_categories` (resolved in {@link applyLegacyCategories}).
 */
import { InputError } from "@diffcell/core";
import { type CategoricalColumn, type Column, categoricalColumn, DataFrame, type NumericColumn } from "../dataframe.js";
import { type Dataset, type Entity, type Group, guard, isDataset, isGroup, stringAttr } from "../h5/h5file.js";
import {
  asString,
  booleanValues,
  datasetKind,
  isBoolEnum,
  numericValues,
  stringValues,
  toNumeric,
} from "../h5/values.js";
import type { NumericArray } from "../matrix/types.js";
import type { UnsDict } from "../uns.js";
import { keyName, type ReadContext } from "./context.js";

export interface ReadFrame {
  frame: DataFrame;
  /** True for the pre-0.7 compound layout, whose categoricals live in `uns`. */
  legacy: boolean;
}

export function readDataFrame(ctx: ReadContext, key: string): ReadFrame {
  const name = keyName(ctx, key);
  const node = guard(ctx.fileName, key, () => ctx.file.get(key));
  if (node === null) throw new InputError(name, "missing");
  if (isDataset(node)) {
    return { frame: guard(ctx.fileName, key, () => readCompoundFrame(node, name)), legacy: true };
  }
  if (!isGroup(node)) throw new InputError(name, "not a dataframe");
  return { frame: guard(ctx.fileName, key, () => readGroupFrame(ctx, node, key)), legacy: false };
}

function readGroupFrame(ctx: ReadContext, group: Group, key: string): DataFrame {
  const name = keyName(ctx, key);
  const indexKey = stringAttr(group, "_index") ?? (group.keys().includes("_index") ? "_index" : "index");
  const indexNode = group.get(indexKey);
  if (!isDataset(indexNode)) throw new InputError(`${name}/${indexKey}`, "index dataset missing");
  const index = stringValues(indexNode, `${name}/${indexKey}`);
  const order = columnOrder(group).filter((c) => c !== indexKey);
  const children = group.keys().filter((k) => k !== indexKey && k !== "__categories");
  const names = order.length > 0 ? order : children;
  const frame = new DataFrame(index);
  for (const col of names) {
    const colKey = `${key}/${col}`;
    const column = guard(ctx.fileName, colKey, () => readColumn(ctx, group.get(col), colKey, index.length));
    if (column) frame.set(col, column);
  }
  return frame;
}

function columnOrder(group: Group): string[] {
  const attr = group.attrs["column-order"];
  if (!attr) return [];
  const v = attr.value;
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.map((x) => asString(x, "column-order"));
  return []; // empty numeric array: no columns
}

function readColumn(ctx: ReadContext, node: Entity | null, key: string, n: number): Column | undefined {
  const name = keyName(ctx, key);
  if (node === null) throw new InputError(name, "column listed in column-order is missing");
  let column: Column | undefined;
  if (isGroup(node)) {
    const enc = stringAttr(node, "encoding-type");
    if (enc === "categorical") column = readCategoricalGroup(node, name);
    else if (enc === "nullable-integer" || enc === "nullable-boolean") column = readNullable(node, name, enc);
    else {
      ctx.warn(`${name}: skipped column with unsupported encoding ${enc ?? "(none)"}`);
      return undefined;
    }
  } else if (isDataset(node)) {
    if ("categories" in node.attrs) column = readReferencedCategorical(ctx, node, name);
    else column = datasetColumn(node, name);
  } else {
    throw new InputError(name, "not a column");
  }
  const len = column.kind === "categorical" ? column.codes.length : column.values.length;
  if (len !== n) throw new InputError(name, `column has ${len} rows; the index has ${n}`);
  return column;
}

function datasetColumn(ds: Dataset, name: string): Column {
  switch (datasetKind(ds)) {
    case "string":
      return { kind: "string", values: stringValues(ds, name) };
    case "boolean":
      return { kind: "boolean", values: booleanValues(ds, name) };
    case "numeric":
      return { kind: "numeric", values: numericValues(ds, name) };
    default:
      throw new InputError(name, "unsupported column type");
  }
}

function readCategoricalGroup(group: Group, name: string): CategoricalColumn {
  const codesNode = group.get("codes");
  const catsNode = group.get("categories");
  if (!isDataset(codesNode)) throw new InputError(`${name}/codes`, "missing");
  if (!isDataset(catsNode)) throw new InputError(`${name}/categories`, "missing");
  const ordered = truthyAttr(group, "ordered");
  return makeCategorical(codesNode, catsNode, ordered, name);
}

/** anndata 0.7: integer codes with an object reference to their category labels. */
function readReferencedCategorical(ctx: ReadContext, ds: Dataset, name: string): CategoricalColumn {
  const ref = ds.attrs.categories.value;
  const target = ctx.file.dereference((Array.isArray(ref) ? ref[0] : ref) as never) as unknown as Entity | null;
  if (!isDataset(target)) throw new InputError(`${name}@categories`, "reference does not point to a dataset");
  return makeCategorical(ds, target, truthyAttr(target, "ordered"), name);
}

function makeCategorical(codesNode: Dataset, catsNode: Dataset, ordered: boolean, name: string): CategoricalColumn {
  const codes = Int32Array.from(numericValues(codesNode, `${name}/codes`) as ArrayLike<number>);
  const kind = datasetKind(catsNode);
  const categories: string[] | NumericArray =
    kind === "string" ? stringValues(catsNode, `${name}/categories`) : numericValues(catsNode, `${name}/categories`);
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] < -1 || codes[i] >= categories.length) {
      throw new InputError(`${name}/codes`, `code ${codes[i]} outside [−1, ${categories.length})`, i);
    }
  }
  return { kind: "categorical", codes, categories, ordered };
}

/** anndata ≥ 0.10 masked columns: masked entries become NaN (integers) or false (booleans). */
function readNullable(group: Group, name: string, enc: string): Column {
  const values = group.get("values");
  const mask = group.get("mask");
  if (!isDataset(values) || !isDataset(mask)) throw new InputError(name, "nullable column without values/mask");
  const m = booleanValues(mask, `${name}/mask`);
  if (enc === "nullable-boolean") {
    const v = booleanValues(values, `${name}/values`);
    return { kind: "boolean", values: v.map((x, i) => (m[i] ? 0 : x)) };
  }
  const v = numericValues(values, `${name}/values`);
  return { kind: "numeric", values: Float64Array.from(v as ArrayLike<number>, (x, i) => (m[i] ? Number.NaN : x)) };
}

function truthyAttr(node: Dataset | Group, attr: string): boolean {
  if (!(attr in node.attrs)) return false;
  const v = node.attrs[attr].value;
  if (typeof v === "boolean") return v;
  if (typeof v === "number" || typeof v === "bigint") return Number(v) !== 0;
  if (ArrayBuffer.isView(v)) return Number((v as unknown as ArrayLike<number | bigint>)[0]) !== 0;
  return false;
}

interface CompoundMemberMeta {
  name: string;
  type: number;
  size: number;
  signed: boolean;
  enum_type?: { members: Record<string, number>; nmembers: number };
}

/** Pre-0.7 record array: one row per cell, one field per column, the `index` field as row names. */
function readCompoundFrame(ds: Dataset, name: string): DataFrame {
  const members = (ds.metadata.compound_type?.members ?? []) as unknown as CompoundMemberMeta[];
  const rows = ds.value;
  if (!Array.isArray(rows)) throw new InputError(name, "compound dataframe without rows");
  const fieldIndex = members.findIndex((m) => m.name === "index" || m.name === "_index");
  if (fieldIndex < 0) throw new InputError(name, "record array has no 'index' field");
  const index = rows.map((r, i) => asString((r as unknown[])[fieldIndex], `${name}.index`, i));
  const frame = new DataFrame(index);
  members.forEach((m, f) => {
    if (f === fieldIndex) return;
    const values = rows.map((r) => (r as unknown[])[f]);
    const colName = `${name}.${m.name}`;
    if (m.type === 3) frame.set(m.name, { kind: "string", values: values.map((v, i) => asString(v, colName, i)) });
    else if (m.type === 8 && isBoolEnum(m.enum_type)) {
      frame.set(m.name, { kind: "boolean", values: Uint8Array.from(values as number[], (v) => (v ? 1 : 0)) });
    } else if (m.type === 0 || m.type === 1 || m.type === 8) {
      const nums = values.map((v) => Number(v));
      const typed: NumericArray =
        m.type === 1
          ? m.size === 4
            ? Float32Array.from(nums)
            : Float64Array.from(nums)
          : toNumeric(Float64Array.from(nums), colName);
      frame.set(m.name, { kind: "numeric", values: m.type === 1 ? typed : integerArray(nums) });
    } else {
      throw new InputError(colName, "unsupported field type in record array");
    }
  });
  return frame;
}

function integerArray(nums: number[]): NumericArray {
  return nums.every((x) => x >= -2147483648 && x <= 2147483647) ? Int32Array.from(nums) : Float64Array.from(nums);
}

/**
 * Pre-0.7 files keep categorical labels in `uns/<column>_categories`; turn those integer columns back into
 * categoricals and drop the `uns` entries (what anndata's legacy reader does).
 */
export function applyLegacyCategories(frame: DataFrame, uns: UnsDict): void {
  for (const col of frame.columnNames) {
    const key = `${col}_categories`;
    const cats = uns[key];
    const c = frame.get(col);
    if (cats === undefined || c.kind !== "numeric") continue;
    const labels = Array.isArray(cats)
      ? cats
      : ArrayBuffer.isView(cats)
        ? Array.from(cats as NumericArray, String)
        : null;
    if (!labels) continue;
    const codes = (c as NumericColumn).values;
    const column = categoricalColumn(
      Array.from(codes as ArrayLike<number>, (k) => (k >= 0 && k < labels.length ? labels[k] : null)),
      { categories: labels },
    );
    frame.set(col, column);
    delete uns[key];
  }
}
