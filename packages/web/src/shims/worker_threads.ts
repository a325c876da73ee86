/**
 * `node:worker_threads` for the browser bundle: never used (the `os` shim reports one thread, so core's
 * pool starts no worker); constructing one is an error that says why.
 */
function unavailable(): never {
  throw new Error("worker_threads is not available in the browser build (one thread)");
}

export class Worker {
  constructor() {
    unavailable();
  }
}

export class MessageChannel {
  constructor() {
    unavailable();
  }
}

export class MessagePort {}

export function receiveMessageOnPort(): undefined {
  return undefined;
}

export const isMainThread = true;
export const workerData = undefined;

export default { Worker, MessageChannel, MessagePort, receiveMessageOnPort, isMainThread, workerData };
