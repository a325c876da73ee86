/**
 * `diffcell velocity`: preprocessing as scVelo → the velocity model → velocity graph → UMAP and the
 * projection on it → confidence, latent time, pseudotime → .h5ad, report, one-line summary.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { InputError } from "@diffcell/core";
import { PANCREAS_EDGES } from "@diffcell/datasets";
import { type AnnData, type Compression, writeH5ad, writeLoom } from "@diffcell/io";
import {
  edgeDepth,
  type GraphMetric,
  type InitialTimeSource,
  JOINT_DEFAULTS,
  NEIGHBOR_DEFAULTS,
  PREPROCESS_DEFAULTS,
  runHarmonyVelocity,
  runVelocityPipeline,
  VELOCITY_DEFAULTS,
  type VelocityMode,
  type VelocityPipelineResult,
  type VelocityUnits,
} from "@diffcell/pipeline";
import { categoriesOf, clusterColors } from "@diffcell/plot";
import { kineticsModelNames, parseEdges as parseEdgeList } from "@diffcell/velocity";
import { type CommandSpec, parseCommand, UsageError } from "./args.js";
import type { CliIo } from "./io.js";
import { loadInput, requireObsColumn } from "./load.js";
import { progressBar } from "./progress.js";
import { buildReport, writeReport } from "./report.js";
import { parseGeneList } from "./reportGenes.js";

export const velocitySpec: CommandSpec = {
  name: "velocity",
  summary:
    "RNA velocity on spliced/unspliced counts: scVelo's preprocessing, the differentiable velocity model, velocity graph, UMAP projection, confidence, latent time and pseudotime.",
  usage:
    "diffcell velocity [--input FILE|DIR] [--output out.h5ad|out.loom] [--compression gzip|none] [--report report.html] [--cluster-key clusters] [--batch-key KEY] [--mode dynamical|standard|stochastic] [--seed N] [--epochs N]",
  flags: {
    input: {
      kind: "string",
      value: "FILE|DIR",
      short: "i",
      description: ".h5ad, .loom, or a folder with spliced/ and unspliced/ 10x output (default: bundled pancreas)",
    },
    output: {
      kind: "string",
      value: "FILE",
      short: "o",
      description: "write the result as .h5ad (scVelo's keys) or .loom (layers, attributes, graphs; no uns)",
    },
    compression: {
      kind: "string",
      choices: ["gzip", "none"],
      description: "compression of the output's numeric datasets (default none, as anndata)",
    },
    report: { kind: "string", value: "FILE", description: "write an HTML report (figures also as SVG/PNG beside it)" },
    "cluster-key": {
      kind: "string",
      value: "KEY",
      description: 'obs column with cluster labels (default "clusters" if present)',
    },
    "batch-key": {
      kind: "string",
      value: "KEY",
      description: "obs column with batches: Harmony and velocity in one optimisation",
    },
    mode: {
      kind: "string",
      value: "MODE",
      choices: ["stochastic", ...kineticsModelNames()].sort(),
      description: "velocity model (default dynamical; stochastic = scVelo's steady-state baseline)",
    },
    seed: { kind: "integer", min: 0, max: 2 ** 31 - 1, description: "random seed (default 0)" },
    epochs: {
      kind: "integer",
      min: 1,
      max: 100000,
      description: `training epochs (default ${VELOCITY_DEFAULTS.epochs})`,
    },
    edges: {
      kind: "string",
      value: "'A>B;B>C'",
      description:
        "known transitions for CBDir/ICCoh and time-order checks (default for bundled pancreas: its lineage)",
    },
    restarts: {
      kind: "integer",
      min: 1,
      max: 20,
      description: `model fits from different starts, lowest loss kept (default ${VELOCITY_DEFAULTS.restarts})`,
    },
    "joint-steps": {
      kind: "integer",
      min: 0,
      max: 10000,
      description: `with --batch-key: joint Harmony + velocity steps after the two-stage fit; 0 = Harmony, then velocity (default ${JOINT_DEFAULTS.jointSteps})`,
    },
    "initial-time": {
      kind: "string",
      choices: ["pseudotime", "random"],
      description: `where latent time starts: the steady-state velocity pseudotime, oriented once, or a random start (default ${VELOCITY_DEFAULTS.initialTime})`,
    },
    "velocity-units": {
      kind: "string",
      choices: ["gene", "latent"],
      description: `model velocity per shared latent time or rescaled per gene (default ${VELOCITY_DEFAULTS.velocityUnits})`,
    },
    "graph-metric": {
      kind: "string",
      choices: ["standardized", "expression"],
      description: `velocity graph on per-gene standardised or on linear expression, as scVelo (default ${VELOCITY_DEFAULTS.graphMetric})`,
    },
    "min-shared-counts": {
      kind: "integer",
      min: 0,
      description: `gene filter (default ${PREPROCESS_DEFAULTS.minSharedCounts})`,
    },
    "n-top-genes": {
      kind: "integer",
      min: 2,
      description: `highly variable genes (default ${PREPROCESS_DEFAULTS.nTopGenes})`,
    },
    "n-pcs": {
      kind: "integer",
      min: 2,
      max: 200,
      description: `principal components (default ${PREPROCESS_DEFAULTS.nPcs})`,
    },
    "n-neighbors": {
      kind: "integer",
      min: 2,
      max: 200,
      description: `neighbours incl. the cell itself (default ${NEIGHBOR_DEFAULTS.nNeighbors})`,
    },
    genes: {
      kind: "string",
      value: "A,B,…",
      description: "genes for the report's phase portraits (default: the top 6 by fit likelihood)",
    },
    "no-umap": { kind: "boolean", description: "skip UMAP and the embedding projection" },
    "no-png": { kind: "boolean", description: "report figures as SVG only" },
    json: { kind: "boolean", description: "print the summary as JSON instead of one line" },
    quiet: { kind: "boolean", short: "q", description: "no progress output" },
  },
  notes: [
    "Metrics (with --edges and clusters): CBDir (cross-boundary direction correctness, PCA and UMAP neighbours),",
    "ICCoh (in-cluster coherence), Spearman of latent time / velocity pseudotime with the order implied by the edges.",
  ],
};

export interface VelocitySummary {
  input: string;
  cells: number;
  genes: number;
  velocityGenes: number;
  mode: VelocityMode;
  seconds: number;
  metrics: Record<string, number>;
  /** CBDir per known transition ("A → B"), with PCA and with UMAP neighbours. */
  perEdge?: { cbdir?: Record<string, number>; cbdirUmap?: Record<string, number> };
  output?: string;
  report?: string;
}

