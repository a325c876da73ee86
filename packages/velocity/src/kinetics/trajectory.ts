import { allocLike, customVjp, type HostArray, type HostTensor, isTaping } from "@diffcell/core";
import { SOLUTION_SIZE, solveInterval, solveValues } from "./solution.js";

/**
 * The kinetic model evaluated at each cell's latent time. Per gene: transcription starts at `onset`
 * (latent-time units, may be negative: the gene was already on when the process began), runs with rate α
 * for `duration` (switching model only), then stops (α = 0, repression). Cell i's state for gene g is the
 * exact ODE solution from (0, 0) at the onset, through the switch, to latent time t_i; before the onset it
 * is 0. The predicted unspliced abundance is scaled by `scale` (unspliced capture differs by gene, as
 * scVelo's fit_scaling): û = c·u, ŝ = s.
 *
 * Inputs: t [N], onset [G], duration [G] (> 0; ignored without switching), α [G] or [N, G] (cell-specific
 * transcription rates), β, γ, scale [G].
 *
 * Cost: with per-gene α the state at the switch depends on the gene only, so it (and its Jacobian) is
 * computed once per gene; each cell×gene element then solves one interval with two exponentials.
 */
export interface TrajectoryAttrs {
  switching: boolean;
}

/**
 * Everything an element needs: the parameter arrays, whether α is per cell ([N, G], cell-specific
 * transcription) or per gene ([G]), and the switch states. With per-gene α the state at the switch depends
 * on the gene only and is computed once per gene (with its Jacobian); with per-cell α it is solved per
 * element.
 */
interface Context {
  n: number;
  g: number;
  t: ArrayLike<number>;
  onset: ArrayLike<number>;
  duration: ArrayLike<number>;
  alpha: ArrayLike<number>;
  beta: ArrayLike<number>;
  gamma: ArrayLike<number>;
  scale: ArrayLike<number>;
  alphaPerCell: boolean;
  switching: boolean;
  /** Per-gene switch states (per-gene α only), laid out as {@link solveInterval}'s output. */
  switches: Float64Array | null;
  /** Scratch for a per-element switch state. */
  switchScratch: Float64Array;
}

function context(inputs: readonly HostTensor[], attrs: TrajectoryAttrs): Context {
  const [t, onset, duration, alpha, beta, gamma, scale] = inputs;
  const n = t.shape[0];
  const g = onset.shape[0];
  const alphaPerCell = alpha.shape.length === 2;
  let switches: Float64Array | null = null;
  if (attrs.switching && !alphaPerCell) {
    switches = new Float64Array(g * SOLUTION_SIZE);
    for (let j = 0; j < g; j++) {
      solveInterval(0, 0, alpha.data[j], beta.data[j], gamma.data[j], duration.data[j], switches, j * SOLUTION_SIZE);
    }
  }
  return {
    n,
    g,
    t: t.data,
    onset: onset.data,
    duration: duration.data,
    alpha: alpha.data,
    beta: beta.data,
    gamma: gamma.data,
    scale: scale.data,
    alphaPerCell,
    switching: attrs.switching,
    switches,
    switchScratch: new Float64Array(SOLUTION_SIZE),
  };
}

/** The switch state of element (i, j): the array holding it and the offset of its 12 values. */
function switchState(c: Context, i: number, j: number): [Float64Array, number] {
  if (c.switches) return [c.switches, j * SOLUTION_SIZE];
  solveInterval(0, 0, c.alpha[i * c.g + j], c.beta[j], c.gamma[j], c.duration[j], c.switchScratch, 0);
  return [c.switchScratch, 0];
}

