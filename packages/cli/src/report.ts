/**
 * The velocity report: every figure as SVG (and PNG beside it), one self-contained HTML file with the
 * figures inline, the metrics, the parameters and the timings.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { stats } from "@diffcell/core";
import { type AnnData, toDenseFloat32 } from "@diffcell/io";
import type { VelocityPipelineResult } from "@diffcell/pipeline";
import {
  type Cell,
  categoriesOf,
  heatmap,
  htmlReport,
  lossCurve,
  phasePortrait,
  type ReportSection,
  scatterPlot,
  toPng,
  velocityArrowPlot,
  velocityStreamPlot,
} from "@diffcell/plot";

export interface ReportInput {
  result: VelocityPipelineResult;
  title: string;
  clusters?: string[];
  /** obs column the clusters came from (its category order is kept in legends). */
  clusterKey?: string;
  parameters: Record<string, Cell>;
  /** Rows of the metrics table: name, value, reference (scVelo) where known. */
  metrics: Array<[string, string, string]>;
  timings: Record<string, number>;
  /** Number of genes in the phase-portrait gallery (default 6) and the heatmap (default 50). */
  phaseGenes?: number;
  heatmapGenes?: number;
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
  const time0 = adata.obs.has("latent_time") ? adata.obs.numbers("latent_time") : undefined;
  const fitScore = curves && time0 ? dynamicalFitScore(curves, time0, ms, mu, n, g) : undefined;
  const genes = fitScore
    ? [...fitScore.keys()]
        .sort((a, b) => (fitScore.get(b) as number) - (fitScore.get(a) as number) || a - b)
        .slice(0, input.phaseGenes ?? 6)
    : topGenes(adata, input.phaseGenes ?? 6);
  const curveRow = new Map(curves?.genes.map((j, r) => [j, r]) ?? []);
  const gamma = adata.var.has("velocity_gamma") ? adata.var.numbers("velocity_gamma") : undefined;
  const phases = genes.map((j) => {
    const column = (m: Float32Array) => Float32Array.from({ length: n }, (_, i) => m[i * g + j]);
    const r = curveRow.get(j);
    const steps = curves?.time.length ?? 0;
    return add(
      `phase_${safe(adata.varNames[j])}`,
      phasePortrait({
        spliced: column(ms),
        unspliced: column(mu),
        gene: adata.varNames[j],
        ...common,
        legend: "none",
        velocity: column(velocity),
        ...(gamma && Number.isFinite(gamma[j]) ? { steadyStateSlope: gamma[j] } : {}),
        ...(curves && r !== undefined
          ? {
              fitCurve: {
                spliced: curves.spliced.subarray(r * steps, (r + 1) * steps),
                unspliced: curves.unspliced.subarray(r * steps, (r + 1) * steps),
                label: "fitted",
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
      caption: fitScore
        ? `Best-fitted genes of the kinetic model (R² of Ms and Mu against the trajectory at each cell's latent time: ${genes.map((j) => `${adata.varNames[j]} ${(fitScore.get(j) as number).toFixed(2)}`).join(", ")}); lines: fitted trajectory and the steady-state line u = γ′·s; arrows: velocity.`
        : "Top velocity genes by steady-state fit (R²): Ms vs Mu per cell, the steady-state line u = γ′·s and velocity arrows.",
    });

  const time = adata.obs.has("latent_time")
    ? adata.obs.numbers("latent_time")
    : adata.obs.has("velocity_pseudotime")
      ? adata.obs.numbers("velocity_pseudotime")
      : undefined;
  const heatGenes = topGenes(adata, input.heatmapGenes ?? 50);
  if (time && heatGenes.length > 1) {
    const values = new Float32Array(heatGenes.length * n);
    heatGenes.forEach((j, r) => {
      for (let i = 0; i < n; i++) values[r * n + i] = ms[i * g + j];
    });
    const label = adata.obs.has("latent_time") ? "latent time" : "velocity pseudotime";
    sections.push({
      heading: "Expression along time",
      svg: add(
        "heatmap",
        heatmap({
          values,
          rowLabels: heatGenes.map((j) => adata.varNames[j]),
          colOrder: stats.argsort(time),
          smooth: Math.max(1, Math.min(30, Math.floor(n / 50))),
          sortRows: true,
          colAnnotation: clusters ? { label: "clusters", ...common } : { label, values: time },
          title: `Ms of the top ${heatGenes.length} velocity genes ordered by ${label}`,
          xLabel: `cells ordered by ${label}`,
        }),
      ),
    });
  }

  if (input.result.loss.length > 1) {
    sections.push({
      heading: "Training",
      svg: add(
        "loss",
        lossCurve(input.result.loss, { title: "training loss per epoch", xLabel: "epoch", yLabel: "loss" }),
      ),
    });
  }

  const html = htmlReport({
    title: input.title,
    subtitle: `${n} cells × ${g} genes, ${input.result.velocityGenes} velocity genes`,
    sections,
    parameters: input.parameters,
    timings: input.timings,
    footer: "diffcell — differentiable single-cell analysis in TypeScript",
  });
  return { html, figures };
}

/**
 * Writes the HTML and, in `<name>_figures/` beside it, every figure as .svg and .png (replacing the .svg/.png
 * files of an earlier report there). Returns the folder.
 */
export function writeReport(path: string, report: { html: string; figures: Figure[] }, png = true): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, report.html);
  const folder = join(dirname(path), `${basename(path).replace(/\.html?$/i, "")}_figures`);
  mkdirSync(folder, { recursive: true });
  // Figures of an earlier run (other top genes) would otherwise linger beside the new ones.
  for (const file of readdirSync(folder)) if (/\.(svg|png)$/.test(file)) rmSync(join(folder, file));
  for (const figure of report.figures) {
    writeFileSync(join(folder, `${figure.name}.svg`), figure.svg);
    if (png) writeFileSync(join(folder, `${figure.name}.png`), toPng(figure.svg, { scale: 1.5 }));
  }
  return folder;
}

/**
 * How well the kinetic model explains each fitted gene: 1 − (SSE/SST of Ms + SSE/SST of Mu)/2 with the
 * prediction read off the fitted trajectory at each cell's latent time (the role of scVelo's likelihood
 * ranking for `rank_dynamical_genes`).
 */
function dynamicalFitScore(
  curves: NonNullable<VelocityPipelineResult["curves"]>,
  time: ArrayLike<number>,
  ms: Float32Array,
  mu: Float32Array,
  n: number,
  g: number,
): Map<number, number> {
  const steps = curves.time.length;
  const t0 = curves.time[0];
  const span = curves.time[steps - 1] - t0 || 1;
  const sample = Int32Array.from({ length: n }, (_, i) =>
    Math.min(steps - 1, Math.max(0, Math.round(((time[i] - t0) / span) * (steps - 1)))),
  );
  const scores = new Map<number, number>();
  curves.genes.forEach((j, r) => {
    const part = (observed: Float32Array, predicted: Float32Array) => {
      let mean = 0;
      for (let i = 0; i < n; i++) mean += observed[i * g + j];
      mean /= n;
      let sse = 0;
      let sst = 0;
      for (let i = 0; i < n; i++) {
        const x = observed[i * g + j];
        sse += (x - predicted[r * steps + sample[i]]) ** 2;
        sst += (x - mean) ** 2;
      }
      return sst > 0 ? sse / sst : 1;
    };
    const score = 1 - (part(ms, curves.spliced) + part(mu, curves.unspliced)) / 2;
    if (Number.isFinite(score)) scores.set(j, score);
  });
  return scores;
}

/** Categories in the order of the cluster column when it is categorical (pancreas: developmental order). */
function orderedCategories(adata: AnnData, key: string | undefined, clusters: string[]): string[] {
  const column = key && adata.obs.has(key) ? adata.obs.get(key) : undefined;
  if (column?.kind !== "categorical") return categoriesOf(clusters);
  const present = new Set(clusters);
  return Array.from(column.categories as ArrayLike<string | number>, String).filter((c) => present.has(c));
}

/** Velocity genes with the best steady-state R² (genes the model fitted when fit_alpha exists). */
function topGenes(adata: AnnData, count: number): number[] {
  if (!adata.var.has("velocity_r2")) return [];
  const r2 = adata.var.numbers("velocity_r2");
  const usable = adata.var.has("velocity_genes") ? adata.var.numbers("velocity_genes") : undefined;
  const fitted = adata.var.has("fit_alpha") ? adata.var.numbers("fit_alpha") : undefined;
  const candidates: number[] = [];
  for (let j = 0; j < r2.length; j++) {
    if (usable && usable[j] !== 1) continue;
    if (fitted && !Number.isFinite(fitted[j])) continue;
    if (Number.isFinite(r2[j])) candidates.push(j);
  }
  return candidates.sort((a, b) => r2[b] - r2[a] || a - b).slice(0, count);
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_");
}
