import { matMul, matMulTA, tf } from "@diffcell/core";
import type { BatchDesign } from "./batchDesign.js";
import { gemmNT } from "./hostLinalg.js";
import { batchedSolveKernel, luFactor, luSolve } from "./solve.js";

/** λ per level (index 0 of the ridge system, the intercept, is never penalised), or R harmony 2's automatic λ. */
export type RidgePenalty = { kind: "fixed"; perLevel: Float64Array } | { kind: "auto"; alpha: number };

/**
 * Harmony's mixture-of-experts ridge correction (Korsunsky et al. 2019, Supplementary Algorithm 3) on host
 * arrays. For every cluster k, with the design Φ̃ = [1; Φ] (intercept + one-hot batches, m = B + 1 rows):
 *
 *   W_k = (Φ̃ diag(R_k) Φ̃ᵀ + Λ)⁻¹ Φ̃ diag(R_k) Z        (m × F; Λ = diag(0, λ_1..λ_B))
 *   Z_corr = Z − Σ_k (W_k with the intercept row zeroed)ᵀ Φ̃ diag(R_k)
 *
 * so each cell loses, cluster by cluster in proportion to R_ik, the offsets of its own batches; the
 * intercept (the cluster's biology) stays. A workspace per run: the cells are sorted by level once per batch
 * variable, so every per-level sum is one blocked product over a contiguous range.
 */
export class HostRidge {
  private readonly m: number;
  /** Per variable: cells sorted by level, and where each level starts in that order. */
  private readonly order: Int32Array[] = [];
  private readonly starts: Int32Array[] = [];
  /** Per variable: Zᵀ with columns in that variable's level order (F × N). */
  private readonly zSorted: Float64Array[] = [];
  private readonly rSorted: Float64Array;
  private readonly a: Float64Array;
  private readonly rhs: Float64Array;
  private readonly wT: Float64Array;

  constructor(
    private readonly z: Float64Array,
    private readonly n: number,
    private readonly k: number,
    private readonly f: number,
    private readonly design: BatchDesign,
    private readonly penalty: RidgePenalty,
  ) {
    const { codes, nVariables: nv, offsets } = design;
    this.m = design.nLevels + 1;
    for (let v = 0; v < nv; v++) {
      const nLevels = offsets[v + 1] - offsets[v];
      const starts = new Int32Array(nLevels + 1);
      for (let i = 0; i < n; i++) starts[codes[i * nv + v] - offsets[v] + 1]++;
      for (let b = 0; b < nLevels; b++) starts[b + 1] += starts[b];
      const fill = starts.slice(0, nLevels);
      const order = new Int32Array(n);
      for (let i = 0; i < n; i++) order[fill[codes[i * nv + v] - offsets[v]]++] = i;
      const zs = new Float64Array(f * n);
      for (let p = 0; p < n; p++) for (let j = 0; j < f; j++) zs[j * n + p] = z[order[p] * f + j];
      this.order.push(order);
      this.starts.push(starts);
      this.zSorted.push(zs);
    }
    this.rSorted = new Float64Array(k * n);
    this.a = new Float64Array(k * this.m * this.m);
    this.rhs = new Float64Array(k * this.m * f);
    this.wT = new Float64Array(f * k);
  }

