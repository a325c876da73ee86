/**
 * Command-line parsing on `node:util` parseArgs, with typed values, defaults, help text and errors that
 * name the flag.
 */
import { parseArgs } from "node:util";
import { DiffcellError } from "@diffcell/core";

/** Wrong command line (unknown flag, missing value, value out of range): exit code 2. */
export class UsageError extends DiffcellError {}

export interface FlagSpec {
  kind: "string" | "integer" | "number" | "boolean";
  description: string;
  /** Placeholder shown in help, e.g. FILE. */
  value?: string;
  short?: string;
  /** For integers/numbers: inclusive bounds. */
  min?: number;
  max?: number;
  /** For strings: the allowed values. */
  choices?: readonly string[];
}

export interface CommandSpec {
  name: string;
  summary: string;
  usage: string;
  flags: Record<string, FlagSpec>;
  /** Extra help paragraphs. */
  notes?: readonly string[];
}

export type FlagValues = Record<string, string | number | boolean | undefined>;

export function parseCommand(spec: CommandSpec, argv: readonly string[]): FlagValues & { help?: boolean } {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const [name, flag] of Object.entries(spec.flags)) {
    options[name] = {
      type: flag.kind === "boolean" ? "boolean" : "string",
      ...(flag.short ? { short: flag.short } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: joinNegativeValues(spec, argv), options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.replace(/\. To specify a positional.*$/s, "")}`);
  }
  const values: FlagValues & { help?: boolean } = { help: parsed.values.help === true };
  for (const [name, flag] of Object.entries(spec.flags)) {
    const raw = parsed.values[name];
    if (raw === undefined) continue;
    if (flag.kind === "boolean") {
      values[name] = raw === true;
      continue;
    }
    const text = String(raw);
    if (flag.kind === "string") {
      if (text === "") throw new UsageError(`--${name} needs a non-empty value`);
      if (flag.choices && !flag.choices.includes(text))
        throw new UsageError(`--${name} must be one of ${flag.choices.join(", ")}; got ${JSON.stringify(text)}`);
      values[name] = text;
      continue;
    }
    values[name] = parseNumber(name, flag, text);
  }
  return values;
}

/** A numeric flag's value, range-checked; the error names the bound that was crossed. */
function parseNumber(name: string, flag: FlagSpec, text: string): number {
  const value = Number(text.trim());
  const what = flag.kind === "integer" ? "an integer" : "a number";
  const range = rangeText(flag);
  if (text.trim() === "" || !Number.isFinite(value) || (flag.kind === "integer" && !Number.isInteger(value)))
    throw new UsageError(`--${name} must be ${what}${range ? ` ${range}` : ""}; got ${JSON.stringify(text)}`);
  if (flag.min !== undefined && value < flag.min)
    throw new UsageError(`--${name} must be ${what} ≥ ${flag.min}; got ${text.trim()}`);
  if (flag.max !== undefined && value > flag.max)
    throw new UsageError(`--${name} must be ${what} ≤ ${flag.max}; got ${text.trim()}`);
  return value;
}

function rangeText(flag: FlagSpec): string {
  if (flag.min !== undefined && flag.max !== undefined) return `in ${flag.min}…${flag.max}`;
  if (flag.min !== undefined) return `≥ ${flag.min}`;
  if (flag.max !== undefined) return `≤ ${flag.max}`;
  return "";
}

/** A token that looks like a negative number ("-1", "-0.5", "-1e3", "-Inf"), not like a flag. */
const NEGATIVE = /^-(\d|\.\d|inf(inity)?$)/i;

/**
 * `--epochs -1` → `--epochs=-1` for flags that take a value, so Node's parser sees a value (it would
 * otherwise call the argument "ambiguous") and the range check can name the problem.
 */
function joinNegativeValues(spec: CommandSpec, argv: readonly string[]): string[] {
  const out: string[] = [];
  const shorts = new Map(Object.entries(spec.flags).map(([name, f]) => [f.short ? `-${f.short}` : "", name]));
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    const name = token.startsWith("--") ? token.slice(2) : shorts.get(token);
    const flag = name !== undefined ? spec.flags[name] : undefined;
    const next = argv[i + 1];
    if (flag && flag.kind !== "boolean" && next !== undefined && NEGATIVE.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else out.push(token);
  }
  return out;
}

export function commandHelp(spec: CommandSpec): string {
  const rows = Object.entries(spec.flags).map(([name, flag]) => {
    const left = `  ${flag.short ? `-${flag.short}, ` : ""}--${name}${flag.kind === "boolean" ? "" : ` ${flag.value ?? (flag.kind === "string" ? "VALUE" : "N")}`}`;
    const choices = flag.choices ? ` (${flag.choices.join(" | ")})` : "";
    return [left, `${flag.description}${choices}`] as const;
  });
  rows.push(["  -h, --help", "show this help"]);
  const width = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = [`usage: ${spec.usage}`, "", spec.summary, "", "options:"];
  for (const [left, right] of rows) lines.push(left.padEnd(width) + right);
  if (spec.notes?.length) lines.push("", ...spec.notes);
  return `${lines.join("\n")}\n`;
}
