/** Small pieces shared by the .h5ad and .loom writers. */
import { InputError } from "@diffcell/core";
import type { NumericArray } from "../matrix/types.js";

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
