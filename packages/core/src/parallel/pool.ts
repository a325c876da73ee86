/**
 * Row-parallel fused kernels on worker threads over SharedArrayBuffer (docs/engine.md rule 6: tfjs turns wasm
 * threads off in Node, so the second core is only reachable from our own kernels).
 *
 * A {@link ParallelKernel} is plain JavaScript source: an entry `(args, chunk, nChunks) => void` plus the
 * self-contained helper functions it calls (no imports, no closures over module state), compiled once per
 * worker with `new Function`. The same compiled source runs on the calling thread, so a run on one thread
 * and a run on several execute identical code.
 *
 * Determinism: work is split into a fixed number of row chunks that does not depend on the number of
 * threads; a kernel writes per-row results in place and per-chunk partial sums into its own slot, and the
 * caller reduces the slots in chunk order. Results are therefore bit-identical for any thread count.
 *
 * Calls are synchronous (fused kernels run inside tfjs's synchronous `customGrad`): the calling thread
 * posts the other chunks to the workers, runs its own share, then blocks on `Atomics.wait` until every
 * worker has stored its status. Errors come back through `receiveMessageOnPort`.
 */
import { availableParallelism } from "node:os";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { ConfigError, DiffcellError } from "../errors.js";
import { WORKER_SOURCE } from "./workerSource.js";

/** Arguments of a kernel call: typed arrays (SharedArrayBuffer-backed for anything a worker writes) and numbers. */
export type KernelArgs = Record<string, ArrayLike<number> | number | boolean>;

export interface ParallelKernel {
  readonly name: string;
  /** JavaScript source evaluating to the entry function. */
  readonly source: string;
}

type Entry = (args: KernelArgs, chunk: number, nChunks: number) => void;

/**
 * Builds a kernel from its entry function and the helpers it calls (by their own names). Functions must be
 * self-contained: they may call each other and use globals (Math, typed arrays) but nothing imported.
 */
/**
 * First row of chunk `chunk` when `n` rows are cut into `nChunks` fixed chunks (chunk c covers
 * chunkStart(c) .. chunkStart(c + 1) − 1). Kernels that use it list it among their helpers.
 */
export function chunkStart(chunk: number, n: number, nChunks: number): number {
  return Math.floor((chunk * n) / nChunks);
}

export function defineKernel(
  name: string,
  entry: (args: never, chunk: number, nChunks: number) => void,
  helpers: readonly ((...a: never[]) => unknown)[] = [],
): ParallelKernel {
  const named = helpers.map((f) => {
    const src = unbindImports(f.toString());
    // Arrow functions and methods are stored under their name; declarations already carry it.
    return src.startsWith("function") ? src : `const ${f.name} = ${src};`;
  });
  return { name, source: `${named.join("\n")}\nreturn (${unbindImports(entry.toString())});` };
}

/**
 * Vite's SSR transform (vitest) rewrites a call of an imported function `f(x)` into
 * `(0,__vite_ssr_import_0__.f)(x)`; the helpers are shipped under their own names, so undo it. Built code
 * (tsc) and tsx keep the names and pass through unchanged.
 */
function unbindImports(source: string): string {
  return source
    .replace(/\(0,\s*__vite?_ssr_import_\d+__\.([A-Za-z_$][\w$]*)\)/g, "$1")
    .replace(/__vite?_ssr_import_\d+__\.([A-Za-z_$][\w$]*)/g, "$1");
}

const compiled = new Map<string, Entry>();

function compile(kernel: ParallelKernel): Entry {
  let fn = compiled.get(kernel.name);
  if (!fn) {
    // `__name` is what esbuild's keepNames inserts around nested functions (tsx, vitest).
    fn = new Function("__name", kernel.source)((f: unknown) => f) as Entry;
    compiled.set(kernel.name, fn);
  }
  return fn;
}

interface PoolWorker {
  worker: Worker;
  port: MessagePort;
  /** status[0]: 0 running, 1 done, 2 failed. */
  status: Int32Array;
  sent: Set<string>;
}

let threads = defaultThreads();
/** The next chunk of the running call, shared with the workers (calls are never nested). */
const nextChunk = new Int32Array(new SharedArrayBuffer(4));
const workers: PoolWorker[] = [];

