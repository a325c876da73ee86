import { gelu, Linear, Module, matMul, Param, type Rngs, tf } from "@diffcell/core";

/**
 * log1p of constant data tensors known before the encoder sees them (minibatches of training data: `rowBatches`
 * takes the rows of the whole data's log1p, computed once, instead of a log1p of every batch at every step).
 * The encoder reads these instead of computing them; whoever registers one disposes it with its tensor.
 */
const knownLog1p = new WeakMap<tf.Tensor, tf.Tensor2D>();

/** Registers `log` as log1p(`x`), computed elsewhere by `tf.log1p` (so the values are the encoder's own). */
export function rememberLog1p(x: tf.Tensor, log: tf.Tensor2D): void {
  knownLog1p.set(x, log);
}

/** The log1p registered for `x` (see {@link rememberLog1p}), if any. */
export function knownLog1pOf(x: tf.Tensor): tf.Tensor2D | undefined {
  return knownLog1p.get(x);
}

/**
 * Latent time from expression: log1p of spliced and unspliced, concatenated and standardised per
 * feature (`inputMean`/`inputScale`, fixed buffers set from the data by `initializeFromData`), then
 * linear1 → GELU → linear2 → GELU → timeProj → sigmoid, so t ∈ (0, 1). (The walk-through's encoder, with
 * the standardisation added: without it, genes with large counts dominate the first layer.)
 *
 * The first layer is evaluated without materialising the standardised [N, 2G] input: with x = [s ‖ u],
 * ((log1p x − μ)·σ⁻¹)·W = log1p(s)·W_s′ + log1p(u)·W_u′ − μ·W′, where W′ = σ⁻¹ ⊙ W (rows scaled) is split into its
 * spliced and unspliced row blocks. Same function and gradients; two passes over N×2G fewer per step.
 */
export class TimeEncoder extends Module {
  readonly linear1: Linear;
  readonly linear2: Linear;
  readonly timeProj: Linear;
  /** Second head: the cell state z = tanh(stateProj(h)) (only when the config asks for one). */
  readonly stateProj: Linear | null;
  readonly inputMean: Param;
  readonly inputScale: Param;
  /**
   * The inputs are fixed data, not functions of parameters (true while `trainVelocity` trains): their
   * gradients are not computed and their log1p is reused across steps on the same tensors.
   */
  get constantInputs(): boolean {
    return this.constant;
  }

  set constantInputs(value: boolean) {
    this.constant = value;
    if (!value) this.clearCache();
  }

  private constant = false;
  private cache: {
    spliced: tf.Tensor;
    unspliced: tf.Tensor;
    logS: tf.Tensor2D;
    logU: tf.Tensor2D;
    /** xᵀ of logS and logU, made lazily once the same inputs come back (a one-off call never needs them). */
    transposed: [tf.Tensor2D | null, tf.Tensor2D | null];
    reused: boolean;
  } | null = null;

  constructor(
    readonly nGenes: number,
    hiddenDim: number,
    rngs: Rngs,
    stateDim = 0,
  ) {
    super();
    this.linear1 = new Linear(2 * nGenes, hiddenDim, { rngs, name: "timeEncoder.linear1" });
    this.linear2 = new Linear(hiddenDim, hiddenDim, { rngs, name: "timeEncoder.linear2" });
    this.timeProj = new Linear(hiddenDim, 1, { rngs, name: "timeEncoder.timeProj" });
    this.stateProj = stateDim > 0 ? new Linear(hiddenDim, stateDim, { rngs, name: "timeEncoder.stateProj" }) : null;
    this.inputMean = new Param(tf.zeros([2 * nGenes]), "timeEncoder.inputMean", false);
    this.inputScale = new Param(tf.ones([2 * nGenes]), "timeEncoder.inputScale", false);
  }

