/**
 * Input checks shared by the plots. Everything is checked before layout starts, so a bad array produces a
 * typed error naming it instead of a NaN hidden in the SVG.
 */
import { checkValues, InputError, ShapeError } from "@diffcell/core";

/** Plain numeric arrays accepted everywhere: Float32Array, Float64Array, number[]. */
export type Numeric = ArrayLike<number>;

/** Number of rows of an N×2 row-major array; finite values required. */
export function checkPoints(name: string, values: Numeric | undefined, rows?: number): number {
  if (values === undefined || values === null || typeof values.length !== "number") {
    throw new ShapeError(name, `[${rows ?? "N"}, 2] row-major array`, "nothing (missing)");
  }
  if (values.length % 2 !== 0 || (rows !== undefined && values.length !== 2 * rows)) {
    throw new ShapeError(name, `[${rows ?? "N"}, 2] row-major (length ${rows === undefined ? "2N" : 2 * rows})`, [
      values.length,
    ]);
  }
  checkValues(name, values, { rowLength: 2 });
  return values.length / 2;
}

/** A finite vector, of the given length when given. */
export function checkVector(name: string, values: Numeric | undefined, length?: number): number {
  if (values === undefined || values === null || typeof values.length !== "number") {
    throw new ShapeError(name, `[${length ?? "N"}] array`, "nothing (missing)");
  }
  if (length !== undefined && values.length !== length) throw new ShapeError(name, `[${length}]`, [values.length]);
  checkValues(name, values);
  return values.length;
}

/** Category labels, one per cell. */
export function checkLabels(name: string, labels: readonly string[] | undefined, length: number): void {
  if (!Array.isArray(labels)) throw new ShapeError(name, `[${length}] array of strings`, "nothing (missing)");
  if (labels.length !== length) throw new ShapeError(name, `[${length}]`, [labels.length]);
  for (let i = 0; i < labels.length; i++) {
    if (typeof labels[i] !== "string") throw new InputError(name, `label ${String(labels[i])} is not a string`, i);
  }
}

/** A finite number within [min, max]. */
export function checkOption(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!(Number.isFinite(value) && value >= min && value <= max)) {
    throw new InputError(name, `must be a number in [${min}, ${max}]; got ${value}`);
  }
}

/**
 * The inputs every velocity-field plot shares (arrows, streams): N×2 `embedding`, N×2 `velocity` and
 * `density` in [0.1, 10], plus each plot's own numeric options as `[value, min, max]` by name. Returns N.
 */
export function checkVelocityField(
  options: { embedding: Numeric; velocity: Numeric; density?: number },
  extra: Record<string, [number | undefined, number, number]>,
): number {
  const n = checkPoints("embedding", options.embedding);
  checkPoints("velocity", options.velocity, n);
  checkOption("density", options.density, 0.1, 10);
  for (const [name, [value, min, max]] of Object.entries(extra)) checkOption(name, value, min, max);
  return n;
}
