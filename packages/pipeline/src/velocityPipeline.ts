import { knn as exactKnn, type ProgressCallback, tf } from "@diffcell/core";
import {
  type AnnData,
  booleanColumn,
  type CsrMatrix,
  csr,
  dense,
  numericColumn,
  toCsr,
  toDenseFloat32,
} from "@diffcell/io";
import { moments, neighbors, umap } from "@diffcell/pp";
import {
  crossBoundaryCorrectness,
  fitSteadyState,
  fitStochastic,
  geneTimeUnits,
  innerClusterCoherence,
  type SparseRows,
  transitionMatrix,
  velocityConfidence,
  velocityEmbedding,
  velocityGraph,
  velocityPseudotime,
} from "@diffcell/velocity";
import {
  type FittedCurves,
  type FittedRates,
  fittedKinetics,
  preprocessForVelocity,
  scatterColumns,
  stepTimer,
  takeColumns,
  trainBestOf,
} from "./model.js";
import { knnIndices } from "./neighbors.js";

export type { FittedCurves, FittedRates } from "./model.js";

export type VelocityMode = "dynamical" | "standard" | "stochastic";

export interface VelocityPipelineOptions {
  mode?: VelocityMode;
  seed?: number;
  /** Training epochs (dynamical/standard). Default 20. */
  epochs?: number;
  /** obs column with cluster labels, for metrics and reports (default "clusters" when present). */
  clusterKey?: string;
  /** Preprocessing as scVelo's recipe: filter_and_normalize(min_shared_counts, n_top_genes), log1p, PCA, kNN. */
  minSharedCounts?: number;
  nTopGenes?: number;
  nPcs?: number;
  nNeighbors?: number;
  /** Compute a UMAP embedding (and the velocity projection on it). Default true. */
  umap?: boolean;
  /** Known transitions "A → B" for CBDir (and ICCoh over clusters). */
  edges?: Array<[string, string]>;
  /**
   * Model fits from different initialisations, the lowest final loss kept (dynamical/standard). Default:
   * 3 when the model has at most 10⁶ cell × gene entries (a few seconds each), else 1 — a time budget.
   */
  restarts?: number;
  /** Units of the model velocity (see {@link VelocityResultsInput.velocityUnits}); default "gene". */
  velocityUnits?: "gene" | "latent";
  onProgress?: ProgressCallback;
}

export interface PipelineMetrics {
  cbdir?: { mean: number; perEdge: Record<string, number> };
  /** CBDir with neighbours found in the UMAP embedding (the other published convention). */
  cbdirUmap?: { mean: number; perEdge: Record<string, number> };
  iccoh?: { mean: number; perCluster: Record<string, number> };
}

export interface VelocityPipelineResult {
  adata: AnnData;
  /** Training loss per epoch (empty in stochastic mode). */
  loss: number[];
  /** Fitted trajectories (dynamical/standard modes). */
  curves?: FittedCurves;
  metrics: PipelineMetrics;
  timings: Array<{ step: string; seconds: number }>;
  velocityGenes: number;
}

/**
 * The main job: preprocessing as scVelo (filter_and_normalize with min_shared_counts and n_top_genes,
 * log1p, PCA, 30-NN graph, moments), the velocity model (the trained differentiable model, or scVelo's
 * stochastic steady-state fit as a fast baseline), the velocity graph and transition matrix, UMAP and the
 * velocity projection on it, velocity confidence, latent time and velocity pseudotime. Writes scVelo's
 * keys into `adata` (which it modifies and returns):
 * layers Ms, Mu, velocity; obs latent_time, velocity_pseudotime, velocity_confidence, velocity_length,
 * root_cells, end_points; var fit_alpha, fit_beta, fit_gamma, fit_scaling, fit_t_, velocity_gamma,
 * velocity_r2, velocity_genes; obsm X_pca, X_umap, velocity_umap; obsp connectivities, distances,
 * velocity_graph, velocity_graph_neg; uns velocity_params.
 */
