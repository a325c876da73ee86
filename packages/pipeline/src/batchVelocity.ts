/**
 * Harmony and RNA velocity in one optimisation: `HarmonyVelocityPipeline`.
 *
 *   PCs ──Harmony (unrolled rounds; learnable centroids, log σ)──▶ Z
 *   Z ──soft weights over fixed neighbour sets──▶ W ──neighborAverage(counts / batch scale)──▶ Ms, Mu
 *   Ms, Mu ──DifferentiableVelocity──▶ latent time, velocity, kinetic loss
 *   loss = w_v · velocity loss + w_m · batch mixing(Z) + w_h · Harmony objective(Z, R)
 *
 * What is differentiable: everything from the PCs onwards. The neighbour *sets* are fixed (the k nearest
 * cells in the converged corrected embedding, the cell itself included); the *weights* are a softmax of
 * −‖z_i − z_j‖²/h_i over each set (h_i fixed at the median squared distance of the starting embedding), so
 * the velocity loss reaches Harmony's parameters through the moments. Per-(batch, gene) scales exp(ℓ_bg),
 * one for spliced and one for unspliced counts, divide each batch's counts before the moments: Harmony
 * aligns the embedding, but the counts that drive velocity still carry the batch's expression factors
 * (and batches can capture unspliced reads differently), and the kinetic model needs them on one scale.
 *
 * Fit: (1) Harmony (classic, no tape) → neighbour sets; ℓ initialised from each batch's counts against its
 * cross-batch neighbours; moments; velocity genes from the steady-state fit; the velocity model trained
 * alone (as `runVelocityPipeline`). (2) `jointSteps` full-batch steps of Adam on every parameter (Harmony,
 * ℓ, velocity) with the joint loss.
 */
import {
  adam,
  ConfigError,
  chain,
  checkValues,
  clipByGlobalNorm,
  gatherRows,
  InputError,
  knn,
  type Metadata,
  Module,
  matMul,
  matMulTA,
  matMulTB,
  neighborAverage,
  type Operator,
  Optimizer,
  Param,
  type ProgressCallback,
  Rngs,
  ShapeError,
  type State,
  tf,
  tidyHost,
  valueAndGrad,
} from "@diffcell/core";
import { BatchCorrectionConfig, DifferentiableHarmony } from "@diffcell/harmony";
import { batchMixingLoss, calibrateBandwidths, VelocityConsistencyLoss } from "@diffcell/losses";
import {
  type DifferentiableVelocity,
  fitSteadyState,
  initialLatentTime,
  inverseVarianceWeights,
  velocityLoss,
} from "@diffcell/velocity";
import { JOINT_DEFAULTS, NEIGHBOR_DEFAULTS, VELOCITY_DEFAULTS } from "./defaults.js";
import {
  type FittedCurves,
  type FittedRates,
  fittedKinetics,
  scatterColumns,
  takeColumns,
  trainBestOf,
  VELOCITY_WEIGHTS,
  withoutSelf,
} from "./model.js";

export interface HarmonyVelocityOptions {
  /** Neighbour set size, the cell itself included (default 30). */
  nNeighbors?: number;
  /** Apply Harmony (default true; false: neighbours in the uncorrected embedding, for comparison). */
  harmony?: boolean;
  /** Learn a per-(batch, gene) expression scale (default true). */
  batchScale?: boolean;
  /** Harmony rounds, each unrolled in the joint steps (default 3), k-means iterations per round (default 5). */
  harmonyRounds?: number;
  kmeansIterations?: number;
  theta?: number;
  sigma?: number;
  nClusters?: number;
  /** Velocity-only training epochs of stage 1 (default 20). */
  epochs?: number;
  /** Stage-1 velocity fits from different initialisations; the lowest final loss wins (default 3). */
  restarts?: number;
  /** Full-batch joint steps of stage 2 (default 10; 0 = the two-stage fit). */
  jointSteps?: number;
  learningRate?: number;
  /** Joint loss weights: velocity (1), batch mixing (1), Harmony objective (0.001; the objective is ~10³). */
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
  [key: string]: unknown;
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
  [key: string]: unknown;
}

