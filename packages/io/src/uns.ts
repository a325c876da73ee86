import type { Layer, NumericArray } from "./matrix/types.js";

/**
 * An n-dimensional numeric array in `uns` (row-major), e.g. `uns.neighbors.indices` (N × k) or a
 * colour table. 1-D arrays are stored as plain typed arrays instead.
 */
export class NdArray {
  constructor(
    readonly data: NumericArray,
    readonly shape: number[],
  ) {}
}

/** What `uns` may hold: scalars, strings, string lists, numeric arrays, nested dictionaries, matrices. */
export type UnsValue = string | number | boolean | string[] | NumericArray | NdArray | Layer | UnsDict;

export interface UnsDict {
  [key: string]: UnsValue;
}

export function isUnsDict(v: unknown): v is UnsDict {
  return (
    typeof v === "object" &&
    v !== null &&
    !Array.isArray(v) &&
    !ArrayBuffer.isView(v) &&
    !(v instanceof NdArray) &&
    !("format" in v && typeof (v as { format: unknown }).format === "string" && "rows" in v)
  );
}
