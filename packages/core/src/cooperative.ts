/**
 * Long synchronous work written as a generator that yields at safe points (e.g. after each training epoch),
 * run either straight through (`runToEnd`) or cooperatively (`runCooperatively`): between steps the event loop
 * runs (timers, I/O, a page's UI, an abort) and an `AbortSignal` is honoured. On abort or error the generator is
 * closed with `return()`, so its `finally` blocks free what it holds (tensors, optimiser state).
 */
export type Steps<T> = Generator<unknown, T, undefined>;

/** Runs every step synchronously and returns the result. */
export function runToEnd<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** One turn of the event loop: setImmediate in Node, a zero timeout elsewhere. */
export function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * Runs the steps, yielding to the event loop before each one; throws `signal.reason` (an `AbortError`
 * DOMException unless the caller gave another reason) as soon as the signal is aborted, after closing the steps.
 */
export async function runCooperatively<T>(steps: Steps<T>, signal?: AbortSignal): Promise<T> {
  try {
    for (;;) {
      await yieldToEventLoop();
      signal?.throwIfAborted();
      const r = steps.next();
      if (r.done) return r.value;
    }
  } catch (error) {
    steps.return(undefined as T);
    throw error;
  }
}

/** Yields to the event loop, then throws if `signal` is aborted: a checkpoint between steps of an async job. */
export async function checkpoint(signal?: AbortSignal): Promise<void> {
  await yieldToEventLoop();
  signal?.throwIfAborted();
}
