import { allocLike, customVjp, type HostArray, type HostTensor, tf } from "@diffcell/core";

export interface EulerAttrs {
  dt: number;
  nSteps: number;
}

/**
 * The seed's projection: the observed state carried forward by `nSteps` explicit Euler steps of size dt,
 *
 *   u ← max(0, u + dt(α − βu)),   s ← max(0, s + dt(βu − γs)),
 *
 * as one fused pass with a hand-written backward.
 *
 * Why it is fast: when βdt ≤ 1, γdt ≤ 1 and a gene's inputs are ≥ 0, no clamp can ever trigger
 * (every update is a non-negative combination), so n Euler steps are an affine map per gene,
 * s_n = P·s0 + Q·u0 + R, whose coefficients (and their derivatives in α, β, γ) cost O(n) per gene.
 * Each cell×gene element then costs two multiply-adds forward and backward. Genes outside that
 * regime take the exact per-element path (steps recomputed in the backward pass, clamps masked).
 *
 * Inputs: unspliced [N,G], spliced [N,G], α [G], β [G], γ [G]. Output: projected spliced [N,G].
 * (Velocity β·u − γ·s is a plain broadcast expression and stays in tfjs ops.)
 */
export const eulerProjection = customVjp<EulerAttrs, EulerResiduals>(eulerForward, eulerBackward, "eulerProjection");

/**
 * The projection as the model runs it: when every gene is on the affine fast path (the usual case: rates
 * with βdt, γdt ≤ 1 and non-negative data), s_n = P·s0 + Q·u0 + R as three broadcast tensor ops on the
 * backend, with only the per-gene coefficients P, Q, R (and their derivatives) computed on the host
 * ({@link eulerCoefficients}); otherwise the fused kernel ({@link eulerProjection}). The affine form skips the
 * fused kernel's copies of u, s and the cotangent out of the backend and of its results back in, and its
 * element loops: the seed model's step at 3696 × 2000 (see `npm run bench`) spent ~200 ms there.
 */
export function eulerProject(
  unspliced: tf.Tensor,
  spliced: tf.Tensor,
  alpha: tf.Tensor,
  beta: tf.Tensor,
  gamma: tf.Tensor,
  attrs: EulerAttrs,
): tf.Tensor {
  if (!affineEverywhere(unspliced, spliced, alpha, beta, gamma, attrs.dt))
    return eulerProjection([unspliced, spliced, alpha, beta, gamma], attrs)[0];
  return tf.tidy(() => {
    const [P, Q, R] = eulerCoefficients([alpha, beta, gamma], attrs);
    return tf.add(tf.add(tf.mul(spliced, P), tf.mul(unspliced, Q)), R);
  });
}

/** Whether {@link fastGenes} holds for every gene: rates read on the host, data minima on the backend. */
function affineEverywhere(u: tf.Tensor, s: tf.Tensor, a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, dt: number): boolean {
  if (a.shape.length !== 1) return false;
  const [alpha, beta, gamma] = [a.dataSync(), b.dataSync(), c.dataSync()];
  for (let j = 0; j < alpha.length; j++) if (!affineRates(alpha[j], beta[j], gamma[j], dt)) return false;
  return nonNegative(u) && nonNegative(s);
}

/** Whether a tensor has no negative entry, remembered per tensor (tensors are immutable; training reuses its data). */
const checkedNonNegative = new WeakMap<tf.Tensor, boolean>();
function nonNegative(t: tf.Tensor): boolean {
  let known = checkedNonNegative.get(t);
  if (known === undefined) {
    known = tf.tidy(() => tf.min(t).dataSync()[0]) >= 0;
    checkedNonNegative.set(t, known);
  }
  return known;
}

/**
 * P, Q, R [G] of the n-step affine map (`affineCoefficients`) from α, β, γ [G], with their exact
 * derivatives as the backward pass.
 */
export const eulerCoefficients = customVjp<EulerAttrs, Float64Array>(
  (inputs, attrs) => {
    const [a, b, c] = inputs;
    const g = a.data.length;
    const coefficients = affineCoefficients(a.data, b.data, c.data, attrs);
    const { P, Q, R } = splitCoefficients(coefficients, g);
    return {
      outputs: [P, Q, R].map((x) => ({ data: asArray(x, a.data), shape: [g] })),
      residuals: coefficients,
    };
  },
  ({ inputs, cotangents, residuals, attrs }) => {
    const [a, b, c] = inputs;
    const g = a.data.length;
    const co = residuals ?? affineCoefficients(a.data, b.data, c.data, attrs);
    const [dP, dQ, dR] = cotangents.map((t) => t.data);
    const grads = [new Float64Array(g), new Float64Array(g), new Float64Array(g)];
    for (let j = 0; j < g; j++) {
      for (let q = 0; q < 3; q++)
        grads[q][j] = dP[j] * co[12 * j + 1 + q] + dQ[j] * co[12 * j + 5 + q] + dR[j] * co[12 * j + 9 + q];
    }
    return grads.map((x) => asArray(x, a.data));
  },
  "eulerCoefficients",
);