export interface JointHistory {
  /** Stage-1 velocity loss per epoch (the kept restart) and of every restart. */
  velocityLoss: number[];
  restartLosses: number[][];
  /** Stage-2 joint loss and its terms per step. */
  joint: Array<{ total: number; velocity: number; mixing: number; harmony: number }>;
}

interface Context {
  pcs: tf.Tensor2D;
  labels: string[];
  codes: Int32Array;
  nBatches: number;
  neighbors: Int32Array;
  k: number;
  bandwidth: tf.Tensor2D;
  /** Velocity-gene columns of the normalised counts, [N, Gv]. */
  spliced: tf.Tensor2D;
  unspliced: tf.Tensor2D;
  genes: number[];
  velocityNeighbors: Int32Array;
  kineticWeights: { unspliced: Float64Array; spliced: Float64Array };
  consistency: VelocityConsistencyLoss;
  /** Batch-mixing kernel bandwidths, calibrated once on the starting corrected embedding. */
  mixingBandwidths: Float64Array;
}

export class HarmonyVelocityPipeline extends Module implements Operator<BatchVelocityInput, BatchVelocityOutput> {
  readonly harmony: DifferentiableHarmony;
  velocity: DifferentiableVelocity | null = null;
  /** log of the per-(batch, gene) scale of spliced and of unspliced counts, [B, Gv] (velocity genes). */
  logSplicedScale: Param | null = null;
  logUnsplicedScale: Param | null = null;
  private context: Context | null = null;
  private readonly options: Required<Omit<HarmonyVelocityOptions, "onProgress" | "weights" | "nClusters">> &
    Pick<HarmonyVelocityOptions, "onProgress" | "nClusters"> & {
      weights: { velocity: number; mixing: number; harmony: number };
    };
  readonly history: JointHistory = { velocityLoss: [], restartLosses: [], joint: [] };

  constructor(nFeatures: number, options: HarmonyVelocityOptions = {}) {
    super();
    const d = JOINT_DEFAULTS;
    const o = {
      nNeighbors: options.nNeighbors ?? NEIGHBOR_DEFAULTS.nNeighbors,
      harmony: options.harmony ?? d.harmony,
      batchScale: options.batchScale ?? d.batchScale,
      harmonyRounds: options.harmonyRounds ?? d.harmonyRounds,
      kmeansIterations: options.kmeansIterations ?? d.kmeansIterations,
      theta: options.theta ?? d.theta,
      sigma: options.sigma ?? d.sigma,
      nClusters: options.nClusters,
      epochs: options.epochs ?? VELOCITY_DEFAULTS.epochs,
      restarts: options.restarts ?? VELOCITY_DEFAULTS.restarts,
      jointSteps: options.jointSteps ?? d.jointSteps,
      learningRate: options.learningRate ?? d.learningRate,
      weights: { ...d.weights, ...options.weights },
      seed: options.seed ?? VELOCITY_DEFAULTS.seed,
      onProgress: options.onProgress,
    };
    for (const [field, value] of Object.entries(o.weights))
      if (!(value >= 0 && Number.isFinite(value)))
        throw new ConfigError("HarmonyVelocityOptions", `weights.${field}`, "a finite number ≥ 0", value);
    if (!(Number.isInteger(o.jointSteps) && o.jointSteps >= 0))
      throw new ConfigError("HarmonyVelocityOptions", "jointSteps", "an integer ≥ 0", o.jointSteps);
    this.options = o;
    this.harmony = new DifferentiableHarmony(
      new BatchCorrectionConfig({
        nFeatures,
        nIterations: o.harmonyRounds,
        maxIterKmeans: o.kmeansIterations,
        theta: o.theta,
        sigma: o.sigma,
        // A fixed number of rounds: the loss is then a smooth function of the parameters.
        earlyStop: false,
        ...(o.nClusters ? { nClusters: o.nClusters } : {}),
      }),
      { rngs: new Rngs(o.seed).split(2)[1] },
    );
  }

