import {
  checkGrad,
  type HostTensor,
  Rngs,
  SOLUTION_SIZE,
  solveInterval,
  splicedAt,
  tf,
  unsplicedAt,
} from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { eulerCoefficients, eulerProject, eulerProjection } from "./euler.js";
import {
  kineticReconstruction,
  kineticState,
  kineticTrajectory,
  kineticVelocity,
  kineticVelocityFit,
} from "./trajectory.js";

const rngs = new Rngs(11);
const host = (values: ArrayLike<number>, shape: number[]): HostTensor => ({ data: Float64Array.from(values), shape });
const positive = (n: number, lo: number, hi: number) => rngs.uniform(n, lo, hi);

describe("solveInterval", () => {
  it("values agree with core's solution and every partial with finite differences", () => {
    const args = [0.7, 1.3, 2.1, 0.8, 0.35, 1.7];
    const out = new Float64Array(SOLUTION_SIZE);
    solveInterval(args[0], args[1], args[2], args[3], args[4], args[5], out);
    expect(out[0]).toBeCloseTo(unsplicedAt(args[0], args[2], args[3], args[5]), 12);
    expect(out[1]).toBeCloseTo(splicedAt(args[0], args[1], args[2], args[3], args[4], args[5]), 12);
    // [output index, argument index] pairs for every partial the function reports.
    const partials: Array<[number, number, number]> = [
      [2, 0, 0],
      [3, 0, 2],
      [4, 0, 3],
      [5, 0, 5],
      [6, 1, 1],
      [7, 1, 0],
      [8, 1, 2],
      [9, 1, 3],
      [10, 1, 4],
      [11, 1, 5],
    ];
    for (const [slot, which, arg] of partials) {
      const h = 1e-6;
      const up = [...args];
      const down = [...args];
      up[arg] += h;
      down[arg] -= h;
      const a = new Float64Array(SOLUTION_SIZE);
      const b = new Float64Array(SOLUTION_SIZE);
      solveInterval(up[0], up[1], up[2], up[3], up[4], up[5], a);
      solveInterval(down[0], down[1], down[2], down[3], down[4], down[5], b);
      expect(out[slot]).toBeCloseTo((a[which] - b[which]) / (2 * h), 7);
    }
  });

  it("stays finite and continuous through β = γ", () => {
    const a = new Float64Array(SOLUTION_SIZE);
    const b = new Float64Array(SOLUTION_SIZE);
    solveInterval(0.5, 0.2, 1, 0.4, 0.4, 2, a);
    solveInterval(0.5, 0.2, 1, 0.4, 0.4 + 1e-7, 2, b);
    for (let i = 0; i < SOLUTION_SIZE; i++) {
      expect(Number.isFinite(a[i])).toBe(true);
      expect(a[i]).toBeCloseTo(b[i], 5);
    }
  });
});

