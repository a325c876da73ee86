import { maskToIndex, type ProgressCallback, runCooperatively, tf } from "@diffcell/core";
import { type AnnData, dense, toCsr, toDenseFloat32 } from "@diffcell/io";
import { moments, neighbors, startUmap, type UmapJob } from "@diffcell/pp";
import { fitSteadyState, fitStochastic, initialLatentTime } from "@diffcell/velocity";
import {
  EMBEDDING_DEFAULTS,
  type GraphMetric,
  type InitialTimeSource,
  NEIGHBOR_DEFAULTS,
  VELOCITY_DEFAULTS,
  type VelocityMode,
  type VelocityUnits,
} from "./defaults.js";
import {
  evaluateModel,
  type FittedCurves,
  type FittedRates,
  preprocessForVelocity,
  spillUnusedLayers,
  stepTimer,
  takeColumns,
  trainBestOfSteps,
  withoutSelf,
} from "./model.js";
import { knnIndices } from "./neighbors.js";
import { type PipelineMetrics, writeVelocityResults } from "./results.js";
import { validatePipelineInput } from "./validate.js";

export type { FittedCurves, FittedRates } from "./model.js";

export interface VelocityPipelineOptions {
  mode?: VelocityMode;
  seed?: number;
  /** Training epochs (dynamical/standard). */
  epochs?: number;
  /** obs column with cluster labels, for metrics and reports (default "clusters" when present). */
  clusterKey?: string;
  /** Preprocessing as scVelo's recipe: filter_and_normalize(min_shared_counts, n_top_genes), log1p, PCA, kNN. */
  minSharedCounts?: number;
  nTopGenes?: number;
  nPcs?: number;
  nNeighbors?: number;
  /** Compute a UMAP embedding (and the velocity projection on it). */
  umap?: boolean;
  /** Known transitions "A → B" for CBDir, ICCoh and the time-order metrics. */
  edges?: Array<[string, string]>;
  /** Model fits from different initialisations, the lowest final loss kept (dynamical/standard). */
  restarts?: number;
  /** Where latent time starts (see {@link VELOCITY_DEFAULTS}). */
  initialTime?: InitialTimeSource;
  /** Units of the model velocity (see `VelocityResultsInput.velocityUnits`). */
  velocityUnits?: VelocityUnits;
  /** Metric of the velocity graph (see `VelocityResultsInput.graphMetric`). */
  graphMetric?: GraphMetric;
  onProgress?: ProgressCallback;
  /**
   * Stops the job at the next step or training epoch once aborted (the promise rejects with the signal's
   * reason; tensors are freed, `adata` may hold the steps done so far). The job yields to the event loop
   * between steps and epochs either way.
   */
  signal?: AbortSignal;
  /** Non-blocking findings about the input (non-integer counts). Default: `console.warn`. */
  onWarning?: (message: string) => void;
  /** Layers above this size that no later step reads wait on disk until written (see {@link MEMORY_DEFAULTS}). */
  spillBytes?: number;
  /**
   * Preprocessing may change `adata`'s value arrays in place (pp's `filterAndNormalize` `inPlace`): X, spliced
   * and unspliced are normalised without a copy each — 0.8 GB of fresh memory per layer at 100k cells × 2000
   * genes. For data nobody else holds (the CLI sets it for the file it loaded). Default false.
   */
  inPlace?: boolean;
  /**
   * Folder of those files (default the OS's temporary folder; the CLI uses the output's folder). A RAM-backed
   * folder (tmpfs) saves nothing.
   */
  spillDir?: string;
}

export interface VelocityPipelineResult {
  adata: AnnData;
  /** Training loss per epoch of the kept fit (empty in stochastic mode). */
  loss: number[];
  /** Training loss per epoch of every restart, in order (the kept one included). */
  restartLosses: number[][];
  /** Fitted trajectories (dynamical/standard modes). */
  curves?: FittedCurves;
  metrics: PipelineMetrics;
  timings: Array<{ step: string; seconds: number }>;
  velocityGenes: number;
}

/**
 * The main job: preprocessing as scVelo (filter_and_normalize with min_shared_counts and n_top_genes,
 * log1p, PCA, 30-NN graph, moments), the velocity model (the trained differentiable model, started from
 * the steady-state velocity pseudotime, or scVelo's stochastic steady-state fit as a fast baseline), the
 * velocity graph and transition matrix, UMAP and the velocity projection on it, velocity confidence, latent
 * time and velocity pseudotime. Writes scVelo's keys into `adata` (which it modifies and returns):
 * layers Ms, Mu, velocity, fit_t; obs latent_time, velocity_pseudotime, velocity_confidence, velocity_length,
 * velocity_self_transition, root_cells, end_points; var fit_alpha, fit_beta, fit_gamma, fit_scaling, fit_t_,
 * fit_likelihood, fit_r2, velocity_gamma, velocity_r2, velocity_genes; obsm X_pca, X_umap, velocity_umap;
 * obsp connectivities, distances, velocity_graph, velocity_graph_neg (also in uns, as scVelo 0.3 reads them);
 * uns velocity_params.
 */
