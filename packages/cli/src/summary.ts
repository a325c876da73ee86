/** The run's summary: the one line (or JSON) on stdout, the report's metric rows and cluster colours. */

import type { AnnData } from "@diffcell/io";
import type { VelocityMode } from "@diffcell/pipeline";
import { categoriesOf, clusterColors } from "@diffcell/plot";

export interface VelocitySummary {
  input: string;
  cells: number;
  genes: number;
  velocityGenes: number;
  mode: VelocityMode;
  seconds: number;
  /** Wall-clock seconds per stage (load, the pipeline's steps, the write), as in the report's table. */
  timings?: Record<string, number>;
  metrics: Record<string, number>;
  /** CBDir per known transition ("A → B"), with PCA and with UMAP neighbours. */
  perEdge?: { cbdir?: Record<string, number>; cbdirUmap?: Record<string, number> };
  output?: string;
  report?: string;
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

export function metricRows(metrics: Record<string, number>, mode: VelocityMode): Array<[string, string, string]> {
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

/**
 * scanpy's `uns["<key>_colors"]`: hex colours in the order of the column's categories (sorted labels for
 * a plain string column, as scanpy makes it categorical), the same colour per cluster as the report's.
 */
export function categoryColors(adata: AnnData, key: string, labels: readonly string[]): string[] {
  const colors = clusterColors(categoriesOf([...labels]));
  const column = adata.obs.get(key);
  const order = column.kind === "categorical" ? Array.from(column.categories, String) : categoriesOf([...labels]);
  return order.map((c) => colors.get(c) ?? "#808080");
}
