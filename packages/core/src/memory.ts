/**
 * Tensor memory guard. The wasm backend's heap is 4 GiB and never shrinks (docs/engine.md rule 3); running out
 * inside a kernel aborts with "memory access out of bounds", which says nothing about the cause. Code that
 * is about to put a large array into tensors asks {@link ensureTensorMemory} first and gets a
 * {@link ResourceError} naming what needed how much, what is in use and the limit — before any work.
 */
import { DiffcellError } from "./errors.js";
import { tf } from "./tf.js";

/** The wasm backend's address space (32-bit wasm). */
export const WASM_HEAP_BYTES = 4 * 1024 ** 3;

/** Not enough memory for an operation; names the size, what is in use and the limit. */
export class ResourceError extends DiffcellError {
  constructor(
    /** What needed the memory, e.g. `"velocity forward (100000 × 963)"`. */
    readonly what: string,
    readonly bytes: number,
    readonly inUseBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      `${what} needs ${mb(bytes)} of tensor memory; ${mb(inUseBytes)} are in use and the ${tf.getBackend()} ` +
        `backend's limit is ${mb(limitBytes)}. Process the data in row chunks (e.g. core's mapRowChunks) or ` +
        "use fewer cells or genes.",
    );
  }
}

let limitOverride: number | null = null;

/** The tensor memory limit: the wasm heap on `wasm`, unbounded elsewhere (or what a test set). */
export function tensorMemoryLimit(): number {
  if (limitOverride !== null) return limitOverride;
  return tf.getBackend() === "wasm" ? WASM_HEAP_BYTES : Number.POSITIVE_INFINITY;
}

/** Overrides the limit (tests, or a user who wants a margin); null restores the backend's own. */
export function setTensorMemoryLimit(bytes: number | null): void {
  limitOverride = bytes;
}

/**
 * Throws {@link ResourceError} when `bytes` more of tensor memory would exceed the limit. The wasm heap
 * also holds the backend's own scratch and fragments, so 90% of it is treated as usable.
 */
export function ensureTensorMemory(what: string, bytes: number): void {
  const limit = tensorMemoryLimit();
  if (!Number.isFinite(limit)) return;
  const inUse = tf.memory().numBytes;
  if (inUse + bytes > 0.9 * limit) throw new ResourceError(what, bytes, inUse, limit);
}

function mb(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GiB` : `${Math.round(bytes / 1024 ** 2)} MiB`;
}
