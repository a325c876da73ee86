import { checkGrad, type HostTensor, Rngs, tf } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { VelocityConsistencyLoss } from "./consistency.js";
import { lgamma, negativeBinomialLogLikelihood, poissonLogLikelihood } from "./countLikelihood.js";
import { neighborCosineLoss } from "./neighborCosine.js";
import { reconstructionLoss } from "./reconstruction.js";
import { digammaOp, digammaScalar, lgammaOp, logGammaScalar, trigammaScalar } from "./specialFunctions.js";

const rngs = new Rngs(21);

describe("special functions", () => {
  it("hand values", () => {
    expect(logGammaScalar(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(logGammaScalar(10)).toBeCloseTo(Math.log(362880), 12);
    expect(logGammaScalar(1)).toBeCloseTo(0, 12);
    expect(logGammaScalar(1e-3)).toBeCloseTo(6.907178885383854, 12); // scipy.special.gammaln(1e-3)
    expect(digammaScalar(1)).toBeCloseTo(-0.5772156649015329, 14);
    expect(digammaScalar(0.5)).toBeCloseTo(-0.5772156649015329 - 2 * Math.LN2, 14);
    expect(trigammaScalar(1)).toBeCloseTo(Math.PI ** 2 / 6, 13);
    expect(trigammaScalar(0.5)).toBeCloseTo(Math.PI ** 2 / 2, 12);
    expect(Number.isNaN(logGammaScalar(-1))).toBe(true);
  });

  it("gradient checks", () => {
    const x: HostTensor = { data: Float64Array.from([0.3, 1.7, 9, 40]), shape: [4] };
    expect(checkGrad(lgammaOp, [x], null).ok).toBe(true);
    expect(checkGrad(digammaOp, [x], null).ok).toBe(true);
  });
});

describe("count likelihoods", () => {
  it("negative binomial and Poisson match hand-computed values", () => {
    const x = tf.tensor1d([0, 3, 10]);
    const mu = tf.tensor1d([2, 2, 8]);
    const theta = tf.tensor1d([5, 0.5, 20]);
    const nb = negativeBinomialLogLikelihood(x, mu, theta).dataSync();
    const expected = [0, 3, 10].map((xi, i) => {
      const m = [2, 2, 8][i];
      const th = [5, 0.5, 20][i];
      return (
        logGammaScalar(xi + th) -
        logGammaScalar(th) -
        logGammaScalar(xi + 1) +
        th * Math.log(th / (th + m)) +
        xi * Math.log(m / (th + m))
      );
    });
    // x = 0, μ = 2, θ = 5: P(0) = (5/7)^5
    expect(nb[0]).toBeCloseTo(5 * Math.log(5 / 7), 4);
    for (let i = 0; i < 3; i++) expect(nb[i]).toBeCloseTo(expected[i], 4);
    const pois = poissonLogLikelihood(x, mu).dataSync();
    expect(pois[1]).toBeCloseTo(3 * Math.log(2) - 2 - Math.log(6), 5);
    const report = checkGrad(
      (m: tf.Tensor, t: tf.Tensor) => tf.sum(negativeBinomialLogLikelihood(x, m, t)),
      [mu, theta],
    );
    expect(report.ok, report.message).toBe(true);
    expect(() => poissonLogLikelihood(tf.tensor1d([-1]), mu)).toThrow("counts: value -1; expected finite counts ≥ 0");
    expect(lgamma(tf.tensor1d([5])).dataSync()[0]).toBeCloseTo(Math.log(24), 5);
    tf.dispose([x, mu, theta]);
  });
});

describe("reconstructionLoss", () => {
  it("is the MSE", () => {
    const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const b = tf.tensor2d([1, 0, 3, 1], [2, 2]);
    expect(reconstructionLoss(a, b).dataSync()[0]).toBeCloseTo((4 + 9) / 4, 6);
    expect(() => reconstructionLoss(a, tf.zeros([4]))).toThrow("projected: expected shape");
  });
});

describe("VelocityConsistencyLoss", () => {
  it("hand-computed value on three cells", () => {
    // Cells on a line at x = 0, 1, 3; all velocities point in +x. Neighbours: the two other cells.
    // Cell 0: cosines (+1, +1) → loss 0. Cell 2: cosines (−1, −1) → loss 2. Cell 1: cosines (−1 to cell 0, +1 to
    // cell 2), p = softmax(c/T): p(+1) = e/(e + 1/e) with T = 1 → expected cos = (e − 1/e)/(e + 1/e) = tanh(1).
    const x = tf.tensor2d([0, 0, 1, 0, 3, 0], [3, 2]);
    const v = tf.tensor2d([1, 0, 1, 0, 1, 0], [3, 2]);
    const loss = new VelocityConsistencyLoss({ temperature: 1 });
    const neighbors = Int32Array.from([1, 2, 0, 2, 0, 1]);
    const value = loss(v, x, x, { neighbors }).dataSync()[0];
    expect(value).toBeCloseTo((0 + (1 - Math.tanh(1)) + 2) / 3, 5);
    // Ordering term by hand: penalty(gap) = τ·softplus(gap/τ) with gap = t_i − t_j, τ = 0.05, weight 1.
    const penalty = (gap: number) => 0.05 * Math.log1p(Math.exp(gap / 0.05));
    const pForward = Math.exp(1) / (Math.exp(1) + Math.exp(-1)); // cell 1's probability of moving to cell 2
    const ordering = (t: number[]) =>
      (0.5 * penalty(t[0] - t[1]) +
        0.5 * penalty(t[0] - t[2]) +
        (1 - pForward) * penalty(t[1] - t[0]) +
        pForward * penalty(t[1] - t[2]) +
        0.5 * penalty(t[2] - t[0]) +
        0.5 * penalty(t[2] - t[1])) /
      3;
    const forward = loss(v, x, x, { neighbors, latentTime: tf.tensor1d([0, 0.5, 1]) }).dataSync()[0];
    const backward = loss(v, x, x, { neighbors, latentTime: tf.tensor1d([1, 0.5, 0]) }).dataSync()[0];
    expect(forward - value).toBeCloseTo(ordering([0, 0.5, 1]), 5);
    expect(backward - value).toBeCloseTo(ordering([1, 0.5, 0]), 5);
    expect(backward).toBeGreaterThan(forward);
    expect(loss.temperature).toBe(1);
    tf.dispose([x, v]);
  });

  it("fused kernel passes the float64 gradient check (velocity, positions, time)", () => {
    const n = 8;
    const d = 3;
    const k = 4;
    const neighbors = new Int32Array(n * k);
    for (let i = 0; i < n; i++) for (let r = 0; r < k; r++) neighbors[i * k + r] = (i + r + 1) % n;
    neighbors[5] = 1; // a self-loop is skipped
    const inputs: HostTensor[] = [
      { data: rngs.normal(n * d), shape: [n, d] },
      { data: rngs.normal(n * d), shape: [n, d] },
      { data: rngs.uniform(n), shape: [n] },
    ];
    const report = checkGrad(neighborCosineLoss, inputs, {
      neighbors,
      k,
      temperature: 0.5,
      timeWeight: 0.7,
      timeScale: 0.1,
    });
    expect(report.ok, report.message).toBe(true);
  });

  it("computes neighbours itself, works through a basis, and names bad input", () => {
    const s = tf.tensor2d(Float32Array.from(rngs.uniform(40 * 6)), [40, 6]);
    const v = tf.tensor2d(Float32Array.from(rngs.normal(40 * 6)), [40, 6]);
    const loss = new VelocityConsistencyLoss({ nNeighbors: 5 });
    const plain = loss(v, s, s).dataSync()[0];
    const identity = loss(v, s, s, { basis: tf.eye(6) as tf.Tensor2D }).dataSync()[0];
    expect(identity).toBeCloseTo(plain, 5);
    expect(() => loss(v, tf.zeros([40, 5]), s)).toThrow("spliced: expected shape [40, 6], got [40, 5]");
    const counts = tf.zeros([40, 6], "int32");
    expect(() => loss(v, counts, s)).toThrow(
      'spliced: a tensor of dtype int32; expected float32 (convert with tf.cast(spliced, "float32"))',
    );
    counts.dispose();
    expect(() => loss(v, s, s, { neighbors: Int32Array.from({ length: 80 }, () => 99) })).toThrow(
      /indices in \[0, 40\)/,
    );
    expect(() => new VelocityConsistencyLoss({ temperature: 0 })).toThrow(
      "VelocityConsistencyLoss.temperature must be a number > 0",
    );
    tf.dispose([s, v]);
  });
});
