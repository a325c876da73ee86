/**
 * `SoftNeighborMoments`: the coupling step of the joint fit, as an operator. From an embedding (Harmony's
 * corrected PCs) and the counts of the velocity genes it computes first moments over each cell's fixed
 * neighbour set with soft, differentiable weights, after dividing every batch's counts by a learnable
 * per-(batch, gene) scale:
 *
 *   w_ij = softmax_j(−‖z_i − z_j‖² / h_i)  over the k fixed neighbours j of i (self included)
 *   Ms_i = Σ_j w_ij · s_j / exp(ℓˢ_{b(j)}),   Mu_i = Σ_j w_ij · u_j / exp(ℓᵘ_{b(j)})
 *
 * The neighbour *sets* and bandwidths h_i are fixed at construction (from the starting embedding), so the
 * moments are a smooth function of the embedding and of ℓ: gradients of a velocity loss reach Harmony
 * through w and the batch scales through the division.
 */
import {
  gatherRows,
  knn,
  type Metadata,
  Module,
  neighborAverage,
  type Operator,
  Param,
  type State,
  tf,
  tidyHost,
} from "@diffcell/core";

export interface SoftMomentsInput {
  /** Embedding the soft weights come from [N, F] (e.g. Harmony's `correctedEmbeddings`). */
  correctedEmbeddings: tf.Tensor2D;
  /** Size-normalised counts of the modelled genes [N, G]. */
  splicedCounts: tf.Tensor2D;
  unsplicedCounts: tf.Tensor2D;
}

export interface SoftMomentsOutput {
  /** First moments Ms, Mu [N, G] (the names `DifferentiableVelocity` reads). */
  spliced: tf.Tensor2D;
  unspliced: tf.Tensor2D;
}

export interface SoftMomentsInit {
  /** Neighbour sets N × k, the cell itself first. */
  neighbors: Int32Array;
  /** Per-cell bandwidth h_i [N]. */
  bandwidth: Float32Array;
  /** Batch index of every cell [N] and the number of batches. */
  batchCodes: Int32Array;
  nBatches: number;
  /** Genes (columns of the counts). */
  nGenes: number;
  /** Starting log scales [B, G] (spliced, unspliced); null: no batch scales (one batch, or switched off). */
  initialLogScale: { spliced: Float32Array; unspliced: Float32Array } | null;
}

export class SoftNeighborMoments extends Module implements Operator<SoftMomentsInput, SoftMomentsOutput> {
  /** log of the per-(batch, gene) scale of spliced and of unspliced counts, [B, G]. */
  readonly logSplicedScale: Param | null;
  readonly logUnsplicedScale: Param | null;
  readonly neighbors: Int32Array;
  readonly k: number;
  readonly batchCodes: Int32Array;
  private readonly bandwidth: tf.Tensor2D;

  constructor(init: SoftMomentsInit) {
    super();
    const n = init.batchCodes.length;
    this.neighbors = init.neighbors;
    this.k = init.neighbors.length / n;
    this.batchCodes = init.batchCodes;
    this.bandwidth = tf.tensor2d(init.bandwidth, [n, 1]);
    const scale = (values: Float32Array, name: string) =>
      new Param(tf.tensor2d(values, [init.nBatches, init.nGenes]), name);
    this.logSplicedScale = init.initialLogScale ? scale(init.initialLogScale.spliced, "logSplicedScale") : null;
    this.logUnsplicedScale = init.initialLogScale ? scale(init.initialLogScale.unspliced, "logUnsplicedScale") : null;
  }

  /**
   * Neighbour sets (k nearest in `embedding`, self first), bandwidths (median squared distance to the
   * other neighbours) and starting batch scales (`initialBatchScale`) from the starting embedding.
   */
  static fromEmbedding(
    embedding: { data: Float32Array; rows: number; cols: number },
    counts: { spliced: Float32Array; unspliced: Float32Array; nGenes: number },
    batches: { codes: Int32Array; count: number },
    options: { nNeighbors: number; batchScale: boolean },
  ): SoftNeighborMoments {
    const { data: z, rows: n, cols: f } = embedding;
    const k = Math.min(options.nNeighbors, n);
    const neighbors = knn(embedding, k).indices;
    const bandwidth = new Float32Array(n);
    const d2 = new Float64Array(k - 1);
    for (let i = 0; i < n; i++) {
      for (let r = 1; r < k; r++) {
        const j = neighbors[i * k + r];
        let s = 0;
        for (let c = 0; c < f; c++) s += (z[i * f + c] - z[j * f + c]) ** 2;
        d2[r - 1] = s;
      }
      d2.sort();
      bandwidth[i] = Math.max(d2[Math.floor((k - 1) / 2)] ?? 1, 1e-6);
    }
    const g = counts.nGenes;
    const initial = (x: Float32Array) => initialBatchScale(x, n, g, batches.codes, batches.count, neighbors, k);
    return new SoftNeighborMoments({
      neighbors,
      bandwidth,
      batchCodes: batches.codes,
      nBatches: batches.count,
      nGenes: g,
      initialLogScale:
        options.batchScale && batches.count > 1
          ? { spliced: initial(counts.spliced), unspliced: initial(counts.unspliced) }
          : null,
    });
  }

