import {
  allocLike,
  customVjp,
  type HostArray,
  type HostTensor,
  isTaping,
  type KernelArgs,
  releaseWorkerMemory,
  runChunks,
  SLOT_KEEP_BYTES,
  SOLUTION_SIZE,
  sharedFloat64,
  sharedLike,
  solveInterval,
  useThreads,
} from "@diffcell/core";
import { TRAJECTORY_KERNEL, type TrajectoryArgs } from "./trajectoryKernel.js";

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
 * computed once per gene; each cell×gene element then solves one interval with two exponentials. The
 * element loops (`trajectoryKernel.ts`) run on every core over row chunks; results do not depend on the
 * number of threads (per-chunk partial sums reduced in chunk order).
 */
export interface TrajectoryAttrs {
  switching: boolean;
}

/** Row chunks of every pass: fixed (not the thread count), so results are identical on any number of threads. */
const CHUNKS = 16;
/** Elements below which a pass stays on the calling thread (dispatch costs ~0.1 ms). */
const MIN_PARALLEL_ELEMENTS = 40_000;
/** Jacobians kept between passes only up to this many values (12 per element; 256 MB in float64). */
const MAX_KEPT_VALUES = 32 * 1024 * 1024;

/** Arguments a pass writes (copied back from shared buffers after a run on several threads). */
const OUTPUTS = ["out0", "out1", "out2", "dt", "dAlphaCell", "acc", "totals"];

type Extra = Partial<
  Pick<TrajectoryArgs, "in0" | "in1" | "store" | "grads" | "cached" | "weightUnspliced" | "weightSpliced">
>;

/** The arguments of one pass: shared copies of the inputs when it will run on several threads. */
function prepare(inputs: readonly HostTensor[], attrs: TrajectoryAttrs, mode: number, extra: Extra = {}) {
  const [t, onset, duration, alpha, beta, gamma, scale] = inputs;
  const n = t.shape[0];
  const g = onset.shape[0];
  const chunks = Math.min(CHUNKS, Math.max(1, n));
  const parallel = useThreads(chunks, n * g, MIN_PARALLEL_ELEMENTS);
  const like = t.data;
  // A full-data pass on several threads writes its outputs straight into shared memory (no pooled copy in
  // and out: two 400 MB copies per output at 100k cells × 1000 genes); the workers drop them after the run.
  let oneOff = false;
  const alloc = (length: number) => {
    if (!parallel || length * like.BYTES_PER_ELEMENT <= SLOT_KEEP_BYTES) return allocLike(like, length);
    oneOff = true;
    return sharedLike(like, length);
  };
  const float64 = (length: number) => new Float64Array(length);
  const alphaPerCell = alpha.shape.length === 2;
  let switches: Float64Array = new Float64Array(0);
  if (attrs.switching && !alphaPerCell) {
    switches = float64(g * SOLUTION_SIZE);
    for (let j = 0; j < g; j++) {
      solveInterval(0, 0, alpha.data[j], beta.data[j], gamma.data[j], duration.data[j], switches, j * SOLUTION_SIZE);
    }
  }
  // Passes that accumulate gradients: the backward passes, and the error passes that compute theirs forward.
  const backward =
    mode === 2 || mode === 3 || mode === 4 || mode === 8 || ((mode === 5 || mode === 7) && extra.grads === 1);
  const empty = new Float64Array(0);
  const args: TrajectoryArgs = {
    mode,
    n,
    g,
    t: t.data,
    onset: onset.data,
    duration: duration.data,
    alpha: alpha.data,
    beta: beta.data,
    gamma: gamma.data,
    scale: scale.data,
    alphaPerCell: alphaPerCell ? 1 : 0,
    switching: attrs.switching ? 1 : 0,
    switches,
    in0: empty,
    in1: empty,
    out0: allocLike(like, 0),
    out1: allocLike(like, 0),
    out2: allocLike(like, 0),
    jac: empty,
    active: new Uint8Array(0),
    store: 0,
    grads: 0,
    cached: 0,
    weightUnspliced: empty,
    weightSpliced: empty,
    dt: float64(backward ? n : 0),
    dAlphaCell: float64(backward && alphaPerCell ? n * g : 0),
    acc: float64(backward ? chunks * 6 * g : 0),
    totals: float64(chunks),
    ...extra,
  };
  // On several threads runChunks copies arrays in and out of pooled shared buffers; these are written.
  const written = (mode === 1 || mode === 7) && extra.store ? [...OUTPUTS, "jac", "active"] : OUTPUTS;
  const run = () => {
    runChunks(TRAJECTORY_KERNEL, args as unknown as KernelArgs, chunks, parallel, written);
    if (oneOff) releaseWorkerMemory();
  };
  const keep = (jacobian: KeptJacobian) => {
    args.jac = jacobian.jac;
    args.active = jacobian.active;
  };
  const newJacobian = (): KeptJacobian => keptJacobian(n * g, parallel);
  return { args, n, g, chunks, like, alloc, keep, newJacobian, run };
}