export async function velocityCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const flags = parseCommand(velocitySpec, argv);
  if (flags.help) return -1;
  const started = performance.now();
  const input = flags.input as string | undefined;
  const output = flags.output as string | undefined;
  const reportPath = flags.report as string | undefined;
  if (output && !/\.(h5ad|loom)$/i.test(output))
    throw new UsageError(`--output must end in .h5ad or .loom; got ${JSON.stringify(output)}`);
  if (flags.compression !== undefined && !output)
    throw new UsageError("--compression applies to --output; pass it too");
  const compression = flags.compression as Compression | undefined;
  if (output && input && resolve(output) === resolve(input))
    throw new UsageError("--output is the input file; diffcell never overwrites its input");
  if (reportPath && !/\.html?$/i.test(reportPath))
    throw new UsageError(`--report must end in .html; got ${JSON.stringify(reportPath)}`);
  const mode = (flags.mode as VelocityMode | undefined) ?? VELOCITY_DEFAULTS.mode;
  const seed = (flags.seed as number | undefined) ?? VELOCITY_DEFAULTS.seed;
  if (flags["batch-key"] !== undefined && flags.mode !== undefined && mode !== "dynamical")
    throw new UsageError(
      `--batch-key uses the dynamical model (Harmony and velocity fitted together); got --mode ${mode}`,
    );
  if (flags.genes !== undefined && !reportPath)
    throw new UsageError("--genes chooses the report's phase portraits; pass --report too");
  if (flags["joint-steps"] !== undefined && flags["batch-key"] === undefined)
    throw new UsageError("--joint-steps applies to the joint fit: pass --batch-key too");
  const bar = progressBar(io, flags.quiet === true);

  bar.onProgress({ stage: "load", done: 0, total: 1 });
  const loadStart = performance.now();
  const loaded = await loadInput(input);
  const loadSeconds = (performance.now() - loadStart) / 1000;
  bar.onProgress({ stage: "load", done: 1, total: 1, message: `${loaded.adata.nObs} × ${loaded.adata.nVars}` });
  const { adata } = loaded;
  const genes = flags.genes
    ? parseGeneList(flags.genes as string, adata.varNames, loaded.path ?? loaded.name)
    : undefined;
  for (const layer of ["spliced", "unspliced"]) {
    if (!adata.hasLayer(layer))
      throw new InputError(
        `${loaded.path ?? loaded.name}: layers/${layer}`,
        `missing; velocity needs spliced and unspliced counts (layers: ${Object.keys(adata.layers).join(", ") || "none"})`,
      );
  }
  if (adata.nObs < 10)
    throw new InputError(loaded.path ?? loaded.name, `has ${adata.nObs} cells; velocity needs at least 10`);

  const clusterFlag = flags["cluster-key"] as string | undefined;
  const clusterKey = clusterFlag ?? (adata.obs.has("clusters") ? "clusters" : undefined);
  const clusters = clusterKey ? requireObsColumn(adata, clusterKey, "--cluster-key") : undefined;
  const batchKey = flags["batch-key"] as string | undefined;
  if (batchKey) requireObsColumn(adata, batchKey, "--batch-key");
  const edges = flags.edges
    ? parseEdges(flags.edges as string, clusters, clusterKey)
    : loaded.bundled && clusterKey === "clusters"
      ? PANCREAS_EDGES.map(([a, b]) => [a, b] as [string, string])
      : undefined;
  const nNeighbors = Math.min(
    (flags["n-neighbors"] as number | undefined) ?? NEIGHBOR_DEFAULTS.nNeighbors,
    adata.nObs - 1,
  );

  const options = {
    mode,
    seed,
    epochs: flags.epochs as number | undefined,
    clusterKey,
    minSharedCounts: flags["min-shared-counts"] as number | undefined,
    nTopGenes: flags["n-top-genes"] as number | undefined,
    nPcs: flags["n-pcs"] as number | undefined,
    nNeighbors,
    umap: flags["no-umap"] !== true,
    edges,
    restarts: flags.restarts as number | undefined,
    velocityUnits: flags["velocity-units"] as VelocityUnits | undefined,
    graphMetric: flags["graph-metric"] as GraphMetric | undefined,
    initialTime: flags["initial-time"] as InitialTimeSource | undefined,
    jointSteps: flags["joint-steps"] as number | undefined,
    onProgress: bar.onProgress,
  };
  const result: VelocityPipelineResult & { metrics: { ilisi?: { before: number; after: number; nBatches: number } } } =
    batchKey ? await runHarmonyVelocity(adata, { ...options, batchKey }) : await runVelocityPipeline(adata, options);

  const metrics: Record<string, number> = {};
  if (result.metrics.cbdir) metrics.cbdir = result.metrics.cbdir.mean;
  if (result.metrics.cbdirUmap) metrics.cbdirUmap = result.metrics.cbdirUmap.mean;
  if (result.metrics.iccoh) metrics.iccoh = result.metrics.iccoh.mean;
  if (result.metrics.ilisi) {
    metrics.iLisiBefore = result.metrics.ilisi.before;
    metrics.iLisiAfter = result.metrics.ilisi.after;
  }
  for (const key of ["latentTimeSpearman", "pseudotimeSpearman"] as const) {
    const value = result.metrics[key];
    if (value !== undefined) metrics[key] = value;
  }
  const perEdge: VelocitySummary["perEdge"] = {};
  if (result.metrics.cbdir) perEdge.cbdir = result.metrics.cbdir.perEdge;
  if (result.metrics.cbdirUmap) perEdge.cbdirUmap = result.metrics.cbdirUmap.perEdge;

  if (clusterKey && clusters) adata.uns[`${clusterKey}_colors`] = categoryColors(adata, clusterKey, clusters);

  let writeSeconds = 0;
  const writeStage = output && /\.loom$/i.test(output) ? "write loom" : "write h5ad";
  if (output) {
    bar.onProgress({ stage: writeStage, done: 0, total: 1 });
    const t0 = performance.now();
    mkdirSync(dirname(resolve(output)), { recursive: true });
    if (/\.loom$/i.test(output)) await writeLoom(adata, output, { compression: compression ?? "gzip" });
    else await writeH5ad(adata, output, { compression });
    writeSeconds = (performance.now() - t0) / 1000;
    bar.onProgress({ stage: writeStage, done: 1, total: 1 });
  }
  const seconds = (performance.now() - started) / 1000;
  const timings: Record<string, number> = { load: loadSeconds };
  for (const t of result.timings) timings[t.step] = t.seconds;
  if (output) timings[writeStage] = writeSeconds;

  if (reportPath) {
    bar.onProgress({ stage: "report", done: 0, total: 1 });
    const report = buildReport({
      result,
      title: `RNA velocity — ${loaded.name}`,
      clusters,
      clusterKey,
      parameters: {
        input: loaded.path ?? loaded.name,
        mode,
        seed,
        epochs: mode === "stochastic" ? "—" : (options.epochs ?? VELOCITY_DEFAULTS.epochs),
        "cluster key": clusterKey ?? "—",
        "batch key": batchKey ?? "—",
        "min shared counts": options.minSharedCounts ?? PREPROCESS_DEFAULTS.minSharedCounts,
        "top genes": options.nTopGenes ?? PREPROCESS_DEFAULTS.nTopGenes,
        PCs: options.nPcs ?? PREPROCESS_DEFAULTS.nPcs,
        neighbours: nNeighbors,
        edges: edges ? edges.map(([a, b]) => `${a} → ${b}`).join("; ") : "—",
        "phase-portrait genes": genes ? genes.join(", ") : "top 6 by fit likelihood",
      },
      metrics: [
        ...metricRows(metrics, mode),
        ...Object.entries(result.metrics.cbdir?.perEdge ?? {}).map(
          ([edge, value]) => [`CBDir ${edge} (PCA neighbours)`, value.toFixed(3), "—"] as [string, string, string],
        ),
      ],
      timings,
      totalSeconds: seconds,
      genes,
      onWarning: (message) => {
        bar.finish();
        io.stderr(`diffcell velocity: warning: ${message}\n`);
      },
    });
    writeReport(reportPath, report, flags["no-png"] !== true);
    bar.onProgress({ stage: "report", done: 1, total: 1 });
  }
  bar.finish();

  const summary: VelocitySummary = {
    input: loaded.name,
    cells: adata.nObs,
    genes: adata.nVars,
    velocityGenes: result.velocityGenes,
    mode,
    seconds: (performance.now() - started) / 1000,
    metrics,
    ...(Object.keys(perEdge).length ? { perEdge } : {}),
    ...(output ? { output } : {}),
    ...(reportPath ? { report: reportPath } : {}),
  };
  io.stdout(flags.json ? `${JSON.stringify(summary)}\n` : `${summaryLine(summary)}\n`);
  return 0;
}

