/**
 * The pool's worker, as source evaluated with `new Worker(…, { eval: true })` (so it runs the same from
 * TypeScript sources under vitest/tsx and from the built package). It compiles each kernel's source once,
 * runs the chunks it is dealt, then stores its status (1 done, 2 failed, with the error posted back) and
 * wakes the caller blocked in `Atomics.wait`.
 */
export const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { port, status } = workerData;
const kernels = new Map();
port.on("message", (task) => {
  try {
    let entry = kernels.get(task.name);
    if (!entry) {
      entry = new Function("__name", task.source)((f) => f);
      kernels.set(task.name, entry);
    }
    for (let c = task.start; c < task.nChunks; c += task.step) entry(task.args, c, task.nChunks);
    Atomics.store(status, 0, 1);
  } catch (error) {
    port.postMessage({ error: error && error.stack ? error.stack : String(error) });
    Atomics.store(status, 0, 2);
  }
  Atomics.notify(status, 0);
});
`;
