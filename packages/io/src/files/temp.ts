/**
 * Temporary files of atomic writes (`.name.pid.n.tmp` beside the target). Each is registered while it
 * exists; on SIGINT/SIGTERM (and at exit) every registered file is removed, then the process ends with the
 * signal's conventional code (130, 143), so a killed run leaves nothing behind.
 */
import { existsSync, unlinkSync } from "node:fs";
import { basename, dirname, join } from "node:path";

const live = new Set<string>();
let counter = 0;
let installed = false;

/** A fresh temporary path beside `target` (not created, not yet registered). */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${counter++}.tmp`);
}

/** Registers `path` for removal on failure, signal or exit; installs the signal handlers once. */
export function registerTemp(path: string): void {
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