const LABELS: Record<string, string> = {
  cbdir: "CBDir",
  cbdirUmap: "CBDir (UMAP nb)",
  iccoh: "ICCoh",
  latentTimeSpearman: "time ρ",
  pseudotimeSpearman: "pseudotime ρ",
  iLisiBefore: "iLISI before",
  iLisiAfter: "iLISI after",
};

export function summaryLine(s: VelocitySummary): string {
  const parts = Object.entries(s.metrics).map(([k, v]) => `${LABELS[k] ?? k} ${v.toFixed(3)}`);
  const files = [s.output, s.report].filter(Boolean).join(", ");
  return (
    `${s.input}: ${s.cells} cells × ${s.genes} genes (${s.velocityGenes} velocity genes), ${s.mode}, ${s.seconds.toFixed(1)} s` +
    (parts.length ? `; ${parts.join(", ")}` : "") +
    (files ? ` → ${files}` : "")
  );
}

/** scVelo 0.3.3 on pancreas (k = 30), for the report's reference column. */
const SCVELO: Record<string, Record<string, string>> = {
  cbdir: { stochastic: "0.34", dynamical: "0.44" },
  cbdirUmap: { stochastic: "0.20", dynamical: "0.29" },
  iccoh: { stochastic: "0.88", dynamical: "0.85" },
  latentTimeSpearman: { dynamical: "0.88" },
};

