import { ConfigError } from "./errors.js";
import { tf } from "./tf.js";

export type BackendName = "tensorflow" | "wasm" | "cpu";

export interface BackendInfo {
  name: BackendName;
  /** Why this backend was chosen, or why better ones were skipped. */
  notes: string[];
}

let current: BackendInfo | null = null;
let pending: Promise<BackendInfo> | null = null;

/**
 * Selects the TensorFlow.js backend: `DIFFCELL_BACKEND` (if set) or `preferred`, else the best available:
 * `tensorflow` (tfjs-node, when the user installed it — it cannot install offline, so it is an optional
 * peer), then `wasm` (XNNPACK SIMD; its .wasm ships in the npm package), then `cpu`.
 * Importing `@diffcell/core` chooses nothing (no top-level await; the wasm module is loaded here, on
 * demand): call this (or {@link ready}) once before tensor work; call it again to switch. Tensor code run
 * before any call gets TensorFlow.js's own synchronous default, the plain-JS `cpu` backend.
 */
export async function initBackend(preferred: BackendName | "auto" = "auto"): Promise<BackendInfo> {
  const requested = (process.env.DIFFCELL_BACKEND as BackendName | "auto" | undefined) || preferred;
  const order: BackendName[] = requested === "auto" ? ["tensorflow", "wasm", "cpu"] : [requested];
  if (!order.every((b) => b === "tensorflow" || b === "wasm" || b === "cpu")) {
    throw new ConfigError("initBackend", "backend", '"auto", "tensorflow", "wasm" or "cpu"', requested);
  }
  const notes: string[] = [];
  for (const name of order) {
    const reason = await tryBackend(name);
    if (reason === null) {
      current = { name, notes };
      return current;
    }
    notes.push(`${name}: ${reason}`);
  }
  throw new ConfigError("initBackend", "backend", "an available backend", `${requested} (${notes.join("; ")})`);
}

/**
 * Resolves once a backend is chosen: the one chosen before, or the best available (`initBackend("auto")`,
 * started by the first call). For entry points: `await ready()` is cheap to repeat.
 */
export function ready(): Promise<BackendInfo> {
  if (current) return Promise.resolve(current);
  pending ??= initBackend().finally(() => {
    pending = null;
  });
  return pending;
}

/** The backend in use; before {@link initBackend}/{@link ready}, TensorFlow.js's synchronous default. */
export function backendInfo(): BackendInfo {
  if (current) return current;
  return {
    name: tf.getBackend() as BackendName,
    notes: ["not chosen by initBackend: TensorFlow.js's synchronous default (await initBackend() for wasm)"],
  };
}

async function tryBackend(name: BackendName): Promise<string | null> {
  if (name === "tensorflow") {
    try {
      const specifier = "@tensorflow/tfjs-node";
      await import(specifier);
    } catch {
      return "@tensorflow/tfjs-node is not installed (optional)";
    }
    if (!tf.findBackend("tensorflow")) return "tfjs-node registered against another copy of tfjs-core";
  }
  if (name === "wasm") {
    try {
      await import("@tensorflow/tfjs-backend-wasm");
    } catch (error) {
      return `@tensorflow/tfjs-backend-wasm failed to load: ${error instanceof Error ? error.message : String(error)}`;
    }
    shareIdentityOnWasm();
    sliceInPlaceOnWasm();
  }
  try {
    if (!(await startBackend(name))) return "failed to initialise";
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  return null;
}

/**
 * Sets and readies backend `name`, then removes the process-wide uncaughtException/unhandledRejection handlers
 * it installed: the wasm module adds handlers that rethrow (docs/engine.md rule 7), which would turn a CLI's
 * clean error into a crash dump. False when the backend failed to initialise.
 */
async function startBackend(name: string): Promise<boolean> {
  const before = {
    uncaughtException: new Set(process.listeners("uncaughtException")),
    unhandledRejection: new Set(process.listeners("unhandledRejection")),
  };
  try {
    const started = await tf.setBackend(name);
    if (started) await tf.ready();
    return started;
  } finally {
    for (const listener of process.listeners("uncaughtException")) {
      if (!before.uncaughtException.has(listener)) process.removeListener("uncaughtException", listener);
    }
    for (const listener of process.listeners("unhandledRejection")) {
      if (!before.unhandledRejection.has(listener)) process.removeListener("unhandledRejection", listener);
    }
  }
}

/** Size of the wasm backend's heap (its WebAssembly memory) in bytes; 0 on other backends. */
export function tensorHeapBytes(): number {
  if (tf.getBackend() !== "wasm") return 0;
  const module = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } | null }).wasm;
  return module?.HEAPU8?.length ?? 0;
}

/** Heaps below this size are kept by {@link releaseTensorHeap} (a fresh instance costs ~10 ms). */
export const RELEASE_HEAP_MIN_BYTES = 256 * 2 ** 20;

/**
 * Returns the wasm backend's heap to the system. A WebAssembly memory only grows (docs/engine.md rule 3), so
 * after a phase that needed GBs of tensors (PCA, training on 100k cells) the heap stays resident though no
 * tensor uses it: 3 GB through the velocity graph, pseudotime and the write at 100k cells. When no tensor is
 * alive and the heap is at least `minBytes`, the backend is replaced by a fresh instance (the kernels set up
 * again on it) and the old heap goes with its module at the next garbage collection. Returns the size of the
 * heap let go (0: nothing done — another backend, a small heap, or live tensors, which would be lost).
 */