/** (û, ŝ) of element (i, j) into out[0..1]. */
function pointValue(c: Context, i: number, j: number, out: Float64Array): void {
  const tau = c.t[i] - c.onset[j];
  if (tau <= 0) {
    out[0] = 0;
    out[1] = 0;
    return;
  }
  const d = c.duration[j];
  if (!c.switching || tau <= d) {
    const a = c.alphaPerCell ? c.alpha[i * c.g + j] : c.alpha[j];
    solveValues(0, 0, a, c.beta[j], c.gamma[j], tau, out);
  } else {
    const [sw, w] = switchState(c, i, j);
    solveValues(sw[w], sw[w + 1], 0, c.beta[j], c.gamma[j], tau - d, out);
  }
  out[0] *= c.scale[j];
}

/**
 * Partials of element (i, j): writes into p [û, ŝ, ∂û/∂t, ∂ŝ/∂t, ∂û/∂d, ∂ŝ/∂d, ∂û/∂α, ∂ŝ/∂α, ∂û/∂β, ∂ŝ/∂β,
 * ∂ŝ/∂γ, ∂û/∂c] (∂/∂onset = −∂/∂t; ∂û/∂γ = 0 = ∂ŝ/∂c). Returns false before the onset (all zero).
 */
function pointJacobian(c: Context, i: number, j: number, scratch: Float64Array, p: Float64Array): boolean {
  const tau = c.t[i] - c.onset[j];
  if (tau <= 0) return false;
  const sc = c.scale[j];
  const d = c.duration[j];
  if (!c.switching || tau <= d) {
    const a = c.alphaPerCell ? c.alpha[i * c.g + j] : c.alpha[j];
    solveInterval(0, 0, a, c.beta[j], c.gamma[j], tau, scratch, 0);
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
  const [sw, w] = switchState(c, i, j);
  solveInterval(sw[w], sw[w + 1], 0, c.beta[j], c.gamma[j], tau - d, scratch, 0);
  const du2du1 = scratch[2];
  const ds2du1 = scratch[7];
  const ds2ds1 = scratch[6];
  p[0] = sc * scratch[0];
  p[1] = scratch[1];
  p[2] = sc * scratch[5];
  p[3] = scratch[11];
  // The duration moves the switch state and shortens the repression interval.
  p[4] = sc * (du2du1 * sw[w + 5] - scratch[5]);
  p[5] = ds2du1 * sw[w + 5] + ds2ds1 * sw[w + 11] - scratch[11];
  p[6] = sc * du2du1 * sw[w + 3];
  p[7] = ds2du1 * sw[w + 3] + ds2ds1 * sw[w + 8];
  p[8] = sc * (scratch[4] + du2du1 * sw[w + 4]);
  p[9] = scratch[9] + ds2du1 * sw[w + 4] + ds2ds1 * sw[w + 9];
  p[10] = scratch[10] + ds2ds1 * sw[w + 10];
  p[11] = scratch[0];
  return true;
}

/** Gradient accumulators for the trajectory's parameters. */
class TrajectoryGradients {
  readonly t: Float64Array;
  readonly onset: Float64Array;
  readonly duration: Float64Array;
  readonly alpha: Float64Array;
  readonly beta: Float64Array;
  readonly gamma: Float64Array;
  readonly scale: Float64Array;
  private readonly g: number;
  private readonly alphaPerCell: boolean;
  constructor(n: number, g: number, alphaPerCell = false) {
    this.g = g;
    this.alphaPerCell = alphaPerCell;
    this.t = new Float64Array(n);
    this.onset = new Float64Array(g);
    this.duration = new Float64Array(g);
    this.alpha = new Float64Array(alphaPerCell ? n * g : g);
    this.beta = new Float64Array(g);
    this.gamma = new Float64Array(g);
    this.scale = new Float64Array(g);
  }
  /** Adds cotangents (cu on û, cs on ŝ) of element (i, j) with partials p. */
  add(i: number, j: number, cu: number, cs: number, p: Float64Array): void {
    const byTime = cu * p[2] + cs * p[3];
    this.t[i] += byTime;
    this.onset[j] -= byTime;
    this.duration[j] += cu * p[4] + cs * p[5];
    this.alpha[this.alphaPerCell ? i * this.g + j : j] += cu * p[6] + cs * p[7];
    this.beta[j] += cu * p[8] + cs * p[9];
    this.gamma[j] += cs * p[10];
    this.scale[j] += cu * p[11];
  }

  /**
   * Adds cotangent cv on the model velocity v = β·u − γ·s (u = û/c, the unscaled state) of element (i, j):
   * ∂v/∂θ = β·∂u/∂θ − γ·∂s/∂θ, plus u for β and −s for γ; v does not depend on c.
   */
  addVelocity(i: number, j: number, cv: number, beta: number, gamma: number, scale: number, p: Float64Array): void {
    const b = beta / scale;
    const byTime = cv * (b * p[2] - gamma * p[3]);
    this.t[i] += byTime;
    this.onset[j] -= byTime;
    this.duration[j] += cv * (b * p[4] - gamma * p[5]);
    this.alpha[this.alphaPerCell ? i * this.g + j : j] += cv * (b * p[6] - gamma * p[7]);
    this.beta[j] += cv * (p[0] / scale + b * p[8] - gamma * p[9]);
    this.gamma[j] += cv * (-p[1] - gamma * p[10]);
  }
  /** In input order, scaled by `factor`, in the float type of `like`. */
  list(like: HostArray, factor: number): HostArray[] {
    return [this.t, this.onset, this.duration, this.alpha, this.beta, this.gamma, this.scale].map((a) => {
      const out = allocLike(like, a.length);
      for (let i = 0; i < a.length; i++) out[i] = a[i] * factor;
      return out;
    });
  }
}

/** Predicted (û, ŝ) [N, G] for every cell and gene. */
export const kineticTrajectory = customVjp<TrajectoryAttrs>(
  (inputs, attrs) => {
    const c = context(inputs, attrs);
    const { n, g } = c;
    const uHat = allocLike(inputs[0].data, n * g);
    const sHat = allocLike(inputs[0].data, n * g);
    const value = new Float64Array(2);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < g; j++) {
        pointValue(c, i, j, value);
        uHat[i * g + j] = value[0];
        sHat[i * g + j] = value[1];
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
    const c = context(inputs, attrs);
    const { n, g } = c;
    const grads = new TrajectoryGradients(n, g, c.alphaPerCell);
    const scratch = new Float64Array(SOLUTION_SIZE);
    const p = new Float64Array(12);
    const cu = cotangents[0].data;
    const cs = cotangents[1].data;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < g; j++) {
        const k = i * g + j;
        if (cu[k] === 0 && cs[k] === 0) continue;
        if (pointJacobian(c, i, j, scratch, p)) grads.add(i, j, cu[k], cs[k], p);
      }
    }
    return grads.list(inputs[0].data, 1);
  },
  "kineticTrajectory",
);

