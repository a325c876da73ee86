import { Rngs, setThreadCount, threadCount } from "@diffcell/core";
import { afterEach, describe, expect, it } from "vitest";
import { fitSteadyState } from "./steadyState.js";

/** scVelo's deterministic fit written out plainly: full sorts, one gene at a time (the reference). */
function byHand(s: Float32Array, u: Float32Array, n: number, g: number, j: number) {
  const col = (x: Float32Array) => Array.from({ length: n }, (_, i) => x[i * g + j]);
  const sj = col(s);
  const uj = col(u);
  const maxS = Math.max(0, ...sj);
  const maxU = Math.max(0, ...uj);
  const score = sj.map((v, i) => v / Math.max(maxS, 1e-3) + uj[i] / Math.max(maxU, 1e-3));
  const sorted = [...score].sort((a, b) => a - b);
  const pos = (n - 1) * 0.95;
  const bound = sorted[Math.floor(pos)] + (sorted[Math.ceil(pos)] - sorted[Math.floor(pos)]) * (pos - Math.floor(pos));
  let su = 0;
  let ss = 0;
  score.forEach((v, i) => {
    if (v >= bound) {
      su += sj[i] * uj[i];
      ss += sj[i] * sj[i];
    }
  });
  return ss > 0 ? su / ss : 0;
}

function data(n: number, g: number) {
  const r = new Rngs(7);
  const s = Float32Array.from(r.uniform(n * g, 0, 3));
  const ratio = r.uniform(g, 0.1, 2);
  const noise = r.normal(n * g, 0, 0.2);
  const u = Float32Array.from(s, (v, k) => Math.max(0, v * ratio[k % g] + noise[k]));
  return { s, u };
}

describe("fitSteadyState", () => {
  const before = threadCount();
  afterEach(() => setThreadCount(before));

  it("γ′ of every gene as the plain computation (sorted percentile, extreme cells, u on s through 0)", () => {
    const [n, g] = [300, 12];
    const { s, u } = data(n, g);
    const fit = fitSteadyState(s, u, n, g);
    for (let j = 0; j < g; j++) expect(fit.gamma[j]).toBeCloseTo(byHand(s, u, n, g, j), 10);
  });

  it("gives identical results on one thread and on the worker pool (genes in fixed chunks)", () => {
    const [n, g] = [4000, 1000]; // N·G at the pool's threshold
    const { s, u } = data(n, g);
    setThreadCount(1);
    const one = fitSteadyState(s, u, n, g);
    setThreadCount(2);
    const two = fitSteadyState(s, u, n, g);
    expect(Array.from(two.gamma)).toEqual(Array.from(one.gamma));
    expect(Array.from(two.r2)).toEqual(Array.from(one.r2));
    expect(Array.from(two.velocityGenes)).toEqual(Array.from(one.velocityGenes));
    expect(one.velocityGenes.some((v) => v === 1)).toBe(true);
    for (const j of [0, 499, 999]) expect(two.gamma[j]).toBeCloseTo(byHand(s, u, n, g, j), 10);
  });
});
