/**
 * Issue 12's table: `diffcell velocity` end to end in a fresh process (load, preprocessing, neighbours,
 * training with restarts, velocity graph, pseudotime, UMAP, .h5ad), wall time and peak RSS (GNU time),
 * dynamical and stochastic. Baseline: the same command with `DIFFCELL_THREADS=1` (the engine without its
 * worker threads). Default: pancreas (3.7k cells). `--large` adds pancreas tiled 3×/9×/27× (Poisson-
 * resampled copies) and simulated 30k/100k cells (`bench/data.ts`); those take minutes each.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PANCREAS_EDGES } from "@diffcell/datasets";
import { CLI, simulated, tiledPancreas } from "../data.js";
import type { BenchCase, Measured } from "../harness.js";

/** The pancreas lineage as `--edges` (tiled pancreas keeps the clusters; the bundled data uses it by default). */
const LINEAGE = PANCREAS_EDGES.map(([a, b]) => `${a}>${b}`).join(";");

function velocity(input: string | null, mode: string, threads?: number, edges?: string): () => Measured {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), "diffcell-bench-"));
    const args = ["-f", "%M", process.execPath, CLI, "velocity", "--mode", mode, "--json", "--quiet", "--no-png"];
    if (input) args.push("--input", input);
    if (edges) args.push("--edges", edges);
    args.push("--output", join(dir, "out.h5ad"));
    const env = { ...process.env, ...(threads ? { DIFFCELL_THREADS: String(threads) } : {}) };
    const t0 = performance.now();
    const out = spawnSync("/usr/bin/time", args, { encoding: "utf8", env, maxBuffer: 1 << 26 });
    const ms = performance.now() - t0;
    rmSync(dir, { recursive: true, force: true });
    const rssKb = Number(out.stderr.trim().split("\n").pop());
    if (out.status !== 0) {
      const tail = out.stderr.trim().split("\n").slice(-4, -1).join(" / ");
      return { ms, peakRssMb: rssKb / 1024, detail: { failed: `exit ${out.status}: ${tail}` } };
    }
    const summary = JSON.parse(out.stdout.trim().split("\n").pop() as string);
    // The accuracy metrics too: a larger copy of the same cells should not give a worse answer.
    return {
      ms,
      peakRssMb: rssKb / 1024,
      detail: { timings: summary.timings, velocityGenes: summary.velocityGenes, metrics: summary.metrics },
    };
  };
}

function row(label: string, input: () => Promise<string | null>, reference?: string, edges?: string): BenchCase[] {
  let path: string | null = null;
  const resolved = (mode: string, threads?: number) => () => velocity(path, mode, threads, edges)();
  return ["dynamical", "stochastic"].map((mode) => ({
    group: "pipeline",
    name: `diffcell velocity --mode ${mode} on ${label}`,
    measured: true,
    run: async () => {
      path = await input();
      return resolved(mode)();
    },
    baseline: { name: "same, DIFFCELL_THREADS=1", run: resolved(mode, 1) },
    reference: mode === "dynamical" ? reference : undefined,
    repeats: 1,
    warmup: 0,
  }));
}

export default function pipelineCases(): BenchCase[] {
  const cases = row(
    "pancreas (3696 cells)",
    async () => null,
    "scVelo 0.3.3 here: dynamical 206 s, stochastic 13 s; issue 12 target ≤ 10 s dynamical",
  );
  if (process.env.DIFFCELL_BENCH_LARGE) {
    cases.push(
      ...row("pancreas tiled 3× (11k)", () => tiledPancreas(3), undefined, LINEAGE),
      ...row("pancreas tiled 9× (33k)", () => tiledPancreas(9), "issue 12 target ≤ 90 s", LINEAGE),
      ...row("simulated 30k", async () => simulated(30_000)),
      ...row("pancreas tiled 27× (100k)", () => tiledPancreas(27), "issue 12 target ≤ 5 min, ≤ 8 GB", LINEAGE),
      ...row("simulated 100k", async () => simulated(100_000), "issue 12 target ≤ 5 min, ≤ 8 GB"),
    );
  }
  return cases;
}
