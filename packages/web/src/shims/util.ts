/**
 * `node:util` for the browser bundle: `parseArgs` as the CLI calls it (string and boolean options, short
 * aliases, `--name=value`, strict, no positionals), with Node's error texts for the cases the CLI reports.
 */
export interface ParseArgsOption {
  type: "string" | "boolean";
  short?: string;
}

export interface ParseArgsConfig {
  args?: string[];
  options?: Record<string, ParseArgsOption>;
  strict?: boolean;
  allowPositionals?: boolean;
}

export function parseArgs(config: ParseArgsConfig): {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
} {
  const args = config.args ?? [];
  const options = config.options ?? {};
  const strict = config.strict ?? true;
  const allowPositionals = config.allowPositionals ?? !strict;
  const shorts = new Map(Object.entries(options).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])));
  const values: Record<string, string | boolean | undefined> = Object.create(null);
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let inline: string | undefined;
    let shown = arg;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      shown = `--${name}`;
    } else if (arg.startsWith("-") && arg.length > 1) {
      const short = arg[1];
      name = shorts.get(short);
      inline = arg.length > 2 ? arg.slice(2) : undefined;
      shown = `-${short}`;
      if (name === undefined) {
        if (strict) throw new TypeError(`Unknown option '${shown}'`);
        name = short;
      }
    } else {
      if (!allowPositionals)
        throw new TypeError(`Unexpected argument '${arg}'. This command does not take positional arguments`);
      positionals.push(arg);
      continue;
    }
    const option = options[name];
    if (!option) {
      if (strict) throw new TypeError(`Unknown option '${shown}'`);
      values[name] = inline ?? true;
      continue;
    }
    if (option.type === "boolean") {
      if (inline !== undefined && strict) throw new TypeError(`Option '${shown}' does not take an argument`);
      values[name] = true;
      continue;
    }
    if (inline !== undefined) {
      values[name] = inline;
      continue;
    }
    const next = args[i + 1];
    if (next === undefined || (strict && next.startsWith("-"))) {
      const short = option.short ? `-${option.short}, ` : "";
      throw new TypeError(`Option '${short}--${name} <value>' argument missing`);
    }
    values[name] = next;
    i++;
  }
  return { values, positionals };
}

export function inspect(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

export default { parseArgs, inspect };
