import { InputError, ShapeError, tf } from "@diffcell/core";

/** A label per cell (integers or strings), as an array, typed array or 1-D tensor. */
export type LabelVector = ArrayLike<number> | ArrayLike<string> | ReadonlyArray<string | number> | tf.Tensor1D;

/**
 * Categorical codes of one label vector, as R's `as.factor`: levels sorted (numeric order for numbers,
 * code-unit order for strings) and each cell's level index. Throws a typed error naming `name` for a wrong
 * length or a missing/non-finite label.
 */
export function encodeLabels(
  name: string,
  vector: LabelVector,
  nCells: number,
): { names: string[]; codes: Int32Array } {
  const values = readLabels(name, vector);
  if (values.length !== nCells) {
    throw new ShapeError(name, `${nCells} labels (one per cell of embeddings)`, `${values.length} labels`);
  }
  const { names, index } = factor(name, values);
  return { names, codes: index };
}

function readLabels(name: string, vector: LabelVector): ArrayLike<string | number> {
  if (vector instanceof tf.Tensor) {
    if (vector.rank !== 1) throw new ShapeError(name, "[N] tensor of labels", vector.shape);
    return vector.dataSync() as ArrayLike<number>;
  }
  if (vector === null || vector === undefined || typeof (vector as ArrayLike<unknown>).length !== "number") {
    throw new InputError(name, "expected an array of labels (one per cell)");
  }
  return vector as ArrayLike<string | number>;
}

/** R's `as.factor`: sorted distinct levels and each cell's level index. */
function factor(name: string, values: ArrayLike<string | number>): { names: string[]; index: Int32Array } {
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
  const index = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) index[i] = distinct.get(keyOf(values[i])) as number;
  return { names: sorted.map(String), index };
}
