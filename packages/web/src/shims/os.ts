/**
 * `node:os` for the browser bundle. Core's worker pool sizes itself from `availableParallelism()`: the
 * browser's cores when the page is cross-origin isolated (SharedArrayBuffer available; see the
 * worker_threads shim), else one thread — the pool then runs every kernel on the calling thread (its
 * single-thread path: the same code and, by the pool's design, the same results).
 */
export function availableParallelism(): number {
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = typeof navigator === "undefined" ? 1 : navigator.hardwareConcurrency || 1;
  return isolated && typeof SharedArrayBuffer === "function" ? cores : 1;
}

export function cpus(): unknown[] {
  return Array.from({ length: availableParallelism() }, () => ({}));
}

export function tmpdir(): string {
  return "/tmp";
}

/** Temporary names carry the host (io's `files/temp.ts`); the page's in-memory file system is its own. */
export function hostname(): string {
  return "browser";
}

export const EOL = "\n";

export default { availableParallelism, cpus, tmpdir, hostname, EOL };