interface EulerResiduals {
  /** Per gene: 1 if the affine fast path applies. */
  fast: Uint8Array;
  /** Per gene: P, Q, R and their derivatives in (α, β, γ): 12 numbers per gene. */
  coefficients: Float64Array;
}

function eulerForward(inputs: readonly HostTensor[], attrs: EulerAttrs) {
  const [uT, sT, aT, bT, cT] = inputs;
  const [n, g] = uT.shape;
  const u = uT.data;
  const s = sT.data;
  const alpha = aT.data;
  const beta = bT.data;
  const gamma = cT.data;
  const projected = allocLike(u, n * g);
  const fast = fastGenes(u, s, alpha, beta, gamma, n, g, attrs.dt);
  const coefficients = affineCoefficients(alpha, beta, gamma, attrs);
  const { P, Q, R } = splitCoefficients(coefficients, g);
  const { dt, nSteps } = attrs;
  for (let i = 0; i < n; i++) {
    const row = i * g;
    for (let j = 0; j < g; j++) {
      const k = row + j;
      const uk = u[k];
      const sk = s[k];
      if (fast[j] === 1) {
        projected[k] = P[j] * sk + Q[j] * uk + R[j];
      } else {
        const a = alpha[j];
        const b = beta[j];
        const c = gamma[j];
        let uu = uk;
        let ss = sk;
        for (let step = 0; step < nSteps; step++) {
          const nu = uu + dt * (a - b * uu);
          const ns = ss + dt * (b * uu - c * ss);
          uu = Math.max(nu, 0);
          ss = Math.max(ns, 0);
        }
        projected[k] = ss;
      }
    }
  }
  return {
    outputs: [{ data: projected, shape: [n, g] }],
    residuals: { fast, coefficients },
  };
}

function eulerBackward(context: {
  inputs: readonly HostTensor[];
  cotangents: readonly HostTensor[];
  residuals: EulerResiduals | undefined;
  attrs: EulerAttrs;
}): HostArray[] {
  const { inputs, cotangents, attrs } = context;
  const [uT, sT, aT, bT, cT] = inputs;
  const [n, g] = uT.shape;
  const u = uT.data;
  const s = sT.data;
  const alpha = aT.data;
  const beta = bT.data;
  const gamma = cT.data;
  const dp = cotangents[0].data;
  const { fast, coefficients } = context.residuals ?? {
    fast: fastGenes(u, s, alpha, beta, gamma, n, g, attrs.dt),
    coefficients: affineCoefficients(alpha, beta, gamma, attrs),
  };
  const { P, Q } = splitCoefficients(coefficients, g);
  const du = allocLike(u, n * g);
  const ds = allocLike(u, n * g);
  const da = new Float64Array(g);
  const db = new Float64Array(g);
  const dc = new Float64Array(g);
  // Per-gene sums of cotangent × input for the affine coefficients.
  const dP = new Float64Array(g);
  const dQ = new Float64Array(g);
  const dR = new Float64Array(g);
  const { dt, nSteps } = attrs;
  const us = new Float64Array(nSteps + 1);
  const ss = new Float64Array(nSteps + 1);
  for (let i = 0; i < n; i++) {
    const row = i * g;
    for (let j = 0; j < g; j++) {
      const k = row + j;
      const b = beta[j];
      const c = gamma[j];
      const gp = dp[k];
      const uk = u[k];
      const sk = s[k];
      let gu = 0;
      let gs = 0;
      if (fast[j] === 1) {
        gs += P[j] * gp;
        gu += Q[j] * gp;
        dP[j] += gp * sk;
        dQ[j] += gp * uk;
        dR[j] += gp;
      } else if (gp !== 0) {
        const a = alpha[j];
        us[0] = uk;
        ss[0] = sk;
        for (let step = 0; step < nSteps; step++) {
          const nu = us[step] + dt * (a - b * us[step]);
          const ns = ss[step] + dt * (b * us[step] - c * ss[step]);
          us[step + 1] = Math.max(nu, 0);
          ss[step + 1] = Math.max(ns, 0);
        }
        let au = 0;
        let as = gp;
        for (let step = nSteps - 1; step >= 0; step--) {
          const uPrev = us[step];
          const sPrev = ss[step];
          // Clamp masks: the pre-clamp value was positive.
          const mu = uPrev + dt * (a - b * uPrev) > 0 ? au : 0;
          const ms = sPrev + dt * (b * uPrev - c * sPrev) > 0 ? as : 0;
          da[j] += mu * dt;
          db[j] += (ms - mu) * dt * uPrev;
          dc[j] -= ms * dt * sPrev;
          au = mu * (1 - dt * b) + ms * dt * b;
          as = ms * (1 - dt * c);
        }
        gu += au;
        gs += as;
      }
      du[k] = gu;
      ds[k] = gs;
    }
  }
  for (let j = 0; j < g; j++) {
    if (!fast[j]) continue;
    const base = 12 * j;
    da[j] += dP[j] * coefficients[base + 1] + dQ[j] * coefficients[base + 5] + dR[j] * coefficients[base + 9];
    db[j] += dP[j] * coefficients[base + 2] + dQ[j] * coefficients[base + 6] + dR[j] * coefficients[base + 10];
    dc[j] += dP[j] * coefficients[base + 3] + dQ[j] * coefficients[base + 7] + dR[j] * coefficients[base + 11];
  }
  return [du, ds, asArray(da, u), asArray(db, u), asArray(dc, u)];
}