/** Per-parameter gradients in input order [t, onset, duration, α, β, γ, scale], reduced over chunks in order. */
function gradientList(args: TrajectoryArgs, chunks: number, like: HostArray, factor = 1): HostArray[] {
  const { n, g, acc } = args;
  const perGene = (q: number) => {
    const out = allocLike(like, g);
    for (let j = 0; j < g; j++) {
      let sum = 0;
      for (let c = 0; c < chunks; c++) sum += acc[c * 6 * g + q * g + j];
      out[j] = sum * factor;
    }
    return out;
  };
  const scaled = (a: Float64Array) => {
    const out = allocLike(like, a.length);
    for (let i = 0; i < a.length; i++) out[i] = a[i] * factor;
    return out;
  };
  return [
    scaled(args.dt.length ? args.dt : new Float64Array(n)),
    perGene(0),
    perGene(1),
    args.alphaPerCell ? scaled(args.dAlphaCell) : perGene(2),
    perGene(3),
    perGene(4),
    perGene(5),
  ];
}

/** Predicted (û, ŝ) [N, G] for every cell and gene. */
export const kineticTrajectory = customVjp<TrajectoryAttrs>(
  (inputs, attrs) => {
    const p = prepare(inputs, attrs, 0);
    p.args.out0 = p.alloc(p.n * p.g);
    p.args.out1 = p.alloc(p.n * p.g);
    p.run();
    return {
      outputs: [
        { data: p.args.out0, shape: [p.n, p.g] },
        { data: p.args.out1, shape: [p.n, p.g] },
      ],
    };
  },
  ({ inputs, cotangents, attrs }) => {
    const p = prepare(inputs, attrs, 4, { in0: cotangents[0].data, in1: cotangents[1].data });
    p.run();
    return gradientList(p.args, p.chunks, p.like);
  },
  "kineticTrajectory",
);

/**
 * The model's velocity and predicted (û, ŝ) [N, G] each, from one solve per element: {@link kineticVelocity}'s
 * and {@link kineticTrajectory}'s outputs, value for value, for a caller that needs both (evaluating a trained
 * model: velocity and goodness of fit at each cell's latent time). Differentiable (both passes' gradients).
 */
export const kineticState = customVjp<TrajectoryAttrs>(
  (inputs, attrs) => {
    const p = prepare(inputs, attrs, 6);
    p.args.out0 = p.alloc(p.n * p.g);
    p.args.out1 = p.alloc(p.n * p.g);
    p.args.out2 = p.alloc(p.n * p.g);
    p.run();
    const shape = [p.n, p.g];
    return {
      outputs: [
        { data: p.args.out0, shape },
        { data: p.args.out1, shape },
        { data: p.args.out2, shape },
      ],
    };
  },
  ({ inputs, cotangents, attrs }) => {
    const v = prepare(inputs, attrs, 3, { in0: cotangents[0].data });
    v.run();
    const byVelocity = gradientList(v.args, v.chunks, v.like);
    const p = prepare(inputs, attrs, 4, { in0: cotangents[1].data, in1: cotangents[2].data });
    p.run();
    return gradientList(p.args, p.chunks, p.like).map((gr, a) => {
      for (let i = 0; i < gr.length; i++) gr[i] += byVelocity[a][i];
      return gr;
    });
  },
  "kineticState",
);

/** Every element's 12 partials (trajectoryJacobian's layout) from a taped velocity pass. */
interface KeptJacobian {
  jac: Float64Array;
  active: Uint8Array;
  /** The buffers' version when it was written (see {@link keptJacobian}). */
  version: number;
}

/**
 * The kept Jacobian lives in one buffer, reused by every taped velocity pass (shared memory when the pass runs
 * on several threads). Fresh arrays per pass cost more than the pass itself: on one thread a new 16 MB
 * Float64Array per 512 × 329 step took the forward pass from 13 to 22 ms; on several threads ordinary arrays were
 * copied into the pool's shared buffers and back for the pass that wrote them and again for each pass that
 * read them — at 100k cells 70 s of a 210 s training stage. A newer pass overwrites the buffer, so each holder
 * checks the version (`isCurrent`) and a stale one recomputes the partials instead of reading them.
 */
