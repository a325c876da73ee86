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

export function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (Array.isArray(value)) return `array of length ${value.length}`;
  return typeof value;
}
