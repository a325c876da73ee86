/** Converting what h5wasm returns (typed arrays, BigInt arrays, nested lists) into diffcell's arrays. */
import { InputError } from "@diffcell/core";
import type { FloatArray, NumericArray } from "../matrix/types.js";
import type { Dataset } from "./h5file.js";
import { BLOCK_BYTES, rowBlocks } from "./write-util.js";

const H5T_INTEGER = 0;
const H5T_FLOAT = 1;
const H5T_STRING = 3;
const H5T_COMPOUND = 6;
const H5T_REFERENCE = 7;
const H5T_ENUM = 8;

export type DatasetKind = "numeric" | "boolean" | "string" | "compound" | "reference" | "other";

interface EnumMeta {
  members: Record<string, number>;
  nmembers: number;
}

export function datasetKind(ds: Dataset): DatasetKind {
  const m = ds.metadata;
  if (m.type === H5T_INTEGER || m.type === H5T_FLOAT) return "numeric";
  if (m.type === H5T_STRING) return "string";
  if (m.type === H5T_COMPOUND) return "compound";
  if (m.type === H5T_REFERENCE) return "reference";
  if (m.type === H5T_ENUM) return isBoolEnum(m.enum_type as EnumMeta | undefined) ? "boolean" : "numeric";
  return "other";
}

/** h5py stores numpy bools as an int8 enum {FALSE: 0, TRUE: 1}. */
export function isBoolEnum(e: EnumMeta | undefined): boolean {
  return !!e && e.nmembers === 2 && e.members.FALSE === 0 && e.members.TRUE === 1;
}

export function shapeOf(ds: Dataset): number[] {
  return ds.shape ?? [];
}

/** Dataset values as a numeric typed array (BigInt → Int32 when it fits, else Float64). */
export function numericValues(ds: Dataset, name: string): NumericArray {
  return readInBlocks(ds) ?? toNumeric(ds.value, name);
}

/** The typed array for a plain little-endian float or integer of at most 32 bits (64-bit integers are BigInt). */
function typedArrayFor(m: Dataset["metadata"]) {
  if (!m.littleEndian) return null;
  if (m.type === H5T_FLOAT) return m.size === 4 ? Float32Array : m.size === 8 ? Float64Array : null;
  if (m.type !== H5T_INTEGER) return null;
  if (m.size === 1) return m.signed ? Int8Array : Uint8Array;
  if (m.size === 2) return m.signed ? Int16Array : Uint16Array;
  if (m.size === 4) return m.signed ? Int32Array : Uint32Array;
  return null;
}

/**
 * A numeric dataset above {@link BLOCK_BYTES} read in row blocks into one array, so libhdf5's heap (which never
 * shrinks) grows by a block instead of the whole dataset; null for small datasets and other types.
 */
function readInBlocks(ds: Dataset): NumericArray | null {
  const shape = ds.shape ?? [];
  const m = ds.metadata;
  if (shape.length === 0 || shape[0] < 2) return null;
  const total = shape.reduce((a, b) => a * b, 1);
  const Typed = typedArrayFor(m);
  if (!Typed || total * m.size <= BLOCK_BYTES) return null;
  const out = new Typed(total);
  const { rowLength, ranges, rest } = rowBlocks(shape, m.size);
  for (const [r, end] of ranges) out.set(ds.slice([[r, end], ...rest]) as ArrayLike<number>, r * rowLength);
  return out;
}

export function toNumeric(v: unknown, name: string): NumericArray {
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return fromBigInt(v);
  if (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof Uint8ClampedArray)) return v as NumericArray;
  if (typeof v === "number") return Float64Array.of(v);
  if (typeof v === "bigint") return fromBigInt(BigInt64Array.of(v));
  if (typeof v === "boolean") return Uint8Array.of(v ? 1 : 0);
  throw new InputError(name, `expected numeric data, got ${describe(v)}`);
}

function fromBigInt(v: BigInt64Array | BigUint64Array): NumericArray {
  let fits = true;
  for (let i = 0; i < v.length; i++) {
    if (v[i] > 2147483647n || v[i] < -2147483648n) {
      fits = false;
      break;
    }
  }
  if (fits) return Int32Array.from(v, (x) => Number(x));
  return Float64Array.from(v, (x) => Number(x));
}

/**
 * Matrix values as float: float32/float64 pass through; integers become float32 when exactly
 * representable (|x| < 2²⁴, typical counts), else float64.
 */
export function toFloat(v: NumericArray): FloatArray {
  if (v instanceof Float32Array || v instanceof Float64Array) return v;
  let max = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]);
    if (a > max) max = a;
  }
  return max < 16777216 ? Float32Array.from(v) : Float64Array.from(v);
}

/** Indices / indptr as Int32; rejects values that do not fit (more than 2³¹ non-zeros). */
export function toInt32(v: unknown, name: string): Int32Array {
  if (v instanceof Int32Array) return v;
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    const out = new Int32Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x > 2147483647n || x < -2147483648n) throw new InputError(name, `value ${x} does not fit in 32 bits`, i);
      out[i] = Number(x);
    }
    return out;
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const a = v as unknown as ArrayLike<number>;
    const out = new Int32Array(a.length);
    for (let i = 0; i < a.length; i++) {
      if (!Number.isInteger(a[i])) throw new InputError(name, `non-integer index ${a[i]}`, i);
      out[i] = a[i];
    }
    return out;
  }
  throw new InputError(name, `expected an integer array, got ${describe(v)}`);
}

/** String dataset (scalar or 1-D; fixed-length or variable-length; bytes decoded as UTF-8). */
export function stringValues(ds: Dataset, name: string): string[] {
  const v = ds.value;
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.map((x, i) => asString(x, name, i));
  throw new InputError(name, `expected strings, got ${describe(v)}`);
}

export function asString(x: unknown, name: string, i?: number): string {
  if (typeof x === "string") return x;
  if (x instanceof Uint8Array) return new TextDecoder().decode(x);
  if (typeof x === "number" || typeof x === "bigint") return String(x);
  throw new InputError(name, `expected a string, got ${describe(x)}`, i);
}

/** Boolean dataset values as 0/1 bytes. */
export function booleanValues(ds: Dataset, name: string): Uint8Array {
  const v = toNumeric(ds.value, name);
  return Uint8Array.from(v as ArrayLike<number>, (x) => (x ? 1 : 0));
}

export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return typeof v;
}
