import { allocLike, customVjp, type HostArray } from "@diffcell/core";

export interface NeighborCosineAttrs {
  /** Neighbour indices, N × k row-major (a cell listed as its own neighbour is skipped). */
  neighbors: Int32Array;
  k: number;
  temperature: number;
  /** Weight of the time-ordering term (0: velocity direction only; the time input is then ignored). */
  timeWeight: number;
  /** Time difference at which the ordering penalty saturates (latent-time units). */
  timeScale: number;
}

interface Residuals {
  cos: Float64Array;
  prob: Float64Array;
  dnorm: Float64Array;
  vnorm: Float64Array;
}

/** Smooths the norms, ‖a‖ → √(‖a‖² + ε²), so cosines and their gradients stay finite at zero vectors. */
const EPS2 = 1e-12;

/**
 * The velocity consistency loss as one fused kernel over (velocity v [N,D], positions x [N,D], time t [N]):
 *
 *   c_ij = cos(v_i, x_j − x_i) over the neighbours j of i
 *   p_ij = softmax_j(c_ij / T)                        (scVelo's transition probabilities, sharpened by T)
 *   L    = mean_i [ (1 − Σ_j p_ij c_ij) + w_t Σ_j p_ij τ·softplus((t_i − t_j)/τ) ]
 *
 * The first term asks each velocity to point at the cells it transitions to; the second asks those
 * cells to be later in latent time (so latent time learns from velocity and velocity from latent time).
 * Output: a scalar. Gradients reach v, x and t.
 */
export const neighborCosineLoss = customVjp<NeighborCosineAttrs, Residuals>(
  (inputs, attrs) => {
    const [vT, xT, tT] = inputs;
    const [n, d] = vT.shape;
    const { neighbors, k, temperature } = attrs;
    const v = vT.data;
    const x = xT.data;
    const cos = new Float64Array(n * k);
    const prob = new Float64Array(n * k);
    const dnorm = new Float64Array(n * k);
    const vnorm = new Float64Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) {
      let vv = 0;
      for (let f = 0; f < d; f++) vv += v[i * d + f] ** 2;
      vnorm[i] = Math.sqrt(vv + EPS2);
      let maxLogit = Number.NEGATIVE_INFINITY;
      for (let r = 0; r < k; r++) {
        const j = neighbors[i * k + r];
        if (j === i) continue;
        let dot = 0;
        let dd = 0;
        for (let f = 0; f < d; f++) {
          const diff = x[j * d + f] - x[i * d + f];
          dot += v[i * d + f] * diff;
          dd += diff * diff;
        }
        dnorm[i * k + r] = Math.sqrt(dd + EPS2);
        const c = dot / (vnorm[i] * dnorm[i * k + r]);
        cos[i * k + r] = c;
        maxLogit = Math.max(maxLogit, c / temperature);
      }
      let z = 0;
      for (let r = 0; r < k; r++) {
        if (neighbors[i * k + r] === i) continue;
        const e = Math.exp(cos[i * k + r] / temperature - maxLogit);
        prob[i * k + r] = e;
        z += e;
      }
      let expectedCos = 0;
      let timeTerm = 0;
      for (let r = 0; r < k; r++) {
        const j = neighbors[i * k + r];
        if (j === i) continue;
        const p = prob[i * k + r] / z;
        prob[i * k + r] = p;
        expectedCos += p * cos[i * k + r];
        if (attrs.timeWeight !== 0) timeTerm += p * orderPenalty(tT.data[i] - tT.data[j], attrs.timeScale);
      }
      total += 1 - expectedCos + attrs.timeWeight * timeTerm;
    }
    const out = allocLike(v, 1);
    out[0] = total / n;
    return { outputs: [{ data: out, shape: [] }], residuals: { cos, prob, dnorm, vnorm } };
  },
  ({ inputs, cotangents, residuals, attrs }) => {
    const [vT, xT, tT] = inputs;
    const [n, d] = vT.shape;
    const { neighbors, k, temperature, timeWeight, timeScale } = attrs;
    const { cos, prob, dnorm, vnorm } = residuals as Residuals;
    const v = vT.data;
    const x = xT.data;
    const scale = cotangents[0].data[0] / n;
    const dv = allocLike(v, n * d);
    const dx = allocLike(v, n * d);
    const dt = allocLike(v, n);
    for (let i = 0; i < n; i++) {
      let expectedCos = 0;
      let expectedPenalty = 0;
      for (let r = 0; r < k; r++) {
        const j = neighbors[i * k + r];
        if (j === i) continue;
        expectedCos += prob[i * k + r] * cos[i * k + r];
        if (timeWeight !== 0) expectedPenalty += prob[i * k + r] * orderPenalty(tT.data[i] - tT.data[j], timeScale);
      }
      for (let r = 0; r < k; r++) {
        const j = neighbors[i * k + r];
        if (j === i) continue;
        const p = prob[i * k + r];
        const c = cos[i * k + r];
        let dc = -p * (1 + (c - expectedCos) / temperature);
        if (timeWeight !== 0) {
          const gap = tT.data[i] - tT.data[j];
          dc += (timeWeight * p * (orderPenalty(gap, timeScale) - expectedPenalty)) / temperature;
          const slope = scale * timeWeight * p * sigmoid(gap / timeScale);
          dt[i] += slope;
          dt[j] -= slope;
        }
        dc *= scale;
        if (dc === 0) continue;
        const nv = vnorm[i];
        const nd = dnorm[i * k + r];
        // ∂c/∂v = d/(‖v‖‖d‖) − c·v/‖v‖²,  ∂c/∂d = v/(‖v‖‖d‖) − c·d/‖d‖² (smoothed norms, exact)
        for (let f = 0; f < d; f++) {
          const vi = v[i * d + f];
          const diff = x[j * d + f] - x[i * d + f];
          dv[i * d + f] += dc * (diff / (nv * nd) - (c * vi) / (nv * nv));
          const gd = dc * (vi / (nv * nd) - (c * diff) / (nd * nd));
          dx[j * d + f] += gd;
          dx[i * d + f] -= gd;
        }
      }
    }
    return [dv, dx, dt] as HostArray[];
  },
  "neighborCosineLoss",
);

/** τ·softplus(gap/τ): ≈ 0 when the neighbour is later (gap < 0), ≈ gap when it is earlier. */
function orderPenalty(gap: number, tau: number): number {
  const z = gap / tau;
  return tau * (z > 30 ? z : Math.log1p(Math.exp(z)));
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
