/**
 * @diffcell/cli — the `diffcell` command: `velocity` (the main job, with report), `harmony`, `simulate`.
 * `main(argv, io)` runs a command in-process and returns its exit code (used by the bin and the tests).
 */
export { type CommandSpec, commandHelp, type FlagSpec, parseCommand, UsageError } from "./args.js";
export { bufferIo, type CliIo, processIo } from "./io.js";
export { type LoadedInput, loadInput } from "./load.js";
export { main, usage, version } from "./main.js";
export { type ProgressBar, progressBar } from "./progress.js";
export { buildReport, type Figure, type ReportInput, writeReport } from "./report.js";
export { parseEdges, summaryLine, type VelocitySummary, velocityCommand } from "./velocity.js";
