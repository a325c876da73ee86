/**
 * kNN at sizes where exact search grows as N²: NN-descent (pp's approximate search, `knnGraph(…,
 * { approximate: true })`) against exact search (core's GEMM-blocked knn) on the same points, with the
 * recall of the approximate lists against the exact ones (fraction of true neighbours found). Points: 30
 * dimensions, a mixture of 40 Gaussian clusters (like a PCA embedding). 20k cells by default; `--large` adds
 * 100k (exact search there takes minutes).
 */
import { knn, Rngs } from "@diffcell/core";
import { knnGraph } from "@diffcell/pp";
import type { BenchCase } from "../harness.js";

function points(n: number, d: number, seed: number): Float32Array {
  const r = new Rngs(seed);
  const centres = r.normal(40 * d, 0, 4);
  const noise = r.normal(n * d, 0, 1);
  const which = r.uniform(n, 0, 40);
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(which[i]);
    for (let f = 0; f < d; f++) out[i * d + f] = centres[c * d + f] + noise[i * d + f];
  }
  return out;
}

function recall(exact: Int32Array, approx: Int32Array, n: number, k: number): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const truth = new Set(exact.subarray(i * k, (i + 1) * k));
    for (let r = 0; r < k; r++) if (truth.has(approx[i * k + r])) hits++;
  }
  return hits / (n * k);
}

export default function knnCases(): BenchCase[] {
  const sizes = process.env.DIFFCELL_BENCH_LARGE ? [20_000, 100_000] : [20_000];
  return sizes.map((n) => {
    const d = 30;
    const k = 30;
    const x = { data: points(n, d, 1), rows: n, cols: d };
    let exact: Int32Array | null = null;
    let approx: Int32Array | null = null;
    return {
      group: "knn",
      name: `NN-descent ${n} × ${d}, k = ${k}`,
      run: () => {
        approx = knnGraph(x, k, { approximate: true, rngs: new Rngs(0) }).indices;
      },
      baseline: {
        name: "exact kNN (core knn, GEMM blocks)",
        run: () => {
          exact = knn(x, k).indices;
        },
      },
      repeats: 1,
      warmup: 0,
      teardown: () => {
        if (exact && approx)
          console.log(`    recall of NN-descent against exact: ${recall(exact, approx, n, k).toFixed(4)}`);
      },
    };
  });
}
