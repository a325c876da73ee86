/** Operating-system errors in plain words, as {@link FileError}s naming the path. */
import { statfsSync } from "node:fs";
import { DiffcellError, FileError } from "@diffcell/core";

const PLAIN: Record<string, string> = {
  ENOSPC: "disk full (no space left on the device)",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system; choose another location",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "is a folder; expected a file",
  ENOTDIR: "a part of the path is a file, not a folder",
  EEXIST: "already exists and is not a folder",
  ENOENT: "no such file or folder",
  EMFILE: "too many open files",
  ENAMETOOLONG: "file name too long",
  EIO: "input/output error (device failure?)",
  EFBIG: "file too large for this file system",
  ELOOP: "too many symbolic links (a loop?)",
  EBUSY: "file is busy (in use by another program)",
};

/** Is `e` an OS error (Node's ErrnoException with a code)? */
export function isOsError(e: unknown): e is NodeJS.ErrnoException & { code: string } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === "string" && !(e instanceof DiffcellError);
}

/** The plain-words description of an OS error code ("disk full …"), or the code itself. */
export function describeErrorCode(code: string): string {
  return PLAIN[code] ?? code;
}

/**
 * `e` as a {@link FileError}: OS errors in plain words (the path taken from the error when it has one,
 * else `path`), diffcell errors unchanged, anything else wrapped with its first line.
 */
export function fileError(e: unknown, path: string, action = ""): Error {
  if (e instanceof DiffcellError) return e;
  if (isOsError(e)) {
    const where = typeof e.path === "string" ? e.path : path;
    return new FileError(where, `${action ? `${action}: ` : ""}${describeErrorCode(e.code)}`, e.code);
  }
  const text = e instanceof Error ? e.message : String(e);
  return new FileError(path, `${action ? `${action}: ` : ""}${text.split("\n")[0]}`);
}

/**
 * Free bytes on the file system holding `dir` (undefined when unknown). A library that loses errno
 * (libhdf5 in WebAssembly says only "file write failed") is explained by this: no space left.
 */
export function freeBytes(dir: string): number | undefined {
  try {
    const s = statfsSync(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return undefined;
  }
}
