/**
 * The per-element work of the trajectory kernels (`trajectory.ts`), as self-contained functions that the
 * worker pool ships to its threads (`defineKernel` in `@diffcell/core`): everything here reads only its
 * arguments, so nothing may reference module state or imports except through the helper list below.
 *
 * One call handles the rows [lo, hi) of one chunk for one of the passes (`mode`):
 *   0 values (û, ŝ)                          1 velocity v = β·u − γ·s (+ the Jacobian when `store`)
 *   2 velocity backward from a kept Jacobian  3 velocity backward, Jacobian recomputed
 *   4 (û, ŝ) backward, Jacobian recomputed    5 weighted reconstruction error (+ gradients when `grads`;
 *                                               from a kept Jacobian when `cached`)
 *   6 velocity and (û, ŝ) in one pass (evaluation: modes 1 and 0 at once, the same values)
 *   7 velocity and the weighted reconstruction error in one pass (training: modes 1 and 5 at once; with
 *     `grads`, the error's gradients, and with `store` the five velocity partials of each element)
 *   8 velocity backward from the five partials mode 7 kept
 * Per-row results (dt, per-cell dα, outputs) are written in place; per-gene sums go to the chunk's own
 * slot of `acc` ([chunk][onset, duration, α, β, γ, scale][gene]) and the loss to `totals[chunk]`, so the
 * caller's ordered reduction makes the result independent of the number of threads.
 */
import {
  chunkStart,
  defineKernel,
  expm1Ratio,
  expm1RatioDerivative,
  type ParallelKernel,
  solveInterval,
  solveValues,
} from "@diffcell/core";

/** Typed-array arguments of a trajectory chunk (see the file comment). */
export interface TrajectoryArgs {
  mode: number;
  n: number;
  g: number;
  t: ArrayLike<number>;
  onset: ArrayLike<number>;
  duration: ArrayLike<number>;
  alpha: ArrayLike<number>;
  beta: ArrayLike<number>;
  gamma: ArrayLike<number>;
  scale: ArrayLike<number>;
  /** 1 when α is [N, G]. */
  alphaPerCell: number;
  switching: number;
  /** Per-gene switch states (12 per gene, {@link solveInterval}'s layout) or empty (per-cell α). */
  switches: Float64Array;
  /** Cotangents / observed data / outputs, as the mode needs (empty arrays otherwise). */
  in0: ArrayLike<number>;
  in1: ArrayLike<number>;
  out0: Float32Array | Float64Array;
  out1: Float32Array | Float64Array;
  /** Third output (mode 6: ŝ). */
  out2: Float32Array | Float64Array;
  /**
   * Kept Jacobians [N·G·12] ({@link trajectoryJacobian}'s layout; modes 7 and 8: [N·G·5], {@link velocityPartials}'
   * layout) and 1 where the element is past its onset.
   */
  jac: Float64Array;
  active: Uint8Array;
  store: number;
  cached: number;
  grads: number;
  weightUnspliced: ArrayLike<number>;
  weightSpliced: ArrayLike<number>;
  dt: Float64Array;
  dAlphaCell: Float64Array;
  acc: Float64Array;
  totals: Float64Array;
}

/** (û, ŝ) of element (i, j) into out[0..1]; `sw` is scratch for a per-element switch state. */
function trajectoryValue(a: TrajectoryArgs, i: number, j: number, out: Float64Array, sw: Float64Array): void {
  const tau = a.t[i] - a.onset[j];
  if (tau <= 0) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  const d = a.duration[j];
  const alpha = a.alphaPerCell ? a.alpha[i * a.g + j] : a.alpha[j];
  if (!a.switching || tau <= d) {
    solveValues(0, 0, alpha, a.beta[j], a.gamma[j], tau, out);
  } else {
    let state = a.switches;
    let w = j * 12;
    if (a.alphaPerCell) {
      solveInterval(0, 0, alpha, a.beta[j], a.gamma[j], d, sw, 0);
      state = sw;
      w = 0;
    }
    solveValues(state[w], state[w + 1], 0, a.beta[j], a.gamma[j], tau - d, out);
  }
  out[0] *= a.scale[j];
}

