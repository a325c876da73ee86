/**
 * `node:os` for the browser bundle. One thread: core's worker pool then runs every kernel on the calling
 * thread (its single-thread path, the same code and the same results).
 */
export function availableParallelism(): number {
  return 1;
}

export function cpus(): unknown[] {
  return [{}];
}

export function tmpdir(): string {
  return "/tmp";
}

export const EOL = "\n";

export default { availableParallelism, cpus, tmpdir, EOL };
