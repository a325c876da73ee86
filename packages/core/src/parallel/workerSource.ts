/**
 * The pool's worker, as source evaluated with `new Worker(…, { eval: true })` (so it runs the same from
 * TypeScript sources under vitest/tsx and from the built package). It compiles each kernel's source once,
 * runs the chunks it takes from the shared counter (or, for a "collect" message, collects its garbage), then stores its status
 * (1 done, 2 failed, with the error posted back) and wakes the caller blocked in `Atomics.wait`.
 */
export const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { port, status } = workerData;
const kernels = new Map();
let collect = null;
port.on("message", (task) => {
  try {
    if (task.collect) {
      // A full garbage collection of this worker's heap: its wrappers of the SharedArrayBuffers it was sent
      // are garbage once their task is done, but only a collection lets their memory go, and a worker that
      // allocates little rarely collects. gc is taken from a fresh context once --expose-gc is set.
      if (!collect) {
        require("node:v8").setFlagsFromString("--expose-gc");
        collect = require("node:vm").runInNewContext("gc");
      }
      collect();
      Atomics.store(status, 0, 1);
      Atomics.notify(status, 0);
      return;
    }
    let entry = kernels.get(task.name);
    if (!entry) {
      entry = new Function("__name", task.source)((f) => f);
      kernels.set(task.name, entry);
    }
    // Chunks taken one at a time from the shared counter, as the calling thread does.
    for (let c = Atomics.add(task.next, 0, 1); c < task.nChunks; c = Atomics.add(task.next, 0, 1)) {
      entry(task.args, c, task.nChunks);
    }
    Atomics.store(status, 0, 1);
  } catch (error) {
    port.postMessage({ error: error && error.stack ? error.stack : String(error) });
    Atomics.store(status, 0, 2);
  }
  Atomics.notify(status, 0);
});
`;
