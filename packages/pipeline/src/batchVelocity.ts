/**
 * Harmony and RNA velocity in one optimisation: `HarmonyVelocityPipeline`, a composition of three operators
 *
 *   Harmony ({embeddings, batchLabels} → correctedEmbeddings, clusterAssignments)
 *     → SoftNeighborMoments ({correctedEmbeddings, splicedCounts, unsplicedCounts} → spliced = Ms, unspliced = Mu)
 *     → DifferentiableVelocity ({spliced, unspliced} → latentTime, velocity, rates)
 *
 * chained with core's typed `Sequential`, and a joint loss made of named, weighted terms on the chain's
 * output (`lossTerms`: velocity, batch mixing, Harmony's objective). `initialize` is stage 1 (Harmony
 * without a tape → neighbour sets, batch scales, velocity genes, the velocity model trained alone from the
 * steady-state pseudotime); `fit` is stage 1 then `jointSteps` full-batch Adam steps on every parameter;
 * `apply` evaluates the chain and never trains.
 */
import {
  adam,
  ConfigError,
  chain,
  clipByGlobalNorm,
  InputError,
  type Metadata,
  Module,
  neighborAverage,
  type Operator,
  Optimizer,
  Rngs,
  Sequential,
  type State,
  tf,
  tidyHost,
  valueAndGrad,
} from "@diffcell/core";
import { BatchCorrectionConfig, DifferentiableHarmony, encodeLabels } from "@diffcell/harmony";
import { batchMixingLoss, calibrateBandwidths, VelocityConsistencyLoss } from "@diffcell/losses";
import {
  type DifferentiableVelocity,
  fitSteadyState,
  initialLatentTime,
  inverseVarianceWeights,
  type VelocityInput,
  type VelocityOutput,
  velocityObjective,
} from "@diffcell/velocity";
import { JOINT_DEFAULTS, NEIGHBOR_DEFAULTS, VELOCITY_DEFAULTS } from "./defaults.js";
import { jointObjective, type LossTerm } from "./jointLoss.js";
import {
  type BatchVelocityInput,
  type BatchVelocityOutput,
  type ChainInput,
  type Corrector,
  checkBatchInput,
  type HarmonyVelocityOptions,
  type JointData,
  type JointHistory,
  type Prepared,
  passThrough,
} from "./jointTypes.js";
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
import { type SoftMomentsInput, type SoftMomentsOutput, SoftNeighborMoments } from "./softNeighborMoments.js";

export type { BatchVelocityInput, BatchVelocityOutput, HarmonyVelocityOptions, JointData, JointHistory };