/**
 * The model's velocity ds/dt = β·u − γ·s [N, G] at each cell's latent time (scVelo's dynamical velocity:
 * evaluated on the fitted state, not the noisy observation). Inputs as {@link kineticTrajectory}.
 */
export const kineticVelocity = customVjp<TrajectoryAttrs>(
  (inputs, attrs) => {
    const c = context(inputs, attrs);
    const { n, g } = c;
    const v = allocLike(inputs[0].data, n * g);
    const value = new Float64Array(2);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < g; j++) {
        pointValue(c, i, j, value);
        v[i * g + j] = (c.beta[j] * value[0]) / c.scale[j] - c.gamma[j] * value[1];
      }
    }
    return { outputs: [{ data: v, shape: [n, g] }] };
  },
  ({ inputs, cotangents, attrs }) => {
    const c = context(inputs, attrs);
    const { n, g } = c;
    const grads = new TrajectoryGradients(n, g, c.alphaPerCell);
    const scratch = new Float64Array(SOLUTION_SIZE);
    const p = new Float64Array(12);
    const cv = cotangents[0].data;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < g; j++) {
        const k = i * g + j;
        if (cv[k] === 0) continue;
        if (pointJacobian(c, i, j, scratch, p)) grads.addVelocity(i, j, cv[k], c.beta[j], c.gamma[j], c.scale[j], p);
      }
    }
    return grads.list(inputs[0].data, 1);
  },
  "kineticVelocity",
);

