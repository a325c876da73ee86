import { ConfigError } from "./errors.js";

/**
 * Base class for configuration objects. A subclass reads each field from its init object through the
 * validators below, which throw a {@link ConfigError} naming the field and its allowed range, then calls
 * {@link Config.finish} to reject unknown fields (typos) and freeze the object.
 *
 * ```ts
 * class MyConfig extends Config {
 *   readonly hiddenDim: number;
 *   constructor(init: { hiddenDim?: number } = {}) {
 *     super("MyConfig");
 *     this.hiddenDim = this.integer("hiddenDim", init.hiddenDim ?? 64, { min: 1 });
 *     this.finish(init);
 *   }
 * }
 * ```
 */
export abstract class Config {
  /** Class name used in error messages; not enumerable, so it is not a field. */
  declare protected readonly configName: string;

  protected constructor(configName: string) {
    Object.defineProperty(this, "configName", { value: configName, enumerable: false });
  }

  protected integer(field: string, value: unknown, range: { min?: number; max?: number } = {}): number {
    if (typeof value !== "number" || !Number.isInteger(value)) {
      throw new ConfigError(this.configName, field, `an integer${rangeText(range)}`, value);
    }
    this.checkRange(field, value, range, "an integer");
    return value;
  }

  protected number(
    field: string,
    value: unknown,
    range: { min?: number; max?: number; gt?: number; lt?: number } = {},
  ): number {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new ConfigError(this.configName, field, `a finite number${rangeText(range)}`, value);
    }
    this.checkRange(field, value, range, "a number");
    return value;
  }

  protected boolean(field: string, value: unknown): boolean {
    if (typeof value !== "boolean") throw new ConfigError(this.configName, field, "true or false", value);
    return value;
  }

  protected oneOf<const T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
      throw new ConfigError(this.configName, field, `one of ${allowed.map((a) => `"${a}"`).join(", ")}`, value);
    }
    return value as T;
  }

  /** Cross-field or custom check. */
  protected require(condition: boolean, field: string, allowed: string, value: unknown): void {
    if (!condition) throw new ConfigError(this.configName, field, allowed, value);
  }

  /** Rejects fields this config does not know (usually typos) and freezes the object. */
  protected finish(init: object): void {
    const known = new Set(Object.keys(this));
    for (const key of Object.keys(init)) {
      if (!known.has(key) && (init as Record<string, unknown>)[key] !== undefined) {
        const hint = closest(key, [...known]);
        throw new ConfigError(
          this.configName,
          key,
          `a known field${hint ? ` (did you mean "${hint}"?)` : ""}; known fields: ${[...known].join(", ")}`,
          (init as Record<string, unknown>)[key],
        );
      }
    }
    Object.freeze(this);
  }

  /** Plain-object copy of the fields, e.g. for saving next to a model. */
  toJSON(): Record<string, unknown> {
    return { ...(this as object) };
  }

  private checkRange(
    field: string,
    value: number,
    range: { min?: number; max?: number; gt?: number; lt?: number },
    kind: string,
  ): void {
    const ok =
      (range.min === undefined || value >= range.min) &&
      (range.max === undefined || value <= range.max) &&
      (range.gt === undefined || value > range.gt) &&
      (range.lt === undefined || value < range.lt);
    if (!ok) throw new ConfigError(this.configName, field, `${kind}${rangeText(range)}`, value);
  }
}

function rangeText(range: { min?: number; max?: number; gt?: number; lt?: number }): string {
  const parts: string[] = [];
  if (range.min !== undefined) parts.push(`≥ ${range.min}`);
  if (range.gt !== undefined) parts.push(`> ${range.gt}`);
  if (range.max !== undefined) parts.push(`≤ ${range.max}`);
  if (range.lt !== undefined) parts.push(`< ${range.lt}`);
  return parts.length ? ` ${parts.join(" and ")}` : "";
}

function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