export async function runVelocityPipeline(
  adata: AnnData,
  options: VelocityPipelineOptions = {},
): Promise<VelocityPipelineResult> {
  const mode = options.mode ?? "dynamical";
  const seed = options.seed ?? 0;
  const nNeighbors = options.nNeighbors ?? 30;
  const progress = options.onProgress;
  const { timings, timed } = stepTimer(progress);

  await preprocessForVelocity(adata, options, seed, timed);
  await timed("neighbors", () => neighbors(adata, { nNeighbors, seed, onProgress: progress }));
  await timed("moments", () => moments(adata, { nNeighbors, secondOrder: mode === "stochastic" }));
  const [n, g] = adata.shape;
  const ms = toDenseFloat32(adata.layers.Ms);
  const mu = toDenseFloat32(adata.layers.Mu);
  const knn = knnIndices(toCsr(adata.obsp.distances), nNeighbors);

  // Velocity genes from scVelo's steady-state fit (R² > 0.01, γ′ > 0.01): the model is trained on them.
  const steady = await timed("steady state", () =>
    mode === "stochastic"
      ? fitStochastic(ms, mu, toDenseFloat32(adata.layers.Mss), toDenseFloat32(adata.layers.Mus), n, g)
      : fitSteadyState(ms, mu, n, g),
  );
  const genes = Array.from(steady.velocityGenes, (v, j) => (v ? j : -1)).filter((j) => j >= 0);
  const m = genes.length;
  let velocity: Float32Array = new Float32Array(n * g).fill(Number.NaN);
  let latentTime: Float32Array | undefined;
  let loss: number[] = [];
  let curves: FittedCurves | undefined;
  let fit: FittedRates | undefined;
  if (mode === "stochastic") {
    for (const j of genes)
      for (let i = 0; i < n; i++) velocity[i * g + j] = mu[i * g + j] - steady.gamma[j] * ms[i * g + j];
  } else {
    await timed("train", () => {
      const data = {
        spliced: tf.tensor2d(takeColumns(ms, n, g, genes), [n, m]),
        unspliced: tf.tensor2d(takeColumns(mu, n, g, genes), [n, m]),
      };
      const best = trainBestOf(data, {
        kineticsModel: mode,
        restarts: options.restarts ?? defaultRestarts(n, m),
        seed,
        epochs: options.epochs,
        onProgress: progress,
      });
      loss = best.loss;
      const result = best.model.forward(data, { projection: false });
      velocity = scatterColumns(result.velocity.dataSync(), n, g, genes);
      latentTime = Float32Array.from(result.latentTime.dataSync());
      ({ fit, curves } = fittedKinetics(best.model, genes, g));
      tf.dispose([data.spliced, data.unspliced, ...(Object.values(result) as tf.Tensor[])]);
      best.model.dispose();
    });
  }

  const metrics = await writeVelocityResults(adata, {
    mode,
    seed,
    nNeighbors,
    velocity,
    ms,
    knn,
    steady,
    latentTime,
    fit,
    clusterKey: options.clusterKey,
    umap: options.umap,
    edges: options.edges,
    velocityUnits: options.velocityUnits,
    onProgress: progress,
    timed,
  });
  return { adata, loss, curves, metrics, timings, velocityGenes: genes.length };
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
  edges?: Array<[string, string]>;
  onProgress?: ProgressCallback;
  /**
   * Model velocities as written and used for the graph: "gene" (default) in each gene's own time units
   * (`geneTimeUnits`: ×τ_g, stored as var.velocity_time_scale), as scVelo's dynamical model; "latent" per
   * unit of the shared latent time. Ignored in stochastic mode.
   */
  velocityUnits?: "gene" | "latent";
  /** Runs one named step and records its time (default: just runs it). */
  timed?: <T>(step: string, fn: () => T | Promise<T>) => Promise<T>;
}

/**
 * The post-processing of {@link runVelocityPipeline}, shared with the batch-corrected pipeline: velocity
 * graph, confidence, pseudotime, UMAP and the velocity projection, CBDir/ICCoh; writes scVelo's keys
 * (layers.velocity, obs.*, var.*, obsp.velocity_graph*, obsm.X_umap/velocity_umap, uns.velocity_params).
 */
