#!/usr/bin/env node
// Seed robustness and batch figures (issue "trustworthy velocity"): runs the installed CLI as a user would,
// one process per run, and prints the spread over seeds.
//
//   npm run trust                         # pancreas seeds 0–4 + batch benchmark seeds 0–4
//   npm run trust -- --seeds 0-9 --only clean
//   npm run trust -- --only batch --seeds 0,1
//   npm run trust -- --only clean --layouts 0-4   # + CBDir of every seed's velocities on every seed's UMAP layout
//   npm run trust -- --only batch --cross         # + CBDir of each variant's velocities on each variant's layout
//
// Clean: bundled pancreas, `diffcell velocity --seed S`. Batch benchmark: `pancreasBatches()` (real pancreas
// counts in two batches with lineage-dependent composition, batch B binomially thinned per gene, unspliced more
// than spliced) written once to a temporary .h5ad, then run three ways: without --batch-key, Harmony then
// velocity (--batch-key batch --joint-steps 0), and the joint fit (--batch-key batch). Results: a table per
// variant (CBDir with PCA and UMAP neighbours, ICCoh, latent-time Spearman against the lineage, the weakest
// edge, wall time) and every figure as JSON in out/trust.json. Needs `npm run build` (the script does it).
// --layouts S: the clean runs' CBDir (PCA neighbours) recomputed on the UMAP layouts of seeds S, each run's
// velocity graph and neighbours fixed: rows are model seeds, columns layout seeds, so the spread a seed brings
// through the velocity and the spread it brings through the 2-D layout the metric projects on show apart.
// --cross: at each seed, the batch variants' CBDir (PCA neighbours) with each variant's velocity graph projected
// on each variant's UMAP layout and scored with that variant's neighbours: rows = whose velocities, columns =
// whose layout and neighbours. The diagonal is each run's own figure; a row whose entries beat another row's
// in every column has the better velocities whatever the layout.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend } from "@diffcell/core";
import { PANCREAS_EDGES, pancreasBatches } from "@diffcell/datasets";
import { readH5ad, toCsr, toDenseFloat32, writeH5ad } from "@diffcell/io";
import { knnIndices } from "@diffcell/pipeline";
import { umap } from "@diffcell/pp";
import {
  crossBoundaryCorrectness,
  transitionMatrix,
  velocityEmbedding as velocityEmbeddingOn,
} from "@diffcell/velocity";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "packages/cli/bin/diffcell.js");

