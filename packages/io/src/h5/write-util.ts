/** Small pieces shared by the .h5ad and .loom writers. */
import { InputError, rowRanges } from "@diffcell/core";
import type { NumericArray } from "../matrix/types.js";
import type { Dataset, Group } from "./h5file.js";

/**
 * Numeric datasets larger than this are written and read in row blocks of about this size. libhdf5 in wasm
 * copies whatever it reads or writes through its own heap, which never shrinks: one 100k × 2000 float32 layer
 * written whole left 0.8 GB resident to the end of the process (and took 5.6 s; in 16 MiB blocks 0.6 s).
 */
export const BLOCK_BYTES = 16 * 2 ** 20;

/**
 * Row ranges [start, end) of about {@link BLOCK_BYTES} each over an array of `shape` (row-major, `bytesPerValue`
 * per value), the values per row, and the full ranges of the other dimensions (for `slice` / `write_slice`).
 */
export function rowBlocks(
  shape: readonly number[],
  bytesPerValue: number,
): { rowLength: number; ranges: Array<[number, number]>; rest: Array<[number, number]> } {
  const rowLength = shape.slice(1).reduce((a, b) => a * b, 1);
  const rows = Math.max(1, Math.floor(BLOCK_BYTES / Math.max(1, rowLength * bytesPerValue)));
  return { rowLength, ranges: rowRanges(shape[0], rows), rest: shape.slice(1).map((d): [number, number] => [0, d]) };
}

/**
 * The values of a dataset, read in ranges: a typed array's views, or a spilled layer's array read from its file
 * block by block (see `matrix/spill.ts`), so writing never needs the whole array in memory.
 */
export interface ValueSource {
  readonly length: number;
  readonly BYTES_PER_ELEMENT: number;
  /** dtype of the values (numpy-style, see {@link dtypeOf}). */
  readonly dtype: string;
  read(start: number, end: number): NumericArray;
}

/** A typed array as a {@link ValueSource}. */
export function arraySource(a: NumericArray): ValueSource {
  return {
    length: a.length,
    BYTES_PER_ELEMENT: a.BYTES_PER_ELEMENT,
    dtype: dtypeOf(a),
    read: (start, end) => (start === 0 && end === a.length ? a : a.subarray(start, end)),
  };
}

/** Chunking and compression of a dataset, as h5wasm's `create_dataset` takes them. */
export interface DatasetLayout {
  chunks?: number[];
  compression?: number;
  compression_opts?: number[];
}

/**
 * Creates the numeric dataset `name` holding `data` (row-major, `shape`). Up to {@link BLOCK_BYTES} in one
 * call; above, chunked (the layout's chunks, else one block's rows), created with its first rows, grown to
 * `shape` and filled block by block, so libhdf5's heap grows by one block instead of the whole array.
 */
export function createNumericDataset(
  parent: Group,
  name: string,
  values: NumericArray | ValueSource,
  shape: number[],
  layout: DatasetLayout = {},
): Dataset {
  const source = ArrayBuffer.isView(values) ? arraySource(values) : values;
  const dtype = source.dtype;
  if (source.length * source.BYTES_PER_ELEMENT <= BLOCK_BYTES || shape.length === 0 || shape[0] < 2)
    return parent.create_dataset({ name, data: source.read(0, source.length), shape, dtype, ...layout });
  const { rowLength, ranges, rest } = rowBlocks(shape, source.BYTES_PER_ELEMENT);
  const [, first] = ranges[0];
  const ds = parent.create_dataset({
    name,
    data: source.read(0, first * rowLength),
    shape: [first, ...shape.slice(1)],
    maxshape: shape,
    dtype,
    ...layout,
    chunks: layout.chunks ?? [first, ...shape.slice(1)],
  });
  ds.resize(shape);
  for (const [r, end] of ranges.slice(1))
    ds.write_slice([[r, end], ...rest], source.read(r * rowLength, end * rowLength));
  return ds;
}

/** numpy-style HDF5 dtype of a typed array ("<f" float32, "<d" float64, "<i" int32, …). */
export function dtypeOf(a: NumericArray): string {
  if (a instanceof Float32Array) return "<f";
  if (a instanceof Float64Array) return "<d";
  if (a instanceof Int32Array) return "<i";
  if (a instanceof Int16Array) return "<h";
  if (a instanceof Int8Array) return "<b";
  if (a instanceof Uint8Array) return "<B";
  if (a instanceof Uint16Array) return "<H";
  if (a instanceof Uint32Array) return "<I";
  throw new InputError("array", `unsupported array type ${(a as object).constructor.name}`);
}

/** A key must be a usable HDF5 link name; `where` is the file and path the error names. */
export function checkName(where: string, name: string): void {
  if (name === "" || name.includes("/") || name === "." || name === "..")
    throw new InputError(where, `"${name}" is not a valid HDF5 name (empty or contains "/")`);
}
