/**
 * `node:fs` for the browser bundle: the synchronous calls diffcell's packages make (reading inputs, the
 * bundled data and fonts, h5wasm's atomic writes, the report), on h5wasm's own in-memory emscripten file
 * system — so a file written here is the file libhdf5 opens, and libhdf5's output is readable here.
 * `URL` arguments (`new URL("../fonts/x.ttf", import.meta.url)`) resolve to their path name.
 */
import { Buffer } from "buffer";
import * as h5 from "h5wasm";

interface EmStat {
  size: number;
  mode: number;
  mtime: Date;
}
interface EmStream {
  fd: number;
}
interface EmFs {
  analyzePath(path: string): { exists: boolean };
  stat(path: string): EmStat;
  isDir(mode: number): boolean;
  isFile(mode: number): boolean;
  readFile(path: string): Uint8Array;
  writeFile(path: string, data: string | ArrayBufferView): void;
  mkdirTree(path: string): void;
  readdir(path: string): string[];
  unlink(path: string): void;
  rmdir(path: string): void;
  rename(from: string, to: string): void;
  open(path: string, flags: string): EmStream;
  close(stream: EmStream): void;
  read(stream: EmStream, buffer: Uint8Array, offset: number, length: number, position?: number): number;
  write(stream: EmStream, buffer: Uint8Array, offset: number, length: number, position?: number): number;
}

/** The emscripten FS (h5wasm sets it once `h5wasm.ready` has resolved). */
export function memfs(): EmFs {
  const fs = h5.FS as unknown as EmFs | null;
  if (!fs) throw new Error("the in-memory file system is not ready (await h5wasm.ready first)");
  return fs;
}

type PathLike = string | URL;

function toPath(path: PathLike): string {
  return typeof path === "string" ? path : decodeURIComponent(path.pathname);
}

/** Node-style errors (`code`, `path`), which the CLI reports as the user's problem. */
function wrap<T>(path: PathLike, syscall: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    const errno = (error as { errno?: number; name?: string }).errno;
    const code = errno === 44 ? "ENOENT" : errno === 20 ? "EEXIST" : errno === 54 ? "ENOTDIR" : "EIO";
    const e = new Error(`${code}: ${syscall} '${toPath(path)}'`) as Error & { code: string; path: string };
    e.code = code;
    e.path = toPath(path);
    throw e;
  }
}

export function existsSync(path: PathLike): boolean {
  return memfs().analyzePath(toPath(path)).exists;
}

export interface Stats {
  size: number;
  mtime: Date;
  isDirectory(): boolean;
  isFile(): boolean;
}

function stats(s: EmStat): Stats {
  const fs = memfs();
  return { size: s.size, mtime: s.mtime, isDirectory: () => fs.isDir(s.mode), isFile: () => fs.isFile(s.mode) };
}

export function statSync(path: PathLike): Stats {
  return wrap(path, "stat", () => stats(memfs().stat(toPath(path))));
}

type Encoding = BufferEncoding | { encoding?: BufferEncoding | null } | null | undefined;

export function readFileSync(path: PathLike, options: BufferEncoding | { encoding: BufferEncoding }): string;
export function readFileSync(path: PathLike, options?: Encoding): Buffer;
export function readFileSync(path: PathLike, options?: Encoding): Buffer | string {
  const bytes = wrap(path, "open", () => memfs().readFile(toPath(path)));
  const encoding = typeof options === "string" ? options : options?.encoding;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return encoding ? buffer.toString(encoding) : buffer;
}

export function writeFileSync(path: PathLike, data: string | ArrayBufferView): void {
  wrap(path, "open", () => memfs().writeFile(toPath(path), data));
}

export function mkdirSync(path: PathLike, _options?: { recursive?: boolean }): void {
  const p = toPath(path);
  if (existsSync(p)) return;
  wrap(path, "mkdir", () => memfs().mkdirTree(p));
}

