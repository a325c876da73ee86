/**
 * Temporary files of atomic writes (`.name.host.pid.n.tmp` beside the target) and of spilled layers
 * (`.diffcell-spill.host.pid.n.bin`). Each is registered while it exists; on SIGINT/SIGTERM (and at exit)
 * every registered file is removed, then the process ends with the signal's conventional code (130, 143), so a
 * killed run leaves nothing behind. A run killed outright (SIGKILL, e.g. by the kernel's out-of-memory killer at
 * 100k+ cells) cannot clean up: its files (GBs of spilled layers beside the output) are removed by the next run
 * that registers a temporary file in the same folder, once their process is gone (see {@link sweepStale}).
 */
import { existsSync, readdirSync, unlinkSync } from "node:fs";
import { hostname } from "node:os";
import { basename, dirname, join } from "node:path";

const live = new Set<string>();
let counter = 0;
let installed = false;

/**
 * This machine in temporary names (dots and separators replaced): a folder shared between machines (NFS) holds
 * other hosts' files, whose processes cannot be checked from here; only this host's are ever swept.
 */
const HOST = hostname().replace(/[^A-Za-z0-9_-]/g, "_") || "host";

/** The part of a temporary name after the target or prefix: `.host.pid.n`. */
export function tempTag(): string {
  return `${HOST}.${process.pid}.${counter++}`;
}

/** A fresh temporary path beside `target` (not created, not yet registered). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${tempTag()}.tmp`);
}

/** Folders already swept by this process. */
const swept = new Set<string>();

/** Our temporary names: `.<anything>.<host>.<pid>.<n>.tmp` or `.diffcell-spill.<host>.<pid>.<n>.bin`. */
const TEMP_NAME = /^\..+\.([A-Za-z0-9_-]+)\.(\d+)\.\d+\.(tmp|bin)$/;

/**
 * Removes this host's temporary files in `dir` left by processes that no longer run (a SIGKILLed run's spilled
 * layers and partial outputs). A file is removed only when its name is ours, it names this host, and its
 * process id is not a running process (`kill(pid, 0)` fails with ESRCH); anything else is left alone. Spill
 * files must also carry the `.diffcell-spill.` prefix and partial outputs end in `.tmp`. Never throws.
 */
export function sweepStale(dir: string): string[] {
  const removed: string[] = [];
  if (typeof process === "undefined" || typeof process.kill !== "function") return removed;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || m[1] !== HOST) continue;
    if (m[3] === "bin" && !name.startsWith(".diffcell-spill.")) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || processRuns(pid)) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(name);
    } catch {
      // gone meanwhile, or not ours to remove
    }
  }
  return removed;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs (another user's); only ESRCH says there is no such process.
    return (e as { code?: string }).code !== "ESRCH";
  }
}

/** Registers `path` for removal on failure, signal or exit; installs the signal handlers once. */
export function registerTemp(path: string): void {
  const dir = dirname(path);
  if (!swept.has(dir)) {
    swept.add(dir);
    sweepStale(dir);
  }
  live.add(path);
  if (!installed) {
    installed = true;
    // Only where there is a process to listen to (not in a browser's in-memory file system).
    if (typeof process === "undefined" || typeof process.once !== "function") return;
    process.on("exit", removeAllTemps);
    for (const [signal, code] of [
      ["SIGINT", 130],
      ["SIGTERM", 143],
    ] as const) {
      process.once(signal, () => {
        removeAllTemps();
        process.exit(code);
      });
    }
  }
}

/** Removes `path` if it still exists and forgets it. Never throws. */
export function removeTemp(path: string): void {
  live.delete(path);
  try {
    if (existsSync(path)) unlinkSync(path);
  } catch {
    // best effort: the original failure is what the user needs to see
  }
}

/** Forgets `path` (it was renamed into place). */
export function releaseTemp(path: string): void {
  live.delete(path);
}

/** Removes every registered temporary file (on failure paths, signals and exit). */
export function removeAllTemps(): void {
  for (const path of [...live]) removeTemp(path);
}

/** The temporary files currently registered (for tests). */
export function liveTemps(): string[] {
  return [...live];
}
