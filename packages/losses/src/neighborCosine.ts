import { allocLike, customVjp, type HostArray, type KernelArgs, runChunks, useThreads } from "@diffcell/core";
import { COSINE_KERNEL, type CosineArgs } from "./neighborCosineKernel.js";

export interface NeighborCosineAttrs {
  /** Neighbour indices, N × k row-major (a cell listed as its own neighbour is skipped). */
  neighbors: Int32Array;
  k: number;
  temperature: number;
  /** Weight of the time-ordering term (0: velocity direction only; the time input is then ignored). */
  timeWeight: number;
  /** Time difference at which the ordering penalty saturates (latent-time units). */
  timeScale: number;
  /**
   * The positions x are constant data (e.g. a training minibatch): their gradient is returned as zeros without
   * being computed (the backward pass's gather over every pair then only collects dt). Default false.
   */
  constantPositions?: boolean;
}

type Residuals = Pick<CosineArgs, "cos" | "prob" | "dnorm" | "vnorm">;

/** Row chunks (fixed, so results do not depend on the number of threads). */
const CHUNKS = 16;

/**
 * The velocity consistency loss as one fused kernel over (velocity v [N,D], positions x [N,D], time t [N]):
 *
 *   c_ij = cos(v_i, x_j − x_i) over the neighbours j of i
 *   p_ij = softmax_j(c_ij / T)                        (scVelo's transition probabilities, sharpened by T)
 *   L    = mean_i [ (1 − Σ_j p_ij c_ij) + w_t Σ_j p_ij τ·softplus((t_i − t_j)/τ) ]
 *
 * The first term asks each velocity to point at the cells it transitions to; the second asks those
 * cells to be later in latent time (so latent time learns from velocity and velocity from latent time).
 * Output: a scalar. Gradients reach v, x and t. The row loops (`neighborCosineKernel.ts`) run on every
 * core; values and gradients are identical on any number of threads.
 */
export const neighborCosineLoss = customVjp<NeighborCosineAttrs, Residuals>(
  (inputs, attrs) => {
    const [vT, xT, tT] = inputs;
    const [n, d] = vT.shape;
    const { args, run } = prepare(0, n, d, attrs, vT.data, xT.data, tT.data);
    run();
    let total = 0;
    for (let c = 0; c < args.totals.length; c++) total += args.totals[c];
    const out = allocLike(vT.data, 1);
    out[0] = total / n;
    const { cos, prob, dnorm, vnorm } = args;
    return { outputs: [{ data: out, shape: [] }], residuals: { cos, prob, dnorm, vnorm } };
  },
  ({ inputs, cotangents, residuals, attrs }) => {
    const [vT, xT, tT] = inputs;
    const [n, d] = vT.shape;
    const { args, run } = prepare(1, n, d, attrs, vT.data, xT.data, tT.data);
    const r = residuals as Residuals;
    Object.assign(args, { cos: r.cos, prob: r.prob, dnorm: r.dnorm, vnorm: r.vnorm });
    args.scale = cotangents[0].data[0] / n;
    run();
    // The gather over incoming pairs makes dx and dt: not needed when neither is (constant x, no time term).
    if (!attrs.constantPositions || attrs.timeWeight !== 0) {
      Object.assign(args, incomingPairs(attrs.neighbors, n, attrs.k), { mode: 2 });
      run();
    }
    return [args.dv, args.dx, args.dt] as HostArray[];
  },
  "neighborCosineLoss",
);

function prepare(
  mode: number,
  n: number,
  d: number,
  attrs: NeighborCosineAttrs,
  v: HostArray,
  x: HostArray,
  t: HostArray,
) {
  const { k } = attrs;
  const chunks = Math.min(CHUNKS, n);
  const parallel = useThreads(chunks, n * k * d, 200_000);
  const f64 = (length: number) => new Float64Array(length);
  const like = (length: number) => allocLike(v, length);
  const backward = mode > 0;
  const args: CosineArgs = {
    mode,
    n,
    d,
    k,
    temperature: attrs.temperature,
    timeWeight: attrs.timeWeight,
    timeScale: attrs.timeScale,
    scale: 0,
    positionGradients: attrs.constantPositions ? 0 : 1,
    v,
    x,
    t,
    neighbors: attrs.neighbors,
    incomingStart: new Int32Array(0),
    incoming: new Int32Array(0),
    cos: f64(backward ? 0 : n * k),
    prob: f64(backward ? 0 : n * k),
    dnorm: f64(backward ? 0 : n * k),
    vnorm: f64(backward ? 0 : n),
    coef: f64(backward ? n * k : 0),
    slope: f64(backward ? n * k : 0),
    totals: f64(chunks),
    dv: like(backward ? n * d : 0),
    dx: like(backward ? n * d : 0),
    dt: like(backward ? n : 0),
  };
  // On several threads runChunks copies arrays in and out of pooled shared buffers; these are written.
  const written = ["cos", "prob", "dnorm", "vnorm", "coef", "slope", "totals", "dv", "dx", "dt"];
  const run = () => runChunks(COSINE_KERNEL, args as unknown as KernelArgs, chunks, parallel, written);
  return { args, run };
}

/** For every cell m, the pairs (i·k + r) whose neighbour is m (i ≠ m), in ascending order: a CSR by neighbour. */
function incomingPairs(neighbors: Int32Array, n: number, k: number) {
  const alloc = (length: number) => new Int32Array(length);
  const incomingStart = alloc(n + 1);
  for (let q = 0; q < n * k; q++) {
    const j = neighbors[q];
    if (j !== Math.floor(q / k)) incomingStart[j + 1]++;
  }
  for (let m = 0; m < n; m++) incomingStart[m + 1] += incomingStart[m];
  const incoming = alloc(incomingStart[n]);
  const fill = Int32Array.from(incomingStart.subarray(0, n));
  for (let q = 0; q < n * k; q++) {
    const j = neighbors[q];
    if (j !== Math.floor(q / k)) incoming[fill[j]++] = q;
  }
  return { incomingStart, incoming };
}
