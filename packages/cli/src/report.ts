/**
 * The velocity report: every figure as SVG (and PNG beside it), one self-contained HTML file with the
 * figures inline, the metrics, the parameters and the timings.
 */
import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { stats } from "@diffcell/core";
import { type AnnData, fileError, toDenseFloat32, writeFileAtomic } from "@diffcell/io";
import type { VelocityPipelineResult } from "@diffcell/pipeline";
import {
  type Cell,
  categoriesOf,
  heatmap,
  htmlReport,
  type LossSeries,
  lossCurve,
  phasePortrait,
  type ReportSection,
  scatterPlot,
  toPng,
  velocityArrowPlot,
  velocityStreamPlot,
} from "@diffcell/plot";
import { heatmapGenes, phaseGenes } from "./reportGenes.js";

export interface ReportInput {
  result: VelocityPipelineResult;
  title: string;
  clusters?: string[];
  /** obs column the clusters came from (its category order is kept in legends). */
  clusterKey?: string;
  parameters: Record<string, Cell>;
  /** Rows of the metrics table: name, value, reference (scVelo) where known. */
  metrics: Array<[string, string, string]>;
  /** Seconds per step (not including a total). */
  timings: Record<string, number>;
  /** Wall-clock seconds of the whole run; the difference to the steps' sum is shown as "other". */
  totalSeconds?: number;
  /** Number of genes in the phase-portrait gallery (default 6) and the heatmap (default 50). */
  phaseGenes?: number;
  heatmapGenes?: number;
  /** Genes for the phase portraits (var names), instead of the top genes by likelihood. */
  genes?: readonly string[];
  /** Warnings (e.g. a chosen gene removed by preprocessing). */
  onWarning?: (message: string) => void;
}

export interface Figure {
  name: string;
  svg: string;
}

