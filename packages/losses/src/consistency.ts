import { ConfigError, checkMatrix, knn, matMul, ShapeError, tf, tidyHost } from "@diffcell/core";
import { neighborCosineLoss } from "./neighborCosine.js";

export interface VelocityConsistencyOptions {
  /** Softmax temperature T of the transition probabilities (lower: sharper). Default 1. */
  temperature?: number;
  /** Neighbours per cell when the caller passes none (kNN on the positions, the cell itself excluded). */
  nNeighbors?: number;
  /** Weight of the time-ordering term when latent time is passed. Default 1. */
  timeWeight?: number;
  /** Latent-time gap at which the ordering penalty saturates. Default 0.05. */
  timeScale?: number;
}

/** Optional inputs of a {@link VelocityConsistencyLoss} call. */
export interface ConsistencyExtras {
  /** Neighbour indices N × k (e.g. the kNN graph of the embedding); computed from `spliced` if absent. */
  neighbors?: Int32Array;
  /** Latent time [N]: enables the time-ordering term, so latent time receives gradient. */
  latentTime?: tf.Tensor;
  /** G × d projection (e.g. PCA loadings): compare velocity and displacements in d dimensions (fast). */
  basis?: tf.Tensor2D;
  /**
   * `spliced` is constant data (a training minibatch): no gradient is computed for it (zeros are returned),
   * which saves a pass over every neighbour pair in the backward pass. Default false.
   */
  constantPositions?: boolean;
}

/**
 * Velocity must agree with the observed neighbourhood. For cell i with neighbours j, displacement
 * δ_ij = s_j − s_i and cosine c_ij = cos(v_i, δ_ij); transition probabilities p_ij = softmax_j(c_ij/T)
 * (scVelo's velocity graph, with temperature); the loss is
 *
 *   L = mean_i (1 − Σ_j p_ij·c_ij)  [+ w_t·mean_i Σ_j p_ij·τ·softplus((t_i − t_j)/τ) with latent time]
 *
 * 0 when every velocity points exactly at a neighbour; the optional second term asks the cells a velocity
 * leads to to be later in latent time. `unspliced` is accepted for the walk-through's call signature and
 * validated but not used (velocity already carries it).
 *
 * ```ts
 * const loss = new VelocityConsistencyLoss({ temperature: 1.0 });
 * const value = loss(velocity, spliced, unspliced, { latentTime });
 * ```
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface below adds the call signature.
export class VelocityConsistencyLoss {
  readonly temperature: number;
  readonly nNeighbors: number;
  readonly timeWeight: number;
  readonly timeScale: number;

  constructor(options: VelocityConsistencyOptions = {}) {
    this.temperature = options.temperature ?? 1;
    this.nNeighbors = options.nNeighbors ?? 15;
    this.timeWeight = options.timeWeight ?? 1;
    this.timeScale = options.timeScale ?? 0.05;
    if (!(this.temperature > 0))
      throw new ConfigError("VelocityConsistencyLoss", "temperature", "a number > 0", this.temperature);
    if (!Number.isInteger(this.nNeighbors) || this.nNeighbors < 1) {
      throw new ConfigError("VelocityConsistencyLoss", "nNeighbors", "an integer ≥ 1", this.nNeighbors);
    }
    if (!(this.timeWeight >= 0))
      throw new ConfigError("VelocityConsistencyLoss", "timeWeight", "a number ≥ 0", this.timeWeight);
    if (!(this.timeScale > 0))
      throw new ConfigError("VelocityConsistencyLoss", "timeScale", "a number > 0", this.timeScale);
    const call = (velocity: tf.Tensor, spliced: tf.Tensor, unspliced: tf.Tensor, extra?: ConsistencyExtras) =>
      this.compute(velocity, spliced, unspliced, extra);
    // The walk-through calls the loss like a function; returning a prototype-linked function from the
    // constructor gives `new VelocityConsistencyLoss(...)` that shape while keeping `instanceof` and fields.
    // biome-ignore lint/correctness/noConstructorReturn: see above.
    return Object.assign(Object.setPrototypeOf(call, new.target.prototype), this);
  }

  compute(velocity: tf.Tensor, spliced: tf.Tensor, unspliced: tf.Tensor, extra: ConsistencyExtras = {}): tf.Scalar {
    checkMatrix("velocity", velocity);
    const [n, g] = velocity.shape;
    checkMatrix("spliced", spliced, { rows: n, cols: g });
    checkMatrix("unspliced", unspliced, { rows: n, cols: g });
    if (n < 2) throw new ShapeError("velocity", "at least 2 cells (a neighbourhood)", velocity.shape);
    if (extra.basis) checkMatrix("basis", extra.basis, { rows: g });
    if (extra.latentTime && (extra.latentTime.size !== n || extra.latentTime.rank > 2)) {
      throw new ShapeError("latentTime", `[${n}]`, extra.latentTime.shape);
    }
    return tf.tidy(() => {
      const v = extra.basis ? matMul(velocity, extra.basis) : velocity;
      const x = extra.basis ? matMul(spliced, extra.basis) : spliced;
      const neighbors = extra.neighbors ?? this.neighborsOf(x as tf.Tensor2D);
      const k = neighbors.length / n;
      if (!Number.isInteger(k) || k < 1)
        throw new ShapeError("neighbors", `${n} × k indices`, `${neighbors.length} values`);
      for (let i = 0; i < neighbors.length; i++) {
        if (!(neighbors[i] >= 0 && neighbors[i] < n)) {
          throw new ShapeError("neighbors", `indices in [0, ${n})`, `index ${neighbors[i]} at position ${i}`);
        }
      }
      const t = extra.latentTime ? tf.reshape(extra.latentTime, [n]) : tf.zeros([n]);
      const attrs = {
        neighbors,
        k,
        temperature: this.temperature,
        timeWeight: extra.latentTime ? this.timeWeight : 0,
        timeScale: this.timeScale,
        constantPositions: extra.constantPositions ?? false,
      };
      return neighborCosineLoss([v, x, t], attrs)[0] as tf.Scalar;
    });
  }

  private neighborsOf(x: tf.Tensor2D): Int32Array {
    const n = x.shape[0];
    const k = Math.min(this.nNeighbors, n - 1);
    return tidyHost(
      () => knn({ data: x.dataSync() as Float32Array, rows: n, cols: x.shape[1] }, k, { includeSelf: false }).indices,
    );
  }
}

/** Instances are callable: `loss(velocity, spliced, unspliced, extra?)` (the walk-through's call). */
export interface VelocityConsistencyLoss {
  // biome-ignore lint/style/useShorthandFunctionType: only an interface merges with the class.
  (velocity: tf.Tensor, spliced: tf.Tensor, unspliced: tf.Tensor, extra?: ConsistencyExtras): tf.Scalar;
}
