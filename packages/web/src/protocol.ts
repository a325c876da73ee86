/** Messages between the page and the worker. */

export interface ObsColumn {
  name: string;
  /** "labels": categorical or string (usable as cluster / batch key); "numeric": anything else. */
  kind: "labels" | "numeric";
  /** Distinct labels, when known. */
  levels?: number;
}

export interface RunRequest {
  type: "run";
  /** The uploaded file, or the bundled pancreas example. */
  input: { name: string; bytes: ArrayBuffer } | "example";
  clusterKey?: string;
  batchKey?: string;
  mode?: string;
  seed?: number;
}

export interface GeneRequest {
  type: "gene";
  gene: string;
}

export type ToWorker = RunRequest | GeneRequest;

export interface Explore {
  /** UMAP coordinates, [x0, y0, x1, y1, …]. */
  umap: Float32Array;
  /** obs names (cell barcodes). */
  cells: string[];
  clusters?: string[];
  /** Colour per cluster, as the report's figures. */
  colors?: Record<string, string>;
  latentTime?: Float32Array;
  /** Velocity genes, best fit first (for phase portraits). */
  genes: string[];
}

export type FromWorker =
  | { type: "hello"; defaults: { mode: string; seed: number }; modes: string[] }
  | { type: "columns"; columns: ObsColumn[]; clusterKey?: string }
  | { type: "progress"; stage: string; fraction: number; detail: string }
  | { type: "log"; text: string }
  | { type: "done"; summary: string; h5ad: Uint8Array; report: string; seconds: number }
  | { type: "explore"; explore: Explore }
  | { type: "gene"; gene: string; svg: string }
  | { type: "error"; message: string };