export class HarmonyVelocityPipeline extends Module implements Operator<BatchVelocityInput, BatchVelocityOutput> {
  readonly harmony: DifferentiableHarmony;
  /** Created by {@link initialize} (their shapes depend on the data). */
  moments: SoftNeighborMoments | null = null;
  velocity: DifferentiableVelocity | null = null;
  /** The joint loss: named, weighted terms on the chain's output. */
  readonly lossTerms: LossTerm<JointData>[];
  readonly history: JointHistory = { velocityLoss: [], restartLosses: [], joint: [] };
  private prepared: Prepared | null = null;
  private readonly options: Required<Omit<HarmonyVelocityOptions, "onProgress" | "weights" | "nClusters" | "epochs">> &
    Pick<HarmonyVelocityOptions, "onProgress" | "nClusters" | "epochs">;

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
      epochs: options.epochs,
      restarts: options.restarts ?? VELOCITY_DEFAULTS.restarts,
      jointSteps: options.jointSteps ?? d.jointSteps,
      learningRate: options.learningRate ?? d.learningRate,
      seed: options.seed ?? VELOCITY_DEFAULTS.seed,
      onProgress: options.onProgress,
    };
    const weights = { ...d.weights, ...options.weights };
    for (const [field, value] of Object.entries(weights))
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
    const ready = () => this.prepared as Prepared;
    this.lossTerms = [
      {
        name: "velocity",
        weight: weights.velocity,
        value: (out) => velocityObjective(this.velocity as DifferentiableVelocity, out, ready().velocityContext),
      },
      {
        name: "mixing",
        weight: o.harmony ? weights.mixing : 0,
        value: (out) =>
          batchMixingLoss(out.correctedEmbeddings, ready().codes, {
            neighbors: (this.moments as SoftNeighborMoments).neighbors,
            beta: ready().mixingBandwidths,
          }),
      },
      {
        name: "harmony",
        weight: o.harmony ? weights.harmony : 0,
        value: (out) => this.harmony.objective({ ...out, clusterAssignments: out.clusterAssignments as tf.Tensor2D }),
      },
    ];
  }

  /** Stage 1 then the joint steps; returns the history. */
  fit(data: BatchVelocityInput): JointHistory {
    this.initialize(data);
    const o = this.options;
    if (o.jointSteps === 0 || this.lossTerms.every((t) => t.weight === 0)) return this.history;
    const optimizer = new Optimizer(this, chain(clipByGlobalNorm(1), adam(o.learningRate)));
    const step = valueAndGrad((m: HarmonyVelocityPipeline) => m.jointLoss(), { hasAux: true });
    try {
      for (let s = 0; s < o.jointSteps; s++) {
        const [total, grads, terms] = step(this);
        optimizer.update(grads);
        const values = { total, ...Object.fromEntries(Object.entries(terms).map(([k, t]) => [k, t.dataSync()[0]])) };
        tf.dispose(Object.values(terms));
        this.history.joint.push(values);
        o.onProgress?.({ stage: "joint", done: s + 1, total: o.jointSteps, message: `loss ${total.toFixed(4)}` });
      }
    } finally {
      optimizer.dispose();
    }
    return this.history;
  }

  /**
   * Stage 1: Harmony without a tape on the PCs → neighbour sets and soft-moment operator (with starting
   * batch scales) → velocity genes from the steady-state fit → the velocity model trained alone from the
   * steady-state velocity pseudotime. Idempotent: a second call does nothing.
   */
  initialize(data: BatchVelocityInput): void {
    if (this.prepared) return;
    checkBatchInput(data);
    const { nCells: n, nGenes: g, nFeatures: f } = data;
    const o = this.options;
    const labels = [...data.batchLabels];
    const { names, codes } = encodeLabels("batchLabels", labels, n);
    const pcs = tf.tensor2d(data.embeddings, [n, f]);
    const z0 = tidyHost(() => this.correct(pcs, labels).correctedEmbeddings.dataSync() as Float32Array);
    // Velocity genes: the steady-state fit on uniform-weight moments over the corrected neighbourhoods.
    const probe = SoftNeighborMoments.fromEmbedding(
      { data: z0, rows: n, cols: f },
      { spliced: data.spliced, unspliced: data.unspliced, nGenes: g },
      { codes, count: names.length },
      { nNeighbors: o.nNeighbors, batchScale: false },
    );
    const uniform = (x: Float32Array) =>
      tidyHost(() => neighborAverage(tf.tensor2d(x, [n, g]), probe.neighbors).dataSync() as Float32Array);
    const steady = fitSteadyState(uniform(data.spliced), uniform(data.unspliced), n, g);
    probe.dispose();
    const genes = Array.from(steady.velocityGenes, (v, j) => (v ? j : -1)).filter((j) => j >= 0);
    if (genes.length < 2)
      throw new InputError("spliced/unspliced", `only ${genes.length} velocity genes; need at least 2`);
    const m = genes.length;
    const spliced = takeColumns(data.spliced, n, g, genes);
    const unspliced = takeColumns(data.unspliced, n, g, genes);
    this.moments = SoftNeighborMoments.fromEmbedding(
      { data: z0, rows: n, cols: f },
      { spliced, unspliced, nGenes: m },
      { codes, count: names.length },
      { nNeighbors: o.nNeighbors, batchScale: o.batchScale },
    );
    const moments = this.moments;
    const prepared: Prepared = {
      pcs,
      labels,
      codes,
      nBatches: names.length,
      genes,
      spliced: tf.tensor2d(spliced, [n, m]),
      unspliced: tf.tensor2d(unspliced, [n, m]),
      velocityContext: {
        consistency: new VelocityConsistencyLoss(),
        neighbors: withoutSelf(moments.neighbors, n),
        weights: VELOCITY_WEIGHTS,
      },
      mixingBandwidths: calibrateBandwidths(
        z0,
        f,
        moments.neighbors,
        moments.k,
        Math.max(2, Math.min(30, (moments.k - 1) / 3)),
      ),
    };
    this.prepared = prepared;
    const start = tf.tidy(() => {
      const [out] = moments.apply({
        correctedEmbeddings: tf.tensor2d(z0, [n, f]),
        splicedCounts: prepared.spliced,
        unsplicedCounts: prepared.unspliced,
      });
      return { spliced: out.spliced, unspliced: out.unspliced };
    });
    prepared.velocityContext.kineticWeights = inverseVarianceWeights(start.spliced, start.unspliced);
    const ms = start.spliced.dataSync();
    const mu = start.unspliced.dataSync();
    const initial = initialLatentTime(ms, mu, n, m, fitSteadyState(ms, mu, n, m), {
      neighbors: moments.neighbors,
      seed: o.seed,
      embedding: { data: z0, cols: f },
    });
    const best = trainBestOf(start, {
      kineticsModel: "dynamical",
      restarts: o.restarts,
      seed: o.seed,
      epochs: o.epochs,
      neighbors: prepared.velocityContext.neighbors,
      initialTime: initial.time,
      onProgress: o.onProgress,
    });
    this.velocity = best.model;
    this.history.velocityLoss = best.loss;
    this.history.restartLosses = best.restarts;
    tf.dispose([start.spliced, start.unspliced]);
  }

  /** The chain's output for the prepared data (tensors; caller disposes). `embeddings` replaces the PCs. */
  forward(embeddings?: tf.Tensor2D): JointData {
    const p = this.ready();
    const steps = Sequential.input<ChainInput>()
      .pipe(this.corrector())
      .pipe<SoftMomentsInput, SoftMomentsOutput>(this.moments as SoftNeighborMoments)
      .pipe<VelocityInput, VelocityOutput>(this.velocity as DifferentiableVelocity);
    const [out] = steps.apply({
      embeddings: embeddings ?? p.pcs,
      batchLabels: p.labels,
      splicedCounts: p.spliced,
      unsplicedCounts: p.unspliced,
    });
    return out as JointData;
  }

  /** The joint loss (and its terms as aux); `embeddings` replaces the prepared PCs (for gradient checks). */
  jointLoss(embeddings?: tf.Tensor2D): [tf.Scalar, Record<string, tf.Scalar>] {
    return tf.tidy(() => jointObjective(this.lossTerms, this.forward(embeddings)));
  }

  /** The outputs for the current parameters (after {@link initialize} or {@link fit}; never trains). */
  apply(
    data: BatchVelocityInput,
    state: State = {},
    metadata: Metadata = null,
  ): [BatchVelocityInput & BatchVelocityOutput, State, Metadata] {
    const p = this.ready();
    const moments = this.moments as SoftNeighborMoments;
    const { nCells: n, nGenes: g } = data;
    const out = tidyHost(() => {
      const r = this.forward();
      return {
        correctedEmbeddings: r.correctedEmbeddings.dataSync() as Float32Array,
        ms: moments.allGenes(r.correctedEmbeddings, data.spliced, g, p.genes, "spliced"),
        mu: moments.allGenes(r.correctedEmbeddings, data.unspliced, g, p.genes, "unspliced"),
        velocity: r.velocity.dataSync() as Float32Array,
        latentTime: r.latentTime.dataSync() as Float32Array,
      };
    });
    const output: BatchVelocityOutput = {
      ...out,
      genes: p.genes,
      velocity: scatterColumns(out.velocity, n, g, p.genes),
      neighbors: moments.neighbors,
    };
    return [{ ...data, ...output }, state, metadata];
  }

  /** Per-gene rates and fit statistics of the velocity model (all genes, NaN outside the modelled ones). */
  fittedKinetics(nGenes: number): { fit: FittedRates; curves: FittedCurves } {
    const p = this.ready();
    const velocity = this.velocity as DifferentiableVelocity;
    const out = tf.tidy(() => {
      const r = this.forward();
      return { spliced: r.spliced, unspliced: r.unspliced, latentTime: r.latentTime };
    });
    try {
      return fittedKinetics(velocity, p.genes, nGenes, out, out.latentTime.dataSync());
    } finally {
      tf.dispose([out.spliced, out.unspliced, out.latentTime]);
    }
  }

  override dispose(): void {
    if (this.prepared) tf.dispose([this.prepared.pcs, this.prepared.spliced, this.prepared.unspliced]);
    this.prepared = null;
    super.dispose();
  }

  private ready(): Prepared {
    if (!this.prepared) throw new InputError("HarmonyVelocityPipeline", "call initialize(data) or fit(data) first");
    return this.prepared;
  }

  private correct(pcs: tf.Tensor2D, labels: string[]): { correctedEmbeddings: tf.Tensor2D } {
    const [out] = this.corrector().apply({ embeddings: pcs, batchLabels: labels });
    return out;
  }

  /** Harmony, or (harmony: false) the embedding passed through as the corrected one. */
  private corrector(): Corrector {
    return this.options.harmony ? (this.harmony as unknown as Corrector) : passThrough;
  }
}