function defaultThreads(): number {
  const env = process.env.DIFFCELL_THREADS;
  if (env !== undefined && env !== "") {
    const n = Number(env);
    if (Number.isInteger(n) && n >= 1) return n;
    throw new ConfigError("DIFFCELL_THREADS", "value", "an integer ≥ 1", env);
  }
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/** Threads used by parallel kernels (the calling thread included). */
export function threadCount(): number {
  return threads;
}

/** Sets the thread count (1 runs every kernel on the calling thread); stops surplus workers. */
export function setThreadCount(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new ConfigError("setThreadCount", "n", "an integer ≥ 1", n);
  threads = n;
  for (const w of workers.splice(Math.max(0, n - 1))) void w.worker.terminate();
}

function ensureWorkers(count: number): PoolWorker[] {
  while (workers.length < count) {
    const { port1, port2 } = new MessageChannel();
    const status = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, status },
      transferList: [port2],
    });
    worker.unref();
    port1.unref();
    workers.push({ worker, port: port1, status, sent: new Set() });
  }
  return workers.slice(0, count);
}

/**
 * True when a kernel call with this many chunks and work units (e.g. elements) should use the worker
 * pool: more than one thread configured and enough work to pay for the dispatch (~0.1 ms).
 */
export function useThreads(nChunks: number, work: number, minWork = 40_000): boolean {
  return threads > 1 && nChunks > 1 && work >= minWork;
}

/**
 * Runs `kernel` over chunks 0..nChunks−1 (each exactly once) and returns when all are done: on the calling
 * thread alone, or with `parallel` on up to {@link threadCount} threads. On several threads, typed-array
 * arguments that are not already in a SharedArrayBuffer are copied into shared buffers pooled per kernel
 * and argument name (reused by the next call), and the arguments named in `outputs` are copied back after
 * the run. Callers therefore pass ordinary arrays, and a training loop allocates no shared memory per step:
 * a worker keeps every SharedArrayBuffer it was sent alive until its own (rare) garbage collection, so
 * fresh shared buffers per call piled up (~0.7 GB after 40 steps at 512 × 329).
 */
export function runChunks(
  kernel: ParallelKernel,
  args: KernelArgs,
  nChunks: number,
  parallel = false,
  outputs: readonly string[] = [],
): void {
  const entry = compile(kernel);
  const wanted = Math.min(threads, nChunks);
  if (!parallel || wanted < 2) {
    for (let c = 0; c < nChunks; c++) entry(args, c, nChunks);
    return;
  }
  const sharedArgs: KernelArgs = { ...args };
  // Slots grown past SLOT_KEEP_BYTES by this call (a full-data pass, not a training step): let go afterwards.
  const oneOff: string[] = [];
  for (const [key, value] of Object.entries(args)) {
    // Typed arrays only: numbers, null and other objects (a shared WebAssembly memory) go to the workers as they are.
    if (!ArrayBuffer.isView(value)) continue;
    const array = value as SharedCapable;
    if (array.length === 0 || array.buffer instanceof SharedArrayBuffer) continue;
    const name = `${kernel.name}.${key}`;
    const slot = scratch(name, array);
    slot.set(array);
    sharedArgs[key] = slot;
    if (slot.byteLength > SLOT_KEEP_BYTES) oneOff.push(slotKey(name, array));
  }
  const copyBack = () => {
    for (const key of outputs) {
      const original = args[key] as SharedCapable;
      const used = sharedArgs[key] as SharedCapable;
      if (used !== original && original.length > 0) original.set(used);
    }
  };
  const pool = ensureWorkers(wanted - 1);
  // Every thread (the caller included) takes the next chunk from a shared counter until none is left, so a
  // thread slowed by anything else (the caller's garbage collections, another process) takes fewer: with chunks
  // dealt round-robin, the 100k velocity graph's caller ran 66 s against its worker's 57 s. Which thread runs a
  // chunk changes nothing in its result (see above).
  Atomics.store(nextChunk, 0, 0);
  for (const w of pool) {
    Atomics.store(w.status, 0, 0);
    const first = !w.sent.has(kernel.name);
    w.sent.add(kernel.name);
    w.port.postMessage({
      name: kernel.name,
      source: first ? kernel.source : undefined,
      args: sharedArgs,
      next: nextChunk,
      nChunks,
    });
  }
  let failure: unknown = null;
  try {
    for (let c = Atomics.add(nextChunk, 0, 1); c < nChunks; c = Atomics.add(nextChunk, 0, 1)) {
      entry(sharedArgs, c, nChunks);
    }
  } catch (error) {
    failure = error;
    // The workers take what is left.
  }
  const messages: string[] = [];
  for (const w of pool) {
    while (Atomics.load(w.status, 0) === 0) Atomics.wait(w.status, 0, 0, 1000);
    if (Atomics.load(w.status, 0) === 2) {
      const reply = receiveMessageOnPort(w.port);
      messages.push(String((reply?.message as { error?: string } | undefined)?.error ?? "unknown error"));
    }
  }
  if (oneOff.length) {
    // Copied back first, then the slots and the workers' references to them go (~1 ms per worker).
    if (!failure && !messages.length) copyBack();
    for (const key of oneOff) slots.delete(key);
    releaseWorkerMemory();
  }
  if (failure) throw failure;
  if (messages.length) throw new DiffcellError(`${kernel.name} failed in a worker thread: ${messages[0]}`);
  if (!oneOff.length) copyBack();
}