/**
 * Partials of element (i, j) into p: [û, ŝ, ∂û/∂t, ∂ŝ/∂t, ∂û/∂d, ∂ŝ/∂d, ∂û/∂α, ∂ŝ/∂α, ∂û/∂β, ∂ŝ/∂β, ∂ŝ/∂γ,
 * ∂û/∂c] (∂/∂onset = −∂/∂t; ∂û/∂γ = 0 = ∂ŝ/∂c). Returns false before the onset (p untouched).
 */
function trajectoryJacobian(
  a: TrajectoryArgs,
  i: number,
  j: number,
  scratch: Float64Array,
  sw: Float64Array,
  p: Float64Array,
): boolean {
  const tau = a.t[i] - a.onset[j];
  if (tau <= 0) return false;
  const sc = a.scale[j];
  const d = a.duration[j];
  const alpha = a.alphaPerCell ? a.alpha[i * a.g + j] : a.alpha[j];
  if (!a.switching || tau <= d) {
    solveInterval(0, 0, alpha, a.beta[j], a.gamma[j], tau, scratch, 0);
    p[0] = sc * scratch[0];
    p[1] = scratch[1];
    p[2] = sc * scratch[5];
    p[3] = scratch[11];
    p[4] = 0;
    p[5] = 0;
    p[6] = sc * scratch[3];
    p[7] = scratch[8];
    p[8] = sc * scratch[4];
    p[9] = scratch[9];
    p[10] = scratch[10];
    p[11] = scratch[0];
    return true;
  }
  // Repression from the switch state: chain through ∂(u1, s1)/∂(α, β, γ, d).
  let s1 = a.switches;
  let w = j * 12;
  if (a.alphaPerCell) {
    solveInterval(0, 0, alpha, a.beta[j], a.gamma[j], d, sw, 0);
    s1 = sw;
    w = 0;
  }
  solveInterval(s1[w], s1[w + 1], 0, a.beta[j], a.gamma[j], tau - d, scratch, 0);
  const du2du1 = scratch[2];
  const ds2du1 = scratch[7];
  const ds2ds1 = scratch[6];
  p[0] = sc * scratch[0];
  p[1] = scratch[1];
  p[2] = sc * scratch[5];
  p[3] = scratch[11];
  // The duration moves the switch state and shortens the repression interval.
  p[4] = sc * (du2du1 * s1[w + 5] - scratch[5]);
  p[5] = ds2du1 * s1[w + 5] + ds2ds1 * s1[w + 11] - scratch[11];
  p[6] = sc * du2du1 * s1[w + 3];
  p[7] = ds2du1 * s1[w + 3] + ds2ds1 * s1[w + 8];
  p[8] = sc * (scratch[4] + du2du1 * s1[w + 4]);
  p[9] = scratch[9] + ds2du1 * s1[w + 4] + ds2ds1 * s1[w + 9];
  p[10] = scratch[10] + ds2ds1 * s1[w + 10];
  p[11] = scratch[0];
  return true;
}

/**
 * Velocity partials from the trajectory partials p into q[0..4]: with b = β/c (v = β·u − γ·s, u = û/c),
 * ∂v/∂θ = b·∂û/∂θ − γ·∂ŝ/∂θ, plus u for β and −s for γ; v does not depend on c.
 */
function velocityPartials(p: Float64Array, beta: number, gamma: number, scale: number, q: Float64Array): void {
  const b = beta / scale;
  q[0] = b * p[2] - gamma * p[3];
  q[1] = b * p[4] - gamma * p[5];
  q[2] = b * p[6] - gamma * p[7];
  q[3] = p[0] / scale + b * p[8] - gamma * p[9];
  q[4] = -p[1] - gamma * p[10];
}

