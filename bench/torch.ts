/**
 * PyTorch baselines for `npm run bench`: runs `bench/torch/*.py` with Debian's python3-torch (install:
 * `apt-get install -y python3-torch libjemalloc2`) under jemalloc with decay off, as docs/engine.md measured it.
 * Returns null (and why) when python3 or torch is missing, so the bench says so instead of failing.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { threadCount } from "@diffcell/core";
import type { ExternalTiming } from "./harness.js";

const JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

let availability: string | null | undefined;

/** null when torch can run here, else the reason it cannot. */
export function torchUnavailable(): string | null {
  if (availability !== undefined) return availability;
  const probe = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
  availability =
    probe.error || probe.status !== 0
      ? "python3-torch not installed (apt-get install -y python3-torch libjemalloc2)"
      : null;
  return availability;
}

/** Runs a bench/torch script with args; it prints one JSON line {median_ms, samples_ms, peak_rss_mb, …}. */
export function runTorch(script: string, args: Array<string | number>): ExternalTiming | null {
  if (torchUnavailable()) return null;
  const path = fileURLToPath(new URL(`./torch/${script}`, import.meta.url));
  const jemalloc = existsSync(JEMALLOC);
  // Same number of threads as our kernels use (DIFFCELL_THREADS, default: the cores).
  const env = {
    ...process.env,
    TORCH_THREADS: String(threadCount()),
    ...(jemalloc ? { LD_PRELOAD: JEMALLOC, MALLOC_CONF: "dirty_decay_ms:-1,muzzy_decay_ms:-1" } : {}),
  };
  const out = spawnSync(PYTHON, [path, ...args.map(String)], { encoding: "utf8", env });
  if (out.status !== 0) throw new Error(`${script} failed: ${out.stderr}`);
  const r = JSON.parse(out.stdout.trim().split("\n").pop() as string);
  return {
    medianMs: r.median_ms,
    samplesMs: r.samples_ms,
    peakRssMb: r.peak_rss_mb,
    detail: `torch ${r.torch}, ${r.threads} thread(s)${jemalloc ? ", jemalloc" : ", glibc malloc (libjemalloc2 missing)"}`,
  };
}
