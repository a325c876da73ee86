import { allocLike, customVjp, type HostArray, type HostTensor } from "@diffcell/core";
import { SOLUTION_SIZE, solveInterval } from "./solution.js";

/**
 * The kinetic model evaluated at each cell's latent time. Per gene: transcription starts at `onset`
 * (latent-time units, may be negative: the gene was already on when the process began), runs with rate α
 * for `duration` (switching model only), then stops (α = 0, repression). Cell i's state for gene g is the
 * exact ODE solution from (0, 0) at the onset, through the switch, to latent time t_i; before the onset it
 * is 0. The predicted unspliced abundance is scaled by `scale` (unspliced capture differs by gene, as
 * scVelo's fit_scaling): û = c·u, ŝ = s.
 *
 * Inputs: t [N], onset [G], duration [G] (> 0; ignored without switching), α, β, γ, scale [G].
 */
export interface TrajectoryAttrs {
  switching: boolean;
}

/** Element-wise state and its partials: û, ŝ and ∂/∂(t, onset, duration, α, β, γ, scale). */
const POINT_SIZE = 16;

/**
 * Writes into out[offset..]: [û, ŝ, ∂û/∂t, ∂ŝ/∂t, ∂û/∂d, ∂ŝ/∂d, ∂û/∂α, ∂ŝ/∂α, ∂û/∂β, ∂ŝ/∂β, ∂ŝ/∂γ, ∂û/∂c, 0...].
 * (∂/∂onset = −∂/∂t; ∂û/∂γ = 0; ∂ŝ/∂c = 0.)
 */
function trajectoryPoint(
  t: number,
  onset: number,
  duration: number,
  alpha: number,
  beta: number,
  gamma: number,
  scale: number,
  switching: boolean,
  scratch: Float64Array,
  out: Float64Array,
): void {
  const tau = t - onset;
  out.fill(0, 0, POINT_SIZE);
  if (tau <= 0) return;
  if (!switching || tau <= duration) {
    solveInterval(0, 0, alpha, beta, gamma, tau, scratch, 0);
    out[0] = scale * scratch[0];
    out[1] = scratch[1];
    out[2] = scale * scratch[5];
    out[3] = scratch[11];
    out[6] = scale * scratch[3];
    out[7] = scratch[8];
    out[8] = scale * scratch[4];
    out[9] = scratch[9];
    out[10] = scratch[10];
    out[11] = scratch[0];
    return;
  }
  // Induction up to the switch, then repression from the switch state.
  solveInterval(0, 0, alpha, beta, gamma, duration, scratch, 0);
  const u1 = scratch[0];
  const s1 = scratch[1];
  solveInterval(u1, s1, 0, beta, gamma, tau - duration, scratch, SOLUTION_SIZE);
  const p = SOLUTION_SIZE;
  const du2du1 = scratch[p + 2];
  const ds2du1 = scratch[p + 7];
  const ds2ds1 = scratch[p + 6];
  const chainU = (du1: number) => du2du1 * du1;
  const chainS = (du1: number, ds1: number) => ds2du1 * du1 + ds2ds1 * ds1;
  out[0] = scale * scratch[p];
  out[1] = scratch[p + 1];
  out[2] = scale * scratch[p + 5];
  out[3] = scratch[p + 11];
  // duration moves the switch state and shortens the repression interval.
  out[4] = scale * (chainU(scratch[5]) - scratch[p + 5]);
  out[5] = chainS(scratch[5], scratch[11]) - scratch[p + 11];
  out[6] = scale * chainU(scratch[3]);
  out[7] = chainS(scratch[3], scratch[8]);
  out[8] = scale * (scratch[p + 4] + chainU(scratch[4]));
  out[9] = scratch[p + 9] + chainS(scratch[4], scratch[9]);
  out[10] = scratch[p + 10] + ds2ds1 * scratch[10];
  out[11] = scratch[p];
}

/** Predicted (û, ŝ) [N, G] for every cell and gene. */
export const kineticTrajectory = customVjp<TrajectoryAttrs>(
  (inputs, attrs) => {
    const [t, onset, duration, alpha, beta, gamma, scale] = inputs;
    const n = t.shape[0];
    const g = alpha.shape[0];
    const uHat = allocLike(t.data, n * g);
    const sHat = allocLike(t.data, n * g);
    const scratch = new Float64Array(2 * SOLUTION_SIZE);
    const point = new Float64Array(POINT_SIZE);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < g; j++) {
        trajectoryPoint(
          t.data[i],
          onset.data[j],
          duration.data[j],
          alpha.data[j],
          beta.data[j],
          gamma.data[j],
          scale.data[j],
          attrs.switching,
          scratch,
          point,
        );
        uHat[i * g + j] = point[0];
        sHat[i * g + j] = point[1];
      }
    }
    return {
      outputs: [
        { data: uHat, shape: [n, g] },
        { data: sHat, shape: [n, g] },
      ],
    };
  },
  ({ inputs, cotangents, attrs }) => {
    const [t] = inputs;
    const n = t.shape[0];
    const g = inputs[3].shape[0];
    return accumulateGradients(inputs, attrs, n, g, { u: cotangents[0].data, s: cotangents[1].data, factor: 1 });
  },
  "kineticTrajectory",
);

