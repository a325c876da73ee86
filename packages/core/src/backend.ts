import "@tensorflow/tfjs-backend-wasm";
import { ConfigError } from "./errors.js";
import { tf } from "./tf.js";

export type BackendName = "tensorflow" | "wasm" | "cpu";

export interface BackendInfo {
  name: BackendName;
  /** Why this backend was chosen, or why better ones were skipped. */
  notes: string[];
}

let current: BackendInfo | null = null;

/**
 * Selects the TensorFlow.js backend: `DIFFCELL_BACKEND` (if set) or `preferred`, else the best available:
 * `tensorflow` (tfjs-node, when the user installed it — it cannot install offline, so it is an optional
 * peer), then `wasm` (XNNPACK SIMD; its .wasm ships in the npm package), then `cpu`.
 * `@diffcell/core` calls this once on import; call it again to switch.
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

/** The backend in use (after `initBackend`). */
export function backendInfo(): BackendInfo {
  if (!current) throw new Error("@diffcell/core: backend not initialised");
  return current;
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
  // The wasm module installs process-wide uncaughtException/unhandledRejection handlers that rethrow
  // (ENGINE.md rule 7). They would turn a CLI's clean error into a crash dump, so they are removed.
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
