/**
 * The joint fit's data types: options, inputs and outputs of `HarmonyVelocityPipeline`, the data flowing
 * through its chain, and the chain's first step when Harmony is switched off.
 */
import { checkValues, InputError, type Operator, type ProgressCallback, ShapeError, type tf } from "@diffcell/core";
import type { HarmonyOutput } from "@diffcell/harmony";
import type { VelocityLossContext, VelocityOutput } from "@diffcell/velocity";
import type { SoftMomentsInput, SoftMomentsOutput } from "./softNeighborMoments.js";

export interface HarmonyVelocityOptions {
  /** Neighbour set size, the cell itself included. */
  nNeighbors?: number;
  /** Apply Harmony (false: neighbours in the uncorrected embedding, for comparison). */
  harmony?: boolean;
  /** Learn a per-(batch, gene) expression scale. */
  batchScale?: boolean;
  /** Harmony rounds, each unrolled in the joint steps, and k-means iterations per round. */
  harmonyRounds?: number;
  kmeansIterations?: number;
  theta?: number;
  sigma?: number;
  nClusters?: number;
  /** Velocity-only training epochs of stage 1. */
  epochs?: number;
  /** Stage-1 velocity fits from different initialisations; the lowest final loss wins. */
  restarts?: number;
  /** Full-batch joint steps of stage 2 (0 = the two-stage fit: Harmony, then velocity). */
  jointSteps?: number;
  learningRate?: number;
  /** Joint loss weights by term name (velocity, mixing, harmony); see {@link JOINT_DEFAULTS}. */
  weights?: { velocity?: number; mixing?: number; harmony?: number };
  seed?: number;
  onProgress?: ProgressCallback;
}

export interface BatchVelocityInput {
  /** Size-normalised (not log) spliced and unspliced counts, [nCells, nGenes] row-major. */
  spliced: Float32Array;
  unspliced: Float32Array;
  nCells: number;
  nGenes: number;
  /** Embedding to correct (PCs), [nCells, nFeatures]. */
  embeddings: Float32Array;
  nFeatures: number;
  batchLabels: readonly string[];
}

export interface BatchVelocityOutput {
  /** Harmony-corrected embedding [N, F]. */
  correctedEmbeddings: Float32Array;
  /** Moments of the batch-scaled counts over the soft neighbourhoods, all genes, [N, G]. */
  ms: Float32Array;
  mu: Float32Array;
  /** Velocity genes (columns) the model was trained on. */
  genes: number[];
  /** Model velocity on the velocity genes (NaN elsewhere), [N, G]; latent time [N]. */
  velocity: Float32Array;
  latentTime: Float32Array;
  /** Fixed neighbour sets (self first), N × k. */
  neighbors: Int32Array;
}

export interface JointHistory {
  /** Stage-1 velocity loss per epoch (the kept restart) and of every restart. */
  velocityLoss: number[];
  restartLosses: number[][];
  /** Stage-2 joint loss and its terms per step. */
  joint: Array<{ total: number } & Record<string, number>>;
}

/** What flows through the chain: its inputs and every step's outputs. */
export type JointData = { embeddings: tf.Tensor2D; batchLabels: string[] } & Pick<
  HarmonyOutput,
  "correctedEmbeddings"
> & { clusterAssignments: tf.Tensor2D | null } & SoftMomentsInput &
  SoftMomentsOutput &
  VelocityOutput;

export type ChainInput = { embeddings: tf.Tensor2D; batchLabels: string[] } & Omit<
  SoftMomentsInput,
  "correctedEmbeddings"
>;
export type Corrector = Operator<
  { embeddings: tf.Tensor2D; batchLabels: string[] },
  { correctedEmbeddings: tf.Tensor2D; clusterAssignments: tf.Tensor2D | null }
>;

/** Harmony switched off: the embedding passes through as the "corrected" one. */
export const passThrough: Corrector = {
  apply: (data, state = {}, metadata = null) => [
    { ...data, correctedEmbeddings: data.embeddings, clusterAssignments: null },
    state,
    metadata,
  ],
};

export function checkBatchInput(data: BatchVelocityInput): void {
  const { nCells: n, nGenes: g, nFeatures: f } = data;
  const sizes: Array<[string, ArrayLike<number>, number]> = [
    ["spliced", data.spliced, g],
    ["unspliced", data.unspliced, g],
    ["embeddings", data.embeddings, f],
  ];
  for (const [name, values, cols] of sizes) {
    if (values.length !== n * cols)
      throw new ShapeError(name, `[${n}, ${cols}] (${n * cols} values)`, `${values.length} values`);
    checkValues(name, values, { rowLength: cols });
  }
  if (data.batchLabels.length !== n)
    throw new InputError("batchLabels", `has ${data.batchLabels.length} labels; expected one per cell (${n})`);
}

/** Fixed during the joint steps: the prepared inputs and what the loss terms need. */
export interface Prepared {
  pcs: tf.Tensor2D;
  labels: string[];
  codes: Int32Array;
  nBatches: number;
  genes: number[];
  spliced: tf.Tensor2D;
  unspliced: tf.Tensor2D;
  velocityContext: VelocityLossContext;
  mixingBandwidths: Float64Array;
}