/** Builds the figures and the HTML (no file written). */
export function buildReport(input: ReportInput): { html: string; figures: Figure[] } {
  const { adata } = input.result;
  const [n, g] = adata.shape;
  const clusters = input.clusters;
  const categories = clusters ? orderedCategories(adata, input.clusterKey, clusters) : undefined;
  const common = { clusters, categories };
  const figures: Figure[] = [];
  const sections: ReportSection[] = [];
  const add = (name: string, svg: string) => {
    figures.push({ name, svg });
    return svg;
  };

  sections.push({
    heading: "Metrics",
    text: "Higher is better for every metric. Reference values: scVelo 0.3.3 on the same pancreas data (k = 30).",
    table: { columns: ["metric", "diffcell", "scVelo (pancreas)"], rows: input.metrics },
  });

  const umap = adata.obsm.X_umap ? toDenseFloat32(adata.obsm.X_umap) : undefined;
  const vUmap = adata.obsm.velocity_umap ? toDenseFloat32(adata.obsm.velocity_umap) : undefined;
  if (umap && vUmap) {
    sections.push({
      heading: "Velocity on the UMAP",
      svg: [
        add(
          "velocity_stream",
          velocityStreamPlot({ embedding: umap, velocity: vUmap, ...common, title: "velocity stream", basis: "UMAP" }),
        ),
        add(
          "velocity_arrows",
          velocityArrowPlot({ embedding: umap, velocity: vUmap, ...common, title: "velocity arrows", basis: "UMAP" }),
        ),
      ],
      caption:
        "Velocities projected with the transition matrix of the velocity graph (scVelo's velocity_embedding); streamlines integrated on a smoothed grid.",
    });
    const scalar = (key: string, label: string, colorMap?: "viridis" | "magma" | "coolwarm") =>
      adata.obs.has(key)
        ? add(
            key,
            scatterPlot({
              embedding: umap,
              values: adata.obs.numbers(key),
              title: label,
              colorbarLabel: label,
              basis: "UMAP",
              ...(colorMap ? { colorMap } : {}),
            }),
          )
        : undefined;
    const panels = [
      scalar("latent_time", "latent time", "viridis"),
      scalar("velocity_pseudotime", "velocity pseudotime", "viridis"),
      scalar("velocity_length", "velocity length", "magma"),
      scalar("velocity_confidence", "velocity confidence", "coolwarm"),
    ].filter((s): s is string => s !== undefined);
    sections.push({ heading: "Time, speed and confidence", svg: panels });
  }

  const ms = toDenseFloat32(adata.layer("Ms"));
  const mu = toDenseFloat32(adata.layer("Mu"));
  const velocity = toDenseFloat32(adata.layer("velocity"));
  const curves = input.result.curves;
  const latent = adata.obs.has("latent_time") ? adata.obs.numbers("latent_time") : undefined;
  const chosen = phaseGenes(adata, input.phaseGenes ?? 6, { chosen: input.genes, curves, time: latent, ms, mu });
  if (chosen.missing.length)
    input.onWarning?.(
      `--genes: ${chosen.missing.join(", ")} removed by preprocessing (gene filter / highly variable genes): no phase portrait`,
    );
  const curveRow = new Map(curves?.genes.map((j, r) => [j, r]) ?? []);
  const gamma = adata.var.has("velocity_gamma") ? adata.var.numbers("velocity_gamma") : undefined;
  const phases = chosen.genes.map((j) => {
    const column = (m: Float32Array) => Float32Array.from({ length: n }, (_, i) => m[i * g + j]);
    const r = curveRow.get(j);
    const steps = curves?.time.length ?? 0;
    // Genes the model did not fit (e.g. chosen with --genes) have NaN velocity: no arrows for them.
    const v = column(velocity);
    const arrows = v.every(Number.isFinite) ? { velocity: v } : {};
    return add(
      `phase_${safe(adata.varNames[j])}`,
      phasePortrait({
        spliced: column(ms),
        unspliced: column(mu),
        gene: adata.varNames[j],
        ...common,
        ...arrows,
        ...(gamma && Number.isFinite(gamma[j]) ? { steadyStateSlope: gamma[j] } : {}),
        ...(curves && r !== undefined
          ? {
              fitCurve: {
                spliced: curves.spliced.subarray(r * steps, (r + 1) * steps),
                unspliced: curves.unspliced.subarray(r * steps, (r + 1) * steps),
                label: "fitted trajectory",
              },
            }
          : {}),
      }),
    );
  });
  if (phases.length)
    sections.push({
      heading: "Phase portraits",
      svg: phases,
      caption: `${phaseCaption(
        chosen.ranking,
        chosen.genes.map((j) => [adata.varNames[j], chosen.scores.get(j)]),
      )} Ms (x) against Mu (y) per cell, coloured by cluster; purple: the fitted trajectory; dashed: the steady-state line u = γ′·s; arrows: velocity.`,
    });

  const time = latent ?? (adata.obs.has("velocity_pseudotime") ? adata.obs.numbers("velocity_pseudotime") : undefined);
  const heat = heatmapGenes(adata, input.heatmapGenes ?? 50);
  if (time && heat.genes.length > 1) {
    const values = new Float32Array(heat.genes.length * n);
    heat.genes.forEach((j, r) => {
      for (let i = 0; i < n; i++) values[r * n + i] = ms[i * g + j];
    });
    const label = latent ? "latent time" : "velocity pseudotime";
    const by = heat.ranking === "fit_likelihood" ? "likelihood" : "steady-state R²";
    sections.push({
      heading: "Expression along time",
      svg: add(
        "heatmap",
        heatmap({
          values,
          rowLabels: heat.genes.map((j) => adata.varNames[j]),
          colOrder: stats.argsort(time),
          smooth: Math.max(1, Math.min(30, Math.floor(n / 50))),
          sortRows: true,
          colAnnotation: clusters ? { label: "clusters", ...common } : { label, values: time },
          title: `Ms of the top ${heat.genes.length} genes by ${by}, cells ordered by ${label}`,
          xLabel: `cells ordered by ${label}`,
        }),
      ),
      caption: `Each gene smoothed along ${label} and scaled to [0, 1]; genes sorted by where they peak (scVelo's heatmap).`,
    });
  }

  const restarts = restartSeries(input.result);
  if (restarts.series.length && restarts.series.some((s) => s.values.length > 1)) {
    sections.push({
      heading: "Training",
      svg: add(
        "loss",
        lossCurve(restarts.series, {
          title: restarts.series.length > 1 ? "training loss of every restart" : "training loss per epoch",
          xLabel: "epoch",
          yLabel: "loss",
        }),
      ),
      caption:
        restarts.series.length > 1
          ? `${restarts.series.length} fits from different initialisations; the one with the lowest final loss (restart ${restarts.kept + 1}) is kept.`
          : undefined,
    });
  }

  const html = htmlReport({
    title: input.title,
    subtitle: `${n} cells × ${g} genes, ${input.result.velocityGenes} velocity genes`,
    sections,
    parameters: input.parameters,
    timings: input.timings,
    totalSeconds: input.totalSeconds,
    footer: "diffcell — differentiable single-cell analysis in TypeScript",
  });
  return { html, figures };
}

