/**
 * Output paths checked before any computation: never an input (real paths compared, so symlinks and
 * `./a/../a` spellings are caught), not a folder, in a folder that exists or can be created and is
 * writable. Text outputs are written atomically (temporary file, then rename).
 */
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { FileError } from "@diffcell/core";
import { describeErrorCode, fileError, isOsError } from "./errors.js";
import { registerTemp, releaseTemp, removeTemp, tempPathFor } from "./temp.js";

/** The canonical form of `path`: its real path, or its nearest existing ancestor's real path + the rest. */
export function canonicalPath(path: string): string {
  const full = resolve(path);
  const rest: string[] = [];
  let head = full;
  for (;;) {
    try {
      return join(realpathSync(head), ...rest.reverse());
    } catch {
      const parent = dirname(head);
      if (parent === head) return full;
      rest.push(basename(head));
      head = parent;
    }
  }
}

export interface OutputCheck {
  /** Paths the run reads (input files and folders, metadata tables): the output may be none of them. */
  inputs?: ReadonlyArray<string | undefined>;
  /** How the output is named in messages, e.g. "--output". */
  label?: string;
  /** The output is a folder (may exist as one; must not be a file). */
  folder?: boolean;
}

/**
 * Throws a {@link FileError} unless `path` can be written: not an input, not an existing folder, and its
 * nearest existing ancestor a writable folder (with `folder`: may be an existing folder). Creates nothing.
 */
export function checkOutputPath(path: string, options: OutputCheck = {}): void {
  const label = options.label ? `${options.label} ${path}` : path;
  const target = canonicalPath(path);
  for (const input of options.inputs ?? []) {
    if (input === undefined) continue;
    if (canonicalPath(input) === target)
      throw new FileError(label, `is also an input (${input}); diffcell never overwrites its input`);
  }
  if (existsSync(target)) {
    const s = statSync(target);
    if (s.isDirectory() && !options.folder) throw new FileError(label, "is a folder; expected a file name", "EISDIR");
    if (!s.isDirectory() && options.folder)
      throw new FileError(label, "is a file; expected a folder (or a name for a new one)", "ENOTDIR");
  }
  let dir = dirname(target);
  while (!existsSync(dir)) dir = dirname(dir);
  if (!statSync(dir).isDirectory())
    throw new FileError(label, `${dir} is a file, not a folder; the output cannot be created under it`, "ENOTDIR");
  try {
    accessSync(dir, constants.W_OK);
  } catch (e) {
    const code = isOsError(e) ? e.code : "EACCES";
    throw new FileError(label, `cannot write in ${dir}: ${describeErrorCode(code)}`, code);
  }
}

/** Creates the folder of `path` (and its parents); OS errors in plain words. */
export function ensureParentDir(path: string): void {
  const dir = dirname(resolve(path));
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw fileError(e, dir, "cannot create the output folder");
  }
}

/** Writes `data` to `path` through a registered temporary file renamed into place; cleans up on failure. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const full = resolve(path);
  ensureParentDir(full);
  const tmp = tempPathFor(full);
  registerTemp(tmp);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, full);
    releaseTemp(tmp);
  } catch (e) {
    removeTemp(tmp);
    throw fileError(e, path, "write failed");
  }
}
