/**
 * `uns`: nested groups become dictionaries; scalars, strings, string lists and numeric arrays map to
 * their JavaScript counterparts; sparse groups to matrices. Elements we cannot represent (dataframes,
 * record arrays, references inside uns) are skipped with a warning rather than failing the whole read.
 */
import { type Entity, guard, isDataset, isGroup, stringAttr } from "../h5/h5file.js";
import { booleanValues, datasetKind, numericValues, stringValues } from "../h5/values.js";
import { NdArray, type UnsDict, type UnsValue } from "../uns.js";
import { keyName, type ReadContext } from "./context.js";
import { readLayer, sparseFormatOf } from "./read-matrix.js";

export function readUns(ctx: ReadContext, key: string): UnsDict {
  const node = guard(ctx.fileName, key, () => ctx.file.get(key));
  if (!isGroup(node)) return {};
  const out: UnsDict = {};
  for (const child of node.keys()) {
    const childKey = `${key}/${child}`;
    const value = guard(ctx.fileName, childKey, () => readUnsValue(ctx, node.get(child), childKey));
    if (value !== undefined) out[child] = value;
  }
  return out;
}

function readUnsValue(ctx: ReadContext, node: Entity | null, key: string): UnsValue | undefined {
  const name = keyName(ctx, key);
  if (isGroup(node)) {
    if (sparseFormatOf(node)) return readLayer(ctx, key);
    const enc = stringAttr(node, "encoding-type");
    if (enc === undefined || enc === "dict") return readUns(ctx, key);
    ctx.warn(`${name}: skipped (encoding "${enc}" is not supported in uns)`);
    return undefined;
  }
  if (!isDataset(node)) {
    ctx.warn(`${name}: skipped (not a group or dataset)`);
    return undefined;
  }
  const shape = node.shape ?? [];
  const kind = datasetKind(node);
  if (kind === "string") {
    const values = stringValues(node, name);
    return shape.length === 0 ? values[0] : values;
  }
  if (kind === "boolean") {
    const v = booleanValues(node, name);
    return shape.length === 0 ? v[0] === 1 : v;
  }
  if (kind === "numeric") {
    const v = numericValues(node, name);
    if (shape.length === 0) return Number(v[0]);
    if (shape.length === 1) return v;
    return new NdArray(v, shape);
  }
  ctx.warn(`${name}: skipped (${kind} data is not supported in uns)`);
  return undefined;
}