/**
 * Writes the HTML and, in `<name>_figures/` beside it, every figure as .svg and .png (replacing the .svg/.png
 * files of an earlier report there). Returns the folder.
 */
export function writeReport(path: string, report: { html: string; figures: Figure[] }, png = true): string {
  writeFileAtomic(path, report.html);
  const folder = reportFolder(path);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (e) {
    throw fileError(e, folder, "cannot create the figures folder");
  }
  // Figures of an earlier run (other top genes) would otherwise linger beside the new ones.
  for (const file of readdirSync(folder)) if (/\.(svg|png)$/.test(file)) rmSync(join(folder, file));
  for (const figure of report.figures) {
    writeFileAtomic(join(folder, `${figure.name}.svg`), figure.svg);
    if (png) writeFileAtomic(join(folder, `${figure.name}.png`), toPng(figure.svg, { scale: 1.5 }));
  }
  return folder;
}

/** The folder beside a report that holds its figures: `report.html` → `report_figures/`. */
export function reportFolder(path: string): string {
  return join(dirname(path), `${basename(path).replace(/\.html?$/i, "")}_figures`);
}

/** Categories in the order of the cluster column when it is categorical (pancreas: developmental order). */
function orderedCategories(adata: AnnData, key: string | undefined, clusters: string[]): string[] {
  const column = key && adata.obs.has(key) ? adata.obs.get(key) : undefined;
  if (column?.kind !== "categorical") return categoriesOf(clusters);
  const present = new Set(clusters);
  return Array.from(column.categories as ArrayLike<string | number>, String).filter((c) => present.has(c));
}

function phaseCaption(ranking: string, shown: Array<[string, number | undefined]>): string {
  const list = shown.map(([name, score]) => (score === undefined ? name : `${name} ${formatScore(score)}`)).join(", ");
  switch (ranking) {
    case "chosen":
      return `Genes chosen with --genes: ${list}.`;
    case "fit_likelihood":
      return `Top genes by the likelihood of the dynamical fit (var.fit_likelihood, as scVelo ranks them): ${list}.`;
    case "trajectory R²":
      return `Top genes by how well the fitted trajectory explains Ms and Mu at each cell's latent time (R²; the result has no fit_likelihood): ${list}.`;
    default:
      return `Top velocity genes by steady-state fit (R²): ${list}.`;
  }
}

function formatScore(value: number): string {
  return Math.abs(value) >= 0.01 || value === 0 ? value.toFixed(2) : value.toExponential(1);
}

type LossRuns = ReadonlyArray<number> | ReadonlyArray<ReadonlyArray<number>>;

/**
 * Loss curves of every restart. Accepts the result's `loss` as one curve (number[]) or one per restart
 * (number[][]), or a `restarts` array of curves or of `{ loss }` records; the kept fit is the one with the
 * lowest final loss.
 */
export function restartSeries(result: {
  loss: LossRuns;
  restarts?: ReadonlyArray<ArrayLike<number> | { loss: ArrayLike<number> }>;
  /** The pipelines' name for the per-restart curves. */
  restartLosses?: ReadonlyArray<ArrayLike<number>>;
}): {
  series: LossSeries[];
  kept: number;
} {
  let runs: number[][] = [];
  if (result.restartLosses?.length) runs = result.restartLosses.map((run) => Array.from(run));
  else if (result.restarts?.length)
    runs = result.restarts.map((run) =>
      Array.from(
        "loss" in run && !ArrayBuffer.isView(run) && !Array.isArray(run) ? run.loss : (run as ArrayLike<number>),
      ),
    );
  else if (result.loss.length && Array.isArray(result.loss[0]))
    runs = (result.loss as ReadonlyArray<ReadonlyArray<number>>).map((run) => Array.from(run));
  else if (result.loss.length) runs = [Array.from(result.loss as ReadonlyArray<number>)];
  // A diverged run (NaN/∞) is drawn up to its last finite epoch.
  runs = runs.map((run) => {
    const bad = run.findIndex((v) => !Number.isFinite(v));
    return bad < 0 ? run : run.slice(0, bad);
  });
  runs = runs.filter((run) => run.length > 0);
  let kept = 0;
  runs.forEach((run, i) => {
    if (run[run.length - 1] < runs[kept][runs[kept].length - 1]) kept = i;
  });
  const series = runs.map((values, i) => ({
    name: runs.length > 1 ? `restart ${i + 1}${i === kept ? " (kept)" : ""}` : "loss",
    values,
  }));
  return { series, kept };
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_");
}
