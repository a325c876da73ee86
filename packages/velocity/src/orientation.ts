import {
  defineKernel,
  type KernelArgs,
  type ParallelKernel,
  releaseWorkerMemory,
  runChunks,
  ShapeError,
  sharedFloat64,
  toShared,
  useThreads,
} from "@diffcell/core";

/**
 * Which way does latent time run? RNA velocity's own answer: where a gene's unspliced abundance is above
 * its steady-state line (u > γ′s, scVelo's steady-state velocity), its spliced abundance is rising. For
 * each cell and gene, compare the steady-state velocity u − γ′s with the change of s towards the cell's
 * later neighbours (mean over kNN with larger latent time minus mean over kNN with smaller). The score is
 * the mean over genes of the per-gene correlation of the two (uncentred, over cells): positive, time runs
 * the way the splicing says; negative, it runs backwards. Per gene, so that a few highly expressed genes
 * with a poor steady-state fit cannot outvote the rest (pooling all genes into one correlation did exactly
 * that on noisy simulated counts, where it came out ≈ 0 even for the true time).
 */
export function orientationScore(
  spliced: ArrayLike<number>,
  unspliced: ArrayLike<number>,
  n: number,
  g: number,
  gamma: ArrayLike<number>,
  latentTime: ArrayLike<number>,
  neighbors: Int32Array,
): number {
  return orientationScores(spliced, unspliced, n, g, gamma, [latentTime], neighbors)[0];
}

/**
 * {@link orientationScore} of several candidate orderings of the same cells: one candidate per chunk of
 * core's worker pool (each score computed whole on one thread, so the same bits on any thread count).
 */
export function orientationScores(
  spliced: ArrayLike<number>,
  unspliced: ArrayLike<number>,
  n: number,
  g: number,
  gamma: ArrayLike<number>,
  times: ArrayLike<number>[],
  neighbors: Int32Array,
): Float64Array {
  if (spliced.length !== n * g) throw new ShapeError("spliced", `[${n}, ${g}]`, `${spliced.length} values`);
  if (unspliced.length !== n * g) throw new ShapeError("unspliced", `[${n}, ${g}]`, `${unspliced.length} values`);
  const time = new Float64Array(times.length * n);
  times.forEach((t, c) => {
    if (t.length !== n) throw new ShapeError("latentTime", `[${n}]`, [t.length]);
    time.set(t, c * n);
  });
  const parallel = useThreads(times.length, n * g * times.length, 50_000);
  // The abundances are read where they are on one thread; for the pool, one copy into fresh shared memory
  // (not the pool's persistent slots: 100 MB on 33k cells), let go from the workers afterwards.
  const shared = (x: ArrayLike<number>): ArrayLike<number> => {
    if (!parallel) return x;
    if (x instanceof Float32Array || x instanceof Float64Array) return toShared(x);
    const out = sharedFloat64(x.length);
    out.set(x);
    return out;
  };
  const args: OrientationArgs = {
    n,
    g,
    k: neighbors.length / n,
    s: shared(spliced),
    u: shared(unspliced),
    gamma: Float64Array.from(gamma),
    time: parallel ? toShared(time) : time,
    neighbors: parallel ? toShared(neighbors) : neighbors,
    scores: new Float64Array(times.length),
  };
  runChunks(ORIENTATION_KERNEL, args as unknown as KernelArgs, times.length, parallel, ["scores"]);
  if (parallel) releaseWorkerMemory();
  return args.scores;
}

interface OrientationArgs {
  n: number;
  g: number;
  k: number;
  s: ArrayLike<number>;
  u: ArrayLike<number>;
  gamma: Float64Array;
  /** Candidate c's time of cell i at c·n + i. */
  time: Float64Array;
  neighbors: Int32Array;
  scores: Float64Array;
}

/** Chunk c: the score of candidate c (self-contained: shipped to worker threads). */
function orientationChunk(a: OrientationArgs, chunk: number): void {
  const { n, g, k, s, u, gamma, neighbors } = a;
  const t = a.time.subarray(chunk * n, (chunk + 1) * n);
  const sxy = new Float64Array(g);
  const sxx = new Float64Array(g);
  const syy = new Float64Array(g);
  const later = new Float64Array(g);
  const earlier = new Float64Array(g);
  for (let i = 0; i < n; i++) {
    later.fill(0);
    earlier.fill(0);
    let nLater = 0;
    let nEarlier = 0;
    for (let r = 0; r < k; r++) {
      const j = neighbors[i * k + r];
      if (j === i) continue;
      const target = t[j] > t[i] ? later : earlier;
      if (t[j] > t[i]) nLater++;
      else nEarlier++;
      for (let c = 0; c < g; c++) target[c] += s[j * g + c];
    }
    if (nLater === 0 || nEarlier === 0) continue;
    for (let c = 0; c < g; c++) {
      const ds = later[c] / nLater - earlier[c] / nEarlier;
      const v = u[i * g + c] - gamma[c] * s[i * g + c];
      sxy[c] += ds * v;
      sxx[c] += v * v;
      syy[c] += ds * ds;
    }
  }
  let total = 0;
  let genes = 0;
  for (let c = 0; c < g; c++) {
    if (!(sxx[c] > 0 && syy[c] > 0)) continue;
    total += sxy[c] / Math.sqrt(sxx[c] * syy[c]);
    genes++;
  }
  a.scores[chunk] = genes > 0 ? total / genes : 0;
}

const ORIENTATION_KERNEL: ParallelKernel = defineKernel("velocity.orientation", orientationChunk);
