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
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
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
    const value = Number(text);
    const what = flag.kind === "integer" ? "an integer" : "a number";
    if (text.trim() === "" || !Number.isFinite(value) || (flag.kind === "integer" && !Number.isInteger(value)))
      throw new UsageError(`--${name} must be ${what}; got ${JSON.stringify(text)}`);
    if ((flag.min !== undefined && value < flag.min) || (flag.max !== undefined && value > flag.max)) {
      const range = `${flag.min ?? "-∞"}…${flag.max ?? "∞"}`;
      throw new UsageError(`--${name} must be ${what} in ${range}; got ${text}`);
    }
    values[name] = value;
  }
  return values;
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