  /** Stage 1 (Harmony → neighbours → moments → velocity alone) then the joint steps. */
  fit(data: BatchVelocityInput): JointHistory {
    this.prepare(data);
    const o = this.options;
    if (o.jointSteps > 0) {
      const optimizer = new Optimizer(this, chain(clipByGlobalNorm(1), adam(o.learningRate)));
      const step = valueAndGrad((m: HarmonyVelocityPipeline) => m.jointLoss(), { hasAux: true });
      for (let s = 0; s < o.jointSteps; s++) {
        const [total, grads, terms] = step(this);
        optimizer.update(grads);
        const values = {
          total,
          ...Object.fromEntries(Object.entries(terms).map(([key, t]) => [key, t.dataSync()[0]])),
        };
        tf.dispose(Object.values(terms));
        this.history.joint.push(values as JointHistory["joint"][number]);
        o.onProgress?.({
          stage: "joint",
          done: s + 1,
          total: o.jointSteps,
          message: `loss ${values.total.toFixed(4)}`,
        });
      }
      optimizer.dispose();
    }
    return this.history;
  }

  /** The outputs for the current parameters (after `fit`). */
  apply(
    data: BatchVelocityInput,
    state: State = {},
    metadata: Metadata = null,
  ): [BatchVelocityInput & BatchVelocityOutput, State, Metadata] {
    if (!this.context) this.prepare(data);
    const ctx = this.context as Context;
    const velocity = this.velocity as DifferentiableVelocity;
    const { nCells: n, nGenes: g } = data;
    const out = tidyHost(() => {
      const z = this.corrected(ctx).z;
      const w = this.softWeights(z, ctx);
      const all = this.allGeneMoments(data, w, ctx);
      const { ms, mu } = this.moments(w, ctx);
      const result = velocity.forward({ spliced: ms, unspliced: mu });
      return {
        correctedEmbeddings: z.dataSync() as Float32Array,
        ms: all.ms,
        mu: all.mu,
        modelVelocity: result.velocity.dataSync() as Float32Array,
        latentTime: result.latentTime.dataSync() as Float32Array,
      };
    });
    const full = scatterColumns(out.modelVelocity, n, g, ctx.genes);
    const output: BatchVelocityOutput = {
      correctedEmbeddings: out.correctedEmbeddings,
      ms: out.ms,
      mu: out.mu,
      genes: ctx.genes,
      velocity: full,
      latentTime: out.latentTime,
      neighbors: ctx.neighbors,
    };
    return [{ ...data, ...output }, state, metadata];
  }

  /** Per-gene rates and fit statistics of the velocity model (all genes, NaN outside the modelled ones). */
  fittedKinetics(nGenes: number): { fit: FittedRates; curves: FittedCurves } {
    if (!this.context || !this.velocity) throw new InputError("HarmonyVelocityPipeline", "call fit(data) first");
    const ctx = this.context;
    const velocity = this.velocity;
    const { data, time } = tf.tidy(() => {
      const weights = this.softWeights(this.corrected(ctx).z, ctx);
      const { ms, mu } = this.moments(weights, ctx);
      return {
        data: { spliced: ms, unspliced: mu },
        time: velocity.forward({ spliced: ms, unspliced: mu }).latentTime,
      };
    });
    try {
      return fittedKinetics(velocity, ctx.genes, nGenes, data, time.dataSync());
    } finally {
      tf.dispose([data.spliced, data.unspliced, time]);
    }
  }

