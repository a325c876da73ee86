/**
 * The post-processing both velocity jobs share: velocity graph, confidence, pseudotime, UMAP and the
 * velocity projection, CBDir/ICCoh and the time-order metrics; writes scVelo's keys.
 */
import { knn as exactKnn, InputError, type ProgressCallback, stats } from "@diffcell/core";
import { type AnnData, booleanColumn, type CsrMatrix, csr, dense, numericColumn, toDenseFloat32 } from "@diffcell/io";
import { type UmapJob, umap } from "@diffcell/pp";
import {
  crossBoundaryCorrectness,
  geneTimeUnits,
  innerClusterCoherence,
  type SparseRows,
  standardizedGeneScale,
  transitionMatrix,
  velocityConfidence,
  velocityEmbedding,
  velocityGraph,
  velocityPseudotime,
} from "@diffcell/velocity";
import {
  EMBEDDING_DEFAULTS,
  type GraphMetric,
  VELOCITY_DEFAULTS,
  type VelocityMode,
  type VelocityUnits,
} from "./defaults.js";
import type { FittedRates } from "./model.js";

export interface PipelineMetrics {
  cbdir?: { mean: number; perEdge: Record<string, number> };
  /** CBDir with neighbours found in the UMAP embedding (the other published convention). */
  cbdirUmap?: { mean: number; perEdge: Record<string, number> };
  iccoh?: { mean: number; perCluster: Record<string, number> };
  /** Spearman correlation of latent time (and of velocity pseudotime) with the depth of each cell's cluster in the edges. */
  latentTimeSpearman?: number;
  pseudotimeSpearman?: number;
}

/** What {@link writeVelocityResults} needs: a fitted velocity field and the neighbour sets it lives on. */
export interface VelocityResultsInput {
  mode: VelocityMode;
  seed: number;
  nNeighbors: number;
  /** Velocity [N, G] (NaN outside the velocity genes) and the spliced moments it is compared with. */
  velocity: Float32Array;
  ms: Float32Array;
  /** kNN indices N × k, the cell itself first. */
  knn: Int32Array;
  steady: { gamma: ArrayLike<number>; r2: ArrayLike<number>; velocityGenes: Uint8Array };
  /** Latent time and fitted rates of a trained model (absent in stochastic mode). */
  latentTime?: Float32Array;
  fit?: FittedRates;
  clusterKey?: string;
  umap?: boolean;
  /** The layout already started on a worker (`startUmap` on this AnnData); default: laid out here. */
  umapJob?: UmapJob;
  edges?: Array<[string, string]>;
  onProgress?: ProgressCallback;
  /**
   * Model velocities as written: "latent" (default) per unit of the shared latent time; "gene" rescaled in
   * each gene's own time units (`geneTimeUnits`, stored as var.velocity_time_scale). Ignored in stochastic mode.
   */
  velocityUnits?: VelocityUnits;
  /**
   * The metric of the velocity graph and confidence: "standardized" (default for the trained models; see
   * `standardizedGeneSpace`) or "expression" (scVelo's linear Ms; always used in stochastic mode, which is
   * scVelo's baseline).
   */
  graphMetric?: GraphMetric;
  /** Runs one named step and records its time (default: just runs it). */
  timed?: <T>(step: string, fn: () => T | Promise<T>) => Promise<T>;
}

/**
 * Velocity graph, confidence, pseudotime, UMAP and the velocity projection, CBDir/ICCoh and time-order
 * metrics; writes scVelo's keys (layers.velocity, obs.*, var.*, obsp and uns velocity_graph(_neg),
 * obsm.X_umap/velocity_umap, uns.velocity_params).
 */