export interface ReconstructionAttrs extends TrajectoryAttrs {
  /** Per-gene weights of the squared errors (e.g. 1 / variance), [G] each. */
  weightUnspliced: Float64Array | Float32Array;
  weightSpliced: Float64Array | Float32Array;
}

interface ReconstructionResiduals {
  /** Gradients for a unit output cotangent, computed in the forward pass (the loss is a scalar). */
  grads: HostArray[];
}

/**
 * Σ_g w_u,g(û − u)² + w_s,g(ŝ − s)², averaged over cells: the reconstruction loss of the kinetic model
 * fused with the trajectory, so no N×G prediction tensor is materialised. Because the output is a scalar,
 * every element's cotangent is known during the forward pass: when a tape is recording, the forward pass
 * also accumulates the gradients (for a unit cotangent) and the backward pass only scales them.
 * Inputs: as {@link kineticTrajectory}, then observed unspliced and spliced [N, G] (differentiable too,
 * so a loss can reach moments computed upstream, e.g. from a Harmony-corrected graph).
 */
export const kineticReconstruction = customVjp<ReconstructionAttrs, ReconstructionResiduals>(
  (inputs, attrs) => {
    const { total, grads } = reconstructionPass(inputs, attrs, isTaping());
    const out = allocLike(inputs[0].data, 1);
    out[0] = total;
    return { outputs: [{ data: out, shape: [] }], residuals: grads ? { grads } : undefined };
  },
  ({ inputs, cotangents, residuals, attrs }) => {
    // Called without a recorded forward pass (e.g. by a gradient check): compute the gradients now.
    const grads = residuals?.grads ?? (reconstructionPass(inputs, attrs, true).grads as HostArray[]);
    const dy = cotangents[0].data[0];
    return grads.map((gr) => {
      const out = allocLike(inputs[0].data, gr.length);
      for (let i = 0; i < gr.length; i++) out[i] = gr[i] * dy;
      return out;
    });
  },
  "kineticReconstruction",
);

/** The loss value and, if asked, its gradients for a unit cotangent (in input order). */
function reconstructionPass(
  inputs: readonly HostTensor[],
  attrs: ReconstructionAttrs,
  withGradients: boolean,
): { total: number; grads?: HostArray[] } {
  const c = context(inputs, attrs);
  const { n, g } = c;
  const uObs = inputs[7].data;
  const sObs = inputs[8].data;
  const { weightUnspliced: wu, weightSpliced: ws } = attrs;
  const grads = withGradients ? new TrajectoryGradients(n, g, c.alphaPerCell) : null;
  const like = inputs[0].data;
  const duObs = allocLike(like, withGradients ? n * g : 0);
  const dsObs = allocLike(like, withGradients ? n * g : 0);
  const scratch = new Float64Array(SOLUTION_SIZE);
  const p = new Float64Array(12);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < g; j++) {
      const k = i * g + j;
      let active = false;
      if (grads) {
        active = pointJacobian(c, i, j, scratch, p);
        if (!active) p[0] = p[1] = 0;
      } else {
        pointValue(c, i, j, p);
      }
      const eu = p[0] - uObs[k];
      const es = p[1] - sObs[k];
      total += wu[j] * eu * eu + ws[j] * es * es;
      if (grads) {
        const cu = (2 * wu[j] * eu) / n;
        const cs = (2 * ws[j] * es) / n;
        if (active) grads.add(i, j, cu, cs, p);
        duObs[k] = -cu;
        dsObs[k] = -cs;
      }
    }
  }
  return { total: total / n, grads: grads ? [...grads.list(like, 1), duObs, dsObs] : undefined };
}
