/**
 * The main job end to end, as a user runs it: `diffcell velocity` on the bundled pancreas data
 * (3696 × 2000) in a fresh Node process (backend start-up, loading, preprocessing, training, graph, UMAP,
 * projection, pseudotime, .h5ad and HTML report with figures). Baseline: the same command in stochastic
 * mode (scVelo's steady-state model, our implementation). References: scVelo 0.3.3 on this machine.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchCase } from "../harness.js";

const bin = fileURLToPath(new URL("../../packages/cli/bin/diffcell.js", import.meta.url));

function velocity(mode: string): () => void {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), "diffcell-bench-"));
    const args = [
      bin,
      "velocity",
      "--mode",
      mode,
      "--output",
      join(dir, "out.h5ad"),
      "--report",
      join(dir, "report.html"),
    ];
    const summary = execFileSync(process.execPath, [...args, "--quiet"], { encoding: "utf8" });
    console.log(`    ${summary.trim()}`);
  };
}

export default function cliCases(): BenchCase[] {
  return [
    {
      group: "cli",
      name: "diffcell velocity (dynamical) on pancreas, with .h5ad and report",
      run: velocity("dynamical"),
      baseline: { name: "diffcell velocity --mode stochastic", run: velocity("stochastic") },
      reference: "scVelo 0.3.3: dynamical 206 s, stochastic 13 s; target ≤ 30 s",
      repeats: 1,
      warmup: 0,
    },
  ];
}
