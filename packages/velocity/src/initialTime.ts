import { knn, ShapeError } from "@diffcell/core";
import { orientationScores } from "./orientation.js";
import type { SteadyStateFit } from "./steadyState.js";
import { velocityGraph } from "./trajectory/graph.js";
import { velocityPseudotime } from "./trajectory/pseudotime.js";

export interface InitialTimeOptions {
  /** kNN lists N × k (the cell itself may be included), e.g. the pipeline's neighbour graph. */
  neighbors: Int32Array;
  /** Seed of the diffusion components' Lanczos start (the result does not depend on it beyond rounding). */
  seed?: number;
  /**
   * Non-trivial diffusion components whose two ends are also tried as roots (default 3). The ordering with the
   * largest |orientationScore| wins: on branched data the velocity pseudotime's root can sit at a branch tip.
   */
  alternatives?: number;
  /**
   * Cell coordinates (N × cols row-major, e.g. `X_pca`). With more than `maxCells` cells, the ordering is found
   * on `maxCells` cells spread evenly over the rows (their own kNN in this space) and carried to the others
   * through the kNN graph; without it, all cells are used.
   */
  embedding?: { data: ArrayLike<number>; cols: number };
  /** See `embedding` (default {@link INITIAL_TIME_MAX_CELLS}). */
  maxCells?: number;
}

/**
 * Above this many cells the starting time is found on a subsample (`InitialTimeOptions.embedding`). The
 * velocity graph and pseudotime cost grows with N times the recursive neighbourhood (~240 cells): 154 s of an
 * 815 s run on 100k cells. The starting time only seeds the fit; training refines every cell's own time.
 */
export const INITIAL_TIME_MAX_CELLS = 10_000;

export interface InitialTime {
  /** Per cell, (rank + ½)/N of the oriented steady-state velocity pseudotime: uniform on (0, 1). */
  time: Float64Array;
  /** `orientationScore` of the chosen ordering as computed (> 0: it already ran with the splicing). */
  orientation: number;
  /** Whether the pseudotime was turned around (time = 1 − rank) to run with the splicing. */
  reversed: boolean;
  /** Which ordering won: 0 the velocity pseudotime, c > 0 the diffusion pseudotime from alternative root c. */
  candidate: number;
}

/**
 * A deterministic starting latent time, decided from the data once: scVelo's steady-state velocity
 * (u − γ′s on the velocity genes) → velocity graph → velocity pseudotime, made uniform by rank, and
 * oriented so that it runs the way the splicing says (`orientationScore` > 0; reversed otherwise). The
 * diffusion pseudotimes from the ends of the leading diffusion components compete with it: the ordering (and
 * direction) the splicing agrees with most, |orientationScore|, is kept — on a branched trajectory the
 * velocity pseudotime's root can fall at a branch tip, giving an ordering that is half reversed.
 *
 * Why: the kinetic loss has a time-reversed minimum and, from a random start, training falls into it at some
 * seeds (pancreas: 3 of 10 seeds ended reversed or scrambled, latent-time Spearman 0.0 / 0.88 / −0.43, with
 * CBDir 0.03–0.24 against 0.43–0.44 for the others). Starting the time encoder from this ordering puts every
 * seed in the same basin; the model then refines the time through the kinetics.
 */
