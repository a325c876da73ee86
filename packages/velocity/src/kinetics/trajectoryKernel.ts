/**
 * The per-element work of the trajectory kernels (`trajectory.ts`), as self-contained functions that the
 * worker pool ships to its threads (`defineKernel` in `@diffcell/core`): everything here reads only its
 * arguments, so nothing may reference module state or imports except through the helper list below.
 *
 * One call handles the rows [lo, hi) of one chunk for one of the passes (`mode`):
 *   0 values (û, ŝ)                          1 velocity v = β·u − γ·s (+ its partials when `store`)
 *   2 velocity backward from stored partials  3 velocity backward, partials recomputed
 *   4 (û, ŝ) backward, partials recomputed    5 weighted reconstruction error (+ gradients when `grads`)
 * Per-row results (dt, per-cell dα, outputs) are written in place; per-gene sums go to the chunk's own
 * slot of `acc` ([chunk][onset, duration, α, β, γ, scale][gene]) and the loss to `totals[chunk]`, so the
 * caller's ordered reduction makes the result independent of the number of threads.
 */
import {
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
  /** Velocity partials [N·G·5] (∂v/∂t, ∂v/∂d, ∂v/∂α, ∂v/∂β, ∂v/∂γ). */
  partials: Float64Array;
  store: number;
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

/** One chunk of rows for one pass (see the file comment). */
function trajectoryChunk(a: TrajectoryArgs, chunk: number, nChunks: number): void {
  const { n, g, mode } = a;
  const lo = Math.floor((chunk * n) / nChunks);
  const hi = Math.floor(((chunk + 1) * n) / nChunks);
  const scratch = new Float64Array(12);
  const sw = new Float64Array(12);
  const p = new Float64Array(12);
  const q = new Float64Array(5);
  const base = chunk * 6 * g;
  const acc = a.acc;
  let total = 0;
  for (let i = lo; i < hi; i++) {
    let dti = 0;
    for (let j = 0; j < g; j++) {
      const k = i * g + j;
      const aIndex = a.alphaPerCell ? k : -1;
      let cu = 0;
      let cs = 0;
      let cv = 0;
      if (mode === 0) {
        trajectoryValue(a, i, j, p, sw);
        a.out0[k] = p[0];
        a.out1[k] = p[1];
        continue;
      }
      if (mode === 1) {
        if (!a.store) {
          trajectoryValue(a, i, j, p, sw);
          a.out0[k] = (a.beta[j] * p[0]) / a.scale[j] - a.gamma[j] * p[1];
          continue;
        }
        const active = trajectoryJacobian(a, i, j, scratch, sw, p);
        if (active) velocityPartials(p, a.beta[j], a.gamma[j], a.scale[j], q);
        a.out0[k] = active ? (a.beta[j] * p[0]) / a.scale[j] - a.gamma[j] * p[1] : 0;
        for (let r = 0; r < 5; r++) a.partials[5 * k + r] = active ? q[r] : 0;
        continue;
      }
      if (mode === 2) {
        cv = a.in0[k];
        if (cv === 0) continue;
        for (let r = 0; r < 5; r++) q[r] = a.partials[5 * k + r];
      } else if (mode === 3) {
        cv = a.in0[k];
        if (cv === 0 || !trajectoryJacobian(a, i, j, scratch, sw, p)) continue;
        velocityPartials(p, a.beta[j], a.gamma[j], a.scale[j], q);
      } else if (mode === 4) {
        cu = a.in0[k];
        cs = a.in1[k];
        if ((cu === 0 && cs === 0) || !trajectoryJacobian(a, i, j, scratch, sw, p)) continue;
      } else {
        // mode 5: reconstruction error against the observed (u, s) in in0, in1.
        let active = false;
        if (a.grads) {
          active = trajectoryJacobian(a, i, j, scratch, sw, p);
          if (!active) p[0] = p[1] = 0;
        } else {
          trajectoryValue(a, i, j, p, sw);
        }
        const eu = p[0] - a.in0[k];
        const es = p[1] - a.in1[k];
        total += a.weightUnspliced[j] * eu * eu + a.weightSpliced[j] * es * es;
        if (!a.grads) continue;
        cu = (2 * a.weightUnspliced[j] * eu) / n;
        cs = (2 * a.weightSpliced[j] * es) / n;
        a.out0[k] = -cu;
        a.out1[k] = -cs;
        if (!active) continue;
      }
      if (mode === 2 || mode === 3) {
        const byTime = cv * q[0];
        dti += byTime;
        acc[base + j] -= byTime;
        acc[base + g + j] += cv * q[1];
        if (aIndex >= 0) a.dAlphaCell[aIndex] += cv * q[2];
        else acc[base + 2 * g + j] += cv * q[2];
        acc[base + 3 * g + j] += cv * q[3];
        acc[base + 4 * g + j] += cv * q[4];
        continue;
      }
      const byTime = cu * p[2] + cs * p[3];
      dti += byTime;
      acc[base + j] -= byTime;
      acc[base + g + j] += cu * p[4] + cs * p[5];
      if (aIndex >= 0) a.dAlphaCell[aIndex] += cu * p[6] + cs * p[7];
      else acc[base + 2 * g + j] += cu * p[6] + cs * p[7];
      acc[base + 3 * g + j] += cu * p[8] + cs * p[9];
      acc[base + 4 * g + j] += cs * p[10];
      acc[base + 5 * g + j] += cu * p[11];
    }
    if (mode >= 2) a.dt[i] = dti;
  }
  a.totals[chunk] = total;
}

export const TRAJECTORY_KERNEL: ParallelKernel = defineKernel("velocity.trajectory", trajectoryChunk, [
  expm1Ratio,
  expm1RatioDerivative,
  solveInterval,
  solveValues,
  trajectoryValue,
  trajectoryJacobian,
  velocityPartials,
]);
