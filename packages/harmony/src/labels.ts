import { encodeLabels as coreEncodeLabels, ShapeError, tf } from "@diffcell/core";

/** A label per cell (integers or strings), as an array, typed array or 1-D tensor. */
export type LabelVector = ArrayLike<number> | ArrayLike<string> | ReadonlyArray<string | number> | tf.Tensor1D;

/**
 * Categorical codes of one label vector (core's `encodeLabels`, R's `as.factor` order), also accepting a 1-D
 * tensor. Throws a typed error naming `name` for a wrong length or a missing/non-finite label.
 */
export function encodeLabels(
  name: string,
  vector: LabelVector,
  nCells: number,
): { names: string[]; codes: Int32Array } {
  return coreEncodeLabels(name, readLabels(name, vector), nCells, "cell of embeddings");
}

function readLabels(name: string, vector: LabelVector): ArrayLike<string | number> {
  if (vector instanceof tf.Tensor) {
    if (vector.rank !== 1) throw new ShapeError(name, "[N] tensor of labels", vector.shape);
    return vector.dataSync() as ArrayLike<number>;
  }
  return vector as ArrayLike<string | number>;
}
