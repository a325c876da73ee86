/**
 * The `process` global as diffcell's packages read it (injected into the browser bundle for the free
 * identifier `process`; `globalThis.process` stays undefined, so tfjs and h5wasm see a browser): an empty
 * environment, no process-wide listeners, and no `versions.node`.
 */
const env: Record<string, string | undefined> = {};

export const process = {
  env,
  pid: 1,
  platform: "browser",
  argv: [] as string[],
  cwd: () => "/",
  listeners: (_event: string): Array<(...args: unknown[]) => void> => [],
  removeListener: (_event: string, _listener: unknown) => process,
  on: (_event: string, _listener: unknown) => process,
  nextTick: (fn: (...args: unknown[]) => void, ...args: unknown[]) => queueMicrotask(() => fn(...args)),
  stdout: { write: (_text: string) => true, isTTY: false },
  stderr: { write: (_text: string) => true, isTTY: false },
};
