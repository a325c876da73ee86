/**
 * Row chunks of the consistency kernel (`neighborCosine.ts`) for the worker pool (`defineKernel` in
 * `@diffcell/core`): self-contained functions over one arguments object.
 *
 *   mode 0 (forward, per row i):  cosines, softmax probabilities, norms and the row's loss term
 *   mode 1 (backward, per row i): the cotangent of every cosine (`coef`), the time slopes and dv_i
 *   mode 2 (backward, per row m): dx_m (unless `positionGradients` is 0) and dt_m gathered from every pair
 *                                 that touches m
 *
 * Mode 2 makes the scatter of the single-threaded loop (dx_j += g, dx_i −= g over pairs (i, j)) a gather
 * without write conflicts: each row visits its pairs in the order that loop did (incoming pairs from rows
 * i < m, then its own, then incoming from i > m), so sums come out bit-identical on any number of threads.
 */
import { chunkStart, defineKernel, type ParallelKernel } from "@diffcell/core";

export interface CosineArgs {
  mode: number;
  n: number;
  d: number;
  k: number;
  temperature: number;
  timeWeight: number;
  timeScale: number;
  /** Cotangent of the loss / n. */
  scale: number;
  /** 1: mode 2 computes dx (0: the positions are constant data, only dt is gathered). */
  positionGradients: number;
  v: ArrayLike<number>;
  x: ArrayLike<number>;
  t: ArrayLike<number>;
  neighbors: Int32Array;
  /** Incoming pairs of every row, CSR by neighbour, each list in ascending pair index (i·k + r). */
  incomingStart: Int32Array;
  incoming: Int32Array;
  cos: Float64Array;
  prob: Float64Array;
  dnorm: Float64Array;
  vnorm: Float64Array;
  coef: Float64Array;
  slope: Float64Array;
  totals: Float64Array;
  dv: Float32Array | Float64Array;
  dx: Float32Array | Float64Array;
  dt: Float32Array | Float64Array;
}

/** τ·softplus(gap/τ): ≈ 0 when the neighbour is later (gap < 0), ≈ gap when it is earlier. */
function orderPenalty(gap: number, tau: number): number {
  const z = gap / tau;
  return tau * (z > 30 ? z : Math.log1p(Math.exp(z)));
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function cosineForwardRow(a: CosineArgs, i: number, eps2: number): number {
  const { d, k, neighbors, v, x, cos, prob, dnorm, vnorm, temperature } = a;
  let vv = 0;
  for (let f = 0; f < d; f++) vv += v[i * d + f] ** 2;
  vnorm[i] = Math.sqrt(vv + eps2);
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
    dnorm[i * k + r] = Math.sqrt(dd + eps2);
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
    if (a.timeWeight !== 0) timeTerm += p * orderPenalty(a.t[i] - a.t[j], a.timeScale);
  }
  return 1 - expectedCos + a.timeWeight * timeTerm;
}

/** Cosine cotangents and time slopes of row i's pairs; dv_i. */
function cosineBackwardRow(a: CosineArgs, i: number): void {
  const { d, k, neighbors, v, x, cos, prob, dnorm, vnorm, temperature, timeWeight, timeScale, scale } = a;
  let expectedCos = 0;
  let expectedPenalty = 0;
  for (let r = 0; r < k; r++) {
    const j = neighbors[i * k + r];
    if (j === i) continue;
    expectedCos += prob[i * k + r] * cos[i * k + r];
    if (timeWeight !== 0) expectedPenalty += prob[i * k + r] * orderPenalty(a.t[i] - a.t[j], timeScale);
  }
  for (let r = 0; r < k; r++) {
    const j = neighbors[i * k + r];
    if (j === i) continue;
    const p = prob[i * k + r];
    const c = cos[i * k + r];
    let dc = -p * (1 + (c - expectedCos) / temperature);
    if (timeWeight !== 0) {
      const gap = a.t[i] - a.t[j];
      dc += (timeWeight * p * (orderPenalty(gap, timeScale) - expectedPenalty)) / temperature;
      a.slope[i * k + r] = scale * timeWeight * p * sigmoid(gap / timeScale);
    }
    dc *= scale;
    a.coef[i * k + r] = dc;
    if (dc === 0) continue;
    const nv = vnorm[i];
    const nd = dnorm[i * k + r];
    // ∂c/∂v = d/(‖v‖‖d‖) − c·v/‖v‖² (smoothed norms, exact)
    for (let f = 0; f < d; f++) {
      const diff = x[j * d + f] - x[i * d + f];
      a.dv[i * d + f] += dc * (diff / (nv * nd) - (c * v[i * d + f]) / (nv * nv));
    }
  }
}

/** Adds sign·g of pair q = i·k + r (∂c/∂d = v/(‖v‖‖d‖) − c·d/‖d‖²) to dx_m, and ∓ its time slope to dt_m. */
function cosineScatterPair(a: CosineArgs, m: number, q: number, sign: number): void {
  const { d, k, neighbors, v, x, dx } = a;
  const i = Math.floor(q / k);
  const j = neighbors[q];
  if (a.timeWeight !== 0) a.dt[m] -= sign * a.slope[q];
  const dc = a.coef[q];
  if (dc === 0 || a.positionGradients === 0) return;
  const c = a.cos[q];
  const nv = a.vnorm[i];
  const nd = a.dnorm[q];
  const vi = i * d;
  const xi = i * d;
  const xj = j * d;
  const out = m * d;
  for (let f = 0; f < d; f++) {
    const diff = x[xj + f] - x[xi + f];
    const g = dc * (v[vi + f] / (nv * nd) - (c * diff) / (nd * nd));
    dx[out + f] += sign * g;
  }
}

/** dx_m and dt_m of rows [lo, hi): incoming pairs from rows before m, m's own pairs, then those after m. */
function cosineScatterRows(a: CosineArgs, lo: number, hi: number): void {
  const { k, neighbors, incoming, incomingStart } = a;
  for (let m = lo; m < hi; m++) {
    const end = incomingStart[m + 1];
    let e = incomingStart[m];
    while (e < end && incoming[e] < m * k) cosineScatterPair(a, m, incoming[e++], 1);
    for (let r = 0; r < k; r++) if (neighbors[m * k + r] !== m) cosineScatterPair(a, m, m * k + r, -1);
    while (e < end) cosineScatterPair(a, m, incoming[e++], 1);
  }
}

/** One chunk of rows for one pass; each pass in its own function (one optimised body per pass). */
function cosineChunk(a: CosineArgs, chunk: number, nChunks: number): void {
  const lo = chunkStart(chunk, a.n, nChunks);
  const hi = chunkStart(chunk + 1, a.n, nChunks);
  let total = 0;
  if (a.mode === 0) {
    // ε² = 1e-12 smooths the norms, ‖a‖ → √(‖a‖² + ε²): cosines and gradients stay finite at zero vectors.
    for (let i = lo; i < hi; i++) total += cosineForwardRow(a, i, 1e-12);
  } else if (a.mode === 1) {
    for (let i = lo; i < hi; i++) cosineBackwardRow(a, i);
  } else cosineScatterRows(a, lo, hi);
  a.totals[chunk] = total;
}

export const COSINE_KERNEL: ParallelKernel = defineKernel("losses.neighborCosine", cosineChunk, [
  chunkStart,
  orderPenalty,
  sigmoid,
  cosineForwardRow,
  cosineBackwardRow,
  cosineScatterPair,
  cosineScatterRows,
]);
