/**
 * `diffcell simulate`: spliced/unspliced counts from the kinetic simulator, written as .h5ad with the
 * truth in obs/var (scVelo's simulation keys: true_t, true_alpha, true_beta, true_gamma, true_t_).
 */
import { resolve } from "node:path";
import { tf } from "@diffcell/core";
import {
  AnnData,
  booleanColumn,
  categoricalColumn,
  checkOutputPath,
  DataFrame,
  dense,
  ensureParentDir,
  numericColumn,
  writeH5ad,
} from "@diffcell/io";
import { simulateKinetics } from "@diffcell/sim";
import { type CommandSpec, parseCommand, UsageError } from "./args.js";
import type { CliIo } from "./io.js";

export const simulateSpec: CommandSpec = {
  name: "simulate",
  summary:
    "Simulated spliced/unspliced counts from the transcription–splicing ODE (induction then repression, optional two fates and batches) with the truth in obs/var; obs.clusters holds five stages of true time (per fate after the split).",
  usage: "diffcell simulate --output sim.h5ad [--n-cells N] [--n-genes N] [--branches 1|2] [--n-batches N] [--seed N]",
  flags: {
    output: { kind: "string", value: "FILE", short: "o", description: "the .h5ad to write (required)" },
    "n-cells": { kind: "integer", min: 10, max: 1_000_000, description: "cells (default 1000)" },
    "n-genes": { kind: "integer", min: 1, max: 100_000, description: "genes (default 200)" },
    branches: { kind: "integer", min: 1, max: 2, description: "1: one lineage; 2: two fates (default 1)" },
    "n-batches": { kind: "integer", min: 1, max: 100, description: "batches (default 1)" },
    "batch-effect": {
      kind: "number",
      min: 0,
      max: 5,
      description: "log-scale sd of the batch × gene effect (default 0.5 with batches)",
    },
    noise: {
      kind: "string",
      choices: ["poisson", "negativeBinomial", "normal", "none"],
      description: "count noise (default poisson)",
    },
    "library-size": { kind: "number", min: 1e-3, description: "expected counts scale (default 1)" },
    seed: { kind: "integer", min: 0, max: 2 ** 31 - 1, description: "random seed (default 0)" },
  },
};

const STAGES = 5;

export async function simulateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseCommand(simulateSpec, argv);
  if (flags.help) return -1;
  const output = flags.output as string | undefined;
  if (!output) throw new UsageError("--output is required");
  if (!/\.h5ad$/i.test(output)) throw new UsageError(`--output must end in .h5ad; got ${JSON.stringify(output)}`);
  checkOutputPath(output, { label: "--output" });
  const started = performance.now();
  const nBatches = (flags["n-batches"] as number | undefined) ?? 1;
  const sim = simulateKinetics({
    nCells: flags["n-cells"] as number | undefined,
    nGenes: flags["n-genes"] as number | undefined,
    branches: flags.branches as 1 | 2 | undefined,
    nBatches,
    batchEffect: (flags["batch-effect"] as number | undefined) ?? (nBatches > 1 ? 0.5 : 0),
    noise: flags.noise as "poisson" | undefined,
    librarySize: flags["library-size"] as number | undefined,
    seed: (flags.seed as number | undefined) ?? 0,
  });
  const [n, g] = sim.spliced.shape;
  const spliced = sim.spliced.dataSync() as Float32Array;
  const unspliced = sim.unspliced.dataSync() as Float32Array;
  tf.dispose([sim.spliced, sim.unspliced]);
  const t = sim.truth;
  const pad = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  const obs = new DataFrame(pad("cell", n));
  obs.set("true_t", numericColumn(Float64Array.from(t.time)));
  obs.set("true_t_normalized", numericColumn(Float64Array.from(t.normalizedTime)));
  obs.set("true_branch", categoricalColumn(Array.from(t.branch, (b) => `fate${b}`)));
  // Five stages by true time (and fate once fates split): cluster labels for trying --edges.
  const stages = Array.from(t.normalizedTime, (x, i) => {
    const stage = Math.min(STAGES - 1, Math.floor(x * STAGES));
    return sim.config.branches === 2 && x >= sim.config.branchTime
      ? `stage${stage}-fate${t.branch[i]}`
      : `stage${stage}`;
  });
  obs.set("clusters", categoricalColumn(stages, { categories: [...new Set(stages)].sort() }));
  obs.set("batch", categoricalColumn(Array.from(t.batch, (b) => `batch${b}`)));
  obs.set("library_size", numericColumn(Float64Array.from(t.librarySize)));
  const variables = new DataFrame(pad("gene", g));
  variables.set("true_alpha", numericColumn(Float64Array.from(t.alpha)));
  variables.set("true_beta", numericColumn(Float64Array.from(t.beta)));
  variables.set("true_gamma", numericColumn(Float64Array.from(t.gamma)));
  variables.set("true_t_", numericColumn(Float64Array.from(t.switchTime)));
  variables.set("true_branch_specific", booleanColumn(Uint8Array.from(t.branchSpecific)));
  const adata = new AnnData({
    X: dense(spliced.slice(), n, g),
    layers: {
      spliced: dense(spliced, n, g),
      unspliced: dense(unspliced, n, g),
      true_velocity: dense(t.velocity, n, g),
    },
    obs,
    var: variables,
    uns: {
      simulation: Object.fromEntries(
        Object.entries(sim.config).filter(([, v]) => typeof v === "number" || typeof v === "string"),
      ) as Record<string, number | string>,
    },
  });
  ensureParentDir(output);
  await writeH5ad(adata, resolve(output));
  io.stdout(
    `simulate: ${n} cells × ${g} genes, ${sim.config.branches} fate(s), ${nBatches} batch(es), seed ${sim.config.seed}, ` +
      `${((performance.now() - started) / 1000).toFixed(2)} s → ${output}\n`,
  );
  return 0;
}