export function readdirSync(path: PathLike): string[] {
  return wrap(path, "scandir", () => memfs().readdir(toPath(path))).filter((name) => name !== "." && name !== "..");
}

export function unlinkSync(path: PathLike): void {
  wrap(path, "unlink", () => memfs().unlink(toPath(path)));
}

export function rmSync(path: PathLike, options?: { recursive?: boolean; force?: boolean }): void {
  const p = toPath(path);
  if (!existsSync(p)) {
    if (options?.force) return;
    unlinkSync(p);
  }
  const fs = memfs();
  if (fs.isDir(fs.stat(p).mode)) {
    for (const name of readdirSync(p)) rmSync(`${p}/${name}`, options);
    fs.rmdir(p);
  } else fs.unlink(p);
}

export function renameSync(from: PathLike, to: PathLike): void {
  wrap(from, "rename", () => memfs().rename(toPath(from), toPath(to)));
}

const streams = new Map<number, EmStream>();

function stream(fd: number): EmStream {
  const s = streams.get(fd);
  if (!s) throw Object.assign(new Error(`EBADF: bad file descriptor ${fd}`), { code: "EBADF" });
  return s;
}

export function openSync(path: PathLike, flags = "r"): number {
  const s = wrap(path, "open", () => memfs().open(toPath(path), flags));
  streams.set(s.fd, s);
  return s.fd;
}

export function closeSync(fd: number): void {
  memfs().close(stream(fd));
  streams.delete(fd);
}

export function fstatSync(fd: number): Stats {
  const s = stream(fd) as EmStream & { node: unknown; path: string };
  return stats(memfs().stat(s.path));
}

function toBytes(buffer: ArrayBufferView): Uint8Array {
  return buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function readSync(
  fd: number,
  buffer: ArrayBufferView,
  offset = 0,
  length = buffer.byteLength - offset,
  position: number | null = null,
): number {
  return memfs().read(stream(fd), toBytes(buffer), offset, length, position ?? undefined);
}

export function writeSync(
  fd: number,
  buffer: ArrayBufferView,
  offset = 0,
  length = buffer.byteLength - offset,
  position: number | null = null,
): number {
  return memfs().write(stream(fd), toBytes(buffer), offset, length, position ?? undefined);
}

/** node:fs's callback `write`: done in memory at once, the callback called on a later tick (as Node's). */
export function write(
  fd: number,
  buffer: ArrayBufferView,
  offset: number,
  length: number,
  position: number | null,
  callback: (error: Error | null, written: number) => void,
): void {
  let written = 0;
  let failure: Error | null = null;
  try {
    written = writeSync(fd, buffer, offset, length, position);
  } catch (error) {
    failure = error as Error;
  }
  queueMicrotask(() => callback(failure, written));
}

/** Access modes (as node:fs's): the in-memory file system is readable and writable everywhere. */
export const constants = { F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1 };

/** Fails as Node does when the path does not exist; every existing path is readable and writable here. */
export function accessSync(path: PathLike, _mode?: number): void {
  wrap(path, "access", () => memfs().stat(toPath(path)));
}

/** The in-memory file system has no symbolic links: the path itself, once it exists. */
export function realpathSync(path: PathLike): string {
  return wrap(path, "realpath", () => {
    memfs().stat(toPath(path));
    return toPath(path);
  });
}

/** Free space is the page's memory, not a disk: unknown, so callers that ask (io's freeBytes) get an error. */
export function statfsSync(path: PathLike): never {
  const e = new Error(`ENOSYS: statfs '${toPath(path)}' (in-memory file system)`) as Error & { code: string };
  e.code = "ENOSYS";
  throw e;
}

export default {
  constants,
  accessSync,
  realpathSync,
  statfsSync,
  existsSync,
  statSync,
  readFileSync,
  writeFileSync,
  mkdirSync,
  readdirSync,
  unlinkSync,
  rmSync,
  renameSync,
  openSync,
  closeSync,
  write,
  fstatSync,
  readSync,
  writeSync,
};