/** Mode 0: (û, ŝ) of rows [lo, hi). */
function valueRows(a: TrajectoryArgs, lo: number, hi: number): void {
  const { g, out0, out1 } = a;
  const p = new Float64Array(12);
  const sw = new Float64Array(12);
  for (let i = lo; i < hi; i++) {
    for (let j = 0; j < g; j++) {
      trajectoryValue(a, i, j, p, sw);
      out0[i * g + j] = p[0];
      out1[i * g + j] = p[1];
    }
  }
}

/** Mode 1: velocity of rows [lo, hi), keeping the Jacobian when `store`. */
function velocityRows(a: TrajectoryArgs, lo: number, hi: number): void {
  const { g, beta, gamma, scale, out0, jac, active, store } = a;
  const scratch = new Float64Array(12);
  const sw = new Float64Array(12);
  const p = new Float64Array(12);
  for (let i = lo; i < hi; i++) {
    for (let j = 0; j < g; j++) {
      const k = i * g + j;
      if (!store) {
        trajectoryValue(a, i, j, p, sw);
        out0[k] = (beta[j] * p[0]) / scale[j] - gamma[j] * p[1];
        continue;
      }
      const on = trajectoryJacobian(a, i, j, scratch, sw, p);
      out0[k] = on ? (beta[j] * p[0]) / scale[j] - gamma[j] * p[1] : 0;
      active[k] = on ? 1 : 0;
      if (on) for (let r = 0; r < 12; r++) jac[12 * k + r] = p[r];
    }
  }
}

/** Mode 6: velocity (out0) and (û, ŝ) (out1, out2) of rows [lo, hi): mode 1's and mode 0's values, one solve. */
function stateRows(a: TrajectoryArgs, lo: number, hi: number): void {
  const { g, beta, gamma, scale, out0, out1, out2 } = a;
  const p = new Float64Array(12);
  const sw = new Float64Array(12);
  for (let i = lo; i < hi; i++) {
    for (let j = 0; j < g; j++) {
      const k = i * g + j;
      trajectoryValue(a, i, j, p, sw);
      out0[k] = (beta[j] * p[0]) / scale[j] - gamma[j] * p[1];
      out1[k] = p[0];
      out2[k] = p[1];
    }
  }
}

/** Modes 2, 3: velocity backward of rows [lo, hi) for the cotangent in0, from the kept or a fresh Jacobian. */
function velocityBackwardRows(a: TrajectoryArgs, lo: number, hi: number, base: number): void {
  const { g, beta, gamma, scale, in0, jac, active, acc, dt, dAlphaCell, alphaPerCell } = a;
  const kept = a.mode === 2;
  const scratch = new Float64Array(12);
  const sw = new Float64Array(12);
  const p = new Float64Array(12);
  const q = new Float64Array(5);
  for (let i = lo; i < hi; i++) {
    let dti = 0;
    for (let j = 0; j < g; j++) {
      const k = i * g + j;
      const cv = in0[k];
      if (cv === 0) continue;
      if (kept) {
        if (!active[k]) continue;
        for (let r = 0; r < 12; r++) p[r] = jac[12 * k + r];
      } else if (!trajectoryJacobian(a, i, j, scratch, sw, p)) continue;
      velocityPartials(p, beta[j], gamma[j], scale[j], q);
      const byTime = cv * q[0];
      dti += byTime;
      acc[base + j] -= byTime;
      acc[base + g + j] += cv * q[1];
      if (alphaPerCell) dAlphaCell[k] += cv * q[2];
      else acc[base + 2 * g + j] += cv * q[2];
      acc[base + 3 * g + j] += cv * q[3];
      acc[base + 4 * g + j] += cv * q[4];
    }
    dt[i] = dti;
  }
}

