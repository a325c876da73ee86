import { InputError, ShapeError } from "./errors.js";
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
}

/** Throws {@link ShapeError} unless `x` is a 1-D tensor of the given length (when given). */
export function checkVector(name: string, x: unknown, length?: number): asserts x is tf.Tensor1D {
  if (!(x instanceof tf.Tensor)) throw new ShapeError(name, `[${length ?? "N"}] tensor`, describe(x));
  if (x.rank !== 1 || (length !== undefined && x.shape[0] !== length)) {
    throw new ShapeError(name, `[${length ?? "N"}]`, x.shape);
  }
}

/**
 * Throws {@link InputError} at the first non-finite (or, with `nonNegative`, negative) entry, naming the
 * array, the row and the column. `rowLength` is the number of columns (1 for vectors).
 */
export function checkValues(
  name: string,
  data: ArrayLike<number>,
  options: { rowLength?: number; nonNegative?: boolean } = {},
): void {
  const width = options.rowLength ?? 1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v) || (options.nonNegative && v < 0)) {
      const where = width > 1 ? `row ${Math.floor(i / width)}, column ${i % width}` : `index ${i}`;
      const what = options.nonNegative ? "finite and ≥ 0" : "finite";
      throw new InputError(name, `value ${v} at ${where}; expected ${what}`, i);
    }
  }
}

/** Tensors already found finite (and non-negative): tfjs tensors are immutable, so the verdict holds. */
const validated = new WeakMap<tf.Tensor, { nonNegative: boolean }>();

/**
 * {@link checkValues} on a tensor's data (one read). A tensor that passed before is not read again, so a
 * training loop that feeds the same data every step pays for validation once.
 */
export function checkTensorValues(name: string, x: tf.Tensor, options: { nonNegative?: boolean } = {}): void {
  const previous = validated.get(x);
  if (previous && (previous.nonNegative || !options.nonNegative)) return;
  checkValues(name, x.dataSync() as Float32Array, { rowLength: x.rank === 2 ? x.shape[1] : 1, ...options });
  validated.set(x, { nonNegative: options.nonNegative ?? false });
}

function describe(x: unknown): string {
  if (x === undefined) return "nothing (missing)";
  if (x === null) return "null";
  if (Array.isArray(x)) return `a plain array of length ${x.length} (pass a tf.Tensor)`;
  return typeof x;
}