  /**
   * The joint loss (and its terms as aux) for the prepared data; `embeddings` replaces the prepared PCs
   * (for gradient checks with respect to the input).
   */
  jointLoss(embeddings?: tf.Tensor2D): [tf.Scalar, Record<string, tf.Scalar>] {
    if (!this.context) throw new InputError("HarmonyVelocityPipeline", "call fit(data) before jointLoss()");
    const ctx = embeddings ? { ...this.context, pcs: embeddings } : this.context;
    const w = this.options.weights;
    const velocity = this.velocity as DifferentiableVelocity;
    return tf.tidy(() => {
      const { z, assignments } = this.corrected(ctx);
      const weights = this.softWeights(z, ctx);
      const { ms, mu } = this.moments(weights, ctx);
      const lv = velocityLoss(
        velocity,
        { spliced: ms, unspliced: mu },
        {
          consistency: ctx.consistency,
          neighbors: ctx.velocityNeighbors,
          weights: VELOCITY_WEIGHTS,
          kineticWeights: ctx.kineticWeights,
        },
      );
      const zero = tf.scalar(0);
      const lm =
        this.options.harmony && w.mixing > 0 && ctx.nBatches > 1
          ? batchMixingLoss(z, ctx.codes, { neighbors: ctx.neighbors, beta: ctx.mixingBandwidths })
          : zero;
      const lh =
        this.options.harmony && w.harmony > 0 && assignments ? this.harmonyObjective(z, assignments, ctx) : zero;
      const total = tf.addN([tf.mul(lv, w.velocity), tf.mul(lm, w.mixing), tf.mul(lh, w.harmony)]) as tf.Scalar;
      return [total, { velocity: lv, mixing: lm, harmony: lh }] as [tf.Scalar, Record<string, tf.Scalar>];
    });
  }

  override dispose(): void {
    if (this.context) {
      const c = this.context;
      tf.dispose([c.pcs, c.bandwidth, c.spliced, c.unspliced]);
      this.context = null;
    }
    super.dispose();
  }

  private corrected(ctx: Context): { z: tf.Tensor2D; assignments: tf.Tensor2D | null } {
    if (!this.options.harmony) return { z: tf.clone(ctx.pcs), assignments: null };
    const [out] = this.harmony.apply({ embeddings: ctx.pcs, batchLabels: ctx.labels });
    return { z: out.correctedEmbeddings, assignments: out.clusterAssignments };
  }

  /** softmax_j(−‖z_i − z_j‖² / h_i) over each cell's fixed neighbour set, [N, k]. */
  private softWeights(z: tf.Tensor2D, ctx: Context): tf.Tensor2D {
    return tf.tidy(() => {
      const [n, f] = z.shape;
      const nb = tf.reshape(gatherRows(z, ctx.neighbors), [n, ctx.k, f]);
      const d2 = tf.sum(tf.square(tf.sub(nb, tf.expandDims(z, 1))), -1);
      return tf.softmax(tf.neg(tf.div(d2, ctx.bandwidth))) as tf.Tensor2D;
    });
  }

  /** Batch-scaled counts of the velocity genes averaged over the soft neighbourhoods. */
  private moments(weights: tf.Tensor2D, ctx: Context): { ms: tf.Tensor2D; mu: tf.Tensor2D } {
    return tf.tidy(() => {
      const unscale = (x: tf.Tensor2D, scale: Param | null) =>
        scale ? tf.mul(x, gatherRows(tf.exp(tf.neg(scale.value)) as tf.Tensor2D, ctx.codes)) : x;
      const s = unscale(ctx.spliced, this.logSplicedScale);
      const u = unscale(ctx.unspliced, this.logUnsplicedScale);
      return {
        ms: neighborAverage(s as tf.Tensor2D, ctx.neighbors, weights),
        mu: neighborAverage(u as tf.Tensor2D, ctx.neighbors, weights),
      };
    });
  }