/**
 * Pooled shared buffers above this size are not kept for the next call: the reuse is for training loops
 * (a 512-cell minibatch × 1000 genes is 2 MB per array), while a full-data pass at 100k cells × 1000 genes
 * left 400 MB per argument pooled for the rest of the process (1.1 GB over the trajectory outputs and the
 * velocity graph's candidate lists).
 */
export const SLOT_KEEP_BYTES = 32 * 2 ** 20;

/**
 * Lets the workers' copies of large one-off shared arrays go: each worker runs a full garbage collection
 * (blocking until all are done). A worker keeps every SharedArrayBuffer it was sent alive until its own
 * collection, which rarely comes (it allocates little), so a caller that handed the pool fresh shared arrays
 * (`toShared` without a slot) for a one-off computation calls this afterwards; the calling thread's own
 * references go with its next ordinary collection. Cheap (~1 ms per worker); a no-op without workers.
 */
export function releaseWorkerMemory(): void {
  for (const w of workers) {
    Atomics.store(w.status, 0, 0);
    w.port.postMessage({ collect: true });
  }
  for (const w of workers) while (Atomics.load(w.status, 0) === 0) Atomics.wait(w.status, 0, 0, 1000);
}

type SharedCapable = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * A SharedArrayBuffer-backed copy of `a` (or `a` itself when it already is one), same element type. With a
 * `slot`, the copy goes into a buffer reused across calls (see {@link scratch}): only for data the kernel
 * reads during the call and nobody keeps afterwards.
 */
export function toShared<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(a: T, slot?: string): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = slot === undefined ? sharedLike(a, a.length) : scratch(slot, a);
  out.set(a);
  return out;
}

/** Reusable shared buffers by slot (and element type): grown when too small, never shrunk. */
const slots = new Map<string, Float32Array | Float64Array | Int32Array | Uint8Array>();

/**
 * A shared copy target for `like` in a named slot, reused by the next call with that slot: for inputs a
 * kernel reads only while it runs (kernel calls are synchronous and never nested), so a training loop
 * stops allocating — and leaving to the garbage collector — fresh shared copies of its batch every step.
 */
function scratch<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(slot: string, like: T): T {
  const key = slotKey(slot, like);
  let buffer = slots.get(key) as T | undefined;
  if (!buffer || buffer.length < like.length) {
    buffer = sharedLike(like, Math.max(like.length, Math.ceil(1.25 * (buffer?.length ?? 0))));
    slots.set(key, buffer);
  }
  return buffer.subarray(0, like.length) as T;
}

/** Bytes held by the pool's reusable shared buffers (diagnostics, tests). */
export function pooledBytes(): number {
  let total = 0;
  for (const buffer of slots.values()) total += buffer.byteLength;
  return total;
}

function slotKey(slot: string, like: SharedCapable): string {
  return `${slot}:${like.constructor.name}`;
}

/** A zeroed SharedArrayBuffer-backed array of the element type of `like`. */
export function sharedLike<T extends Float32Array | Float64Array | Int32Array | Uint8Array>(
  like: T,
  length: number,
): T {
  const ctor = like.constructor as new (buffer: SharedArrayBuffer) => T;
  return new ctor(new SharedArrayBuffer(length * like.BYTES_PER_ELEMENT));
}

/** A zeroed SharedArrayBuffer-backed Float64Array. */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * 8));
}
