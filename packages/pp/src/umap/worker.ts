/**
 * The worker thread of `startUmap` (background.ts): lays out the inputs it is given with the caller's options
 * and posts the embedding back. One thread: the layout's own helpers start no worker pool of their own. On
 * Linux the thread lowers its own scheduling priority (nice 19): it is background work, and at the default
 * priority it took the core from the training step's kernel worker, which the training thread then waited for
 * (pancreas: training 9.5 → 11–12 s, the run only ~0.5 s shorter for the 2.4 s of layout it hid).
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { setThreadCount } from "@diffcell/core";
import { embed } from "../umap.js";
import type { UmapWorkerReply, UmapWorkerRequest } from "./background.js";

setThreadCount(1);
try {
  // /proc/thread-self → "<pid>/task/<tid>": setpriority on a thread id applies to that thread only.
  setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), 19);
} catch {
  // Not Linux, or not allowed: the layout runs at the caller's priority.
}
const { inputs, options } = workerData as UmapWorkerRequest;
embed(inputs.x, inputs.knn, { ...options, graph: inputs.graph }).then(
  (layout) => parentPort?.postMessage(layout satisfies UmapWorkerReply, [layout.embedding.buffer as ArrayBuffer]),
  (error: unknown) => parentPort?.postMessage({ error: String(error) } satisfies UmapWorkerReply),
);