/** Adds cotangents (cu on û, cs on ŝ) of element (i, j) with partials p; returns the part for t_i. */
function addPartials(
  a: TrajectoryArgs,
  base: number,
  k: number,
  j: number,
  cu: number,
  cs: number,
  p: Float64Array,
): number {
  const { g, acc } = a;
  const byTime = cu * p[2] + cs * p[3];
  acc[base + j] -= byTime;
  acc[base + g + j] += cu * p[4] + cs * p[5];
  if (a.alphaPerCell) a.dAlphaCell[k] += cu * p[6] + cs * p[7];
  else acc[base + 2 * g + j] += cu * p[6] + cs * p[7];
  acc[base + 3 * g + j] += cu * p[8] + cs * p[9];
  acc[base + 4 * g + j] += cs * p[10];
  acc[base + 5 * g + j] += cu * p[11];
  return byTime;
}

/** Mode 4: (û, ŝ) backward of rows [lo, hi) for cotangents in0, in1. */
function trajectoryBackwardRows(a: TrajectoryArgs, lo: number, hi: number, base: number): void {
  const { g, in0, in1, dt } = a;
  const scratch = new Float64Array(12);
  const sw = new Float64Array(12);
  const p = new Float64Array(12);
  for (let i = lo; i < hi; i++) {
    let dti = 0;
    for (let j = 0; j < g; j++) {
      const k = i * g + j;
      const cu = in0[k];
      const cs = in1[k];
      if ((cu === 0 && cs === 0) || !trajectoryJacobian(a, i, j, scratch, sw, p)) continue;
      dti += addPartials(a, base, k, j, cu, cs, p);
    }
    dt[i] = dti;
  }
}

/** Mode 5: weighted squared error of rows [lo, hi) against (in0, in1), with gradients when `grads`. */
function reconstructionRows(a: TrajectoryArgs, lo: number, hi: number, base: number): number {
  const { n, g, in0, in1, out0, out1, jac, active, weightUnspliced: wu, weightSpliced: ws, dt, grads, cached } = a;
  const scratch = new Float64Array(12);
  const sw = new Float64Array(12);
  const p = new Float64Array(12);
  let total = 0;
  for (let i = lo; i < hi; i++) {
    let dti = 0;
    for (let j = 0; j < g; j++) {
      const k = i * g + j;
      let on = false;
      if (!grads) trajectoryValue(a, i, j, p, sw);
      else if (cached) {
        on = active[k] === 1;
        if (on) for (let r = 0; r < 12; r++) p[r] = jac[12 * k + r];
      } else on = trajectoryJacobian(a, i, j, scratch, sw, p);
      if (grads && !on) p[0] = p[1] = 0;
      const eu = p[0] - in0[k];
      const es = p[1] - in1[k];
      total += wu[j] * eu * eu + ws[j] * es * es;
      if (!grads) continue;
      const cu = (2 * wu[j] * eu) / n;
      const cs = (2 * ws[j] * es) / n;
      out0[k] = -cu;
      out1[k] = -cs;
      if (on) dti += addPartials(a, base, k, j, cu, cs, p);
    }
    if (grads) dt[i] = dti;
  }
  return total;
}

/**
 * Mode 7: velocity (out0) and the weighted squared error against (in0, in1) of rows [lo, hi) from one solve per
 * element — mode 1's velocity and mode 5's error, value for value. With `grads`, the error's gradients as mode 5
 * (out1, out2: for the observed unspliced and spliced; dt, acc) and, with `store`, each element's velocity
 * partials ∂v/∂(t, d, α, β, γ) (5 values, not the 12 trajectory partials: a training step's velocity backward
 * then reads 40 bytes per element instead of 96, and the reconstruction needs no pass of its own).
 */
