/**
 * Layers parked on disk while a long computation no longer reads them. A 100k × 2000 float32 layer is 0.8 GB;
 * the velocity pipeline holds the input's X, spliced, unspliced (and whatever else the file had) from loading
 * to writing although no step after the moments reads them, which is most of its peak memory.
 *
 * {@link spillLayer} writes a layer's arrays to a temporary file (registered with the temp-file registry, so it
 * is removed at exit or on a signal) and returns a matrix of the same format whose arrays are read back on first
 * access: anything that reads `data` (or `indices`, `indptr`) gets the layer back in memory, held from then on,
 * so a spilled layer behaves exactly as the original wherever it is used. The writers read it in row blocks
 * instead ({@link readSpilled}), so writing never holds a spilled layer whole.
 */
import { closeSync, openSync, readSync, write } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isOsError } from "../files/errors.js";
import { registerTemp, removeTemp, tempTag } from "../files/temp.js";
import type { Layer, NumericArray } from "./types.js";

type ArrayName = "data" | "indices" | "indptr";
type NumericConstructor = { new (length: number): NumericArray; readonly BYTES_PER_ELEMENT: number };

interface Part {
  /** Byte offset in the file. */
  offset: number;
  length: number;
  type: NumericConstructor;
}

interface SpillState {
  /** The file while the arrays are on disk; undefined once they are back in memory. */
  path: string | undefined;
  parts: Record<string, Part>;
  /** The arrays in memory: the originals while the file is written, those read back after a restore. */
  held: Record<string, NumericArray>;
  /** True until the file is complete (reads use `held` meanwhile). */
  writing: boolean;
}

const STATE = Symbol("spill");
/** Bytes written or read per system call. */
const IO_BYTES = 64 * 2 ** 20;

function stateOf(m: Layer): SpillState | undefined {
  return (m as unknown as { [STATE]?: SpillState })[STATE];
}

/** Is `m` a spilled layer whose arrays are still on disk? */
export function isSpilled(m: Layer): boolean {
  return stateOf(m)?.path !== undefined;
}

/** The number of values in one of `m`'s arrays, without reading a spilled layer back. */
export function storedLength(m: Layer, name: ArrayName = "data"): number {
  const state = stateOf(m);
  if (state?.path !== undefined) return state.parts[name].length;
  return (m as unknown as Record<ArrayName, NumericArray>)[name].length;
}

/** The typed-array constructor of one of `m`'s arrays (a spilled layer's is known without reading it). */
export function storedType(m: Layer, name: ArrayName = "data"): NumericConstructor {
  const state = stateOf(m);
  if (state?.path !== undefined) return state.parts[name].type;
  return (m as unknown as Record<ArrayName, NumericArray>)[name].constructor as NumericConstructor;
}

/**
 * Values `[start, end)` of one of `m`'s arrays: read from the file when `m` is spilled (without bringing the
 * layer back), a view otherwise.
 */
export function readSpilled(m: Layer, name: ArrayName, start: number, end: number): NumericArray {
  const state = stateOf(m);
  if (state?.path === undefined) return (m as unknown as Record<ArrayName, NumericArray>)[name].subarray(start, end);
  if (state.writing) return state.held[name].subarray(start, end);
  const part = state.parts[name];
  const out = new part.type(end - start);
  readInto(state.path, part.offset + start * part.type.BYTES_PER_ELEMENT, out);
  return out;
}

/**
 * `m` with its arrays moved to a temporary file in `dir` (default the OS's temporary folder); `m` itself is
 * left untouched (drop every reference to it to free its memory). When the file cannot be written (disk full,
 * no such folder, read-only) the layer is returned unchanged: spilling saves memory, it never fails a run.
 */
