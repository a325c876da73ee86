/**
 * `diffcell <command> [options]`. `main(argv, io)` never throws and never exits: it returns the exit
 * code (0 success, 1 bad input or failed run, 2 bad command line) and writes errors as one line.
 */
import { readFileSync } from "node:fs";
import { DiffcellError, initBackend } from "@diffcell/core";
import { fileError, isOsError } from "@diffcell/io";
import { type CommandSpec, commandHelp, UsageError } from "./args.js";
import { harmonyCommand, harmonySpec } from "./harmony.js";
import type { CliIo } from "./io.js";
import { simulateCommand, simulateSpec } from "./simulate.js";
import { velocityCommand, velocitySpec } from "./velocity.js";

type Command = (argv: readonly string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, { spec: CommandSpec; run: Command }> = {
  velocity: { spec: velocitySpec, run: velocityCommand },
  harmony: { spec: harmonySpec, run: harmonyCommand },
  simulate: { spec: simulateSpec, run: simulateCommand },
};

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

/** Help lines stay within this many columns (a summary is wrapped, never cut). */
const COLUMNS = 100;

export function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length)) + 4;
  const indent = " ".repeat(2 + width);
  return [
    "usage: diffcell <command> [options]",
    "",
    "commands:",
    ...Object.entries(COMMANDS).flatMap(([name, { spec }]) =>
      wrap(spec.summary, COLUMNS - indent.length).map(
        (line, i) => (i === 0 ? `  ${name.padEnd(width)}` : indent) + line,
      ),
    ),
    "",
    "diffcell <command> --help shows a command's options; diffcell --version prints the version.",
    "",
  ].join("\n");
}

/** Words of `text` in lines of at most `width` characters (a longer word gets a line of its own). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const target = name === "help" ? rest[0] : undefined;
    if (target && COMMANDS[target]) io.stdout(commandHelp(COMMANDS[target].spec));
    else io.stdout(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    io.stdout(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(
      `diffcell: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(", ")}; see diffcell --help)\n`,
    );
    return 2;
  }
  try {
    await initBackend();
    const code = await command.run(rest, io);
    if (code === -1) {
      io.stdout(commandHelp(command.spec));
      return 0;
    }
    return code;
  } catch (error) {
    return reportError(name, error, io);
  }
}

function reportError(command: string, error: unknown, io: CliIo): number {
  const debug = io.env.DIFFCELL_DEBUG === "1";
  const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim();
  if (error instanceof UsageError) {
    io.stderr(`diffcell ${command}: ${oneLine(error.message)} (see diffcell ${command} --help)\n`);
    return 2;
  }
  if (error instanceof DiffcellError) {
    io.stderr(`diffcell ${command}: error: ${oneLine(error.message)}\n`);
    if (debug && error.stack) io.stderr(`${error.stack}\n`);
    return 1;
  }
  if (isOsError(error)) {
    // File-system errors (permission denied, not a folder, disk full) are the user's to fix: plain words.
    io.stderr(`diffcell ${command}: error: ${oneLine(fileError(error, "(file)").message)}\n`);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(
    `diffcell ${command}: internal error: ${oneLine(message)} (a bug; rerun with DIFFCELL_DEBUG=1 for the stack trace and report it)\n`,
  );
  if (debug && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
  return 70;
}
