/**
 * `diffcell harmony`: Harmony on a table of PCs (cells × features, tab-separated, header row) with batch
 * labels from a metadata table; writes the corrected PCs in the input's cell order.
 */
import { InputError } from "@diffcell/core";
import { iLisi, runHarmony } from "@diffcell/harmony";
import { checkOutputPath, type DataFrame, readCsv, writeFileAtomic } from "@diffcell/io";
import { type CommandSpec, parseCommand, UsageError } from "./args.js";
import type { CliIo } from "./io.js";
import { progressBar } from "./progress.js";

export const harmonySpec: CommandSpec = {
  name: "harmony",
  summary:
    "Harmony batch correction (Korsunsky et al. 2019) of an embedding, e.g. PCs. Tables are tab-separated (.tsv, .tsv.gz) or comma-separated (.csv) with a header row; a non-numeric first column of --input is taken as cell names.",
  usage: "diffcell harmony --input pcs.tsv[.gz] --meta meta.tsv[.gz] --batch-key KEY[,KEY2] --output corrected.tsv",
  flags: {
    input: { kind: "string", value: "FILE", short: "i", description: "cells × features table (e.g. PCs)" },
    meta: { kind: "string", value: "FILE", description: "per-cell metadata table, rows in the input's order" },
    "batch-key": { kind: "string", value: "KEY", description: "metadata column(s) with batches, comma-separated" },
    output: {
      kind: "string",
      value: "FILE",
      short: "o",
      description: "corrected table (tab-separated; default stdout)",
    },
    theta: { kind: "number", min: 0, description: "diversity penalty (default 2)" },
    sigma: { kind: "number", min: 1e-6, description: "soft-clustering width (default 0.1)" },
    lambda: { kind: "number", min: 1e-9, description: "ridge penalty (default 1)" },
    "n-clusters": { kind: "integer", min: 1, description: "clusters (default min(round(N/30), 100))" },
    "max-iter": { kind: "integer", min: 1, max: 1000, description: "Harmony rounds (default 10)" },
    seed: { kind: "integer", min: 0, max: 2 ** 31 - 1, description: "random seed (default 0)" },
    "no-lisi": { kind: "boolean", description: "skip the iLISI before/after summary" },
    quiet: { kind: "boolean", short: "q", description: "no progress output" },
  },
};

export async function harmonyCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseCommand(harmonySpec, argv);
  if (flags.help) return -1;
  for (const required of ["input", "meta", "batch-key"])
    if (flags[required] === undefined) throw new UsageError(`--${required} is required`);
  const input = flags.input as string;
  const output = flags.output as string | undefined;
  // Checked before any work: neither --input nor --meta (real paths), a writable place, not a folder.
  if (output) checkOutputPath(output, { inputs: [input, flags.meta as string], label: "--output" });
  const started = performance.now();
  const bar = progressBar(io, flags.quiet === true);

  const table = readTable(input);
  const { names, columns, data } = numericBlock(table, input);
  const rows = table.nRows;
  const meta = readTable(flags.meta as string);
  const keys = (flags["batch-key"] as string)
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  // When both tables name the cells, metadata rows are matched by name (a reordered table would otherwise
  // silently attach the wrong batches); otherwise rows are taken in order.
  const order = names ? metaOrder(meta, names, flags.meta as string, io) : null;
  if (!order && meta.nRows !== rows)
    throw new InputError(
      flags.meta as string,
      `has ${meta.nRows} rows; --input has ${rows} cells (rows must match, in order, or both tables name the cells)`,
    );
  const labels: Record<string, string[]> = {};
  for (const key of keys) {
    if (!meta.columnNames.includes(key))
      throw new InputError(`${flags.meta}: column ${key}`, `not found (columns: ${meta.columnNames.join(", ")})`);
    const values = meta.strings(key);
    labels[key] = order ? Array.from(order, (r) => values[r]) : values;
  }
  const batchLabels = labels;

  const result = runHarmony({ data, rows, cols: columns.length }, batchLabels, {
    seed: (flags.seed as number | undefined) ?? 0,
    ...(flags.theta !== undefined ? { theta: flags.theta as number } : {}),
    ...(flags.sigma !== undefined ? { sigma: flags.sigma as number } : {}),
    ...(flags.lambda !== undefined ? { lambda: flags.lambda as number } : {}),
    ...(flags["n-clusters"] !== undefined ? { nClusters: flags["n-clusters"] as number } : {}),
    ...(flags["max-iter"] !== undefined ? { nIterations: flags["max-iter"] as number } : {}),
    onProgress: bar.onProgress,
  });
  const harmonySeconds = (performance.now() - started) / 1000;

  const header = [...(names ? ["cell"] : []), ...columns].join("\t");
  const lines = [header];
  for (let i = 0; i < rows; i++) {
    const values: string[] = names ? [names[i]] : [];
    for (let j = 0; j < columns.length; j++) values.push(formatNumber(result.corrected[i * columns.length + j]));
    lines.push(values.join("\t"));
  }
  const text = `${lines.join("\n")}\n`;

  let lisiText = "";
  if (flags["no-lisi"] !== true && rows > 90) {
    bar.onProgress({ stage: "iLISI", done: 0, total: 1 });
    const first = labels[keys[0]];
    const before = iLisi({ data, rows, cols: columns.length }, first).median;
    const after = iLisi({ data: result.corrected, rows, cols: columns.length }, first).median;
    bar.onProgress({ stage: "iLISI", done: 1, total: 1 });
    lisiText = `; median iLISI (${keys[0]}) ${before.toFixed(2)} → ${after.toFixed(2)} of ${new Set(first).size}`;
  }
  bar.finish();
  const levels = result.levels.map((l, v) => `${result.variables[v]} (${l.length})`).join(", ");
  const summary =
    `harmony: ${rows} cells × ${columns.length} features, batches ${levels}, K = ${result.nClusters}, ` +
    `${result.kmeansRounds.length} rounds${result.converged ? " (converged)" : ""}, ${harmonySeconds.toFixed(2)} s${lisiText}`;
  if (output) {
    writeFileAtomic(output, text);
    io.stdout(`${summary} → ${output}\n`);
  } else {
    io.stdout(text);
    io.stderr(`${summary}\n`);
  }
  return 0;
}