  /** Writes Z_corr (N × F) for assignments R (N × K) into `out`. */
  correct(r: Float64Array, out: Float64Array): void {
    const { n, k, f, m, design, a, rhs } = this;
    const { codes, nVariables: nv, nLevels: nb, offsets } = design;
    a.fill(0);
    rhs.fill(0);
    // Φ̃ diag(R_k) Φ̃ᵀ: cluster sizes, O_kb, and co-occurrence of levels of different variables.
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        const w = r[i * k + c];
        const base = c * m * m;
        a[base] += w;
        for (let p = 0; p < nv; p++) {
          const bp = 1 + codes[i * nv + p];
          a[base + bp] += w;
          a[base + bp * m] += w;
          for (let q = 0; q < nv; q++) a[base + bp * m + 1 + codes[i * nv + q]] += w;
        }
      }
    }
    // Φ̃ diag(R_k) Z, one product per level over that level's cells.
    for (let v = 0; v < nv; v++) {
      const order = this.order[v];
      const starts = this.starts[v];
      const rs = this.rSorted;
      for (let p = 0; p < n; p++) {
        const i = order[p];
        for (let c = 0; c < k; c++) rs[c * n + p] = r[i * k + c];
      }
      for (let b = 0; b + 1 < starts.length; b++) {
        const count = starts[b + 1] - starts[b];
        if (count === 0) continue;
        gemmNT({
          a: rs,
          aOffset: starts[b],
          aStride: n,
          b: this.zSorted[v],
          bOffset: starts[b],
          bStride: n,
          out: rhs,
          outOffset: (1 + offsets[v] + b) * f,
          outStride: m * f,
          n: k,
          k: f,
          len: count,
        });
      }
    }
    for (let c = 0; c < k; c++) {
      // The intercept row is the sum over the levels of any one variable (every cell has one level of each).
      const intercept = c * m * f;
      for (let b = offsets[0]; b < offsets[1]; b++) {
        const o = (c * m + 1 + b) * f;
        for (let j = 0; j < f; j++) rhs[intercept + j] += rhs[o + j];
      }
      const base = c * m * m;
      const size = a[base];
      for (let b = 0; b < nb; b++) {
        const lambda =
          this.penalty.kind === "fixed" ? this.penalty.perLevel[b] : this.penalty.alpha * design.proportions[b] * size;
        a[base + (b + 1) * m + b + 1] += lambda;
      }
      const factors = luFactor(a, m, base);
      if (factors) luSolve(factors, rhs, m, f, c * m * f);
      else rhs.fill(0, c * m * f, (c + 1) * m * f);
    }
    // Z_corr_i = z_i − Σ_k R_ik W_k[b_i] for each batch variable, level by level.
    out.set(this.z);
    for (let v = 0; v < nv; v++) {
      const order = this.order[v];
      const starts = this.starts[v];
      for (let b = 0; b + 1 < starts.length; b++) {
        const count = starts[b + 1] - starts[b];
        if (count === 0) continue;
        const level = 1 + offsets[v] + b;
        for (let c = 0; c < k; c++) for (let j = 0; j < f; j++) this.wT[j * k + c] = rhs[(c * m + level) * f + j];
        gemmNT({
          a: r,
          aStride: k,
          aRows: order.subarray(starts[b], starts[b + 1]),
          b: this.wT,
          bStride: k,
          out,
          outStride: f,
          n: count,
          k: f,
          len: k,
          alpha: -1,
          accumulate: true,
        });
      }
    }
  }
}

/** Constant design tensors of the ridge step for the taped path (build once per run, dispose after). */
export interface RidgeDesignTensors {
  /** Φ̃ᵀ [N, m]: intercept column then one-hot batch columns. */
  design: tf.Tensor2D;
  /** Row-wise outer products Φ̃ᵀ_i ⊗ Φ̃ᵀ_i [N, m²], so Φ̃ diag(R_k) Φ̃ᵀ for all k is one matmul Rᵀ·pairs. */
  pairs: tf.Tensor2D;
  /** Φᵀ [N, B, 1] (batch columns only), to pick each cell's batch offsets. */
  batchColumns: tf.Tensor3D;
  /** Λ for a fixed penalty [m, m] (null for the automatic one). */
  fixedPenalty: tf.Tensor2D | null;
  /** Pr_b [B]. */
  proportions: tf.Tensor1D;
}

