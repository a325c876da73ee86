/**
 * Bad-input fuzzing: `npx tsx scripts/fuzz.ts [--runs N] [--seed S]` (default 10⁴ runs). Each run draws a
 * random small input with one bad entry (NaN, ±Inf, a negative count, a count above 1e12, a float32
 * overflow) at a random position, or a bad option / flag value, sends it through a public entry (io's
 * checkLayerCounts on dense/CSR/CSC, trainVelocity, runVelocityPipeline, runHarmonyVelocity, the CLI's
 * flag parser), and checks the typed error, that the message names the row, column and value, and that the
 * input was not modified. Also sends valid inputs through the checks (no false alarm). Prints the failures
 * and a summary; exits 1 if any run failed.
 */
import { DiffcellError, initBackend, tf, ValueError } from "@diffcell/core";
import { AnnData, checkLayerCounts, DataFrame, dense, type Layer, toCsc, toCsr } from "@diffcell/io";
import { runHarmonyVelocity, runVelocityPipeline } from "@diffcell/pipeline";
import { DifferentiableVelocity, trainVelocity, VelocityConfig } from "@diffcell/velocity";
import { bufferIo, main } from "../packages/cli/src/index.js";

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const runs = arg("runs", 10_000);
let state = arg("seed", 1) >>> 0 || 1;
/** mulberry32: a small seeded generator, so a failing run can be replayed with its seed. */
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)];

const BAD: Array<[number, string, boolean]> = [
  // value, how it must be spelled (float64 storage), still bad once stored as float32
  [Number.NaN, "NaN", true],
  [Number.POSITIVE_INFINITY, "Inf", true],
  [Number.NEGATIVE_INFINITY, "-Inf", true],
  [-1, "-1", true],
  [-0.25, "-0.25", true],
  [5e12, "5000000000000", true],
  [1e30, "1e30", true],
  [1e300, "1e300", true],
];
const spelledAs = (v: number, spelled: string, f32: boolean) =>
  f32 && v === 1e300 ? "Inf" : spelled === "5000000000000" ? "5e12" : spelled;

function countsMatrix(n: number, g: number): Float64Array {
  return Float64Array.from({ length: n * g }, () => (random() < 0.3 ? 0 : int(1, 50)));
}

interface Failure {
  run: number;
  kind: string;
  detail: string;
}
const failures: Failure[] = [];
const kinds = new Map<string, number>();

function expectValueError(error: unknown, row: number, column: number, spelled: string): string | null {
  if (!(error instanceof ValueError))
    return `expected ValueError, got ${error instanceof Error ? `${error.constructor.name}: ${error.message}` : String(error)}`;
  const where = `at row ${row}, column ${column}`;
  if (!error.message.includes(`value ${spelled} ${where}`))
    return `message "${error.message}" lacks "value ${spelled} ${where}"`;
  return null;
}

async function one(run: number): Promise<void> {
  const kind = pick(["layer", "layer", "train", "pipeline", "harmony", "flag", "valid"] as const);
  kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  const fail = (detail: string) => failures.push({ run, kind, detail });
  const n = int(kind === "pipeline" || kind === "harmony" ? 3 : 1, 14);
  const g = int(1, 9);
  const data = countsMatrix(n, g);
  const p = int(0, n * g - 1);
  const [value, spelled] = pick(BAD);
  const row = Math.floor(p / g);
  const column = p % g;
  if (kind === "valid") {
    const layer = dense(data, n, g);
    try {
      checkLayerCounts("x", pick([layer, toCsr(layer), toCsc(layer)]));
    } catch (e) {
      fail(`valid counts refused: ${(e as Error).message}`);
    }
    return;
  }
  if (kind === "flag") {
    const [flag, min] = pick([
      ["epochs", 1],
      ["seed", 0],
      ["restarts", 1],
      ["n-pcs", 2],
      ["n-neighbors", 2],
      ["min-shared-counts", 0],
      ["n-top-genes", 2],
    ] as const);
    const bad = min - int(1, 1000);
    const io = bufferIo();
    const code = await main(["velocity", `--${flag}`, String(bad)], io);
    const want = `--${flag} must be an integer ≥ ${min}; got ${bad}`;
    if (code !== 2 || !io.err.includes(want)) fail(`exit ${code}, stderr "${io.err.trim()}"; wanted "${want}"`);
    return;
  }
  data[p] = value;
  const copy = data.slice();
  if (kind === "layer") {
    const layer: Layer = dense(data, n, g);
    const stored = pick([layer, toCsr(layer), toCsc(layer)]);
    let error: unknown;
    try {
      checkLayerCounts("x", stored);
    } catch (e) {
      error = e;
    }
    // A CSR/CSC conversion drops explicit zeros only; every bad value here is non-zero, so it is stored.
    const problem = expectValueError(error, row, column, spelledAs(value, spelled, false));
    if (problem) fail(`${stored.format} ${n}×${g}: ${problem}`);
  } else if (kind === "train") {
    const spliced = tf.tensor2d(Float32Array.from(data), [n, g]);
    const unspliced = tf.tensor2d(Float32Array.from(countsMatrix(n, g)), [n, g]);
    const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: g }));
    let error: unknown;
    try {
      trainVelocity(op, { spliced, unspliced }, { epochs: 1 });
    } catch (e) {
      error = e;
    } finally {
      op.dispose();
      tf.dispose([spliced, unspliced]);
    }
    if (n < 2) {
      if (!(error instanceof DiffcellError)) fail(`${n} cell(s): expected a typed error`);
    } else {
      const problem = expectValueError(error, row, column, spelledAs(value, spelled, true));
      if (problem) fail(`trainVelocity ${n}×${g}: ${problem}`);
    }
  } else {
    const layer = dense(data, n, g);
    const other = dense(countsMatrix(n, g), n, g);
    const unsplicedBad = random() < 0.5;
    const obs = new DataFrame(Array.from({ length: n }, (_, i) => `c${i}`));
    const adata = new AnnData({
      layers: { spliced: unsplicedBad ? other : layer, unspliced: unsplicedBad ? layer : other },
      obs,
    });
    let error: unknown;
    try {
      if (kind === "pipeline") await runVelocityPipeline(adata, { nNeighbors: Math.min(3, n), umap: false, epochs: 1 });
      else {
        const { categoricalColumn } = await import("@diffcell/io");
        adata.obs.set("batch", categoricalColumn(Array.from({ length: n }, (_, i) => `b${i % 2}`)));
        await runHarmonyVelocity(adata, { batchKey: "batch", nNeighbors: Math.min(3, n), umap: false });
      }
    } catch (e) {
      error = e;
    }
    const problem = expectValueError(error, row, column, spelledAs(value, spelled, false));
    if (problem) fail(`${kind} ${n}×${g} (${unsplicedBad ? "unspliced" : "spliced"}): ${problem}`);
  }
  for (let i = 0; i < copy.length; i++)
    if (!Object.is(copy[i], data[i])) {
      fail(`input modified at ${i}`);
      break;
    }
}

await initBackend();
const started = performance.now();
for (let r = 0; r < runs; r++) {
  await one(r);
  if (failures.length >= 20) break;
}
const seconds = (performance.now() - started) / 1000;
for (const f of failures.slice(0, 20)) console.log(`FAIL run ${f.run} (${f.kind}): ${f.detail}`);
console.log(
  `fuzz: ${runs} runs (${[...kinds].map(([k, c]) => `${k} ${c}`).join(", ")}), ${failures.length} failures, ${seconds.toFixed(1)} s`,
);
process.exitCode = failures.length ? 1 : 0;
