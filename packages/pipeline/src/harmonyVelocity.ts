/**
 * Batch-corrected RNA velocity on an AnnData: `runHarmonyVelocity` (the `--batch-key` job) and
 * `JointObjective`, the joint loss of a fitted {@link HarmonyVelocityPipeline} as an operator, so a user's
 * own (differentiable) operator can be chained in front of Harmony with core's `Sequential` and one
 * gradient taken through everything.
 */
import { InputError, type Metadata, Module, type Operator, type State, type tf } from "@diffcell/core";
import { cLisi, iLisi } from "@diffcell/harmony";
import { type AnnData, dense, toDenseFloat32 } from "@diffcell/io";
import { neighbors } from "@diffcell/pp";
import { fitSteadyState } from "@diffcell/velocity";
import {
  type BatchVelocityInput,
  type HarmonyVelocityOptions,
  HarmonyVelocityPipeline,
  type JointHistory,
} from "./batchVelocity.js";
import { NEIGHBOR_DEFAULTS, VELOCITY_DEFAULTS } from "./defaults.js";
import { preprocessForVelocity, spillUnusedLayers, stepTimer } from "./model.js";
import { type PipelineMetrics, writeVelocityResults } from "./results.js";
import { validatePipelineInput } from "./validate.js";
import type { VelocityPipelineOptions, VelocityPipelineResult } from "./velocityPipeline.js";

/**
 * The batch job's options: the preprocessing, neighbours, UMAP, edges and velocity units of
 * `runVelocityPipeline`, plus the batch column and the joint fit's own settings.
 */
export type HarmonyVelocityRunOptions = Omit<HarmonyVelocityOptions, "nNeighbors"> &
  Pick<
    VelocityPipelineOptions,
    | "clusterKey"
    | "minSharedCounts"
    | "nTopGenes"
    | "nPcs"
    | "nNeighbors"
    | "umap"
    | "edges"
    | "velocityUnits"
    | "graphMetric"
    | "signal"
    | "spillBytes"
    | "inPlace"
    | "spillDir"
    | "onWarning"
  > & {
    /** obs column with the batch of each cell (required). */
    batchKey: string;
  };

export interface HarmonyVelocityMetrics extends PipelineMetrics {
  /** Median iLISI (perplexity 30) of the PCA before and after correction; the maximum is `nBatches`. */
  ilisi: { before: number; after: number; nBatches: number };
  /** Median cLISI of the clusters before and after (≈ 1: clusters kept apart), when clusters are known. */
  clisi?: { before: number; after: number };
}

export interface HarmonyVelocityResult extends VelocityPipelineResult {
  metrics: HarmonyVelocityMetrics;
  /** Stage-1 velocity loss per epoch and the joint loss (with its terms) per joint step. */
  history: JointHistory;
}

/**
 * The velocity pipeline with batch correction, as {@link runVelocityPipeline} but with Harmony and velocity
 * fitted together by {@link HarmonyVelocityPipeline}: preprocessing (filter_and_normalize, log1p, PCA) →
 * Harmony → fixed neighbour sets with soft, differentiable weights → batch-scaled moments → dynamical
 * velocity model, then the joint optimisation steps (velocity loss + batch mixing + Harmony objective),
 * then the same post-processing as `runVelocityPipeline` (velocity graph, confidence, pseudotime, UMAP,
 * metrics) on the corrected neighbourhoods.
 *
 * Writes (besides everything `runVelocityPipeline` writes): obsm X_pca (uncorrected) and X_pca_harmony
 * (corrected); layers Ms/Mu are the moments the model was fitted on (over the soft neighbourhoods, the
 * velocity genes divided by their learned per-batch scale); obsp connectivities/distances are scanpy's
 * graph on X_pca_harmony (used by UMAP); obs latent_time; uns.harmony_velocity with the loss history.
 * Metrics include iLISI (and cLISI with clusters) before and after correction.
 */
