/**
 * `node:worker_threads` for the browser bundle, as far as core's worker pool uses it: `Worker` with
 * `{ eval: true, workerData, transferList }` runs the pool's worker source in a Web Worker (a `require`
 * that returns `workerData`, `port.on("message")` over `onmessage`); `receiveMessageOnPort` reads a failed
 * chunk's error synchronously from shared memory. Threads need SharedArrayBuffer, i.e. a cross-origin
 * isolated page (`os.availableParallelism()` reports one thread otherwise, and the pool starts no worker).
 *
 * The caller blocks in `Atomics.wait` right after posting work, so its workers must already be running:
 * {@link prewarmWorkers} starts them (and waits until each is up) before any kernel runs.
 */
const PRELUDE = `
self.onmessage = (event) => {
  self.onmessage = null;
  const { source, workerData, errors } = event.data;
  const port = workerData.port;
  const post = port.postMessage.bind(port);
  port.postMessage = (message) => {
    if (message && typeof message.error === "string") {
      const text = message.error.slice(0, errors.length - 1);
      for (let i = 0; i < text.length; i++) errors[i + 1] = text.charCodeAt(i);
      Atomics.store(errors, 0, text.length);
    }
    post(message);
  };
  port.on = (_type, listener) => {
    port.onmessage = (m) => listener(m.data);
  };
  new Function("require", source)(() => ({ workerData }));
};
postMessage("ready");
`;

let preludeUrl: string | undefined;
const url = () => {
  preludeUrl ??= URL.createObjectURL(new Blob([PRELUDE], { type: "text/javascript" }));
  return preludeUrl;
};

const warm: globalThis.Worker[] = [];

function startWorker(): Promise<globalThis.Worker> {
  return new Promise((resolve, reject) => {
    const worker = new globalThis.Worker(url());
    worker.onmessage = () => {
      worker.onmessage = null;
      resolve(worker);
    };
    worker.onerror = (event) => reject(new Error(`a kernel worker failed to start: ${event.message}`));
  });
}

/** Starts `count` Web Workers and resolves once every one is running (call before the first kernel). */
export async function prewarmWorkers(count: number): Promise<void> {
  const started = await Promise.all(Array.from({ length: Math.max(0, count - warm.length) }, startWorker));
  warm.push(...started);
}

/** Each pool-side port → the shared buffer its worker writes errors to ([0] = length, then UTF-16). */
const errorBuffers = new WeakMap<object, Uint16Array>();
/** port2 (sent to the worker) → port1 (kept by the pool), recorded by {@link MessageChannel}. */
const peers = new WeakMap<object, object>();

export class Worker {
  readonly #worker: globalThis.Worker;

  constructor(
    source: string,
    options: { eval?: boolean; workerData: { port: MessagePort }; transferList?: Transferable[] },
  ) {
    const worker = warm.shift();
    if (!worker)
      throw new Error("no kernel worker is running (prewarmWorkers must start them before the first kernel)");
    const errors = new Uint16Array(new SharedArrayBuffer(2 * 4096));
    const peer = peers.get(options.workerData.port);
    if (peer) errorBuffers.set(peer, errors);
    worker.postMessage({ source, workerData: options.workerData, errors }, options.transferList ?? []);
    this.#worker = worker;
  }

  unref(): void {}

  terminate(): Promise<number> {
    this.#worker.terminate();
    return Promise.resolve(0);
  }
}

type Port = MessagePort & { unref(): void };

export class MessageChannel {
  readonly port1: Port;
  readonly port2: Port;

  constructor() {
    const channel = new globalThis.MessageChannel();
    this.port1 = Object.assign(channel.port1, { unref() {} });
    this.port2 = Object.assign(channel.port2, { unref() {} });
    peers.set(this.port2, this.port1);
  }
}

export type { Port as MessagePort };

/** The error a worker stored for this port (the only message the pool reads synchronously). */
export function receiveMessageOnPort(port: object): { message: { error: string } } | undefined {
  const errors = errorBuffers.get(port);
  const length = errors ? Atomics.load(errors, 0) : 0;
  if (!errors || length === 0) return undefined;
  const error = String.fromCharCode(...errors.subarray(1, 1 + length));
  Atomics.store(errors, 0, 0);
  return { message: { error } };
}

export const isMainThread = false;
export const workerData = undefined;

export default { Worker, MessageChannel, receiveMessageOnPort, isMainThread, workerData, prewarmWorkers };