describe("eulerProjection", () => {
  const n = 6;
  const g = 5;
  const attrs = { dt: 0.1, nSteps: 10 };

  it("matches a direct Euler loop, fast path and clamped path", () => {
    const u = Float32Array.from(positive(n * g, 0, 3));
    const s = Float32Array.from(positive(n * g, 0, 5));
    // Gene 3 has β·dt > 1, so its unspliced state overshoots below zero and the clamp matters.
    const alpha = [1, 0.5, 2, 0.1, 1];
    const beta = [0.5, 0.2, 1.5, 14, 0.9];
    const gamma = [0.2, 0.8, 0.1, 0.5, 12];
    const [p] = eulerProjection(
      [tf.tensor2d(u, [n, g]), tf.tensor2d(s, [n, g]), tf.tensor1d(alpha), tf.tensor1d(beta), tf.tensor1d(gamma)],
      attrs,
    );
    const pd = p.dataSync();
    for (let i = 0; i < n; i++)
      for (let j = 0; j < g; j++) {
        let uu = u[i * g + j];
        let ss = s[i * g + j];
        for (let k = 0; k < 10; k++) {
          const nu = Math.max(0, uu + 0.1 * (alpha[j] - beta[j] * uu));
          ss = Math.max(0, ss + 0.1 * (beta[j] * uu - gamma[j] * ss));
          uu = nu;
        }
        expect(pd[i * g + j]).toBeCloseTo(ss, 4);
      }
  });

  it("passes the float64 gradient check on both paths", () => {
    const inputs = [
      host(positive(n * g, 0.1, 3), [n, g]),
      host(positive(n * g, 0.1, 5), [n, g]),
      host([1, 0.5, 2, 0.1, 1], [g]),
      host([0.5, 0.2, 1.5, 14, 0.9], [g]),
      host([0.2, 0.8, 0.1, 0.5, 12], [g]),
    ];
    const report = checkGrad(eulerProjection, inputs, attrs, { maxEntriesPerInput: 30 });
    expect(report.ok, report.message).toBe(true);
    // With a negative input the gene leaves the fast path; gradients must stay right there too.
    inputs[1].data[2] = -0.3;
    const report2 = checkGrad(eulerProjection, inputs, attrs, { maxEntriesPerInput: 30 });
    expect(report2.ok, report2.message).toBe(true);
  });
});

describe("eulerProject (the affine form on the backend when every gene allows it)", () => {
  const n = 40;
  const g = 6;
  const attrs = { dt: 0.1, nSteps: 10 };
  const r = new Rngs(21);
  const u = tf.tensor2d(Float32Array.from(r.uniform(n * g, 0, 3)), [n, g]);
  const s = tf.tensor2d(Float32Array.from(r.uniform(n * g, 0, 5)), [n, g]);
  const rates = (beta3: number) => [
    tf.tensor1d([1, 0.5, 2, 0.1, 1, 3]),
    tf.tensor1d([0.5, 0.2, 1.5, beta3, 0.9, 4]),
    tf.tensor1d([0.2, 0.8, 0.1, 0.5, 9, 0.3]),
  ];
  const both = (beta3: number) => {
    const [a, b, c] = rates(beta3);
    const cot = tf.tensor2d(Float32Array.from(r.normal(n * g, 0, 1)), [n, g]);
    const run = (f: (x: tf.Tensor[]) => tf.Tensor) => {
      const value = f([u, s, a, b, c]).dataSync();
      const grads = tf.grads((...x: tf.Tensor[]) => tf.sum(tf.mul(f(x), cot)))([u, s, a, b, c]);
      const out = { value: Array.from(value), grads: grads.map((t) => Array.from(t.dataSync())) };
      tf.dispose(grads);
      return out;
    };
    const fused = run((x) => eulerProjection(x, attrs)[0]);
    const project = run((x) => eulerProject(x[0], x[1], x[2], x[3], x[4], attrs));
    tf.dispose([a, b, c, cot]);
    return { fused, project };
  };

  it("equals the fused kernel's values and gradients (u, s, α, β, γ) when every gene is affine", () => {
    const { fused, project } = both(2);
    const close = (x: number[], y: number[]) => {
      let scale = 0;
      for (const v of y) scale = Math.max(scale, Math.abs(v));
      for (let k = 0; k < y.length; k++) expect(Math.abs(x[k] - y[k])).toBeLessThanOrEqual(1e-5 * scale + 1e-6);
    };
    close(project.value, fused.value);
    for (const [i, gr] of fused.grads.entries()) close(project.grads[i], gr);
  });

  it("falls back to the fused kernel, bit for bit, when a gene would clamp (β·dt > 1)", () => {
    const { fused, project } = both(14);
    expect(project).toEqual(fused);
  });

  it("coefficients pass the float64 gradient check", () => {
    const inputs = [host([1, 0.5, 2], [3]), host([0.5, 0.2, 1.5], [3]), host([0.2, 0.8, 0.1], [3])];
    const report = checkGrad(eulerCoefficients, inputs, attrs, { maxEntriesPerInput: 3 });
    expect(report.ok, report.message).toBe(true);
  });
});