  apply(
    data: SoftMomentsInput,
    state: State = {},
    metadata: Metadata = null,
  ): [SoftMomentsInput & SoftMomentsOutput, State, Metadata] {
    const out = tf.tidy(() => {
      const w = this.weights(data.correctedEmbeddings);
      return {
        spliced: neighborAverage(this.unscale(data.splicedCounts, this.logSplicedScale), this.neighbors, w),
        unspliced: neighborAverage(this.unscale(data.unsplicedCounts, this.logUnsplicedScale), this.neighbors, w),
      };
    });
    return [{ ...data, ...out }, state, metadata];
  }

  /** softmax_j(−‖z_i − z_j‖²/h_i) over each cell's neighbour set, [N, k]. */
  weights(z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [n, f] = z.shape;
      const nb = tf.reshape(gatherRows(z, this.neighbors), [n, this.k, f]);
      const d2 = tf.sum(tf.square(tf.sub(nb, tf.expandDims(z, 1))), -1);
      return tf.softmax(tf.neg(tf.div(d2, this.bandwidth))) as tf.Tensor2D;
    });
  }

  /**
   * Moments of every gene on the host [N, G]: the modelled genes (columns `genes`, in the order of this
   * operator's scales) divided by their batch scale, the others as they are.
   */
  allGenes(z: tf.Tensor2D, x: Float32Array, g: number, genes: readonly number[], which: "spliced" | "unspliced") {
    const n = this.batchCodes.length;
    const param = which === "spliced" ? this.logSplicedScale : this.logUnsplicedScale;
    let values = x;
    if (param) {
      const scale = tidyHost(() => tf.exp(param.value).dataSync() as Float32Array);
      const m = genes.length;
      values = Float32Array.from(x);
      for (let i = 0; i < n; i++) {
        const b = this.batchCodes[i];
        genes.forEach((j, c) => {
          values[i * g + j] /= scale[b * m + c];
        });
      }
    }
    return tidyHost(
      () => neighborAverage(tf.tensor2d(values, [n, g]), this.neighbors, this.weights(z)).dataSync() as Float32Array,
    );
  }

  override dispose(): void {
    this.bandwidth.dispose();
    super.dispose();
  }

  private unscale(x: tf.Tensor2D, scale: Param | null): tf.Tensor2D {
    if (!scale) return x;
    return tf.mul(x, gatherRows(tf.exp(tf.neg(scale.value)) as tf.Tensor2D, this.batchCodes)) as tf.Tensor2D;
  }
}

/**
 * ℓ_bg = log of batch b's counts of gene g over those of its neighbours from other batches (summed over
 * the batch's cells), centred over batches. Cells with no cross-batch neighbour are skipped; a batch with
 * none at all keeps ℓ = 0.
 */
export function initialBatchScale(
  x: Float32Array,
  n: number,
  g: number,
  codes: Int32Array,
  nBatches: number,
  neighbors: Int32Array,
  k: number,
): Float32Array {
  const own = new Float64Array(nBatches * g);
  const others = new Float64Array(nBatches * g);
  for (let i = 0; i < n; i++) {
    const b = codes[i];
    let count = 0;
    for (let r = 0; r < k; r++) if (codes[neighbors[i * k + r]] !== b) count++;
    if (count === 0) continue;
    for (let r = 0; r < k; r++) {
      const j = neighbors[i * k + r];
      if (codes[j] === b) continue;
      for (let c = 0; c < g; c++) others[b * g + c] += x[j * g + c] / count;
    }
    for (let c = 0; c < g; c++) own[b * g + c] += x[i * g + c];
  }
  const out = new Float32Array(nBatches * g);
  for (let c = 0; c < g; c++) {
    let mean = 0;
    for (let b = 0; b < nBatches; b++) {
      const ratio = (own[b * g + c] + 1e-3) / (others[b * g + c] + 1e-3);
      out[b * g + c] = others[b * g + c] > 0 ? Math.log(ratio) : 0;
      mean += out[b * g + c] / nBatches;
    }
    for (let b = 0; b < nBatches; b++) out[b * g + c] -= mean;
  }
  return out;
}
