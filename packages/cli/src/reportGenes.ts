/**
 * Which genes the velocity report shows. Phase portraits: the genes the user chose (`--genes`), else the top
 * genes by scVelo's `fit_likelihood` (var, written by the dynamical fit; scVelo's `rank_dynamical_genes` and
 * tutorials rank by it), else — for results without it — by how well the fitted trajectory explains Ms and
 * Mu, else by the steady-state R². Heatmap: top genes by `fit_likelihood`, else by steady-state R².
 */
import { InputError } from "@diffcell/core";
import type { AnnData } from "@diffcell/io";
import type { FittedCurves } from "@diffcell/pipeline";

export interface GeneChoice {
  /** Column indices in `adata`, in display order. */
  genes: number[];
  /** How they were chosen, for the caption. */
  ranking: "chosen" | "fit_likelihood" | "trajectory R²" | "steady-state R²";
  /** The ranking score per shown gene (absent for chosen genes). */
  scores: Map<number, number>;
  /** Chosen genes that are not among the analysed genes (removed by preprocessing). */
  missing: string[];
}

/**
 * Genes for the phase portraits. `chosen` names must be var names of `adata`; the caller checks them against
 * the input before the run, so here an absent name was removed by preprocessing and is reported in `missing`.
 */
export function phaseGenes(
  adata: AnnData,
  count: number,
  options: {
    chosen?: readonly string[];
    curves?: FittedCurves;
    time?: ArrayLike<number>;
    ms?: Float32Array;
    mu?: Float32Array;
  },
): GeneChoice {
  if (options.chosen?.length) {
    const index = new Map(adata.varNames.map((name, j) => [name, j]));
    const genes = options.chosen.filter((name) => index.has(name)).map((name) => index.get(name) as number);
    const missing = options.chosen.filter((name) => !index.has(name));
    return { genes, ranking: "chosen", scores: new Map(), missing };
  }
  const likelihood = varRanking(adata, "fit_likelihood", count);
  if (likelihood.genes.length) return { ...likelihood, ranking: "fit_likelihood", missing: [] };
  const { curves, time, ms, mu } = options;
  if (curves && time && ms && mu) {
    const scores = trajectoryFitScore(curves, time, ms, mu, adata.nObs, adata.nVars);
    const genes = [...scores.keys()]
      .sort((a, b) => (scores.get(b) as number) - (scores.get(a) as number) || a - b)
      .slice(0, count);
    if (genes.length) return { genes, ranking: "trajectory R²", scores: pick(scores, genes), missing: [] };
  }
  return { ...steadyStateRanking(adata, count), ranking: "steady-state R²", missing: [] };
}

/** Genes for the latent-time heatmap: top by fit_likelihood (as scVelo's tutorial), else steady-state R². */
export function heatmapGenes(adata: AnnData, count: number): GeneChoice {
  const likelihood = varRanking(adata, "fit_likelihood", count);
  if (likelihood.genes.length > 1) return { ...likelihood, ranking: "fit_likelihood", missing: [] };
  return { ...steadyStateRanking(adata, count), ranking: "steady-state R²", missing: [] };
}

/** Parses `--genes A,B,C` and checks every name against the input's genes (before any work is done). */
export function parseGeneList(text: string, varNames: readonly string[], source: string): string[] {
  const names = text
    .split(",")
    .map((name) => name.trim())
    .filter((name) => name !== "");
  if (names.length === 0) throw new InputError("--genes", "lists no gene names (expected e.g. --genes Cpe,Pcsk2)");
  const known = new Set(varNames);
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length) {
    const lower = new Map(varNames.map((name) => [name.toLowerCase(), name]));
    const hints = unknown.map((name) =>
      lower.has(name.toLowerCase()) ? ` (did you mean ${lower.get(name.toLowerCase())}?)` : "",
    );
    throw new InputError(
      `--genes ${unknown.join(",")}`,
      `not among the ${varNames.length} genes of ${source}: ${unknown.map((name, i) => `"${name}"${hints[i]}`).join(", ")}`,
    );
  }
  return [...new Set(names)];
}

/** Top `count` genes by a var column, highest first, finite values only (NaN marks genes not fitted). */
function varRanking(adata: AnnData, key: string, count: number): { genes: number[]; scores: Map<number, number> } {
  if (!adata.var.has(key)) return { genes: [], scores: new Map() };
  const values = adata.var.numbers(key);
  const genes: number[] = [];
  for (let j = 0; j < values.length; j++) if (Number.isFinite(values[j])) genes.push(j);
  genes.sort((a, b) => values[b] - values[a] || a - b);
  const top = genes.slice(0, count);
  return { genes: top, scores: new Map(top.map((j) => [j, values[j]])) };
}

/** Velocity genes with the best steady-state R² (only genes the model fitted when fit_alpha exists). */
function steadyStateRanking(adata: AnnData, count: number): { genes: number[]; scores: Map<number, number> } {
  if (!adata.var.has("velocity_r2")) return { genes: [], scores: new Map() };
  const r2 = adata.var.numbers("velocity_r2");
  const usable = adata.var.has("velocity_genes") ? adata.var.numbers("velocity_genes") : undefined;
  const fitted = adata.var.has("fit_alpha") ? adata.var.numbers("fit_alpha") : undefined;
  const candidates: number[] = [];
  for (let j = 0; j < r2.length; j++) {
    if (usable && usable[j] !== 1) continue;
    if (fitted && !Number.isFinite(fitted[j])) continue;
    if (Number.isFinite(r2[j])) candidates.push(j);
  }
  const genes = candidates.sort((a, b) => r2[b] - r2[a] || a - b).slice(0, count);
  return { genes, scores: new Map(genes.map((j) => [j, r2[j]])) };
}

/**
 * How well the kinetic model explains each fitted gene: 1 − (SSE/SST of Ms + SSE/SST of Mu)/2 with the
 * prediction read off the fitted trajectory at each cell's latent time. Used only when the result has no
 * fit_likelihood.
 */
function trajectoryFitScore(
  curves: FittedCurves,
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

function pick(scores: Map<number, number>, genes: number[]): Map<number, number> {
  return new Map(genes.map((j) => [j, scores.get(j) as number]));
}
