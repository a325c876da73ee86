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
  }
  // The wasm module installs process-wide uncaughtException/unhandledRejection handlers that rethrow
  // (docs/engine.md rule 7). They would turn a CLI's clean error into a crash dump, so they are removed.
  const before = {
    uncaughtException: new Set(process.listeners("uncaughtException")),
    unhandledRejection: new Set(process.listeners("unhandledRejection")),
  };
  try {
    const ok = await tf.setBackend(name);
    if (!ok) return "failed to initialise";
    await tf.ready();
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    for (const listener of process.listeners("uncaughtException")) {
      if (!before.uncaughtException.has(listener)) process.removeListener("uncaughtException", listener);
    }
    for (const listener of process.listeners("unhandledRejection")) {
      if (!before.unhandledRejection.has(listener)) process.removeListener("unhandledRejection", listener);
    }
  }
  return null;
}

let identityShared = false;

/**
 * The wasm backend's Identity kernel copies the tensor's bytes. tfjs-core runs it for every tensor a taped
 * op saves for its gradient (`Engine.clone`), so each recorded step duplicated its large activations (the
 * seed model at 3696 × 2000: ~46 ms of a 600 ms step). Tensors are immutable, so the clone can share the
 * data by reference count, as the cpu backend's Identity and the wasm backend's own Reshape do.
 */
function shareIdentityOnWasm(): void {
  if (identityShared) return;
  const base = tf.getKernel(tf.Identity, "wasm");
  if (!base) return;
  identityShared = true;
  tf.unregisterKernel(tf.Identity, "wasm");
  tf.registerKernel({
    ...base,
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (x.dtype === "string") return base.kernelFunc(args);
      (args.backend as unknown as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}