let jacobianBuffers: { jac: Float64Array; active: Uint8Array; version: number; shared: boolean } | null = null;

function keptJacobian(elements: number, shared: boolean): KeptJacobian {
  const current = jacobianBuffers;
  if (!current || current.active.length < elements || (shared && !current.shared)) {
    jacobianBuffers = {
      jac: shared ? sharedFloat64(12 * elements) : new Float64Array(12 * elements),
      active: new Uint8Array(shared ? new SharedArrayBuffer(elements) : new ArrayBuffer(elements)),
      version: current?.version ?? 0,
      shared,
    };
  }
  const buffers = jacobianBuffers as NonNullable<typeof jacobianBuffers>;
  const version = ++buffers.version;
  return { jac: buffers.jac.subarray(0, 12 * elements), active: buffers.active.subarray(0, elements), version };
}

/** Whether `kept` still holds what its pass wrote (until the next taped velocity pass). */
function isCurrent(kept: KeptJacobian): boolean {
  return kept.version === jacobianBuffers?.version;
}

/**
 * The Jacobian of the last taped velocity pass, with copies of the inputs it was computed for. A training
 * step evaluates the velocity and then the reconstruction loss at the same latent times and rates (as new,
 * equal tensors); when every input matches value for value, the loss reuses these partials instead of
 * solving the ODE again — one analytic solve per cell×gene per step. Only the latest pass is kept.
 */
let lastJacobian: { inputs: HostArray[]; shapes: string; switching: boolean; kept: KeptJacobian } | null = null;