export async function writeVelocityResults(adata: AnnData, input: VelocityResultsInput): Promise<PipelineMetrics> {
  const { mode, seed, nNeighbors, ms, knn, steady, latentTime, fit, edges } = input;
  const progress = input.onProgress;
  const [n, g] = adata.shape;
  const trained = mode !== "stochastic";
  const units = trained ? (input.velocityUnits ?? VELOCITY_DEFAULTS.velocityUnits) : "latent";
  const rescaled = units === "gene" ? geneTimeUnits(input.velocity, ms, n, g, steady.velocityGenes) : null;
  const velocity = rescaled ? rescaled.velocity : input.velocity;
  const metric = trained ? (input.graphMetric ?? VELOCITY_DEFAULTS.graphMetric) : "expression";
  // The standardised metric is applied as the graph and the confidence read (no N × G copies of it).
  const geneScale = metric === "standardized" ? standardizedGeneScale(ms, n, g, steady.velocityGenes) : undefined;
  const timed = input.timed ?? (async <T>(_step: string, fn: () => T | Promise<T>): Promise<T> => await fn());
  const geneMask = steady.velocityGenes;
  const graph = await timed("velocity graph", () =>
    velocityGraph(velocity, ms, n, g, {
      neighbors: knn,
      genes: geneMask,
      sqrtTransform: mode === "stochastic",
      geneScale,
      onProgress: progress,
    }),
  );
  const { confidence, length } = velocityConfidence(velocity, n, g, knn, geneMask, geneScale);
  const vpt = await timed("velocity pseudotime", () => velocityPseudotime(graph, { neighbors: knn, seed }));

  adata.layers.velocity = dense(velocity, n, g);
  adata.obs.set("velocity_confidence", numericColumn(Float64Array.from(confidence)));
  adata.obs.set("velocity_length", numericColumn(Float64Array.from(length)));
  adata.obs.set("velocity_pseudotime", numericColumn(Float64Array.from(vpt.pseudotime)));
  adata.obs.set("root_cells", numericColumn(Float64Array.from(vpt.rootCells)));
  adata.obs.set("end_points", numericColumn(Float64Array.from(vpt.endPoints)));
  adata.obs.set("velocity_self_transition", numericColumn(Float32Array.from(selfTransitions(graph.graph))));
  if (latentTime) adata.obs.set("latent_time", numericColumn(Float64Array.from(latentTime)));
  adata.var.set("velocity_gamma", numericColumn(Float32Array.from(steady.gamma)));
  adata.var.set("velocity_r2", numericColumn(Float32Array.from(steady.r2)));
  adata.var.set("velocity_genes", booleanColumn(steady.velocityGenes));
  if (fit) {
    adata.var.set("fit_alpha", numericColumn(fit.alpha));
    adata.var.set("fit_beta", numericColumn(fit.beta));
    adata.var.set("fit_gamma", numericColumn(fit.gamma));
    adata.var.set("fit_scaling", numericColumn(fit.scaling));
    adata.var.set("fit_t_", numericColumn(fit.switchTime));
    adata.var.set("fit_likelihood", numericColumn(fit.likelihood));
    adata.var.set("fit_r2", numericColumn(fit.r2));
  }
  const positive = toIoCsr(graph.graph);
  const negative = toIoCsr(graph.graphNeg);
  // scVelo 0.3 reads the graph from uns (tools/velocity_graph.py); newer versions and scanpy from obsp.
  adata.obsp.velocity_graph = positive;
  adata.obsp.velocity_graph_neg = negative;
  adata.uns.velocity_graph = positive;
  adata.uns.velocity_graph_neg = negative;
  if (rescaled) adata.var.set("velocity_time_scale", numericColumn(Float32Array.from(rescaled.timeScale)));
  adata.uns.velocity_params = {
    mode,
    n_neighbors: nNeighbors,
    mode_neighbors: "distances",
    n_recurse_neighbors: 2,
    velocity_units: trained ? units : "steady_state",
    graph_metric: metric,
  };

  const metrics: PipelineMetrics = {};
  const clusterKey = input.clusterKey ?? (adata.obs.has("clusters") ? "clusters" : undefined);
  const clusters = clusterKey ? adata.obs.strings(clusterKey) : undefined;
  if (input.umap ?? EMBEDDING_DEFAULTS.umap) {
    const job = input.umapJob;
    await timed("umap", () => (job ? job.result() : umap(adata, { seed, onProgress: progress })));
    const embedding = toDenseFloat32(adata.obsm.X_umap);
    // Only the projection reads the transition matrix (N × ~300 float64 weights: 0.4 GB at 100k cells).
    const transitions = transitionMatrix(graph, { useNegativeCosines: true });
    const projected = velocityEmbedding(transitions, embedding, 2);
    adata.obsm.velocity_umap = dense(Float64Array.from(projected), n, 2);
    if (clusters && edges?.length) {
      const cb = crossBoundaryCorrectness({ clusters, neighbors: knn, embedding, velocityEmbedding: projected }, edges);
      metrics.cbdir = { mean: cb.mean, perEdge: Object.fromEntries(cb.perEdge) };
      const umapKnn = exactKnn({ data: embedding, rows: n, cols: 2 }, nNeighbors).indices;
      const cbU = crossBoundaryCorrectness(
        { clusters, neighbors: umapKnn, embedding, velocityEmbedding: projected },
        edges,
      );
      metrics.cbdirUmap = { mean: cbU.mean, perEdge: Object.fromEntries(cbU.perEdge) };
    }
  }
  if (clusters) {
    // The velocity genes are its finite columns, which ICCoh keeps by itself (no N × m copy).
    const ic = innerClusterCoherence({ clusters, neighbors: knn, velocity, nGenes: g });
    metrics.iccoh = { mean: ic.mean, perCluster: Object.fromEntries(ic.perCluster) };
    if (edges?.length) Object.assign(metrics, timeOrderMetrics(adata, clusters, edges));
  }
  return metrics;
}