/**
 * Row of `meta` for each named cell: through the metadata column holding exactly the input's cell names
 * (in any order). None: a warning, rows in order. Partial: an error naming the first unmatched cell.
 */
function metaOrder(meta: DataFrame, names: string[], path: string, io: CliIo): Int32Array | null {
  const wanted = new Set(names);
  for (const column of meta.columnNames) {
    const kind = meta.get(column).kind;
    if (kind !== "string" && kind !== "categorical") continue;
    const values = meta.strings(column);
    const matched = values.filter((v) => wanted.has(v)).length;
    if (matched === 0) continue;
    if (values.length === names.length && values.every((v, r) => v === names[r])) return null;
    const repeated = firstRepeat(values) ?? firstRepeat(names);
    if (repeated !== undefined)
      throw new InputError(
        `${path}: column ${column}`,
        `cell name ${JSON.stringify(repeated)} occurs twice, so rows cannot be matched by name; give the tables in the same order`,
      );
    const row = new Map(values.map((v, r) => [v, r]));
    const missing = names.findIndex((nm) => !row.has(nm));
    if (missing >= 0)
      throw new InputError(
        `${path}: column ${column}`,
        `has no row for cell ${JSON.stringify(names[missing])}`,
        missing,
      );
    return Int32Array.from(names, (nm) => row.get(nm) as number);
  }
  io.stderr(`diffcell harmony: warning: ${path} has no column with the input's cell names; rows are taken in order\n`);
  return null;
}

function firstRepeat(values: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const v of values) {
    if (seen.has(v)) return v;
    seen.add(v);
  }
  return undefined;
}

function readTable(path: string): DataFrame {
  return readCsv(path, { index: null });
}

/** Numeric columns of a table as row-major float64; a leading string column is the cell names. */
function numericBlock(table: DataFrame, path: string) {
  const all = table.columnNames;
  if (all.length === 0 || table.nRows === 0) throw new InputError(path, "the table is empty");
  const firstKind = table.get(all[0]).kind;
  const names = firstKind === "string" || firstKind === "categorical" ? table.strings(all[0]) : undefined;
  const columns = names ? all.slice(1) : all;
  if (columns.length === 0) throw new InputError(path, "has no numeric columns");
  const data = new Float64Array(table.nRows * columns.length);
  columns.forEach((name, j) => {
    const column = table.get(name);
    if (column.kind !== "numeric") throw new InputError(`${path}: column ${name}`, "is not numeric");
    const values = table.numbers(name);
    for (let i = 0; i < table.nRows; i++) {
      if (!Number.isFinite(values[i]))
        throw new InputError(`${path}: column ${name}`, `value on line ${i + 2} is not a finite number`, i);
      data[i * columns.length + j] = values[i];
    }
  });
  return { names, columns, data };
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(7).replace(/\.?0+(e|$)/, "$1");
}
