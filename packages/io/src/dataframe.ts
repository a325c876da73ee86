import { InputError, ShapeError } from "@diffcell/core";
import type { NumericArray } from "./matrix/types.js";

/**
 * Columns of `obs` / `var`, mirroring the pandas dtypes AnnData stores:
 * numbers (any numeric typed array), booleans, strings, and categoricals (integer codes into a list of
 * categories, −1 for a missing value, as `pd.Categorical`).
 */
export type Column = NumericColumn | BooleanColumn | StringColumn | CategoricalColumn;

export interface NumericColumn {
  readonly kind: "numeric";
  values: NumericArray;
}

export interface BooleanColumn {
  readonly kind: "boolean";
  /** 0 / 1 per row. */
  values: Uint8Array;
}

export interface StringColumn {
  readonly kind: "string";
  values: string[];
}

export interface CategoricalColumn {
  readonly kind: "categorical";
  /** Index into `categories` per row; −1 marks a missing value (pandas NaN). */
  codes: Int32Array;
  categories: string[] | NumericArray;
  /** Whether the category order is meaningful (e.g. a developmental order). */
  ordered: boolean;
}

export function numericColumn(values: NumericArray): NumericColumn {
  return { kind: "numeric", values };
}

export function booleanColumn(values: ArrayLike<boolean | number>): BooleanColumn {
  return { kind: "boolean", values: Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0)) };
}

export function stringColumn(values: string[]): StringColumn {
  return { kind: "string", values };
}

/**
 * A categorical from labels. `categories` fixes the category order (labels not in it become missing);
 * by default the categories are the distinct labels sorted, as pandas does.
 */
export function categoricalColumn(
  labels: ArrayLike<string | null | undefined>,
  options: { categories?: string[]; ordered?: boolean } = {},
): CategoricalColumn {
  const present = new Set<string>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l != null) present.add(l);
  }
  const categories = options.categories ?? [...present].sort();
  const code = new Map(categories.map((c, i) => [c, i]));
  const codes = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    codes[i] = l == null ? -1 : (code.get(l) ?? -1);
  }
  return { kind: "categorical", codes, categories, ordered: options.ordered ?? false };
}

export function columnLength(c: Column): number {
  return c.kind === "categorical" ? c.codes.length : c.values.length;
}

/**
 * A minimal pandas-like table: a string index (`obs_names` / `var_names`) and named, ordered columns.
 */
export class DataFrame {
  readonly index: string[];
  private readonly cols = new Map<string, Column>();

  constructor(index: string[], columns: Record<string, Column> | Map<string, Column> = {}) {
    this.index = index;
    const entries = columns instanceof Map ? [...columns] : Object.entries(columns);
    for (const [name, col] of entries) this.set(name, col);
  }

  /** A frame with `n` rows indexed "0", "1", … (anndata's default names). */
  static range(n: number): DataFrame {
    return new DataFrame(Array.from({ length: n }, (_, i) => String(i)));
  }

  get nRows(): number {
    return this.index.length;
  }

  get columnNames(): string[] {
    return [...this.cols.keys()];
  }

  has(name: string): boolean {
    return this.cols.has(name);
  }

  /** The column, or an {@link InputError} naming it when absent. */
  get(name: string): Column {
    const c = this.cols.get(name);
    if (!c) throw new InputError(name, `no such column (have: ${this.columnNames.join(", ") || "none"})`);
    return c;
  }

  /** Adds or replaces a column; its length must match the index. */
  set(name: string, column: Column): this {
    const n = columnLength(column);
    if (n !== this.index.length) throw new ShapeError(`column ${name}`, `[${this.index.length}]`, [n]);
    if (column.kind === "categorical") {
      const k = column.categories.length;
      for (let i = 0; i < n; i++) {
        const c = column.codes[i];
        if (c < -1 || c >= k) throw new InputError(`column ${name}`, `code ${c} outside [−1, ${k})`, i);
      }
    }
    this.cols.set(name, column);
    return this;
  }

  delete(name: string): boolean {
    return this.cols.delete(name);
  }

  entries(): [string, Column][] {
    return [...this.cols];
  }

  /** Values as strings (categorical labels, numbers formatted; missing → ""). */
  strings(name: string): string[] {
    const c = this.get(name);
    switch (c.kind) {
      case "string":
        return c.values.slice();
      case "categorical":
        return Array.from(c.codes, (k) => (k < 0 ? "" : String(c.categories[k])));
      case "boolean":
        return Array.from(c.values, (v) => (v ? "True" : "False"));
      default:
        return Array.from(c.values, (v) => String(v));
    }
  }

  /** Values as float64 (booleans 0/1, categoricals by code; strings must parse as numbers). */
  numbers(name: string): Float64Array {
    const c = this.get(name);
    switch (c.kind) {
      case "numeric":
      case "boolean":
        return Float64Array.from(c.values);
      case "categorical":
        return Float64Array.from(c.codes);
      default:
        return Float64Array.from(c.values, (v, i) => {
          const x = Number(v);
          if (v.trim() === "" || Number.isNaN(x)) throw new InputError(name, `"${v}" is not a number`, i);
          return x;
        });
    }
  }

  /** Rows `rows` (in that order) as a new frame. */
  selectRows(rows: ArrayLike<number>): DataFrame {
    const pick = <T>(a: ArrayLike<T>): T[] => Array.from({ length: rows.length }, (_, r) => a[rows[r]]);
    const out = new DataFrame(pick(this.index));
    for (const [name, c] of this.cols) {
      switch (c.kind) {
        case "numeric": {
          const Ctor = c.values.constructor as new (n: number) => NumericArray;
          const v = new Ctor(rows.length);
          for (let r = 0; r < rows.length; r++) v[r] = c.values[rows[r]];
          out.set(name, { kind: "numeric", values: v });
          break;
        }
        case "boolean":
          out.set(name, { kind: "boolean", values: Uint8Array.from(pick(c.values)) });
          break;
        case "string":
          out.set(name, { kind: "string", values: pick(c.values) });
          break;
        case "categorical":
          out.set(name, { ...c, codes: Int32Array.from(pick(c.codes)) });
          break;
      }
    }
    return out;
  }

  copy(): DataFrame {
    return this.selectRows(Array.from(this.index, (_, i) => i));
  }
}

/**
 * Makes names unique the way anndata's `make_unique` does: the second "A" becomes "A-1", the third
 * "A-2", … (skipping suffixes already taken).
 */
export function makeUnique(names: string[], separator = "-"): string[] {
  const seen = new Set(names);
  const counts = new Map<string, number>();
  const firstSeen = new Set<string>();
  return names.map((name) => {
    if (!firstSeen.has(name)) {
      firstSeen.add(name);
      return name;
    }
    let k = counts.get(name) ?? 0;
    let candidate: string;
    do {
      k++;
      candidate = `${name}${separator}${k}`;
    } while (seen.has(candidate));
    counts.set(name, k);
    seen.add(candidate);
    return candidate;
  });
}