/**
 * Spearman correlation of latent time and velocity pseudotime with each cell's depth in the edge graph
 * (longest path from a source cluster), over the cells of clusters named in the edges.
 */
export function timeOrderMetrics(
  adata: AnnData,
  clusters: readonly string[],
  edges: ReadonlyArray<readonly [string, string]>,
): Pick<PipelineMetrics, "latentTimeSpearman" | "pseudotimeSpearman"> {
  const depth = edgeDepth(edges);
  const cells = clusters.flatMap((c, i) => (depth.has(c) ? [i] : []));
  if (cells.length < 3) return {};
  const order = cells.map((i) => depth.get(clusters[i]) as number);
  const out: Pick<PipelineMetrics, "latentTimeSpearman" | "pseudotimeSpearman"> = {};
  for (const [key, column] of [
    ["latentTimeSpearman", "latent_time"],
    ["pseudotimeSpearman", "velocity_pseudotime"],
  ] as const) {
    if (!adata.obs.has(column)) continue;
    const values = adata.obs.numbers(column);
    out[key] = stats.spearman(
      cells.map((i) => values[i]),
      order,
    );
  }
  return out;
}

/** Depth of every cluster in the edge graph (longest path from a source); a cycle is an error. */
export function edgeDepth(edges: ReadonlyArray<readonly [string, string]>): Map<string, number> {
  const depth = new Map<string, number>();
  const nodes = new Set(edges.flat());
  for (const node of nodes) depth.set(node, 0);
  for (let pass = 0; pass <= nodes.size; pass++) {
    let changed = false;
    for (const [a, b] of edges) {
      const d = (depth.get(a) as number) + 1;
      if (d > (depth.get(b) as number)) {
        depth.set(b, d);
        changed = true;
      }
    }
    if (!changed) return depth;
  }
  throw new InputError("edges", "contain a cycle; the time-order metric needs an acyclic lineage");
}

/**
 * scVelo's `velocity_self_transition`: clip(q₉₈ − c_i, 0, 1), c_i the largest cosine of cell i in the
 * velocity graph and q₉₈ the 98th percentile of those (a cell whose velocity matches no neighbour stays put).
 */
function selfTransitions(graph: SparseRows): Float64Array {
  const best = new Float64Array(graph.n);
  for (let i = 0; i < graph.n; i++)
    for (let q = graph.indptr[i]; q < graph.indptr[i + 1]; q++) best[i] = Math.max(best[i], graph.data[q]);
  const upper = stats.quantile(best, 0.98);
  return Float64Array.from(best, (c) => Math.min(Math.max(upper - c, 0), 1));
}

function toIoCsr(m: SparseRows): CsrMatrix {
  return csr(m.data, m.indices, m.indptr, m.n, m.n);
}
