/**
 * `npm run bench [filter]`: each case times our implementation and a baseline in the same run (medians
 * of repeated runs after warm-up) and prints the ratio, so figures stay comparable on a noisy machine.
 * Cases live in `bench/cases/*.ts` and default-export a function returning `BenchCase[]`.
 */
export interface BenchCase {
  group: string;
  name: string;
  /** Our implementation. */
  run: () => unknown | Promise<unknown>;
  /** What we compare with, measured in the same run (e.g. the same math in plain tfjs ops). */
  baseline?: { name: string; run: () => unknown | Promise<unknown> };
  /** A figure measured elsewhere (e.g. scVelo or R on this machine), printed for context only. */
  reference?: string;
  repeats?: number;
  warmup?: number;
  /** Frees whatever the case allocated. */
  teardown?: () => void;
}

export interface BenchResult {
  group: string;
  name: string;
  oursMs: number;
  baselineName?: string;
  baselineMs?: number;
  reference?: string;
}

async function time(fn: () => unknown | Promise<unknown>, repeats: number, warmup: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

export async function runCase(c: BenchCase): Promise<BenchResult> {
  const repeats = c.repeats ?? 5;
  const warmup = c.warmup ?? 1;
  const oursMs = await time(c.run, repeats, warmup);
  const baselineMs = c.baseline ? await time(c.baseline.run, repeats, warmup) : undefined;
  c.teardown?.();
  return { group: c.group, name: c.name, oursMs, baselineName: c.baseline?.name, baselineMs, reference: c.reference };
}

export function formatResult(r: BenchResult): string {
  const ours = formatMs(r.oursMs);
  const base =
    r.baselineMs === undefined
      ? ""
      : ` | ${r.baselineName}: ${formatMs(r.baselineMs)} | ${ratio(r.baselineMs / r.oursMs)}`;
  const ref = r.reference ? ` | reference: ${r.reference}` : "";
  return `${r.group} / ${r.name}: ${ours}${base}${ref}`;
}

/** "3.20× faster" or "1.71× slower" (ours against the baseline). */
function ratio(speedup: number): string {
  return speedup >= 1 ? `${speedup.toFixed(2)}× faster` : `${(1 / speedup).toFixed(2)}× slower`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