export function spillLayer(m: Layer, dir: string = tmpdir()): Layer {
  if (stateOf(m)) return m;
  const names: ArrayName[] = m.format === "dense" ? ["data"] : ["data", "indices", "indptr"];
  const arrays = m as unknown as Record<ArrayName, NumericArray>;
  const path = join(dir, `.diffcell-spill.${tempTag()}.bin`);
  const parts: Record<string, Part> = {};
  registerTemp(path);
  let fd: number;
  try {
    fd = openSync(path, "w");
  } catch (e) {
    removeTemp(path);
    if (isOsError(e)) return m;
    throw e;
  }
  let offset = 0;
  // No closure here may capture these arrays (V8 keeps one context per scope for all its closures: the
  // getters below would hold them for the layer's lifetime, and spilling would free nothing).
  const held: Record<string, NumericArray> = {};
  const toWrite: Array<readonly [NumericArray, number]> = [];
  for (const name of names) {
    const a = arrays[name];
    parts[name] = { offset, length: a.length, type: a.constructor as NumericConstructor };
    held[name] = a;
    toWrite.push([a, offset]);
    offset += a.byteLength;
  }
  // The arrays stay held until the file is complete; the write runs on libuv's thread pool while this thread
  // goes on (written with writeSync, each 0.8 GB layer of a 100k-cell run held the pipeline ~2 s).
  const state: SpillState = { path, parts, held, writing: true };
  const done = writeArrays(fd, toWrite).then(
    () => {
      state.writing = false;
      // Read back meanwhile: the file went then; otherwise the memory goes now.
      if (state.path !== undefined) state.held = {};
    },
    () => {
      // Disk full or another write error: the layer stays in memory.
      state.writing = false;
      if (state.path !== undefined) removeTemp(state.path);
      state.path = undefined;
    },
  );
  pending.add(done);
  void done.finally(() => pending.delete(done));
  const spilled = { format: m.format, rows: m.rows, cols: m.cols } as Record<string, unknown>;
  Object.defineProperty(spilled, STATE, { value: state });
  for (const name of names)
    Object.defineProperty(spilled, name, {
      enumerable: true,
      get: () => {
        restore(state);
        return state.held[name];
      },
      set: (value: NumericArray) => {
        restore(state);
        state.held[name] = value;
      },
    });
  return spilled as unknown as Layer;
}

/** Spill files still being written. */
const pending = new Set<Promise<void>>();

/** Resolves once every spill file started so far is complete (or has failed and left its layer in memory). */
export async function spillWrites(): Promise<void> {
  await Promise.all([...pending]);
}

/**
 * Writes each array at its byte offset in IO_BYTES calls, then closes `fd` (also on failure). Every call is
 * issued at once: the thread pool runs them while this thread computes, whereas a chain (the next call issued
 * by the previous one's callback) advanced one call per turn of the event loop, i.e. per pipeline step.
 */
async function writeArrays(fd: number, arrays: ReadonlyArray<readonly [NumericArray, number]>): Promise<void> {
  const writeAll = (bytes: Uint8Array, position: number): Promise<void> =>
    new Promise<number>((resolve, reject) =>
      write(fd, bytes, 0, bytes.length, position, (error, written) => (error ? reject(error) : resolve(written))),
    ).then((written) =>
      // A short write (rare for files) continues where it stopped.
      written < bytes.length ? writeAll(bytes.subarray(written), position + written) : undefined,
    );
  const calls: Promise<void>[] = [];
  for (const [a, offset] of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let p = 0; p < bytes.length; p += IO_BYTES)
      calls.push(writeAll(bytes.subarray(p, Math.min(bytes.length, p + IO_BYTES)), offset + p));
  }
  try {
    await Promise.all(calls);
  } finally {
    // Every call settled before the descriptor closes (one failing must not close it under the others).
    await Promise.allSettled(calls);
    closeSync(fd);
  }
}

/** Brings a spilled layer's arrays back into memory (for good) and removes its file. */
function restore(state: SpillState): void {
  const path = state.path;
  if (path === undefined) return;
  state.path = undefined;
  // Still being written: the arrays are still held, and the file goes now (the write finishes into nothing).
  if (!state.writing) {
    for (const [name, part] of Object.entries(state.parts)) {
      const a = new part.type(part.length);
      readInto(path, part.offset, a);
      state.held[name] = a;
    }
  }
  removeTemp(path);
}

function readInto(path: string, offset: number, out: NumericArray): void {
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const fd = openSync(path, "r");
  try {
    for (let p = 0; p < bytes.length; ) {
      const got = readSync(fd, bytes, p, Math.min(IO_BYTES, bytes.length - p), offset + p);
      if (got === 0) throw new Error(`${path}: spilled layer file ended early`);
      p += got;
    }
  } finally {
    closeSync(fd);
  }
}