function metricRows(metrics: Record<string, number>, mode: VelocityMode): Array<[string, string, string]> {
  const names: Record<string, string> = {
    cbdir: "CBDir, PCA neighbours",
    cbdirUmap: "CBDir, UMAP neighbours",
    iccoh: "ICCoh",
    latentTimeSpearman: "latent time Spearman vs lineage order",
    pseudotimeSpearman: "velocity pseudotime Spearman vs lineage order",
    iLisiBefore: "median iLISI of the batches, uncorrected PCA",
    iLisiAfter: "median iLISI of the batches, Harmony-corrected",
  };
  const ref = mode === "stochastic" ? "stochastic" : "dynamical";
  return Object.entries(metrics).map(([k, v]) => [names[k] ?? k, v.toFixed(3), SCVELO[k]?.[ref] ?? "—"]);
}

/** "A>B;B>C" (also "A->B", "A→B"); cluster names must exist. */
export function parseEdges(
  text: string,
  clusters: string[] | undefined,
  clusterKey: string | undefined,
): Array<[string, string]> {
  if (!clusters)
    throw new UsageError('--edges needs cluster labels: pass --cluster-key (obs has no "clusters" column)');
  let edges: Array<[string, string]>;
  try {
    edges = parseEdgeList(text);
  } catch (error) {
    throw error instanceof InputError ? new UsageError(`--edges: ${error.problem}`) : error;
  }
  if (edges.length === 0) throw new UsageError("--edges lists no transitions");
  try {
    edgeDepth(edges);
  } catch (error) {
    throw error instanceof InputError ? new UsageError(`--edges ${error.problem}`) : error;
  }
  // Checked before any work starts (the metrics would only find out after training).
  const known = new Set(clusters);
  for (const c of edges.flat())
    if (!known.has(c))
      throw new InputError(
        `--edges ${c}`,
        `no cluster named "${c}" in obs.${clusterKey} (clusters: ${[...known].slice(0, 20).join(", ")})`,
      );
  return edges;
}

/**
 * scanpy's `uns["<key>_colors"]`: hex colours in the order of the column's categories (sorted labels for
 * a plain string column, as scanpy makes it categorical), the same colour per cluster as the report's.
 */
function categoryColors(adata: AnnData, key: string, labels: readonly string[]): string[] {
  const colors = clusterColors(categoriesOf([...labels]));
  const column = adata.obs.get(key);
  const order = column.kind === "categorical" ? Array.from(column.categories, String) : categoriesOf([...labels]);
  return order.map((c) => colors.get(c) ?? "#808080");
}