function parseArgs(argv) {
  const options = {
    seeds: [0, 1, 2, 3, 4],
    only: null,
    out: join(root, "out/trust.json"),
    layouts: null,
    cross: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--cross") {
      options.cross = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--seeds") options.seeds = parseSeeds(value);
    else if (flag === "--only") {
      if (value !== "clean" && value !== "batch") throw new Error(`--only must be clean or batch; got ${value}`);
      options.only = value;
    } else if (flag === "--out") options.out = value;
    else if (flag === "--layouts") options.layouts = parseSeeds(value);
    else
      throw new Error(
        `unknown flag ${flag} (--seeds 0-4|0,2,5, --only clean|batch, --out FILE, --layouts 0-4, --cross)`,
      );
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

function run(args, work, keep) {
  const output = keep ?? join(work, "out.h5ad");
  const started = performance.now();
  const r = spawnSync(process.execPath, [cli, "velocity", ...args, "--json", "--output", output], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const wall = (performance.now() - started) / 1000;
  if (!keep) rmSync(output, { force: true });
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

/** A saved run's transitions (signed, as the pipeline's velocity_embedding), neighbours, clusters and layout. */
async function savedRun(file) {
  const adata = await readH5ad(file);
  const n = adata.nObs;
  const rows = (key) => {
    const m = toCsr(adata.obsp[key]);
    return { n, indptr: m.indptr, indices: m.indices, data: Float32Array.from(m.data) };
  };
  return {
    adata,
    transitions: transitionMatrix(
      { graph: rows("velocity_graph"), graphNeg: rows("velocity_graph_neg") },
      { useNegativeCosines: true },
    ),
    neighbors: knnIndices(toCsr(adata.obsp.distances), adata.uns.neighbors.params.n_neighbors),
    clusters: adata.obs.strings("clusters"),
    embedding: toDenseFloat32(adata.obsm.X_umap),
  };
}

/** CBDir (PCA neighbours) of velocities (transitions) on a layout scored with its run's neighbours. */
function cbdirOn(transitions, { clusters, neighbors, embedding }) {
  const velocityEmbedding = velocityEmbeddingOn(transitions, embedding, 2);
  return crossBoundaryCorrectness({ clusters, neighbors, embedding, velocityEmbedding }, PANCREAS_EDGES).mean;
}

/** CBDir (PCA neighbours) of a saved run's velocity graph projected on the UMAP layout of each seed. */
async function cbdirOnLayouts(file, layoutSeeds) {
  const run = await savedRun(file);
  const out = [];
  for (const seed of layoutSeeds) {
    await umap(run.adata, { seed });
    out.push(cbdirOn(run.transitions, { ...run, embedding: toDenseFloat32(run.adata.obsm.X_umap) }));
  }
  return out;
}

/** The batch variants of one seed crossed: each one's velocities on each one's layout and neighbours. */
async function crossVariants(files) {
  const runs = {};
  for (const [name, file] of Object.entries(files)) runs[name] = await savedRun(file);
  const names = Object.keys(runs);
  return Object.fromEntries(
    names.map((v) => [v, Object.fromEntries(names.map((l) => [l, cbdirOn(runs[v].transitions, runs[l])]))]),
  );
}

function crossTable(cross) {
  const names = Object.keys(cross[0].byVelocity);
  const mean = (x) => x.reduce((a, b) => a + b, 0) / x.length;
  const lines = [
    "\nBatch variants crossed, mean over seeds (min–max): rows = whose velocities, columns = whose layout and neighbours",
    `| velocities | ${names.map((l) => `on ${l}`).join(" | ")} |`,
    `|${"---|".repeat(names.length + 1)}`,
  ];
  for (const v of names) {
    const cells = names.map((l) => {
      const x = cross.map((c) => c.byVelocity[v][l]);
      return `${fmt(mean(x))} (${fmt(Math.min(...x))}–${fmt(Math.max(...x))})`;
    });
    lines.push(`| ${v} | ${cells.join(" | ")} |`);
  }
  console.log(lines.join("\n"));
}

function layoutTable({ layoutSeeds, cbdir }) {
  const mean = (x) => x.reduce((a, b) => a + b, 0) / x.length;
  const lines = [
    "\nCBDir (PCA neighbours): rows = model seed, columns = seed of the UMAP layout it is projected on",
    `| model seed | ${layoutSeeds.map((s) => `layout ${s}`).join(" | ")} | mean over layouts |`,
    `|${"---|".repeat(layoutSeeds.length + 2)}`,
    ...cbdir.map((r) => `| ${r.seed} | ${r.byLayout.map((x) => fmt(x)).join(" | ")} | ${fmt(mean(r.byLayout))} |`),
    `| mean over model seeds | ${layoutSeeds.map((_, c) => fmt(mean(cbdir.map((r) => r.byLayout[c])))).join(" | ")} | ${fmt(mean(cbdir.map((r) => mean(r.byLayout))))} |`,
  ];
  console.log(lines.join("\n"));
}

const options = parseArgs(process.argv.slice(2));
const work = mkdtempSync(join(tmpdir(), "diffcell-trust-"));
const results = {};
mkdirSync(dirname(options.out), { recursive: true });
try {
  if (options.only !== "batch") {
    results.clean = [];
    const kept = (seed) => (options.layouts ? join(work, `clean-${seed}.h5ad`) : undefined);
    for (const seed of options.seeds) {
      results.clean.push({ seed, ...run(["--seed", String(seed)], work, kept(seed)) });
      console.error(`clean seed ${seed} done`);
    }
    table("pancreas (bundled), diffcell velocity --seed S", results.clean);
    if (options.layouts) {
      await initBackend();
      results.layouts = { layoutSeeds: options.layouts, cbdir: [] };
      for (const seed of options.seeds) {
        results.layouts.cbdir.push({ seed, byLayout: await cbdirOnLayouts(kept(seed), options.layouts) });
        console.error(`layouts of seed ${seed} done`);
      }
      layoutTable(results.layouts);
    }
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
    if (options.cross) {
      await initBackend();
      results.cross = [];
    }
    // Seed by seed (all variants of a seed together), so a partial run still compares like with like.
    for (const seed of options.seeds) {
      const kept = {};
      for (const [name, extra] of Object.entries(variants)) {
        if (options.cross) kept[name] = join(work, `${name}-${seed}.h5ad`);
        const args = ["--input", input, "--seed", String(seed), ...edges, ...extra];
        results[name].push({ seed, ...run(args, work, kept[name]) });
        console.error(`${name} seed ${seed} done`);
        writeFileSync(`${options.out}.partial`, `${JSON.stringify(results, null, 2)}\n`);
      }
      if (options.cross) {
        results.cross.push({ seed, byVelocity: await crossVariants(kept) });
        for (const file of Object.values(kept)) rmSync(file, { force: true });
      }
    }
    for (const [name, extra] of Object.entries(variants))
      table(
        `batch benchmark, ${name}: diffcell velocity --input pancreas-batches.h5ad ${extra.join(" ")}`,
        results[name],
      );
    if (options.cross) crossTable(results.cross);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
writeFileSync(options.out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nAll figures: ${options.out}`);