export async function releaseTensorHeap(minBytes = RELEASE_HEAP_MIN_BYTES): Promise<number> {
  const bytes = tensorHeapBytes();
  if (bytes === 0 || bytes < minBytes || tf.memory().numTensors > 0) return 0;
  const engine = tf.engine() as unknown as {
    registryFactory: Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number }>;
  };
  const entry = engine.registryFactory.wasm;
  if (!entry) return 0;
  // Disposing the module removes every uncaughtException/unhandledRejection listener of the process, not only
  // its own (its filter of "added" listeners is always true in tfjs-backend-wasm 4.22): put the others back.
  const events: string[] = ["uncaughtException", "unhandledRejection"];
  const listening = events.map((event) => [event, process.listeners(event as never)] as const);
  tf.removeBackend("wasm");
  for (const [event, listeners] of listening) {
    const left = new Set(process.listeners(event as never));
    for (const listener of listeners) if (!left.has(listener)) process.on(event, listener as never);
  }
  tf.registerBackend("wasm", entry.factory, entry.priority);
  if (!(await startBackend("wasm")))
    throw new ConfigError("releaseTensorHeap", "backend", "a fresh wasm backend", "failed to initialise");
  return bytes;
}

/** Kernels of the wasm backend replaced by ours (once per process: the registry outlives backend instances). */
const replacedOnWasm = new Set<string>();

/**
 * Replaces the wasm backend's kernel `name` by `make(base)` (base: the backend's own, for the cases ours passes
 * on). Gradients are registered by kernel name, so they stay.
 */
function replaceOnWasm(name: string, make: (base: tf.KernelConfig) => tf.KernelFunc): void {
  if (replacedOnWasm.has(name)) return;
  const base = tf.getKernel(name, "wasm");
  if (!base) return;
  replacedOnWasm.add(name);
  tf.unregisterKernel(name, "wasm");
  tf.registerKernel({ ...base, kernelFunc: make(base) });
}

/**
 * The wasm backend's Identity kernel copies the tensor's bytes. tfjs-core runs it for every tensor a taped
 * op saves for its gradient (`Engine.clone`), so each recorded step duplicated its large activations (the
 * seed model at 3696 × 2000: ~46 ms of a 600 ms step). Tensors are immutable, so the clone can share the
 * data by reference count, as the cpu backend's Identity and the wasm backend's own Reshape do.
 */
function shareIdentityOnWasm(): void {
  replaceOnWasm(tf.Identity, (base) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === "string") return base.kernelFunc(args);
    (args.backend as unknown as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}

interface WasmSliceBackend {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  dataIdMap: { get(dataId: tf.DataId): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
}

/**
 * The wasm backend's Slice kernel copies the whole input out of the heap (`readSync`) before taking the part
 * it returns: a 512-row block of 100k cells × 1014 genes copied 405 MB, and the row blocks of the full-data
 * passes and the column blocks of the per-gene moments cost ~17 s of a 100k run. This one copies only the
 * slice, from the input's bytes in the heap straight into the output's (the output made first: making it can
 * grow the heap and detach older views). Same values, same gradient.
 */
function sliceInPlaceOnWasm(): void {
  replaceOnWasm(tf.Slice, (base) => (args) => {
    const x = args.inputs.x as tf.TensorInfo;
    if (x.dtype === "string") return base.kernelFunc(args);
    const attrs = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin, attrs.size);
    const backend = args.backend as unknown as WasmSliceBackend;
    const out = backend.makeOutput(size, x.dtype);
    if (size.reduce((a, b) => a * b, 1) === 0) return out;
    const from = backend.dataIdMap.get(x.dataId)?.memoryOffset;
    const to = backend.dataIdMap.get(out.dataId)?.memoryOffset;
    if (from === undefined || to === undefined) return base.kernelFunc(args);
    copySlice(backend.wasm.HEAPU8, from, to, x.shape, begin, size, x.dtype === "bool" ? 1 : 4);
    return out;
  });
}

/**
 * Copies the block `begin`/`size` of a row-major array of `shape` (at byte `from` of `heap`) into a dense
 * array at byte `to`: runs of the innermost dimension, walked with an odometer over the outer ones.
 */
function copySlice(
  heap: Uint8Array,
  from: number,
  to: number,
  shape: readonly number[],
  begin: readonly number[],
  size: readonly number[],
  bytes: number,
): void {
  const rank = shape.length;
  if (rank === 0) {
    heap.copyWithin(to, from, from + bytes);
    return;
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  // Trailing dimensions taken whole merge into one run with the first partial one.
  let inner = rank - 1;
  let run = size[rank - 1];
  while (inner > 0 && size[inner] === shape[inner]) {
    inner--;
    run *= size[inner];
  }
  const runBytes = run * bytes;
  const index = new Array<number>(inner).fill(0);
  let target = to;
  for (;;) {
    let offset = begin[inner] * strides[inner];
    for (let d = 0; d < inner; d++) offset += (begin[d] + index[d]) * strides[d];
    const source = from + offset * bytes;
    heap.copyWithin(target, source, source + runBytes);
    target += runBytes;
    let d = inner - 1;
    while (d >= 0 && ++index[d] === size[d]) index[d--] = 0;
    if (d < 0) break;
  }
}
