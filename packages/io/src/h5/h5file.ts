/**
 * Thin layer over h5wasm (libhdf5 compiled to WebAssembly; Node build reads the host filesystem):
 * initialisation, opening with clear errors, typed errors naming the file and the HDF5 path, and
 * atomic writes (temp file + rename, so a failed write never leaves a half-written target).
 */
import { closeSync, existsSync, openSync, readSync, renameSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DiffcellError, FileError, InputError } from "@diffcell/core";
import h5wasm, { type Dataset, type Entity, type File, type Group } from "h5wasm/node";
import { fileError, freeBytes, isOsError } from "../files/errors.js";
import { registerTemp, releaseTemp, removeTemp, tempPathFor } from "../files/temp.js";

let readyPromise: Promise<void> | undefined;

/** Loads the HDF5 wasm module once and makes libhdf5 throw (instead of printing to stderr) on errors. */
export function h5Ready(): Promise<void> {
  readyPromise ??= h5wasm.ready.then((module) => {
    (module as unknown as { activate_throwing_error_handler(): number }).activate_throwing_error_handler();
  });
  return readyPromise;
}

export type { Dataset, Entity, File, Group };
export { h5wasm };

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * Opens an HDF5 file read-only. Missing files, non-HDF5 files and truncated files raise an
 * {@link InputError} naming the file before libhdf5 gets a chance to print anything.
 */
export async function openHdf5(path: string): Promise<File> {
  await h5Ready();
  const full = resolve(path);
  if (!existsSync(full)) throw new InputError(path, "file not found");
  const stats = statSync(full);
  if (stats.isDirectory()) throw new InputError(path, "is a folder; expected an HDF5 file");
  const size = stats.size;
  if (!hasSignature(full, size)) {
    throw new InputError(path, `not an HDF5 file (no HDF5 signature; ${size} bytes) — corrupt or wrong format`);
  }
  try {
    return new h5wasm.File(full, "r");
  } catch (e) {
    void e; // libhdf5's own words ("sblock->base_addr = 0") say nothing a user can act on
    throw new InputError(path, "is not a readable HDF5 file (truncated or corrupt)");
  }
}

/** The HDF5 superblock signature sits at byte 0, 512, 1024, … (user blocks may precede it). */
export function hasSignature(path: string, size: number): boolean {
  const fd = openSync(path, "r");
  try {
    const buf = Buffer.alloc(8);
    for (let offset = 0; offset + 8 <= size && offset <= 1 << 20; offset = offset === 0 ? 512 : offset * 2) {
      readSync(fd, buf, 0, 8, offset);
      if (HDF5_SIGNATURE.every((b, i) => buf[i] === b)) return true;
    }
    return false;
  } finally {
    closeSync(fd);
  }
}

/** The most specific line of an HDF5 error stack ("truncated file: eof = …"), or the error text. */
export function summarizeH5Error(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const lines = text
    .split("\n")
    .map((l) => /#\d+: .* in [\w]+\(\): (.*)$/.exec(l)?.[1])
    .filter((l): l is string => !!l);
  const last = (lines.length ? lines[lines.length - 1] : text.split("\n")[0]).trim();
  // libhdf5's words for a damaged file ("addr overflow", "bad object header version", "eof = …") mean the
  // same thing to a user.
  if (/eof|truncat|addr overflow|checksum|bad .*(version|signature|header)|unable to (load|read)|inflate/i.test(last))
    return `truncated or corrupt file (${last})`;
  return last;
}

/** Runs `fn`, turning any failure into an {@link InputError} named `file:/key`. */
export function guard<T>(file: string, key: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${file}:/${key}`, `unreadable: ${summarizeH5Error(e)}`);
  }
}

export function isGroup(e: Entity | null): e is Group {
  return e instanceof h5wasm.Group;
}

export function isDataset(e: Entity | null): e is Dataset {
  return e instanceof h5wasm.Dataset;
}

/** A string attribute (scalar or one-element array), or undefined. */
export function stringAttr(node: Dataset | Group, name: string): string | undefined {
  const attrs = node.attrs;
  if (!(name in attrs)) return undefined;
  const v = attrs[name].value;
  if (typeof v === "string") return v;
  if (Array.isArray(v) && typeof v[0] === "string" && v.length === 1) return v[0];
  return undefined;
}

/**
 * Writes through `fn` into a temporary file beside `path`, lets `finish` post-process the closed file,
 * then renames it over `path`. On failure (or SIGINT/SIGTERM, through the temp-file registry) the temporary
 * file is removed and `path` is untouched. Failures are {@link FileError}s in plain words (disk full,
 * read-only, permission).
 */
export async function writeHdf5Atomically(
  path: string,
  fn: (file: File) => void,
  finish?: (tmpPath: string) => void,
): Promise<void> {
  await h5Ready();
  const full = resolve(path);
  if (!existsSync(dirname(full))) throw new FileError(path, `folder ${dirname(full)} does not exist`, "ENOENT");
  const tmp = tempPathFor(full);
  registerTemp(tmp);
  let file: File | undefined;
  try {
    // Library bounds (earliest, latest) as h5py: version-1 object headers, readable by old libhdf5.
    file = new h5wasm.File(tmp, "w", { libver: ["earliest", "latest"] });
    fn(file);
    file.close();
    file = undefined;
    finish?.(tmp);
    renameSync(tmp, full);
    releaseTemp(tmp);
  } catch (e) {
    try {
      file?.close();
    } catch {
      // already failing; the original error matters
    }
    removeTemp(tmp);
    if (e instanceof DiffcellError) throw e;
    if (isOsError(e)) throw fileError(e, path, "write failed");
    // libhdf5 in WebAssembly loses errno: a failed write on a full disk reads "file write failed".
    const free = freeBytes(dirname(full));
    if (free !== undefined && free < 1 << 20)
      throw new FileError(path, "write failed: disk full (no space left on the device)", "ENOSPC");
    throw new FileError(path, `write failed: ${summarizeH5Error(e)}`);
  }
}
