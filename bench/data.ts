/**
 * Data for the bench's whole-pipeline rows (issue 12's table), written once into a cache folder
 * (`DIFFCELL_BENCH_DATA`, default `<tmp>/diffcell-bench-data`):
 * - pancreas tiled k×: the bundled 3696 cells repeated k times; every copy after the first has each count
 *   redrawn as Poisson(count) (seeded), so copies are distinct cells with the same biology;
 * - simulated N cells: `diffcell simulate` (the kinetic simulator, 2000 genes, two branches).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rngs } from "@diffcell/core";
import { pancreas } from "@diffcell/datasets";
import { type CsrMatrix, toCsr, writeH5ad } from "@diffcell/io";
import { samplePoisson } from "@diffcell/sim";

export const CLI = fileURLToPath(new URL("../packages/cli/bin/diffcell.js", import.meta.url));

export function dataDir(): string {
  const dir = process.env.DIFFCELL_BENCH_DATA || join(tmpdir(), "diffcell-bench-data");
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Bundled pancreas tiled `copies` times with Poisson-resampled counts (cached .h5ad path). */
export async function tiledPancreas(copies: number, seed = 0): Promise<string> {
  const path = join(dataDir(), `pancreas-x${copies}-seed${seed}.h5ad`);
  if (existsSync(path)) return path;
  const adata = pancreas();
  const n = adata.nObs;
  adata.subsetObs(Int32Array.from({ length: n * copies }, (_, i) => i % n));
  adata.obs.index.splice(0, adata.obs.index.length, ...adata.obs.index.map((b, i) => `${b}-${Math.floor(i / n)}`));
  const next = new Rngs(seed).uniformSource();
  for (const key of ["spliced", "unspliced"]) {
    const m = toCsr(adata.layers[key]) as CsrMatrix;
    for (let i = n; i < m.rows; i++) {
      for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) m.data[p] = samplePoisson(next, m.data[p]);
    }
    adata.layers[key] = m;
  }
  adata.X = adata.layers.spliced;
  await writeH5ad(adata, path);
  return path;
}

/** Simulated data set with `cells` cells × 2000 genes (cached .h5ad path). */
export function simulated(cells: number, seed = 0): string {
  const path = join(dataDir(), `simulated-${cells}-seed${seed}.h5ad`);
  if (existsSync(path)) return path;
  execFileSync(
    process.execPath,
    [CLI, "simulate", "--output", path, "--n-cells", cells, "--n-genes", 2000, "--branches", 2, "--seed", seed].map(
      String,
    ),
    { stdio: "inherit" },
  );
  return path;
}