  /** Standardised log1p features [N, 2G] (for inspection; `apply` never builds them). */
  features(spliced: tf.Tensor2D, unspliced: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const x = tf.log1p(tf.concat([spliced, unspliced], 1));
      return tf.mul(tf.sub(x, this.inputMean.value), this.inputScale.value) as tf.Tensor2D;
    });
  }

  /** Hidden representation h [N, H] shared by the time and state heads. */
  hidden(spliced: tf.Tensor2D, unspliced: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const [logS, logU, reused] = this.logInputs(spliced, unspliced);
      // Data reused across steps (`reused`): W's gradient from the kept transpose (made on the first backward pass).
      const g = this.nGenes;
      const kernel = this.linear1.kernel.value as tf.Tensor2D;
      const hiddenDim = kernel.shape[1];
      const scaled = tf.mul(kernel, tf.reshape(this.inputScale.value, [2 * g, 1])) as tf.Tensor2D;
      const offset = matMul(tf.reshape(this.inputMean.value, [1, 2 * g]), scaled);
      const constantA = this.constantInputs;
      let h1 = tf.add(
        matMul(logS, tf.slice(scaled, [0, 0], [g, hiddenDim]), {
          constantA,
          transposedA: reused ? () => this.keptTranspose(0) : undefined,
        }),
        matMul(logU, tf.slice(scaled, [g, 0], [g, hiddenDim]), {
          constantA,
          transposedA: reused ? () => this.keptTranspose(1) : undefined,
        }),
      );
      h1 = tf.sub(h1, offset);
      if (this.linear1.bias) h1 = tf.add(h1, this.linear1.bias.value);
      return gelu(this.linear2.apply(gelu(h1 as tf.Tensor2D)));
    });
  }

  /**
   * log1p of the inputs. With `constantInputs` the result is kept for the next call with the same two
   * tensors (a full-batch training loop passes the same data every step); the cache is freed when other
   * inputs arrive, when `constantInputs` is switched off, or on `dispose`.
   */
  private logInputs(spliced: tf.Tensor2D, unspliced: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D, boolean] {
    const knownS = knownLog1p.get(spliced);
    const knownU = knownLog1p.get(unspliced);
    if (knownS && knownU && !knownS.isDisposed && !knownU.isDisposed) return [knownS, knownU, false];
    if (!this.constantInputs) {
      this.clearCache();
      return [tf.log1p(spliced), tf.log1p(unspliced), false];
    }
    const c = this.cache;
    if (c && c.spliced === spliced && c.unspliced === unspliced && !spliced.isDisposed && !unspliced.isDisposed) {
      c.reused = true;
      return [c.logS, c.logU, true];
    }
    this.clearCache();
    // Kept: the enclosing tidy must not free the cache.
    const logS = tf.keep(tf.log1p(spliced));
    const logU = tf.keep(tf.log1p(unspliced));
    this.cache = { spliced, unspliced, logS, logU, transposed: [null, null], reused: false };
    return [logS, logU, false];
  }

  /** xᵀ of cached input 0 (spliced) or 1 (unspliced), made once and kept with the cache. */
  private keptTranspose(which: 0 | 1): tf.Tensor2D {
    const c = this.cache as NonNullable<typeof this.cache>;
    const existing = c.transposed[which];
    if (existing) return existing;
    const t = tf.keep(tf.transpose(which === 0 ? c.logS : c.logU));
    c.transposed[which] = t;
    return t;
  }

  private clearCache(): void {
    const c = this.cache;
    if (c) tf.dispose([c.logS, c.logU, ...c.transposed.filter((t): t is tf.Tensor2D => t !== null)]);
    this.cache = null;
  }

  override dispose(): void {
    this.clearCache();
    super.dispose();
  }

  /** Pre-activation of the output unit [N]. */
  logits(spliced: tf.Tensor2D, unspliced: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.reshape(this.timeProj.apply(this.hidden(spliced, unspliced)), [-1]) as tf.Tensor1D);
  }

  apply(spliced: tf.Tensor2D, unspliced: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => tf.sigmoid(this.logits(spliced, unspliced)));
  }

  /** Latent time [N] and, when configured, the cell state [N, d] from one pass through the trunk. */
  encode(spliced: tf.Tensor2D, unspliced: tf.Tensor2D): { time: tf.Tensor1D; state: tf.Tensor2D | null } {
    const kept = tf.tidy(() => {
      const h = this.hidden(spliced, unspliced);
      const time = tf.sigmoid(tf.reshape(this.timeProj.apply(h), [-1])) as tf.Tensor1D;
      return this.stateProj ? { time, state: tf.tanh(this.stateProj.apply(h)) as tf.Tensor2D } : { time };
    });
    return { time: kept.time, state: ("state" in kept && kept.state) || null };
  }
}