function velocityFitRows(a: TrajectoryArgs, lo: number, hi: number, base: number): number {
  const { n, g, beta, gamma, scale, in0, in1, out0, out1, out2, jac, active, dt, grads, store } = a;
  const wu = a.weightUnspliced;
  const ws = a.weightSpliced;
  const scratch = new Float64Array(12);
  const sw = new Float64Array(12);
  const p = new Float64Array(12);
  const q = new Float64Array(5);
  let total = 0;
  for (let i = lo; i < hi; i++) {
    let dti = 0;
    for (let j = 0; j < g; j++) {
      const k = i * g + j;
      let on = false;
      if (!grads) trajectoryValue(a, i, j, p, sw);
      else {
        on = trajectoryJacobian(a, i, j, scratch, sw, p);
        if (!on) p[0] = p[1] = 0;
      }
      out0[k] = on || !grads ? (beta[j] * p[0]) / scale[j] - gamma[j] * p[1] : 0;
      const eu = p[0] - in0[k];
      const es = p[1] - in1[k];
      total += wu[j] * eu * eu + ws[j] * es * es;
      if (!grads) continue;
      const cu = (2 * wu[j] * eu) / n;
      const cs = (2 * ws[j] * es) / n;
      out1[k] = -cu;
      out2[k] = -cs;
      if (store) active[k] = on ? 1 : 0;
      if (!on) continue;
      dti += addPartials(a, base, k, j, cu, cs, p);
      if (store) {
        velocityPartials(p, beta[j], gamma[j], scale[j], q);
        const o = 5 * k;
        jac[o] = q[0];
        jac[o + 1] = q[1];
        jac[o + 2] = q[2];
        jac[o + 3] = q[3];
        jac[o + 4] = q[4];
      }
    }
    if (grads) dt[i] = dti;
  }
  return total;
}

/** Mode 8: velocity backward of rows [lo, hi) for the cotangent in0, from the partials mode 7 kept. */
function keptVelocityBackwardRows(a: TrajectoryArgs, lo: number, hi: number, base: number): void {
  const { g, in0, jac, active, acc, dt, dAlphaCell, alphaPerCell } = a;
  for (let i = lo; i < hi; i++) {
    let dti = 0;
    for (let j = 0; j < g; j++) {
      const k = i * g + j;
      const cv = in0[k];
      if (cv === 0 || !active[k]) continue;
      const o = 5 * k;
      const byTime = cv * jac[o];
      dti += byTime;
      acc[base + j] -= byTime;
      acc[base + g + j] += cv * jac[o + 1];
      if (alphaPerCell) dAlphaCell[k] += cv * jac[o + 2];
      else acc[base + 2 * g + j] += cv * jac[o + 2];
      acc[base + 3 * g + j] += cv * jac[o + 3];
      acc[base + 4 * g + j] += cv * jac[o + 4];
    }
    dt[i] = dti;
  }
}

/**
 * One chunk of rows for one pass (see the file comment). Each pass is its own function, so V8 optimises
 * each on its own feedback (one function for all modes deoptimised on every switch).
 */
function trajectoryChunk(a: TrajectoryArgs, chunk: number, nChunks: number): void {
  const lo = chunkStart(chunk, a.n, nChunks);
  const hi = chunkStart(chunk + 1, a.n, nChunks);
  const base = chunk * 6 * a.g;
  let total = 0;
  if (a.mode === 0) valueRows(a, lo, hi);
  else if (a.mode === 1) velocityRows(a, lo, hi);
  else if (a.mode === 2 || a.mode === 3) velocityBackwardRows(a, lo, hi, base);
  else if (a.mode === 4) trajectoryBackwardRows(a, lo, hi, base);
  else if (a.mode === 6) stateRows(a, lo, hi);
  else if (a.mode === 7) total = velocityFitRows(a, lo, hi, base);
  else if (a.mode === 8) keptVelocityBackwardRows(a, lo, hi, base);
  else total = reconstructionRows(a, lo, hi, base);
  a.totals[chunk] = total;
}

export const TRAJECTORY_KERNEL: ParallelKernel = defineKernel("velocity.trajectory", trajectoryChunk, [
  chunkStart,
  expm1Ratio,
  expm1RatioDerivative,
  solveInterval,
  solveValues,
  trajectoryValue,
  trajectoryJacobian,
  velocityPartials,
  valueRows,
  velocityRows,
  stateRows,
  velocityBackwardRows,
  addPartials,
  trajectoryBackwardRows,
  reconstructionRows,
  velocityFitRows,
  keptVelocityBackwardRows,
]);