export function ridgeDesignTensors(design: BatchDesign, penalty: RidgePenalty): RidgeDesignTensors {
  const { nCells: n, codes, nVariables: nv, nLevels: nb } = design;
  const m = nb + 1;
  const phi = new Float32Array(n * m);
  const pairs = new Float32Array(n * m * m);
  for (let i = 0; i < n; i++) {
    phi[i * m] = 1;
    for (let q = 0; q < nv; q++) phi[i * m + 1 + codes[i * nv + q]] = 1;
    for (let p = 0; p < m; p++) {
      if (phi[i * m + p] === 0) continue;
      for (let q = 0; q < m; q++) pairs[i * m * m + p * m + q] = phi[i * m + q];
    }
  }
  const batchOnly = new Float32Array(n * nb);
  for (let i = 0; i < n; i++) for (let q = 0; q < nv; q++) batchOnly[i * nb + codes[i * nv + q]] = 1;
  let fixedPenalty: tf.Tensor2D | null = null;
  if (penalty.kind === "fixed") {
    const lam = new Float32Array(m * m);
    for (let b = 0; b < nb; b++) lam[(b + 1) * m + b + 1] = penalty.perLevel[b];
    fixedPenalty = tf.tensor2d(lam, [m, m]);
  }
  return {
    design: tf.tensor2d(phi, [n, m]),
    pairs: tf.tensor2d(pairs, [n, m * m]),
    batchColumns: tf.tensor3d(batchOnly, [n, nb, 1]),
    fixedPenalty,
    proportions: tf.tensor1d(Float32Array.from(design.proportions)),
  };
}

export function disposeRidgeDesign(t: RidgeDesignTensors): void {
  tf.dispose([t.design, t.pairs, t.batchColumns, t.proportions]);
  t.fixedPenalty?.dispose();
}

/**
 * The ridge correction as differentiable tfjs ops (gradients reach Z and R; the solves go through
 * {@link batchedSolveKernel}). Same math as {@link HostRidge}.
 */
export function ridgeCorrectTensor(
  z: tf.Tensor2D,
  r: tf.Tensor2D,
  t: RidgeDesignTensors,
  penalty: RidgePenalty,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, f] = z.shape;
    const k = r.shape[1];
    const m = t.design.shape[1];
    const nb = m - 1;
    let a = tf.reshape(matMulTA(r, t.pairs), [k, m, m]) as tf.Tensor3D;
    if (penalty.kind === "fixed") {
      a = tf.add(a, t.fixedPenalty as tf.Tensor2D);
    } else {
      // λ_kb = α E_kb = α Pr_b Σ_i R_ik (R harmony 2's `find_lambda`), placed on the batch diagonal.
      const sizes = tf.sum(r, 0); // [K]
      const lambdas = tf.mul(tf.reshape(sizes, [k, 1]), tf.mul(t.proportions, penalty.alpha)); // [K, B]
      const padded = tf.concat([tf.zeros([k, 1]), lambdas], 1); // [K, m]
      const eye = tf.reshape(tf.eye(m), [1, m, m]);
      a = tf.add(a, tf.mul(eye, tf.reshape(padded, [k, 1, m])));
    }
    const designedZ = tf.reshape(tf.mul(tf.reshape(t.design, [n, m, 1]), tf.reshape(z, [n, 1, f])), [n, m * f]);
    const rhs = tf.reshape(matMulTA(r, designedZ as tf.Tensor2D), [k, m, f]);
    const [x] = batchedSolveKernel([a, rhs], null);
    // Drop the intercept row: the cluster's own position is not a batch effect.
    const offsets = tf.reshape(tf.slice(x, [0, 1, 0], [k, nb, f]), [k, nb * f]) as tf.Tensor2D;
    const perCell = tf.reshape(matMul(r, offsets), [n, nb, f]); // Σ_k R_ik W_k[b] for every level b
    const correction = tf.sum(tf.mul(perCell, t.batchColumns), 1);
    return tf.sub(z, correction) as tf.Tensor2D;
  });
}