export async function runHarmonyVelocity(
  adata: AnnData,
  options: HarmonyVelocityRunOptions,
): Promise<HarmonyVelocityResult> {
  validatePipelineInput("runHarmonyVelocity", adata, {
    ...options,
    mode: "dynamical",
    onWarning: options.onWarning ?? console.warn,
  });
  const { batchKey } = options;
  if (!batchKey || !adata.obs.has(batchKey))
    throw new InputError("batchKey", `obs has no column ${JSON.stringify(batchKey)}`);
  const batchLabels = adata.obs.strings(batchKey);
  const seed = options.seed ?? VELOCITY_DEFAULTS.seed;
  const nNeighbors = options.nNeighbors ?? NEIGHBOR_DEFAULTS.nNeighbors;
  const progress = options.onProgress;
  const { timings, timed } = stepTimer(progress, options.signal);

  await preprocessForVelocity(adata, options, seed, timed);
  const [n, g] = adata.shape;
  const pcs = toDenseFloat32(adata.obsm.X_pca);
  const f = adata.obsm.X_pca.cols;
  const input: BatchVelocityInput = {
    spliced: toDenseFloat32(adata.layer("spliced")),
    unspliced: toDenseFloat32(adata.layer("unspliced")),
    nCells: n,
    nGenes: g,
    embeddings: pcs,
    nFeatures: f,
    batchLabels,
  };

  const {
    batchKey: _b,
    clusterKey: _c,
    minSharedCounts: _m,
    nTopGenes: _t,
    nPcs: _p,
    umap: _u,
    edges: _e,
    velocityUnits: _v,
    graphMetric: _gm,
    onWarning: _w,
    ...pipelineOptions
  } = options;
  const op = new HarmonyVelocityPipeline(f, { ...pipelineOptions, nNeighbors, seed });
  try {
    const history = await timed("harmony + velocity", () => op.fit(input));
    const [out] = op.apply(input);
    const genes = out.genes;
    const model = op.velocity;
    if (!model) throw new InputError("HarmonyVelocityPipeline", "fit produced no velocity model");

    // Per-gene kinetics of the fitted model, on the modelled genes (NaN elsewhere), and its trajectories.
    const { fit, curves } = op.fittedKinetics(g);

    // The steady-state fit on the moments the model saw, for velocity_gamma/r2; the velocity genes are the
    // genes the model was trained on.
    const steadyFit = fitSteadyState(out.ms, out.mu, n, g);
    const velocityGenes = new Uint8Array(g);
    for (const j of genes) velocityGenes[j] = 1;
    const steady = { gamma: steadyFit.gamma, r2: steadyFit.r2, velocityGenes };

    adata.layers.Ms = dense(out.ms, n, g);
    adata.layers.Mu = dense(out.mu, n, g);
    spillUnusedLayers(adata, ["Ms", "Mu"], options);
    adata.obsm.X_pca_harmony = dense(out.correctedEmbeddings, n, f);
    await timed("neighbors", () =>
      neighbors(adata, { nNeighbors, useRep: "X_pca_harmony", seed, onProgress: progress }),
    );

    const clusterKey = options.clusterKey ?? (adata.obs.has("clusters") ? "clusters" : undefined);
    const metrics = (await writeVelocityResults(adata, {
      mode: "dynamical",
      seed,
      nNeighbors,
      velocity: out.velocity,
      ms: out.ms,
      knn: out.neighbors,
      steady,
      latentTime: out.latentTime,
      fit,
      clusterKey,
      umap: options.umap,
      edges: options.edges,
      velocityUnits: options.velocityUnits,
      graphMetric: options.graphMetric,
      onProgress: progress,
      timed,
    })) as HarmonyVelocityMetrics;

    const perplexity = Math.min(30, Math.floor((n - 1) / 3));
    const before = { data: pcs, rows: n, cols: f };
    const after = { data: out.correctedEmbeddings, rows: n, cols: f };
    metrics.ilisi = {
      before: iLisi(before, batchLabels, { perplexity }).median,
      after: iLisi(after, batchLabels, { perplexity }).median,
      nBatches: new Set(batchLabels).size,
    };
    if (clusterKey) {
      const clusters = adata.obs.strings(clusterKey);
      metrics.clisi = {
        before: cLisi(before, clusters, { perplexity }).median,
        after: cLisi(after, clusters, { perplexity }).median,
      };
    }
    adata.uns.harmony_velocity = {
      batch_key: batchKey,
      n_neighbors: nNeighbors,
      velocity_loss: Float64Array.from(history.velocityLoss),
      joint_loss: Float64Array.from(history.joint, (h) => h.total),
    };
    return {
      adata,
      loss: history.velocityLoss,
      restartLosses: history.restartLosses,
      curves,
      metrics,
      timings,
      velocityGenes: genes.length,
      history,
    };
  } finally {
    op.dispose();
  }
}

/** Input of {@link JointObjective}: the embedding Harmony corrects (e.g. the output of a user's operator). */
export interface JointObjectiveInput {
  embeddings: tf.Tensor2D;
  [key: string]: unknown;
}

export interface JointObjectiveOutput {
  /** The joint loss w_v·velocity + w_m·batch mixing + w_h·Harmony objective (caller disposes). */
  loss: tf.Scalar;
  /** Its terms (caller disposes). */
  terms: Record<string, tf.Scalar>;
  [key: string]: unknown;
}

/**
 * The joint loss of a fitted {@link HarmonyVelocityPipeline} as an operator on the embedding, differentiable
 * in the embedding and in the pipeline's parameters (Harmony's log σ and centroids, the batch scales, the
 * velocity model): chain an operator of your own in front of it with `sequential(myOp, new
 * JointObjective(pipeline))` and `valueAndGrad` returns gradients for `steps.0` (yours) and `steps.1.pipeline`
 * (Harmony and velocity) in one pass. The neighbour sets stay those found when the pipeline was fitted.
 */
export class JointObjective extends Module implements Operator<JointObjectiveInput, JointObjectiveOutput> {
  constructor(readonly pipeline: HarmonyVelocityPipeline) {
    super();
  }

  apply(
    data: JointObjectiveInput,
    state: State = {},
    metadata: Metadata = null,
  ): [JointObjectiveInput & JointObjectiveOutput, State, Metadata] {
    const [loss, terms] = this.pipeline.jointLoss(data.embeddings);
    return [{ ...data, loss, terms }, state, metadata];
  }
}