export interface ReconstructionAttrs extends TrajectoryAttrs {
  /** Per-gene weights of the squared errors (e.g. 1 / variance), [G] each. */
  weightUnspliced: Float64Array | Float32Array;
  weightSpliced: Float64Array | Float32Array;
}

/**
 * Σ_g w_u,g(û − u)² + w_s,g(ŝ − s)², averaged over cells: the reconstruction loss of the kinetic model
 * fused with the trajectory so no N×G prediction tensor is materialised in training.
 * Inputs: as {@link kineticTrajectory}, then observed unspliced and spliced [N, G] (differentiable too,
 * so a loss can reach moments computed upstream, e.g. from a Harmony-corrected graph).
 */
export const kineticReconstruction = customVjp<ReconstructionAttrs, { ru: HostArray; rs: HostArray }>(
  (inputs, attrs) => {
    const [t, onset, duration, alpha, beta, gamma, scale, uObs, sObs] = inputs;
    const n = t.shape[0];
    const g = alpha.shape[0];
    const ru = allocLike(t.data, n * g);
    const rs = allocLike(t.data, n * g);
    const scratch = new Float64Array(2 * SOLUTION_SIZE);
    const point = new Float64Array(POINT_SIZE);
    let total = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < g; j++) {
        const k = i * g + j;
        trajectoryPoint(
          t.data[i],
          onset.data[j],
          duration.data[j],
          alpha.data[j],
          beta.data[j],
          gamma.data[j],
          scale.data[j],
          attrs.switching,
          scratch,
          point,
        );
        const eu = point[0] - uObs.data[k];
        const es = point[1] - sObs.data[k];
        ru[k] = eu;
        rs[k] = es;
        total += attrs.weightUnspliced[j] * eu * eu + attrs.weightSpliced[j] * es * es;
      }
    }
    const out = allocLike(t.data, 1);
    out[0] = total / n;
    return { outputs: [{ data: out, shape: [] }], residuals: { ru, rs } };
  },
  ({ inputs, cotangents, residuals, attrs }) => {
    const n = inputs[0].shape[0];
    const g = inputs[3].shape[0];
    const { ru, rs } = residuals as { ru: HostArray; rs: HostArray };
    const factor = (2 * cotangents[0].data[0]) / n;
    const cotangent = { u: ru, s: rs, weightU: attrs.weightUnspliced, weightS: attrs.weightSpliced, factor };
    const grads = accumulateGradients(inputs, attrs, n, g, cotangent);
    const duObs = allocLike(inputs[0].data, n * g);
    const dsObs = allocLike(inputs[0].data, n * g);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < g; j++) {
        const k = i * g + j;
        duObs[k] = -factor * attrs.weightUnspliced[j] * ru[k];
        dsObs[k] = -factor * attrs.weightSpliced[j] * rs[k];
      }
    }
    return [...grads, duObs, dsObs];
  },
  "kineticReconstruction",
);

/** Element cotangents on (û, ŝ): factor · weight_g · values[k] (weights default to 1). */
interface ElementCotangents {
  u: ArrayLike<number>;
  s: ArrayLike<number>;
  weightU?: ArrayLike<number>;
  weightS?: ArrayLike<number>;
  factor: number;
}

/** Shared backward: chains element cotangents (on û, ŝ) into t, onset, duration, α, β, γ, scale. */
function accumulateGradients(
  inputs: readonly HostTensor[],
  attrs: TrajectoryAttrs,
  n: number,
  g: number,
  cotangent: ElementCotangents,
): HostArray[] {
  const [t, onset, duration, alpha, beta, gamma, scale] = inputs;
  const dt = new Float64Array(n);
  const dOnset = new Float64Array(g);
  const dDuration = new Float64Array(g);
  const dAlpha = new Float64Array(g);
  const dBeta = new Float64Array(g);
  const dGamma = new Float64Array(g);
  const dScale = new Float64Array(g);
  const scratch = new Float64Array(2 * SOLUTION_SIZE);
  const p = new Float64Array(POINT_SIZE);
  for (let i = 0; i < n; i++) {
    let ti = 0;
    for (let j = 0; j < g; j++) {
      const k = i * g + j;
      const cu = cotangent.factor * (cotangent.weightU ? cotangent.weightU[j] : 1) * cotangent.u[k];
      const cs = cotangent.factor * (cotangent.weightS ? cotangent.weightS[j] : 1) * cotangent.s[k];
      if (cu === 0 && cs === 0) continue;
      trajectoryPoint(
        t.data[i],
        onset.data[j],
        duration.data[j],
        alpha.data[j],
        beta.data[j],
        gamma.data[j],
        scale.data[j],
        attrs.switching,
        scratch,
        p,
      );
      const byTime = cu * p[2] + cs * p[3];
      ti += byTime;
      dOnset[j] -= byTime;
      dDuration[j] += cu * p[4] + cs * p[5];
      dAlpha[j] += cu * p[6] + cs * p[7];
      dBeta[j] += cu * p[8] + cs * p[9];
      dGamma[j] += cs * p[10];
      dScale[j] += cu * p[11];
    }
    dt[i] = ti;
  }
  const like = t.data;
  const cast = (a: Float64Array): HostArray => (like instanceof Float64Array ? a : Float32Array.from(a));
  return [cast(dt), cast(dOnset), cast(dDuration), cast(dAlpha), cast(dBeta), cast(dGamma), cast(dScale)];
}