function sameInputs(inputs: readonly HostTensor[], switching: boolean): boolean {
  const last = lastJacobian;
  if (!last || last.switching !== switching) return false;
  if (
    last.shapes !==
    inputs
      .slice(0, 7)
      .map((t) => t.shape.join("x"))
      .join(",")
  )
    return false;
  for (let a = 0; a < 7; a++) {
    const x = inputs[a].data;
    const y = last.inputs[a];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

/**
 * The model's velocity ds/dt = β·u − γ·s [N, G] at each cell's latent time (scVelo's dynamical velocity:
 * evaluated on the fitted state, not the noisy observation). Inputs as {@link kineticTrajectory}.
 * When a tape records, the forward pass keeps each element's partials (float64, up to 256 MB): the backward
 * pass is then multiply-adds only, and a reconstruction loss at the same inputs reuses them.
 */
export const kineticVelocity = customVjp<TrajectoryAttrs, KeptJacobian>(
  (inputs, attrs) => {
    const [t, onset] = inputs;
    const store = isTaping() && 12 * t.shape[0] * onset.shape[0] <= MAX_KEPT_VALUES;
    const p = prepare(inputs, attrs, 1, { store: store ? 1 : 0 });
    p.args.out0 = p.alloc(p.n * p.g);
    const kept = store ? p.newJacobian() : undefined;
    if (kept) p.keep(kept);
    p.run();
    lastJacobian = kept
      ? {
          inputs: inputs.slice(0, 7).map((x) => x.data.slice()),
          shapes: inputs
            .slice(0, 7)
            .map((x) => x.shape.join("x"))
            .join(","),
          switching: attrs.switching,
          kept,
        }
      : null;
    return { outputs: [{ data: p.args.out0, shape: [p.n, p.g] }], residuals: kept };
  },
  ({ inputs, cotangents, residuals, attrs }) => {
    const kept = residuals && isCurrent(residuals) ? residuals : undefined;
    const p = prepare(inputs, attrs, kept ? 2 : 3, { in0: cotangents[0].data });
    if (kept) p.keep(kept);
    p.run();
    return gradientList(p.args, p.chunks, p.like);
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
    // The usual cotangent of a loss term is exactly 1: the unit-cotangent gradients are the answer (two N × G
    // scaled copies saved per step).
    if (dy === 1) return grads;
    return grads.map((gr) => {
      const out = allocLike(inputs[0].data, gr.length);
      for (let i = 0; i < gr.length; i++) out[i] = gr[i] * dy;
      return out;
    });
  },
  "kineticReconstruction",
);

interface VelocityFitResiduals {
  /** The reconstruction loss's gradients for a unit cotangent (in input order). */
  grads: HostArray[];
  /** Each element's velocity partials (5 per element), while no later pass has overwritten them. */
  kept?: KeptJacobian;
}

/**
 * {@link kineticVelocity}'s velocity [N, G] and {@link kineticReconstruction}'s loss [] from one analytic solve per
 * element: a training step needs both at the same latent times and rates. Inputs as {@link kineticReconstruction}.
 * When a tape records, the forward pass also accumulates the loss's gradients (the loss is a scalar) and keeps
 * each element's five velocity partials (float64), so the backward pass is multiply-adds over 40 bytes per
 * element — where the two ops apart keep the 12 trajectory partials (96 bytes, written once and read by two
 * passes). Values equal the two ops'; gradients equal their sum up to the rounding of that sum.
 */
export const kineticVelocityFit = customVjp<ReconstructionAttrs, VelocityFitResiduals>(
  (inputs, attrs) => {
    const [t, onset] = inputs;
    const taping = isTaping();
    const store = taping && 5 * t.shape[0] * onset.shape[0] <= MAX_KEPT_VALUES;
    const p = prepare(inputs, attrs, 7, {
      ...fitArgs(inputs, attrs),
      grads: taping ? 1 : 0,
      store: store ? 1 : 0,
    });
    p.args.out0 = p.alloc(p.n * p.g);
    if (taping) {
      p.args.out1 = p.alloc(p.n * p.g);
      p.args.out2 = p.alloc(p.n * p.g);
    }
    const kept = store ? p.newJacobian() : undefined;
    if (kept) p.keep(kept);
    p.run();
    const loss = allocLike(p.like, 1);
    loss[0] = meanError(p);
    const residuals = taping
      ? { grads: [...gradientList(p.args, p.chunks, p.like), p.args.out1, p.args.out2], kept }
      : undefined;
    return {
      outputs: [
        { data: p.args.out0, shape: [p.n, p.g] },
        { data: loss, shape: [] },
      ],
      residuals,
    };
  },
  ({ inputs, cotangents, residuals, attrs }) => {
    const fit = residuals?.grads ?? (reconstructionPass(inputs, attrs, true).grads as HostArray[]);
    const dy = cotangents[1].data[0];
    const kept = residuals?.kept && isCurrent(residuals.kept) ? residuals.kept : undefined;
    const v = prepare(inputs.slice(0, 7), attrs, kept ? 8 : 3, { in0: cotangents[0].data });
    if (kept) v.keep(kept);
    v.run();
    const byVelocity = gradientList(v.args, v.chunks, v.like);
    // The velocity's gradients plus the loss's scaled by its cotangent (usually exactly 1: the observed data's
    // N × G gradients are then returned as they are, not copied).
    return fit.map((gr, a) => {
      if (a >= 7 && dy === 1) return gr;
      const out = a < 7 ? byVelocity[a] : allocLike(v.like, gr.length);
      if (dy === 1) for (let i = 0; i < gr.length; i++) out[i] += gr[i];
      else for (let i = 0; i < gr.length; i++) out[i] += gr[i] * dy;
      return out;
    });
  },
  "kineticVelocityFit",
);

/** The loss value and, if asked, its gradients for a unit cotangent (in input order). */
function reconstructionPass(
  inputs: readonly HostTensor[],
  attrs: ReconstructionAttrs,
  withGradients: boolean,
): { total: number; grads?: HostArray[] } {
  const cached =
    withGradients && sameInputs(inputs, attrs.switching) && lastJacobian !== null && isCurrent(lastJacobian.kept);
  const p = prepare(inputs, attrs, 5, {
    ...fitArgs(inputs, attrs),
    grads: withGradients ? 1 : 0,
    cached: cached ? 1 : 0,
  });
  if (cached && lastJacobian) p.keep(lastJacobian.kept);
  if (withGradients) {
    p.args.out0 = p.alloc(p.n * p.g);
    p.args.out1 = p.alloc(p.n * p.g);
  }
  p.run();
  const total = meanError(p);
  if (!withGradients) return { total };
  return { total, grads: [...gradientList(p.args, p.chunks, p.like), p.args.out0, p.args.out1] };
}

/** The observed data (inputs 7 and 8) and per-gene weights of the error passes (modes 5 and 7). */
function fitArgs(inputs: readonly HostTensor[], attrs: ReconstructionAttrs) {
  return {
    in0: inputs[7].data,
    in1: inputs[8].data,
    weightUnspliced: attrs.weightUnspliced,
    weightSpliced: attrs.weightSpliced,
  };
}

/** An error pass's loss: the chunks' weighted squared errors summed in chunk order, over the cells. */
function meanError(p: ReturnType<typeof prepare>): number {
  let total = 0;
  for (let c = 0; c < p.chunks; c++) total += p.args.totals[c];
  return total / p.n;
}
