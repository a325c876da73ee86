import { formatNumber, InputError, ShapeError, ValueError } from "./errors.js";
import { tf } from "./tf.js";

/** Throws {@link ShapeError} unless `x` is a 2-D tensor with the given rows/cols (when given). */
export function checkMatrix(
  name: string,
  x: unknown,
  expected: { rows?: number; cols?: number } = {},
): asserts x is tf.Tensor2D {
  const rows = expected.rows ?? "N";
  const cols = expected.cols ?? "M";
  if (!(x instanceof tf.Tensor)) throw new ShapeError(name, `[${rows}, ${cols}] tensor`, describe(x));
  if (
    x.rank !== 2 ||
    (expected.rows !== undefined && x.shape[0] !== expected.rows) ||
    (expected.cols !== undefined && x.shape[1] !== expected.cols)
  ) {
    throw new ShapeError(name, `[${rows}, ${cols}]`, x.shape);
  }
  checkFloat32(name, x);
}

/** Throws {@link InputError} unless `x` is float32 (tfjs kernels refuse int32 deep inside, with no name). */
export function checkFloat32(name: string, x: tf.Tensor): void {
  if (x.dtype !== "float32")
    throw new InputError(
      name,
      `a tensor of dtype ${x.dtype}; expected float32 (convert with tf.cast(${name}, "float32"))`,
    );
}

/** Throws {@link ShapeError} unless `x` is a 1-D tensor of the given length (when given). */
export function checkVector(name: string, x: unknown, length?: number): asserts x is tf.Tensor1D {
  if (!(x instanceof tf.Tensor)) throw new ShapeError(name, `[${length ?? "N"}] tensor`, describe(x));
  if (x.rank !== 1 || (length !== undefined && x.shape[0] !== length)) {
    throw new ShapeError(name, `[${length ?? "N"}]`, x.shape);
  }
}

/** Largest count (or expression value) accepted at a public entry: above it float32 training overflows. */
export const MAX_COUNT = 1e12;

export interface ValueCheckOptions {
  /** Number of columns of a matrix: positions are reported as row and column. Leave out for vectors. */
  rowLength?: number;
  nonNegative?: boolean;
  /** Largest allowed absolute value (default: any finite value). */
  maxAbs?: number;
}

/**
 * Throws {@link ValueError} at the first non-finite (or, with `nonNegative`, negative; with `maxAbs`, too
 * large) entry, naming the array, the row and the column. `rowLength` is the number of columns of a
 * matrix (a one-column matrix too); leave it out for a vector (the index is named then).
 */
export function checkValues(name: string, data: ArrayLike<number>, options: ValueCheckOptions = {}): void {
  const width = options.rowLength;
  const limit = options.maxAbs ?? Number.POSITIVE_INFINITY;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v) || (options.nonNegative && v < 0) || Math.abs(v) > limit) {
      const limitText = options.maxAbs !== undefined ? formatNumber(options.maxAbs) : "";
      const expected =
        options.maxAbs === undefined
          ? options.nonNegative
            ? "finite and ≥ 0"
            : "finite"
          : options.nonNegative
            ? `finite, in [0, ${limitText}]`
            : `finite, in [-${limitText}, ${limitText}]`;
      throw new ValueError(name, v, expected, positionOf(i, width));
    }
  }
}

/**
 * Row and column of flat index `i` in a row-major matrix with `width` columns (a one-column matrix
 * included); only the index for a vector (`width` undefined).
 */
export function positionOf(i: number, width?: number): { row?: number; column?: number; index: number } {
  return width !== undefined && width >= 1 ? { row: Math.floor(i / width), column: i % width, index: i } : { index: i };
}

/**
 * Count matrices as scVelo accepts them: finite, ≥ 0 and ≤ {@link MAX_COUNT} (a {@link ValueError} at the
 * first bad entry otherwise). Non-integer values (already normalised data) are accepted, as scVelo does;
 * the first one is reported through `onWarning`. Returns whether any value was not an integer.
 */
export function checkCounts(
  name: string,
  data: ArrayLike<number>,
  options: { rowLength?: number; onWarning?: (message: string) => void } = {},
): boolean {
  const width = options.rowLength;
  let firstFraction = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const expected = countExpectation(v);
    if (expected) throw new ValueError(name, v, expected, positionOf(i, width));
    if (firstFraction < 0 && v !== Math.floor(v)) firstFraction = i;
  }
  if (firstFraction >= 0)
    options.onWarning?.(nonIntegerWarning(name, data[firstFraction], positionOf(firstFraction, width)));
  return firstFraction >= 0;
}

/** What a bad count was expected to be (finite, ≥ 0, ≤ {@link MAX_COUNT}); undefined for a good count. */
export function countExpectation(v: number): string | undefined {
  if (v >= 0 && v <= MAX_COUNT) return undefined;
  return Number.isFinite(v) && v > 0 ? `a count ≤ ${formatNumber(MAX_COUNT)}` : "a finite count ≥ 0";
}

/** The warning for non-integer counts, at the first one found (scVelo accepts them, as do we). */
export function nonIntegerWarning(
  name: string,
  value: number,
  at: { row?: number; column?: number; index: number },
): string {
  const where = at.row !== undefined ? `row ${at.row}, column ${at.column}` : `index ${at.index}`;
  return `${name}: non-integer values (first ${value} at ${where}); used as given, as scVelo does — pass raw counts for scVelo's normalisation`;
}

/** Tensors already validated, with the checks they passed: tfjs tensors are immutable, so verdicts hold. */
const validated = new WeakMap<tf.Tensor, Set<string>>();

/**
 * {@link checkValues} on a tensor's data (one read), after checking it is float32 (an int32 tensor is
 * refused with the conversion to use). A tensor that passed the same checks before is not read again, so a
 * training loop that feeds the same data every step pays for validation once.
 */
export function checkTensorValues(
  name: string,
  x: tf.Tensor,
  options: { nonNegative?: boolean; maxAbs?: number } = {},
): void {
  checkFloat32(name, x);
  const key = `${options.nonNegative === true}:${options.maxAbs ?? ""}`;
  const passed = validated.get(x);
  if (passed?.has(key)) return;
  checkValues(name, x.dataSync() as Float32Array, { rowLength: x.rank === 2 ? x.shape[1] : undefined, ...options });
  if (passed) passed.add(key);
  else validated.set(x, new Set([key]));
}

/**
 * `derived` holds some of `source`'s values and nothing else (its rows, a slice): it passes every value check
 * `source` passed, so those are not read again (a training loop's minibatches of validated data).
 */
export function inheritValidation(derived: tf.Tensor, source: tf.Tensor): void {
  const passed = validated.get(source);
  if (passed && derived.dtype === source.dtype) validated.set(derived, new Set(passed));
}

function describe(x: unknown): string {
  if (x === undefined) return "nothing (missing)";
  if (x === null) return "null";
  if (Array.isArray(x)) return `a plain array of length ${x.length} (pass a tf.Tensor)`;
  return typeof x;
}
