/**
 * `diffcell velocity`: preprocessing as scVelo → the velocity model → velocity graph → UMAP and the
 * projection on it → confidence, latent time, pseudotime → .h5ad, report, one-line summary.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { InputError } from "@diffcell/core";
import { PANCREAS_EDGES } from "@diffcell/datasets";
import { type Compression, checkOutputPath, ensureParentDir, writeH5ad, writeLoom } from "@diffcell/io";
import {
  defaultEpochs,
  edgeDepth,
  type GraphMetric,
  type InitialTimeSource,
  NEIGHBOR_DEFAULTS,
  PREPROCESS_DEFAULTS,
  runHarmonyVelocity,
  runVelocityPipeline,
  VELOCITY_DEFAULTS,
  type VelocityMode,
  type VelocityPipelineResult,
  type VelocityUnits,
} from "@diffcell/pipeline";
import { parseEdges as parseEdgeList } from "@diffcell/velocity";
import { parseCommand, UsageError } from "./args.js";
import type { CliIo } from "./io.js";
import { loadInput, requireObsColumn } from "./load.js";
import { progressBar } from "./progress.js";
import { buildReport, reportFolder, writeReport } from "./report.js";
import { parseGeneList } from "./reportGenes.js";
import { categoryColors, metricRows, summaryLine, type VelocitySummary } from "./summary.js";
import { velocitySpec } from "./velocityFlags.js";

export { summaryLine, type VelocitySummary } from "./summary.js";
export { velocitySpec } from "./velocityFlags.js";

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
  if (reportPath && !/\.html?$/i.test(reportPath))
    throw new UsageError(`--report must end in .html; got ${JSON.stringify(reportPath)}`);
  // Every output checked before any work: never an input (real paths), a writable place, not a folder.
  if (output) checkOutputPath(output, { inputs: [input], label: "--output" });
  if (reportPath) {
    checkOutputPath(reportPath, { inputs: [input, output], label: "--report" });
    checkOutputPath(reportFolder(reportPath), {
      inputs: [input, output],
      label: "--report figures folder",
      folder: true,
    });
  }
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
  const warn = (message: string) => {
    bar.finish();
    io.stderr(`diffcell velocity: warning: ${message}\n`);
  };

  bar.onProgress({ stage: "load", done: 0, total: 1 });
  const loadStart = performance.now();
  const loaded = await loadInput(input, warn);
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
    onWarning: warn,
    // The data were read from the input just now and nobody else holds them: normalised in place.
    inPlace: true,
    // Layers parked during the run (large data) go beside the output: usually a disk, where the OS's temporary
    // folder may be RAM-backed.
    spillDir: output && existsSync(dirname(resolve(output))) ? dirname(resolve(output)) : undefined,
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
    ensureParentDir(output);
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
        epochs: mode === "stochastic" ? "—" : (options.epochs ?? defaultEpochs(result.adata.nObs)),
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
      onWarning: warn,
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
    timings,
    metrics,
    ...(Object.keys(perEdge).length ? { perEdge } : {}),
    ...(output ? { output } : {}),
    ...(reportPath ? { report: reportPath } : {}),
  };
  io.stdout(flags.json ? `${JSON.stringify(summary)}\n` : `${summaryLine(summary)}\n`);
  return 0;
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
