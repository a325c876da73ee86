/**
 * `npm run bench [-- filter] [--large] [--json out.json]`: each case times our implementation and a
 * baseline in the same run (medians of repeated runs after warm-up, with the spread) and prints the ratio,
 * so figures stay comparable on a noisy machine. Cases live in `bench/cases/*.ts` and default-export a
 * function returning `BenchCase[]`; each case file runs in its own process (`bench/runFile.ts`), so the
 * peak RSS printed is that of the file's cases (ours and baseline together) and not of earlier ones.
 */
export interface BenchCase {
  group: string;
  name: string;
  /** Our implementation. */
  run: () => unknown | Promise<unknown>;
  /** What we compare with, measured in the same run (e.g. the same math in plain tfjs ops). */
  baseline?: { name: string; run: () => unknown | Promise<unknown> };
  /**
   * A baseline that times itself in another program (e.g. PyTorch): `measure` returns its median and
   * samples in ms, or null when that program is not installed (the reason goes in `unavailable`).
   */
  external?: { name: string; measure: () => ExternalTiming | null; unavailable: string };
  /**
   * A whole-program case (e.g. the CLI in a child process) reports its own time and memory: `run` returns
   * a {@link Measured} instead of being timed here.
   */
  measured?: boolean;
  /** A figure measured elsewhere (e.g. scVelo or R on this machine), printed for context only. */
  reference?: string;
  repeats?: number;
  warmup?: number;
  /** Extra figures for the JSON results (e.g. a recall), read after the runs. */
  detail?: () => Record<string, unknown>;
  /** Frees whatever the case allocated. */
  teardown?: () => void;
}

export interface ExternalTiming {
  medianMs: number;
  samplesMs: number[];
  peakRssMb?: number;
  detail?: string;
}

/** What a `measured` case's run returns. */
export interface Measured {
  ms: number;
  peakRssMb: number;
  detail?: Record<string, unknown>;
}

export interface Timing {
  medianMs: number;
  minMs: number;
  maxMs: number;
  samplesMs: number[];
}

export interface BenchResult {
  group: string;
  name: string;
  ours: Timing;
  baselineName?: string;
  baseline?: Timing;
  /** Process peak RSS after the case (MB). */
  peakRssMb: number;
  /** Baseline time / our time (> 1: we are faster). */
  speedup?: number;
  /** The external baseline (e.g. PyTorch), measured in the same run, with our time / its time. */
  external?: { name: string; timing?: Timing; oursOverExternal?: number; peakRssMb?: number; detail?: string };
  reference?: string;
  detail?: Record<string, unknown>;
}

function summarise(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    medianMs: sorted[Math.floor(sorted.length / 2)],
    minMs: sorted[0],
    maxMs: sorted[sorted.length - 1],
    samplesMs: samples.map((s) => Math.round(s * 10) / 10),
  };
}

async function time(fn: () => unknown | Promise<unknown>, repeats: number, warmup: number): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return summarise(samples);
}

/** Peak resident set size of this process so far, in MB. */
export function peakRssMb(): number {
  return process.resourceUsage().maxRSS / 1024;
}

export async function runCase(c: BenchCase): Promise<BenchResult> {
  const repeats = c.repeats ?? 5;
  const warmup = c.warmup ?? 1;
  let ours: Timing;
  let detail: Record<string, unknown> | undefined;
  let peak = 0;
  if (c.measured) {
    const runs: Measured[] = [];
    for (let i = 0; i < repeats; i++) runs.push((await c.run()) as Measured);
    ours = summarise(runs.map((r) => r.ms));
    peak = Math.max(...runs.map((r) => r.peakRssMb));
    detail = runs[runs.length - 1].detail;
  } else {
    ours = await time(c.run, repeats, warmup);
  }
  let baseline: Timing | undefined;
  const baselineName = c.baseline?.name;
  if (c.baseline) {
    if (c.measured) {
      const runs: Measured[] = [];
      for (let i = 0; i < repeats; i++) runs.push((await c.baseline.run()) as Measured);
      baseline = summarise(runs.map((r) => r.ms));
      detail = { ...detail, baselinePeakRssMb: Math.max(...runs.map((r) => r.peakRssMb)) };
    } else baseline = await time(c.baseline.run, repeats, warmup);
  }
  let external: BenchResult["external"];
  if (c.external) {
    const measured = c.external.measure();
    external = measured
      ? {
          name: c.external.name,
          timing: { ...summarise(measured.samplesMs), medianMs: measured.medianMs },
          oursOverExternal: ours.medianMs / measured.medianMs,
          peakRssMb: measured.peakRssMb,
          detail: measured.detail,
        }
      : { name: `${c.external.name} (not run: ${c.external.unavailable})` };
  }
  if (c.detail) detail = { ...detail, ...c.detail() };
  c.teardown?.();
  return {
    group: c.group,
    name: c.name,
    ours,
    baselineName,
    baseline,
    peakRssMb: c.measured ? peak : peakRssMb(),
    speedup: baseline ? baseline.medianMs / ours.medianMs : undefined,
    external,
    reference: c.reference,
    detail,
  };
}

export function formatResult(r: BenchResult): string {
  const ours = `${formatMs(r.ours.medianMs)} (${formatMs(r.ours.minMs)}–${formatMs(r.ours.maxMs)})`;
  let base = "";
  if (r.baseline && r.speedup !== undefined) {
    const spread = `${formatMs(r.baseline.minMs)}–${formatMs(r.baseline.maxMs)}`;
    base = ` | ${r.baselineName}: ${formatMs(r.baseline.medianMs)} (${spread}) | ${ratio(r.speedup)}`;
  } else if (r.baselineName) base = ` | ${r.baselineName}`;
  const ref = r.reference ? ` | reference: ${r.reference}` : "";
  const extra = r.detail && "recall" in r.detail ? ` | recall ${Number(r.detail.recall).toFixed(4)}` : "";
  let ext = "";
  if (r.external?.timing && r.external.oursOverExternal !== undefined) {
    const t = r.external.timing;
    ext = ` | ${r.external.name}: ${formatMs(t.medianMs)} (${formatMs(t.minMs)}–${formatMs(t.maxMs)}) | ours = ${r.external.oursOverExternal.toFixed(2)}× ${r.external.name}`;
  } else if (r.external) ext = ` | ${r.external.name}`;
  return `${r.group} / ${r.name}: ${ours} | peak RSS ${Math.round(r.peakRssMb)} MB${base}${ext}${extra}${ref}`;
}

/** "3.20× faster (ours = 0.31× baseline)" or "1.71× slower" (ours against the baseline). */
function ratio(speedup: number): string {
  const fraction = `ours = ${(1 / speedup).toFixed(2)}× baseline`;
  return speedup >= 1 ? `${speedup.toFixed(2)}× faster (${fraction})` : `${(1 / speedup).toFixed(2)}× slower`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}
