import { ConfigError, InputError, tf } from "@diffcell/core";
import type { PerVariable } from "./config.js";
import { encodeLabels, type LabelVector } from "./labels.js";

export type { LabelVector } from "./labels.js";

/**
 * Batch labels: one variable (a {@link LabelVector}) or several by name, e.g. `{ donor, technology }`, each
 * corrected with its own θ and λ as in R harmony's `vars_use`.
 */
export type BatchLabels = LabelVector | Readonly<Record<string, LabelVector>>;

/**
 * The one-hot design Φ (B × N in the paper) in compact form. Levels of all variables are numbered
 * 0..B−1 in variable order (R's `rbind` of one `model.matrix` per variable), each variable's levels sorted
 * (R's `as.factor`: numeric order for numbers, code-unit order for strings).
 */
export interface BatchDesign {
  nCells: number;
  /** Variable names (`"batch"` for a single unnamed vector). */
  variables: string[];
  /** Level names per variable, in design order. */
  levels: string[][];
  /** Variable v owns global levels offsets[v] .. offsets[v+1]−1. */
  offsets: Int32Array;
  /** Global level of cell i in variable v at codes[i·V + v]: the non-zero rows of Φ's column i. */
  codes: Int32Array;
  nVariables: number;
  /** B: total number of levels. */
  nLevels: number;
  /** Cells per level N_b. */
  counts: Float64Array;
  /** Pr_b = N_b / N (within each variable they sum to 1). */
  proportions: Float64Array;
}

const DEFAULT_NAME = "batch";

/** Encodes labels into a {@link BatchDesign}; throws a typed error naming the problem. */
export function encodeBatches(labels: BatchLabels, nCells: number): BatchDesign {
  const named = asNamedVariables(labels);
  if (named.length === 0) throw new InputError("batchLabels", "no batch variable given");
  const variables = named.map(([name]) => name);
  const nVariables = named.length;
  const codes = new Int32Array(nCells * nVariables);
  const levels: string[][] = [];
  const offsets = new Int32Array(nVariables + 1);
  named.forEach(([name, vector], v) => {
    const arrayName = nVariables === 1 && name === DEFAULT_NAME ? "batchLabels" : `batchLabels.${name}`;
    const { names, codes: index } = encodeLabels(arrayName, vector, nCells);
    if (names.length < 2) {
      throw new InputError(
        arrayName,
        `only one batch (${JSON.stringify(names[0])}) among ${nCells} cells: Harmony needs at least 2 batches to correct`,
      );
    }
    for (let i = 0; i < nCells; i++) codes[i * nVariables + v] = offsets[v] + index[i];
    levels.push(names);
    offsets[v + 1] = offsets[v] + names.length;
  });
  const nLevels = offsets[nVariables];
  const counts = new Float64Array(nLevels);
  for (let i = 0; i < codes.length; i++) counts[codes[i]] += 1;
  const proportions = Float64Array.from(counts, (c) => c / nCells);
  return { nCells, variables, levels, offsets, codes, nVariables, nLevels, counts, proportions };
}

/**
 * Expands a per-variable setting (θ or λ) to one value per level, as R harmony repeats `theta[b]` over the
 * levels of variable b.
 */
export function perLevel(field: string, value: PerVariable, design: BatchDesign): Float64Array {
  const out = new Float64Array(design.nLevels);
  const byVariable: number[] = [];
  if (typeof value === "number") {
    for (let v = 0; v < design.nVariables; v++) byVariable.push(value);
  } else if (Array.isArray(value)) {
    if (value.length !== design.nVariables) {
      throw new ConfigError(
        "BatchCorrectionConfig",
        field,
        `one value per batch variable (${design.nVariables}: ${design.variables.join(", ")})`,
        value,
      );
    }
    byVariable.push(...(value as number[]));
  } else {
    const record = value as Readonly<Record<string, number>>;
    for (const key of Object.keys(record)) {
      if (!design.variables.includes(key)) {
        throw new ConfigError(
          "BatchCorrectionConfig",
          field,
          `keyed by batch variable names (${design.variables.join(", ")})`,
          `an object with key ${JSON.stringify(key)}`,
        );
      }
    }
    for (const name of design.variables) {
      if (record[name] === undefined) {
        throw new ConfigError(
          "BatchCorrectionConfig",
          field,
          `a value for batch variable ${JSON.stringify(name)}`,
          record,
        );
      }
      byVariable.push(record[name]);
    }
  }
  for (let v = 0; v < design.nVariables; v++) out.fill(byVariable[v], design.offsets[v], design.offsets[v + 1]);
  return out;
}

function asNamedVariables(labels: BatchLabels): Array<[string, LabelVector]> {
  if (labels === null || labels === undefined) {
    throw new InputError("batchLabels", "missing: pass one label per cell, or an object of label arrays by variable");
  }
  if (labels instanceof tf.Tensor || Array.isArray(labels) || ArrayBuffer.isView(labels)) {
    return [[DEFAULT_NAME, labels as LabelVector]];
  }
  if (typeof labels === "object") return Object.entries(labels as Record<string, LabelVector>);
  throw new InputError("batchLabels", `expected an array of labels or an object of them, got ${typeof labels}`);
}