describe("kineticTrajectory / kineticReconstruction", () => {
  const n = 7;
  const g = 4;
  const t = positive(n, 0.02, 0.98);
  const params = {
    onset: [-0.1, 0.05, 0.2, -0.3],
    duration: [0.5, 0.3, 2, 0.45],
    alpha: [3, 1.5, 4, 2],
    beta: [2, 5, 3, 2.5],
    gamma: [1, 5, 0.5, 4], // gene 1 has β = γ
    scale: [1, 0.5, 2, 1.3],
  };
  const trajectoryInputs = (): HostTensor[] => [
    host(t, [n]),
    host(params.onset, [g]),
    host(params.duration, [g]),
    host(params.alpha, [g]),
    host(params.beta, [g]),
    host(params.gamma, [g]),
    host(params.scale, [g]),
  ];

  it("switching trajectory matches the piecewise analytic solution", () => {
    const [uHat, sHat] = kineticTrajectory(
      trajectoryInputs().map((h) => tf.tensor(Float32Array.from(h.data), [...h.shape])),
      { switching: true },
    );
    const ud = uHat.dataSync();
    const sd = sHat.dataSync();
    for (let i = 0; i < n; i++)
      for (let j = 0; j < g; j++) {
        const tau = t[i] - params.onset[j];
        let u = 0;
        let s = 0;
        if (tau > 0) {
          const d1 = Math.min(tau, params.duration[j]);
          u = unsplicedAt(0, params.alpha[j], params.beta[j], d1);
          s = splicedAt(0, 0, params.alpha[j], params.beta[j], params.gamma[j], d1);
          if (tau > params.duration[j]) {
            const d2 = tau - params.duration[j];
            const u2 = unsplicedAt(u, 0, params.beta[j], d2);
            s = splicedAt(u, s, 0, params.beta[j], params.gamma[j], d2);
            u = u2;
          }
        }
        expect(ud[i * g + j]).toBeCloseTo(params.scale[j] * u, 4);
        expect(sd[i * g + j]).toBeCloseTo(s, 4);
      }
  });

  it.each([true, false])("gradient check (switching = %s)", (switching) => {
    const report = checkGrad(kineticTrajectory, trajectoryInputs(), { switching });
    expect(report.ok, report.message).toBe(true);
    const velocityReport = checkGrad(kineticVelocity, trajectoryInputs(), { switching });
    expect(velocityReport.ok, velocityReport.message).toBe(true);
  });

  it("cell-specific α [N, G]: equals per-gene α when rows agree, and passes the gradient checks", () => {
    const perGene = trajectoryInputs();
    const perCell = trajectoryInputs();
    perCell[3] = host(
      Array.from({ length: n * g }, (_, k) => params.alpha[k % g]),
      [n, g],
    );
    for (const switching of [true, false]) {
      const a = kineticTrajectory.forward(perGene, { switching }).outputs;
      const b = kineticTrajectory.forward(perCell, { switching }).outputs;
      for (let k = 0; k < n * g; k++) {
        expect(b[0].data[k]).toBeCloseTo(a[0].data[k], 12);
        expect(b[1].data[k]).toBeCloseTo(a[1].data[k], 12);
      }
    }
    const varied = trajectoryInputs();
    varied[3] = host(rngs.uniform(n * g, 0.5, 4), [n, g]);
    for (const report of [
      checkGrad(kineticTrajectory, varied, { switching: true }),
      checkGrad(kineticVelocity, varied, { switching: true }),
    ]) {
      expect(report.ok, report.message).toBe(true);
    }
    const attrs = {
      switching: true,
      weightUnspliced: Float64Array.from([1, 1, 1, 1]),
      weightSpliced: Float64Array.from([1, 1, 1, 1]),
    };
    const withObs = [...varied, host(rngs.uniform(n * g), [n, g]), host(rngs.uniform(n * g), [n, g])];
    const report = checkGrad(kineticReconstruction, withObs, attrs);
    expect(report.ok, report.message).toBe(true);
  });

  it("model velocity is β·u − γ·s of the unscaled predicted state", () => {
    const inputs = trajectoryInputs();
    const [uHat, sHat] = kineticTrajectory.forward(inputs, { switching: true }).outputs;
    const [v] = kineticVelocity.forward(inputs, { switching: true }).outputs;
    for (let k = 0; k < n * g; k++) {
      const j = k % g;
      expect(v.data[k]).toBeCloseTo(
        (params.beta[j] * uHat.data[k]) / params.scale[j] - params.gamma[j] * sHat.data[k],
        10,
      );
    }
  });

  it.each([true, false])(
    "kineticState: velocity and (û, ŝ) in one pass, the separate ops' values exactly; gradient check (switching = %s)",
    (switching) => {
      for (const perCell of [false, true]) {
        const inputs = trajectoryInputs();
        if (perCell) inputs[3] = host(rngs.uniform(n * g, 0.5, 4), [n, g]);
        const [v, u, s] = kineticState.forward(inputs, { switching }).outputs;
        const [u0, s0] = kineticTrajectory.forward(inputs, { switching }).outputs;
        const [v0] = kineticVelocity.forward(inputs, { switching }).outputs;
        expect(Array.from(v.data)).toEqual(Array.from(v0.data));
        expect(Array.from(u.data)).toEqual(Array.from(u0.data));
        expect(Array.from(s.data)).toEqual(Array.from(s0.data));
        const report = checkGrad(kineticState, inputs, { switching });
        expect(report.ok, report.message).toBe(true);
      }
    },
  );

  it.each([true, false])(
    "kineticVelocityFit: the velocity and reconstruction ops' values exactly; gradient check (switching = %s)",
    (switching) => {
      for (const perCell of [false, true]) {
        const trajectory = trajectoryInputs();
        if (perCell) trajectory[3] = host(rngs.uniform(n * g, 0.5, 4), [n, g]);
        const attrs = {
          switching,
          weightUnspliced: Float64Array.from([1, 2, 0.5, 1]),
          weightSpliced: Float64Array.from([0.3, 1, 1, 2]),
        };
        const inputs = [...trajectory, host(positive(n * g, 0, 2), [n, g]), host(positive(n * g, 0, 2), [n, g])];
        const [v, loss] = kineticVelocityFit.forward(inputs, attrs).outputs;
        const [v0] = kineticVelocity.forward(trajectory, { switching }).outputs;
        const [loss0] = kineticReconstruction.forward(inputs, attrs).outputs;
        expect(Array.from(v.data)).toEqual(Array.from(v0.data));
        expect(loss.data[0]).toBe(loss0.data[0]);
        const report = checkGrad(kineticVelocityFit, inputs, attrs);
        expect(report.ok, report.message).toBe(true);
      }
    },
  );

  it("reconstruction loss: value by hand and float64 gradient check", () => {
    const uObs = positive(n * g, 0, 2);
    const sObs = positive(n * g, 0, 2);
    const attrs = {
      switching: true,
      weightUnspliced: Float64Array.from([1, 2, 0.5, 1]),
      weightSpliced: Float64Array.from([0.3, 1, 1, 2]),
    };
    const inputs = [...trajectoryInputs(), host(uObs, [n, g]), host(sObs, [n, g])];
    const { outputs } = kineticReconstruction.forward(inputs, attrs);
    const [uHat, sHat] = kineticTrajectory.forward(trajectoryInputs(), { switching: true }).outputs;
    let expected = 0;
    for (let k = 0; k < n * g; k++) {
      const j = k % g;
      expected +=
        attrs.weightUnspliced[j] * (uHat.data[k] - uObs[k]) ** 2 +
        attrs.weightSpliced[j] * (sHat.data[k] - sObs[k]) ** 2;
    }
    expect(outputs[0].data[0]).toBeCloseTo(expected / n, 10);
    const report = checkGrad(kineticReconstruction, inputs, attrs);
    expect(report.ok, report.message).toBe(true);
  });
});
