/**
 * Typed errors. Every error a user can trigger with bad input is one of these, thrown before any
 * numeric work starts, and names what was wrong (which array, which index, what was expected).
 */
export class DiffcellError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor or array has the wrong rank or size. */
export class ShapeError extends DiffcellError {
  constructor(
    /** Name of the offending array, e.g. `"spliced"` or `"layers.Mu"`. */
    readonly arrayName: string,
    readonly expected: string,
    readonly actual: readonly number[] | string,
  ) {
    const got = typeof actual === "string" ? actual : `[${actual.join(", ")}]`;
    super(`${arrayName}: expected shape ${expected}, got ${got}`);
  }
}

/** A configuration field is missing, of the wrong type or out of its allowed range. */
export class ConfigError extends DiffcellError {
  constructor(
    /** Config class, e.g. `"VelocityConfig"`. */
    readonly configName: string,
    /** Field name, e.g. `"hiddenDim"`. */
    readonly field: string,
    /** What is allowed, e.g. `"an integer ≥ 1"`. */
    readonly allowed: string,
    readonly value: unknown,
  ) {
    super(`${configName}.${field} must be ${allowed}; got ${formatValue(value)}`);
  }
}

/** Input data is invalid: not finite, negative counts, missing layer, unreadable file... */
export class InputError extends DiffcellError {
  constructor(
    /** Name of the offending array or key, e.g. `"unspliced"` or `"pancreas.h5ad:/layers/spliced"`. */
    readonly arrayName: string,
    /** What is wrong, in words. */
    readonly problem: string,
    /** Flat (or row) index of the first offending element, when there is one. */
    readonly index?: number,
  ) {
    super(`${arrayName}: ${problem}${index === undefined ? "" : ` (at index ${index})`}`);
  }
}

/**
 * A bad value inside an array: names the array, the row and column (or index), the value (NaN, Inf, -Inf
 * spelled as such) and what was expected. An {@link InputError}, so existing handlers catch it.
 */
export class ValueError extends InputError {
  constructor(
    arrayName: string,
    readonly value: number,
    readonly expected: string,
    /** Row-major position: row and column of a matrix, or only `index` for a vector. */
    readonly position: { row?: number; column?: number; index?: number },
  ) {
    const where =
      position.row !== undefined && position.column !== undefined
        ? `row ${position.row}, column ${position.column}`
        : position.index !== undefined
          ? `index ${position.index}`
          : "";
    super(arrayName, `value ${formatNumber(value)}${where ? ` at ${where}` : ""}; expected ${expected}`);
    // The flat index is kept for code; the message already names the row and column.
    Object.defineProperty(this, "index", { value: position.index, enumerable: true });
  }
  get row(): number | undefined {
    return this.position.row;
  }
  get column(): number | undefined {
    return this.position.column;
  }
}

/** A file-system problem in plain words (disk full, read-only, permission, a folder where a file should be). */
export class FileError extends DiffcellError {
  constructor(
    readonly path: string,
    /** What went wrong, in words. */
    readonly problem: string,
    /** The OS error code when there was one (ENOSPC, EROFS, EACCES, …). */
    readonly code?: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** A number as a user reads it: NaN, Inf, -Inf, otherwise JavaScript's shortest form. */
export function formatNumber(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  const plain = String(value).replace("e+", "e");
  // float32 values widened to double ("1.0000000150474662e+30") read better at float32 precision.
  if (plain.length <= 12) return plain;
  const [mantissa, exponent] = value.toPrecision(7).split("e");
  const m = mantissa.includes(".") ? mantissa.replace(/\.?0+$/, "") : mantissa;
  return exponent === undefined ? m : `${m}e${exponent.replace("+", "")}`;
}

export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "boolean" || value == null) return String(value);
  if (Array.isArray(value)) return `array of length ${value.length}`;
  return typeof value;
}