export function initialLatentTime(
  spliced: ArrayLike<number>,
  unspliced: ArrayLike<number>,
  n: number,
  g: number,
  steady: Pick<SteadyStateFit, "gamma" | "velocityGenes">,
  options: InitialTimeOptions,
): InitialTime {
  if (spliced.length !== n * g) throw new ShapeError("spliced", `[${n}, ${g}]`, `${spliced.length} values`);
  if (unspliced.length !== n * g) throw new ShapeError("unspliced", `[${n}, ${g}]`, `${unspliced.length} values`);
  const embedding = options.embedding;
  if (embedding && embedding.data.length !== n * embedding.cols)
    throw new ShapeError("embedding", `[${n}, ${embedding.cols}]`, `${embedding.data.length} values`);
  const maxCells = options.maxCells ?? INITIAL_TIME_MAX_CELLS;
  if (embedding && n > maxCells) return subsampledTime(spliced, unspliced, n, g, steady, options, maxCells);
  const genes: number[] = [];
  for (let j = 0; j < g; j++) if (steady.velocityGenes[j]) genes.push(j);
  const m = genes.length;
  // Gene-subset copies (the graph and the orientation score only look at the velocity genes).
  const s = new Float64Array(n * m);
  const u = new Float64Array(n * m);
  const v = new Float32Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < m; c++) {
      const j = genes[c];
      s[i * m + c] = spliced[i * g + j];
      u[i * m + c] = unspliced[i * g + j];
      v[i * m + c] = u[i * m + c] - steady.gamma[j] * s[i * m + c];
    }
  }
  // In linear expression. (The per-gene standardised metric of the final graph gave pancreas a better starting
  // order, Spearman 0.948 against 0.882, but the same final CBDir, and on the 300-cell consumer simulation it
  // lowered the final latent time's Spearman from 0.58–0.71 to 0.09–0.79 over seeds 0–4.)
  const graph = velocityGraph(v, s, n, m, { neighbors: options.neighbors });
  const { pseudotime, alternatives } = velocityPseudotime(graph, {
    neighbors: options.neighbors,
    seed: options.seed,
    alternatives: options.alternatives ?? 3,
  });
  const gamma = genes.map((j) => steady.gamma[j]);
  // Each candidate ordering, made uniform by rank, scored both ways round by the splicing; the best is kept.
  const candidates = [pseudotime, ...alternatives].map(rankUniform);
  const scores = orientationScores(s, u, n, m, gamma, candidates);
  let best: InitialTime = { time: new Float64Array(n), orientation: 0, reversed: false, candidate: -1 };
  candidates.forEach((time, c) => {
    const orientation = scores[c];
    if (best.candidate < 0 || Math.abs(orientation) > Math.abs(best.orientation))
      best = { time, orientation, reversed: orientation < 0, candidate: c };
  });
  const { time, orientation, reversed, candidate } = best;
  if (reversed) for (let i = 0; i < n; i++) time[i] = 1 - time[i];
  return { time, orientation, reversed, candidate };
}

function rankUniform(x: ArrayLike<number>): Float64Array {
  const n = x.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => x[a] - x[b] || a - b);
  const time = new Float64Array(n);
  order.forEach((i, r) => {
    time[i] = (r + 0.5) / n;
  });
  return time;
}

/**
 * `initialLatentTime` on `size` cells spread evenly over the rows (rows ⌊(c + ½)·N/size⌋, no randomness), with
 * their own kNN in `options.embedding`; the other cells take the mean time of the subsample cells among their
 * kNN, then (in sweeps, each from the previous sweep's values only) of any timed neighbours; finally all times
 * are made uniform by rank again.
 */
function subsampledTime(
  spliced: ArrayLike<number>,
  unspliced: ArrayLike<number>,
  n: number,
  g: number,
  steady: Pick<SteadyStateFit, "gamma" | "velocityGenes">,
  options: InitialTimeOptions,
  size: number,
): InitialTime {
  const embedding = options.embedding as { data: ArrayLike<number>; cols: number };
  const d = embedding.cols;
  const k = options.neighbors.length / n;
  const rows = Int32Array.from({ length: size }, (_, c) => Math.floor(((c + 0.5) * n) / size));
  const take = (x: ArrayLike<number>, width: number) => {
    const out = new Float32Array(size * width);
    rows.forEach((i, c) => {
      for (let j = 0; j < width; j++) out[c * width + j] = x[i * width + j];
    });
    return out;
  };
  const subNeighbors = knn({ data: take(embedding.data, d), rows: size, cols: d }, Math.min(k, size)).indices;
  const sub = initialLatentTime(take(spliced, g), take(unspliced, g), size, g, steady, {
    ...options,
    neighbors: subNeighbors,
    embedding: undefined,
  });
  const time = new Float64Array(n).fill(Number.NaN);
  rows.forEach((i, c) => {
    time[i] = sub.time[c];
  });
  // Carry the times over the kNN graph, sweep by sweep (order-independent: each sweep reads the previous one),
  // until every cell is timed or a sweep reaches no new cell.
  let untimed = n - size;
  while (untimed > 0) {
    const next = Float64Array.from(time);
    let missing = 0;
    for (let i = 0; i < n; i++) {
      if (!Number.isNaN(time[i])) continue;
      let sum = 0;
      let count = 0;
      for (let r = 0; r < k; r++) {
        const j = options.neighbors[i * k + r];
        const t = j >= 0 ? time[j] : Number.NaN; // −1: a missing neighbour
        if (!Number.isNaN(t)) {
          sum += t;
          count++;
        }
      }
      if (count > 0) next[i] = sum / count;
      else missing++;
    }
    time.set(next);
    if (missing === untimed) break;
    untimed = missing;
  }
  // Cells the graph never reached (a component without subsample cells) start in the middle.
  for (let i = 0; i < n; i++) if (Number.isNaN(time[i])) time[i] = 0.5;
  return { ...sub, time: rankUniform(time) };
}