export async function writeVelocityResults(adata: AnnData, input: VelocityResultsInput): Promise<PipelineMetrics> {
  const { mode, seed, nNeighbors, ms, knn, steady, latentTime, fit, edges } = input;
  const progress = input.onProgress;
  const [n, g] = adata.shape;
  // Model velocities (per unit of the shared latent time) in each gene's own time units, as scVelo's.
  const units = mode !== "stochastic" && (input.velocityUnits ?? "gene") === "gene" ? "gene" : "latent";
  const rescaled = units === "gene" ? geneTimeUnits(input.velocity, ms, n, g, steady.velocityGenes) : null;
  const velocity = rescaled ? rescaled.velocity : input.velocity;
  const timed = input.timed ?? (async <T>(_step: string, fn: () => T | Promise<T>): Promise<T> => await fn());
  const options = { clusterKey: input.clusterKey, umap: input.umap, edges };
  const geneMask = steady.velocityGenes;
  const graph = await timed("velocity graph", () =>
    velocityGraph(velocity, ms, n, g, {
      neighbors: knn,
      genes: geneMask,
      sqrtTransform: mode === "stochastic",
      onProgress: progress,
    }),
  );
  const { confidence, length } = velocityConfidence(velocity, n, g, knn, geneMask);
  const vpt = await timed("velocity pseudotime", () => velocityPseudotime(graph, { neighbors: knn, seed }));

  adata.layers.velocity = dense(velocity, n, g);
  adata.obs.set("velocity_confidence", numericColumn(confidence));
  adata.obs.set("velocity_length", numericColumn(length));
  adata.obs.set("velocity_pseudotime", numericColumn(Float32Array.from(vpt.pseudotime)));
  adata.obs.set("root_cells", numericColumn(Float32Array.from(vpt.rootCells)));
  adata.obs.set("end_points", numericColumn(Float32Array.from(vpt.endPoints)));
  if (latentTime) adata.obs.set("latent_time", numericColumn(latentTime));
  adata.var.set("velocity_gamma", numericColumn(Float32Array.from(steady.gamma)));
  adata.var.set("velocity_r2", numericColumn(Float32Array.from(steady.r2)));
  adata.var.set("velocity_genes", booleanColumn(steady.velocityGenes));
  if (fit) {
    adata.var.set("fit_alpha", numericColumn(Float32Array.from(fit.alpha)));
    adata.var.set("fit_beta", numericColumn(Float32Array.from(fit.beta)));
    adata.var.set("fit_gamma", numericColumn(Float32Array.from(fit.gamma)));
    adata.var.set("fit_scaling", numericColumn(Float32Array.from(fit.scaling)));
    adata.var.set("fit_t_", numericColumn(Float32Array.from(fit.switchTime)));
  }
  adata.obsp.velocity_graph = toIoCsr(graph.graph);
  adata.obsp.velocity_graph_neg = toIoCsr(graph.graphNeg);
  if (rescaled) adata.var.set("velocity_time_scale", numericColumn(Float32Array.from(rescaled.timeScale)));
  adata.uns.velocity_params = {
    mode,
    n_neighbors: nNeighbors,
    mode_neighbors: "distances",
    n_recurse_neighbors: 2,
    velocity_units: mode === "stochastic" ? "steady_state" : units,
  };

  const metrics: PipelineMetrics = {};
  const clusterKey = options.clusterKey ?? (adata.obs.has("clusters") ? "clusters" : undefined);
  const clusters = clusterKey ? adata.obs.strings(clusterKey) : undefined;
  if (options.umap ?? true) {
    await timed("umap", () => umap(adata, { seed, onProgress: progress }));
    const embedding = toDenseFloat32(adata.obsm.X_umap);
    const transitions = transitionMatrix(graph, { useNegativeCosines: true });
    const projected = velocityEmbedding(transitions, embedding, 2);
    adata.obsm.velocity_umap = dense(projected, n, 2);
    if (clusters && options.edges?.length) {
      const cb = crossBoundaryCorrectness(
        { clusters, neighbors: knn, embedding, velocityEmbedding: projected },
        options.edges,
      );
      metrics.cbdir = { mean: cb.mean, perEdge: Object.fromEntries(cb.perEdge) };
      const umapKnn = knnOnEmbedding(embedding, n, nNeighbors);
      const cbU = crossBoundaryCorrectness(
        { clusters, neighbors: umapKnn, embedding, velocityEmbedding: projected },
        options.edges,
      );
      metrics.cbdirUmap = { mean: cbU.mean, perEdge: Object.fromEntries(cbU.perEdge) };
    }
  }
  if (clusters) {
    const vg = velocityGenesOnly(velocity, n, g, geneMask);
    const ic = innerClusterCoherence({ clusters, neighbors: knn, velocity: vg.values, nGenes: vg.g });
    metrics.iccoh = { mean: ic.mean, perCluster: Object.fromEntries(ic.perCluster) };
  }
  return metrics;
}

/** Restarts the time budget allows: 3 for models up to 10⁶ cell × gene entries, else 1. */
export function defaultRestarts(nCells: number, nGenes: number): number {
  return nCells * nGenes <= 1_000_000 ? 3 : 1;
}

function toIoCsr(m: SparseRows): CsrMatrix {
  return csr(m.data, m.indices, m.indptr, m.n, m.n);
}

function velocityGenesOnly(v: Float32Array, n: number, g: number, mask: Uint8Array) {
  const keep = Array.from(mask, (x, j) => (x ? j : -1)).filter((j) => j >= 0);
  return { values: takeColumns(v, n, g, keep), g: keep.length };
}

/** kNN (self first) in the 2-D embedding: the "UMAP neighbours" convention of the published CBDir. */
function knnOnEmbedding(embedding: Float32Array, n: number, k: number): Int32Array {
  return exactKnn({ data: embedding, rows: n, cols: 2 }, k).indices;
}
