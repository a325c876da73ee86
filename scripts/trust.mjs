#!/usr/bin/env node
// Seed robustness and batch figures (issue "trustworthy velocity"): runs the installed CLI as a user would,
// one process per run, and prints the spread over seeds.
//
//   npm run trust                         # pancreas seeds 0–4 + batch benchmark seeds 0–4
//   npm run trust -- --seeds 0-9 --only clean
//   npm run trust -- --only batch --seeds 0,1
//
// Clean: bundled pancreas, `diffcell velocity --seed S`. Batch benchmark: `pancreasBatches()` (real pancreas
// counts in two batches with lineage-dependent composition, batch B binomially thinned per gene, unspliced more
// than spliced) written once to a temporary .h5ad, then run three ways: without --batch-key, Harmony then
// velocity (--batch-key batch --joint-steps 0), and the joint fit (--batch-key batch). Results: a table per
// variant (CBDir with PCA and UMAP neighbours, ICCoh, latent-time Spearman against the lineage, the weakest
// edge, wall time) and every figure as JSON in out/trust.json. Needs `npm run build` (the script does it).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PANCREAS_EDGES, pancreasBatches } from "@diffcell/datasets";
import { writeH5ad } from "@diffcell/io";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "packages/cli/bin/diffcell.js");

function parseArgs(argv) {
  const options = { seeds: [0, 1, 2, 3, 4], only: null, out: join(root, "out/trust.json") };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--seeds") options.seeds = parseSeeds(value);
    else if (flag === "--only") {
      if (value !== "clean" && value !== "batch") throw new Error(`--only must be clean or batch; got ${value}`);
      options.only = value;
    } else if (flag === "--out") options.out = value;
    else throw new Error(`unknown flag ${flag} (--seeds 0-4|0,2,5, --only clean|batch, --out FILE)`);
  }
  return options;
}

function parseSeeds(text) {
  const seeds = text.split(",").flatMap((part) => {
    const [a, b] = part.split("-").map(Number);
    if (!Number.isInteger(a) || (b !== undefined && !Number.isInteger(b))) throw new Error(`bad --seeds ${text}`);
    return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, k) => a + k);
  });
  return seeds;
}

function run(args, work) {
  const output = join(work, "out.h5ad");
  const started = performance.now();
  const r = spawnSync(process.execPath, [cli, "velocity", ...args, "--json", "--output", output], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const wall = (performance.now() - started) / 1000;
  rmSync(output, { force: true });
  if (r.status !== 0) throw new Error(`diffcell velocity ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  const summary = JSON.parse(r.stdout.trim().split("\n").at(-1));
  const edges = summary.perEdge?.cbdir ?? {};
  const weakest = Object.entries(edges).sort((a, b) => a[1] - b[1])[0] ?? ["—", Number.NaN];
  return {
    ...summary.metrics,
    seconds: wall,
    perEdge: summary.perEdge ?? {},
    weakestEdge: weakest[0],
    weakestEdgeCbdir: weakest[1],
  };
}

const fmt = (x, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : "—");

function table(name, rows) {
  const cols = [
    ["CBDir", "cbdir"],
    ["CBDir UMAP", "cbdirUmap"],
    ["ICCoh", "iccoh"],
    ["time ρ", "latentTimeSpearman"],
    ["iLISI", "iLisiAfter"],
    ["weakest edge", "weakestEdgeCbdir"],
    ["s", "seconds"],
  ].filter(([, key]) => rows.some((r) => r[key] !== undefined));
  const lines = [`\n${name}`, `| seed | ${cols.map(([c]) => c).join(" | ")} |`, `|${"---|".repeat(cols.length + 1)}`];
  for (const r of rows)
    lines.push(
      `| ${r.seed} | ${cols.map(([, key]) => (key === "seconds" ? fmt(r[key], 0) : fmt(r[key]))).join(" | ")} |`,
    );
  const stat = (key, f) => f(...rows.map((r) => r[key]).filter(Number.isFinite));
  const mean = (...x) => x.reduce((a, b) => a + b, 0) / x.length;
  for (const [label, f] of [
    ["min", Math.min],
    ["mean", mean],
    ["max", Math.max],
  ])
    lines.push(`| ${label} | ${cols.map(([, key]) => fmt(stat(key, f), key === "seconds" ? 0 : 3)).join(" | ")} |`);
  console.log(lines.join("\n"));
}

const options = parseArgs(process.argv.slice(2));
const work = mkdtempSync(join(tmpdir(), "diffcell-trust-"));
const results = {};
mkdirSync(dirname(options.out), { recursive: true });
try {
  if (options.only !== "batch") {
    results.clean = [];
    for (const seed of options.seeds) {
      results.clean.push({ seed, ...run(["--seed", String(seed)], work) });
      console.error(`clean seed ${seed} done`);
    }
    table("pancreas (bundled), diffcell velocity --seed S", results.clean);
  }
  if (options.only !== "clean") {
    const input = join(work, "pancreas-batches.h5ad");
    await writeH5ad(pancreasBatches(), input);
    // A file of the user's own: the CLI knows the lineage only for the bundled data, so it is passed as --edges.
    const edges = ["--edges", PANCREAS_EDGES.map(([from, to]) => `${from}>${to}`).join(";")];
    const variants = {
      uncorrected: [],
      harmonyThenVelocity: ["--batch-key", "batch", "--joint-steps", "0"],
      joint: ["--batch-key", "batch"],
    };
    for (const name of Object.keys(variants)) results[name] = [];
    // Seed by seed (all variants of a seed together), so a partial run still compares like with like.
    for (const seed of options.seeds)
      for (const [name, extra] of Object.entries(variants)) {
        results[name].push({ seed, ...run(["--input", input, "--seed", String(seed), ...edges, ...extra], work) });
        console.error(`${name} seed ${seed} done`);
        writeFileSync(`${options.out}.partial`, `${JSON.stringify(results, null, 2)}\n`);
      }
    for (const [name, extra] of Object.entries(variants))
      table(
        `batch benchmark, ${name}: diffcell velocity --input pancreas-batches.h5ad ${extra.join(" ")}`,
        results[name],
      );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nAll figures: ${options.out}`);