  /** Moments of all genes (host), with the batch scale on the velocity genes only (the others have none). */
  private allGeneMoments(data: BatchVelocityInput, weights: tf.Tensor2D, ctx: Context) {
    const { nCells: n, nGenes: g } = data;
    const column = new Map(ctx.genes.map((j, c) => [j, c]));
    const scaled = (x: Float32Array, param: Param | null) => {
      const scale = param ? (tidyHost(() => tf.exp(param.value).dataSync()) as Float32Array) : null;
      if (!scale) return x;
      const out = Float32Array.from(x);
      const m = ctx.genes.length;
      for (let i = 0; i < n; i++) {
        const b = ctx.codes[i];
        for (const [j, c] of column) out[i * g + j] /= scale[b * m + c];
      }
      return out;
    };
    const average = (x: Float32Array, param: Param | null) =>
      tidyHost(
        () => neighborAverage(tf.tensor2d(scaled(x, param), [n, g]), ctx.neighbors, weights).dataSync() as Float32Array,
      );
    return { ms: average(data.spliced, this.logSplicedScale), mu: average(data.unspliced, this.logUnsplicedScale) };
  }

  /**
   * Harmony's objective on the corrected embedding as a tensor (so it can be a loss): with Ẑ the
   * cosine-normalised rows, Y = normalise(RᵀẐ), d = 2(1 − ẐYᵀ), O = RᵀΦ, E = (Σ_i R_ik) p_b:
   * (Σ R∘d + Σ_k σ_k Σ_i R log R + Σ_kb σ_k θ O_kb log((O_kb + E_kb)/E_kb)) · 2000/N.
   */
  private harmonyObjective(z: tf.Tensor2D, r: tf.Tensor2D, ctx: Context): tf.Scalar {
    return tf.tidy(() => {
      const n = z.shape[0];
      const normalize = (x: tf.Tensor2D) =>
        tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12))) as tf.Tensor2D;
      const zHat = normalize(z);
      const y = normalize(matMulTA(r, zHat));
      const dist = tf.mul(2, tf.sub(1, matMulTB(zHat, y)));
      const sigma = tf.exp((this.harmony.logSigma as Param).value) as tf.Tensor1D;
      const kmeansError = tf.sum(tf.mul(r, dist));
      const entropy = tf.sum(tf.mul(sigma, tf.sum(tf.mul(r, tf.log(tf.add(r, 1e-12))), 0)));
      const phi = tf.oneHot(tf.tensor1d(ctx.codes, "int32"), ctx.nBatches).toFloat() as tf.Tensor2D;
      const observed = matMulTA(r, phi);
      const proportions = tf.div(tf.sum(phi, 0, true), n);
      const expected = matMul(tf.reshape(tf.sum(r, 0), [-1, 1]) as tf.Tensor2D, proportions as tf.Tensor2D);
      const cross = tf.sum(
        tf.mul(
          tf.reshape(sigma, [-1, 1]),
          tf.mul(
            this.options.theta,
            tf.mul(observed, tf.log(tf.div(tf.add(observed, expected), tf.add(expected, 1e-12)))),
          ),
        ),
      );
      return tf.mul(tf.addN([kmeansError, entropy, cross]), 2000 / n) as tf.Scalar;
    });
  }

  /** Stage 1: everything that is computed once, then the velocity model trained alone. */
  private prepare(data: BatchVelocityInput): void {
    const { nCells: n, nGenes: g, nFeatures: f } = data;
    check(data);
    const o = this.options;
    const labels = [...data.batchLabels];
    const levels = [...new Set(labels)].sort();
    const codes = Int32Array.from(labels, (l) => levels.indexOf(l));
    const pcs = tf.tensor2d(data.embeddings, [n, f]);
    const k = Math.min(o.nNeighbors, n);
    // Harmony without a tape (fast path) for the neighbour sets; the joint steps unroll the same rounds.
    const z0 = tidyHost(() => this.corrected({ pcs, labels } as Context).z.dataSync() as Float32Array);
    const neighbors = knn({ data: z0, rows: n, cols: f }, k).indices;
    const bandwidth = new Float32Array(n);
    const d2 = new Float64Array(k - 1);
    for (let i = 0; i < n; i++) {
      for (let r = 1; r < k; r++) {
        const j = neighbors[i * k + r];
        let s = 0;
        for (let c = 0; c < f; c++) s += (z0[i * f + c] - z0[j * f + c]) ** 2;
        d2[r - 1] = s;
      }
      d2.sort();
      bandwidth[i] = Math.max(d2[Math.floor((k - 1) / 2)] ?? 1, 1e-6);
    }
    const bandwidthT = tf.tensor2d(bandwidth, [n, 1]);

    // Steady-state fit on uniform-weight moments picks the velocity genes.
    const uniform = (x: Float32Array) =>
      tidyHost(() => neighborAverage(tf.tensor2d(x, [n, g]), neighbors).dataSync() as Float32Array);
    const steady = fitSteadyState(uniform(data.spliced), uniform(data.unspliced), n, g);
    const genes = Array.from(steady.velocityGenes, (v, j) => (v ? j : -1)).filter((j) => j >= 0);
    if (genes.length < 2)
      throw new InputError("spliced/unspliced", `only ${genes.length} velocity genes; need at least 2`);
    const m = genes.length;
    const spliced = takeColumns(data.spliced, n, g, genes);
    const unspliced = takeColumns(data.unspliced, n, g, genes);
    if (o.batchScale && levels.length > 1) {
      const init = (x: Float32Array) =>
        tf.tensor2d(initialBatchScale(x, n, m, codes, levels.length, neighbors, k), [levels.length, m]);
      this.logSplicedScale = new Param(init(spliced), "logSplicedScale");
      this.logUnsplicedScale = new Param(init(unspliced), "logUnsplicedScale");
    }
    const velocityNeighbors = withoutSelf(neighbors, n);
    const ctx: Context = {
      pcs,
      labels,
      codes,
      nBatches: levels.length,
      neighbors,
      k,
      bandwidth: bandwidthT,
      spliced: tf.tensor2d(spliced, [n, m]),
      unspliced: tf.tensor2d(unspliced, [n, m]),
      genes,
      velocityNeighbors,
      kineticWeights: { unspliced: new Float64Array(m), spliced: new Float64Array(m) },
      consistency: new VelocityConsistencyLoss(),
      mixingBandwidths: calibrateBandwidths(z0, f, neighbors, k, Math.max(2, Math.min(30, (k - 1) / 3))),
    };
    this.context = ctx;
    const start = tf.tidy(() => {
      const weights = this.softWeights(tf.tensor2d(z0, [n, f]), ctx);
      return this.moments(weights, ctx);
    });
    ctx.kineticWeights = inverseVarianceWeights(start.ms, start.mu);
    // The starting latent time from the steady-state velocity pseudotime on the starting moments, oriented once.
    const initial = initialLatentTime(
      start.ms.dataSync(),
      start.mu.dataSync(),
      n,
      m,
      fitSteadyState(start.ms.dataSync(), start.mu.dataSync(), n, m),
      { neighbors, seed: o.seed },
    );
    // Best of `restarts` fits by final loss (a fit whose latent time ran the wrong way ends with a clearly
    // higher loss: on the simulations ≈3–4 against ≈2).
    const best = trainBestOf(
      { spliced: start.ms, unspliced: start.mu },
      {
        kineticsModel: "dynamical",
        restarts: o.restarts,
        seed: o.seed,
        epochs: o.epochs,
        neighbors: velocityNeighbors,
        initialTime: initial.time,
        onProgress: o.onProgress,
      },
    );
    this.velocity = best.model;
    this.history.velocityLoss = best.loss;
    this.history.restartLosses = best.restarts;
    tf.dispose([start.ms, start.mu]);
  }
}

/**
 * ℓ_bg = log of batch b's counts of gene g over those of its neighbours from other batches (summed over
 * the batch's cells), centred over batches. Cells with no cross-batch neighbour are skipped; a batch with
 * none at all keeps ℓ = 0.
 */
function initialBatchScale(
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

function check(data: BatchVelocityInput): void {
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
