import { InputError, ShapeError } from "./errors.js";

/**
 * Categorical codes of one label per item, as R's `as.factor`: the distinct levels sorted (numeric order when
 * every label is a number, code-unit order of the strings otherwise) and each item's level index. Shared by
 * Harmony's batch design, the batch-mixing loss and the pipeline, so a batch gets the same code everywhere.
 *
 * `name` is the array named in errors; `per` says what one label belongs to (default "cell"). Throws
 * `ShapeError` for a wrong length and `InputError` for a missing or non-finite label.
 */
export function encodeLabels(
  name: string,
  values: ArrayLike<string | number>,
  count: number,
  per = "cell",
): { names: string[]; codes: Int32Array } {
  if (values === null || values === undefined || typeof (values as ArrayLike<unknown>).length !== "number") {
    throw new InputError(name, `expected an array of labels (one per ${per})`);
  }
  if (values.length !== count) {
    throw new ShapeError(name, `${count} labels (one per ${per})`, `${values.length} labels`);
  }
  let allNumbers = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === "number") {
      if (!Number.isFinite(v)) throw new InputError(name, `label ${v} at cell ${i} is not a finite number`, i);
    } else if (typeof v === "string") {
      allNumbers = false;
    } else {
      throw new InputError(
        name,
        `label at cell ${i} is ${v === null ? "null" : typeof v}; expected a string or number`,
        i,
      );
    }
  }
  const keyOf = (v: string | number) => (allNumbers ? (v as number) : String(v));
  const distinct = new Map<string | number, number>();
  for (let i = 0; i < values.length; i++) distinct.set(keyOf(values[i]), 0);
  const sorted = [...distinct.keys()].sort((a, b) =>
    allNumbers ? (a as number) - (b as number) : a < b ? -1 : a > b ? 1 : 0,
  );
  sorted.forEach((key, j) => {
    distinct.set(key, j);
  });
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = distinct.get(keyOf(values[i])) as number;
  return { names: sorted.map(String), codes };
}

/** Positions of the set entries of a mask (non-zero numbers or `true`), in increasing order. */
export function maskToIndex(mask: ArrayLike<number | boolean>): Int32Array {
  let count = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) count++;
  const out = new Int32Array(count);
  let k = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) out[k++] = i;
  return out;
}
