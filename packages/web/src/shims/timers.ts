/**
 * `setImmediate` as a free identifier in the browser bundle (injected): a macrotask through a
 * MessageChannel, which (unlike `setTimeout(fn, 0)`) is not clamped to 4 ms when calls nest.
 */
const queue: Array<() => void> = [];
let channel: MessageChannel | undefined;

export function setImmediate(fn: (...args: unknown[]) => void, ...args: unknown[]): number {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => queue.shift()?.();
  }
  queue.push(() => fn(...args));
  channel.port2.postMessage(null);
  return queue.length;
}