/** The values P, Q, R of every gene as contiguous arrays (for the hot loops). */
function splitCoefficients(coefficients: Float64Array, g: number) {
  const P = new Float64Array(g);
  const Q = new Float64Array(g);
  const R = new Float64Array(g);
  for (let j = 0; j < g; j++) {
    P[j] = coefficients[12 * j];
    Q[j] = coefficients[12 * j + 4];
    R[j] = coefficients[12 * j + 8];
  }
  return { P, Q, R };
}

/** The rate half of {@link fastGenes}: βdt ≤ 1, γdt ≤ 1, α ≥ 0, β ≥ 0. */
function affineRates(a: number, b: number, c: number, dt: number): boolean {
  return b * dt <= 1 && c * dt <= 1 && a >= 0 && b >= 0;
}

/** Genes for which no clamp can trigger: βdt ≤ 1, γdt ≤ 1, α ≥ 0 and all inputs ≥ 0. */
function fastGenes(
  u: HostArray,
  s: HostArray,
  a: HostArray,
  b: HostArray,
  c: HostArray,
  n: number,
  g: number,
  dt: number,
): Uint8Array {
  const fast = new Uint8Array(g);
  for (let j = 0; j < g; j++) fast[j] = affineRates(a[j], b[j], c[j], dt) ? 1 : 0;
  for (let i = 0; i < n; i++) {
    const row = i * g;
    for (let j = 0; j < g; j++) if (u[row + j] < 0 || s[row + j] < 0) fast[j] = 0;
  }
  return fast;
}

/**
 * Per gene, n Euler steps as s_n = P·s0 + Q·u0 + R, with ∂/∂(α, β, γ) of P, Q, R carried forward
 * (forward-mode) through the same recurrence. Layout per gene: [P, P_α, P_β, P_γ, Q, Q_α, Q_β, Q_γ, R, R_α, R_β, R_γ].
 */
function affineCoefficients(a: HostArray, b: HostArray, c: HostArray, attrs: EulerAttrs): Float64Array {
  const { dt, nSteps } = attrs;
  const out = new Float64Array(12 * a.length);
  for (let j = 0; j < a.length; j++) {
    // u = U1·u0 + U0, s = P·s0 + Q·u0 + R; each value carries (value, ∂α, ∂β, ∂γ).
    let U1 = [1, 0, 0, 0];
    let U0 = [0, 0, 0, 0];
    let P = [1, 0, 0, 0];
    let Q = [0, 0, 0, 0];
    let R = [0, 0, 0, 0];
    const A = a[j];
    const B = b[j];
    const C = c[j];
    for (let step = 0; step < nSteps; step++) {
      // u' = (1 − βdt)u + αdt;  s' = (1 − γdt)s + βdt·u
      const nU1 = [(1 - B * dt) * U1[0], (1 - B * dt) * U1[1], (1 - B * dt) * U1[2] - dt * U1[0], (1 - B * dt) * U1[3]];
      const nU0 = [
        (1 - B * dt) * U0[0] + A * dt,
        (1 - B * dt) * U0[1] + dt,
        (1 - B * dt) * U0[2] - dt * U0[0],
        (1 - B * dt) * U0[3],
      ];
      const nP = [(1 - C * dt) * P[0], (1 - C * dt) * P[1], (1 - C * dt) * P[2], (1 - C * dt) * P[3] - dt * P[0]];
      const nQ = [
        (1 - C * dt) * Q[0] + B * dt * U1[0],
        (1 - C * dt) * Q[1] + B * dt * U1[1],
        (1 - C * dt) * Q[2] + B * dt * U1[2] + dt * U1[0],
        (1 - C * dt) * Q[3] - dt * Q[0] + B * dt * U1[3],
      ];
      const nR = [
        (1 - C * dt) * R[0] + B * dt * U0[0],
        (1 - C * dt) * R[1] + B * dt * U0[1],
        (1 - C * dt) * R[2] + B * dt * U0[2] + dt * U0[0],
        (1 - C * dt) * R[3] - dt * R[0] + B * dt * U0[3],
      ];
      U1 = nU1;
      U0 = nU0;
      P = nP;
      Q = nQ;
      R = nR;
    }
    out.set(P, 12 * j);
    out.set(Q, 12 * j + 4);
    out.set(R, 12 * j + 8);
  }
  return out;
}

function asArray(values: Float64Array, like: HostArray): HostArray {
  return like instanceof Float64Array ? values : Float32Array.from(values);
}
