/**
 * UMAP on a worker thread while the caller goes on (Node): the velocity pipeline starts the layout before
 * training and collects it where the results are written, so the layout runs on what training leaves of the
 * second core (the thread runs at the lowest priority: docs/engine.md rule 13; pancreas: the ~2.4 s layout no
 * longer adds to the run). The worker runs the same code
 * on the same inputs and seed as {@link umap}, so the embedding is the same, bit for bit. Where no worker can
 * start — a browser bundle, sources run without the build (the worker is the built `worker.js`) — or the
 * worker fails, the layout runs on the calling thread when the result is asked for (a failure then surfaces
 * with the error {@link umap} would give).
 */
import type { AnnData } from "@diffcell/io";
import { embed, storeUmap, type UmapInputs, type UmapOptions, umapInputs } from "../umap.js";
import type { AbParams } from "./ab-params.js";

/** A layout started with {@link startUmap}. */
export interface UmapJob {
  /** Waits for the layout and stores it in the AnnData it was started on (as {@link umap}); once. */
  result(): Promise<AnnData>;
  /** Stops the worker (a job no longer wanted, e.g. the run failed); `result` then computes inline. */
  cancel(): void;
  /** True when the layout runs (or ran) on a worker thread. */
  readonly background: boolean;
}

/** What the worker receives: the inputs and the options that can cross a thread (no callbacks, no `rngs`). */
export interface UmapWorkerRequest {
  inputs: UmapInputs;
  options: Omit<UmapOptions, "onProgress" | "rngs" | "graph">;
}

export type UmapWorkerReply = { embedding: Float32Array; ab: AbParams } | { error: string };

type WorkerLike = {
  once(event: "message", fn: (reply: UmapWorkerReply) => void): void;
  once(event: "error", fn: (error: Error) => void): void;
  once(event: "exit", fn: (code: number) => void): void;
  terminate(): Promise<number>;
  ref(): void;
  unref(): void;
};

const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";

/**
 * Starts the layout of `adata` (inputs read now: the graph and representation as they are) on a worker thread
 * where possible. `workerUrl` overrides the worker module (tests point it at the build).
 */
export function startUmap(adata: AnnData, options: UmapOptions = {}, workerUrl?: URL): UmapJob {
  const inputs = umapInputs(adata, options);
  const inline = () => embed(inputs.x, inputs.knn, { ...options, graph: inputs.graph });
  const { onProgress: _progress, rngs, graph: _graph, ...portable } = options;
  let pending: Promise<{ embedding: Float32Array; ab: AbParams } | null> = Promise.resolve(null);
  let worker: WorkerLike | null = null;
  let cancelled = false;
  let done = false;
  if (isNode && rngs === undefined) {
    pending = launch({ inputs, options: portable }, workerUrl).then((started) => {
      if (!started) return null;
      if (cancelled) {
        void started.worker.terminate();
        return null;
      }
      worker = started.worker;
      // Asked for before the worker was up: keep the process alive for it (see `result`).
      if (done) worker.ref();
      return started.reply;
    });
  }
  return {
    get background() {
      return worker !== null;
    },
    async result() {
      if (done) throw new Error("startUmap: result() was already taken");
      done = true;
      // Unreferenced until now (a caller that stops waiting just exits); awaited, it must keep the process up.
      (worker as WorkerLike | null)?.ref();
      const layout = (await pending) ?? (await inline());
      return storeUmap(adata, layout, options);
    },
    cancel() {
      cancelled = true;
      pending = Promise.resolve(null);
      void (worker as WorkerLike | null)?.terminate();
      worker = null;
    },
  };
}

/** Starts the worker; resolves to it and its reply (null on any failure: the caller computes inline). */
async function launch(
  request: UmapWorkerRequest,
  workerUrl: URL | undefined,
): Promise<{ worker: WorkerLike; reply: Promise<{ embedding: Float32Array; ab: AbParams } | null> } | null> {
  try {
    // Inside the try: a bundle without `import.meta.url` (a classic script) makes this throw.
    const url = workerUrl ?? new URL("./worker.js", import.meta.url);
    const { existsSync } = await import("node:fs");
    const { fileURLToPath } = await import("node:url");
    if (url.protocol === "file:" && !existsSync(fileURLToPath(url))) return null;
    const { Worker } = await import("node:worker_threads");
    const worker = new Worker(url, { workerData: request }) as unknown as WorkerLike;
    // Until its result is asked for, the layout does not keep the process alive.
    worker.unref();
    const reply = new Promise<{ embedding: Float32Array; ab: AbParams } | null>((resolve) => {
      worker.once("message", (message) => resolve("error" in message ? null : message));
      worker.once("error", () => resolve(null));
      worker.once("exit", () => resolve(null));
    });
    return { worker, reply };
  } catch {
    return null;
  }
}