export async function runVelocityPipeline(
  adata: AnnData,
  options: VelocityPipelineOptions = {},
): Promise<VelocityPipelineResult> {
  validatePipelineInput("runVelocityPipeline", adata, { ...options, onWarning: options.onWarning ?? console.warn });
  const mode = options.mode ?? VELOCITY_DEFAULTS.mode;
  const seed = options.seed ?? VELOCITY_DEFAULTS.seed;
  const nNeighbors = options.nNeighbors ?? NEIGHBOR_DEFAULTS.nNeighbors;
  const progress = options.onProgress;
  const { timings, timed } = stepTimer(progress, options.signal);

  await preprocessForVelocity(adata, options, seed, timed);
  await timed("neighbors", () => neighbors(adata, { nNeighbors, seed, onProgress: progress }));
  // The UMAP layout needs only the neighbour graph: it runs on a worker thread beside training (which leaves the
  // second core mostly idle; started earlier, it slowed the moments and the initial time, which use both cores),
  // and is collected where the results are written (the same layout as inline).
  let umapJob: UmapJob | undefined;
  const startLayout = () => {
    if (options.umap ?? EMBEDDING_DEFAULTS.umap) umapJob = startUmap(adata, { seed });
  };
  try {
    await timed("moments", () => moments(adata, { nNeighbors, secondOrder: mode === "stochastic" }));
    spillUnusedLayers(adata, ["Ms", "Mu", "Mss", "Mus"], options);
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
    spillUnusedLayers(adata, ["Ms", "Mu"], options);
    const genes = Array.from(maskToIndex(steady.velocityGenes));
    const m = genes.length;
    // N × G (NaN outside the velocity genes), made by the mode's branch: not held through training (0.8 GB at
    // 100k cells).
    let velocity: Float32Array = new Float32Array(0);
    let latentTime: Float32Array | undefined;
    let loss: number[] = [];
    let restartLosses: number[][] = [];
    let curves: FittedCurves | undefined;
    let fit: FittedRates | undefined;
    if (mode === "stochastic") {
      startLayout();
      velocity = new Float32Array(n * g).fill(Number.NaN);
      // Row by row (row-major data): u − γ′s on the velocity genes.
      for (let i = 0; i < n; i++)
        for (const j of genes) velocity[i * g + j] = mu[i * g + j] - steady.gamma[j] * ms[i * g + j];
    } else {
      const start = options.initialTime ?? VELOCITY_DEFAULTS.initialTime;
      const initial =
        start === "pseudotime"
          ? await timed("initial time", () => {
              const pcs = adata.obsmKey("X_pca");
              const embedding = { data: toDenseFloat32(pcs), cols: pcs.cols };
              return initialLatentTime(ms, mu, n, g, steady, { neighbors: knn, seed, embedding });
            })
          : undefined;
      startLayout();
      await timed("train", async () => {
        const data = {
          spliced: tf.tensor2d(takeColumns(ms, n, g, genes), [n, m]),
          unspliced: tf.tensor2d(takeColumns(mu, n, g, genes), [n, m]),
        };
        const steps = trainBestOfSteps(data, {
          kineticsModel: mode,
          restarts: options.restarts ?? VELOCITY_DEFAULTS.restarts,
          seed,
          epochs: options.epochs,
          neighbors: withoutSelf(knn, n),
          initialTime: initial?.time,
          steadyStateRatio: genes.map((j) => steady.gamma[j]),
          onProgress: progress,
        });
        const best = await runCooperatively(steps, options.signal).catch((error) => {
          tf.dispose([data.spliced, data.unspliced]);
          throw error;
        });
        loss = best.loss;
        restartLosses = best.restarts;
        ({ velocity, latentTime, fit, curves } = evaluateModel(best.model, data, genes, g));
        tf.dispose([data.spliced, data.unspliced]);
        best.model.dispose();
      });
      if (latentTime) {
        const fitT = new Float32Array(n * g).fill(Number.NaN);
        for (let i = 0; i < n; i++) for (const j of genes) fitT[i * g + j] = latentTime[i];
        adata.layers.fit_t = dense(fitT, n, g);
        spillUnusedLayers(adata, ["Ms", "Mu"], options);
      }
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
      umap: options.umap ?? EMBEDDING_DEFAULTS.umap,
      umapJob,
      edges: options.edges,
      velocityUnits: options.velocityUnits,
      graphMetric: options.graphMetric,
      onProgress: progress,
      timed,
    });
    return { adata, loss, restartLosses, curves, metrics, timings, velocityGenes: genes.length };
  } finally {
    // A run that stops early (an error, an abort) lets the layout go; a collected job is done anyway.
    umapJob?.cancel();
  }
}
