import { checkGrad, type HostTensor, Rngs, tf } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { clusterAssignmentKernel, softAssign, softAssignments } from "./assign.js";
import { blockStartsFor, diversityKernel, diversityPass } from "./diversity.js";
import { gemmNT, normalizeRows } from "./hostLinalg.js";
import { batchedSolveKernel, luFactor, luSolve } from "./solve.js";

const rngs = new Rngs(7);

function unitRows(n: number, f: number): HostTensor {
  const data = Float64Array.from(rngs.normal(n * f));
  normalizeRows(data, n, f, data);
  return { data, shape: [n, f] };
}

/** Row-stochastic N × K matrix with entries bounded away from 0 (so no clamp is active). */
function softRows(n: number, k: number): HostTensor {
  const data = Float64Array.from(rngs.uniform(n * k, 0.2, 1));
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += data[i * k + c];
    for (let c = 0; c < k; c++) data[i * k + c] /= s;
  }
  return { data, shape: [n, k] };
}

describe("clusterAssignmentKernel (distance + softmax)", () => {
  it("matches the formula d = 2(1 − z·y), R = softmax(−d/σ) on a hand case", () => {
    // One cell at (1, 0); centroids at (1, 0) and (0, 1): dots [1, 0], d = [0, 2]; σ = 1 → R = [1, e⁻²]/(1 + e⁻²).
    const dots = { data: Float64Array.from([1, 0]), shape: [1, 2] };
    const logSigma = { data: Float64Array.from([0, 0]), shape: [2] };
    const { outputs } = clusterAssignmentKernel.forward([dots, logSigma], { temperature: 1 });
    expect(outputs[0].data[0]).toBeCloseTo(1 / (1 + Math.exp(-2)), 14);
    expect(outputs[0].data[1]).toBeCloseTo(Math.exp(-2) / (1 + Math.exp(-2)), 14);
  });

  it("passes a float64 finite-difference check for the dot products and log σ", () => {
    const z = unitRows(9, 4);
    const y = unitRows(3, 4);
    const dots = new Float64Array(27);
    gemmNT({ a: z.data, aStride: 4, b: y.data, bStride: 4, out: dots, outStride: 3, n: 9, k: 3, len: 4 });
    const logSigma = { data: Float64Array.from([Math.log(0.3), Math.log(0.5), Math.log(0.8)]), shape: [3] };
    const report = checkGrad(clusterAssignmentKernel, [{ data: dots, shape: [9, 3] }, logSigma], { temperature: 1.5 });
    expect(report.ok, report.message).toBe(true);
  });

  it("as an op with the GEMM, gives gradients for cells, centroids and log σ equal to plain tfjs autodiff", () => {
    const z = tf.tensor2d(Float32Array.from(unitRows(20, 5).data), [20, 5]);
    const y = tf.tensor2d(Float32Array.from(unitRows(4, 5).data), [4, 5]);
    const logSigma = tf.tensor1d([Math.log(0.2), Math.log(0.3), Math.log(0.4), Math.log(0.5)]);
    const w = tf.tensor2d(Float32Array.from(rngs.normal(80)), [20, 4]);
    const fused = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.mul(softAssignments(a as tf.Tensor2D, b as tf.Tensor2D, c as tf.Tensor1D, 1).r0, w)),
    )([z, y, logSigma]);
    const plain = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const d = tf.mul(2, tf.sub(1, tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D, false, true)));
      return tf.sum(tf.mul(tf.softmax(tf.neg(tf.div(d, tf.exp(c)))), w));
    })([z, y, logSigma]);
    fused.forEach((g, i) => {
      const a = g.dataSync();
      const b = plain[i].dataSync();
      for (let j = 0; j < a.length; j++) expect(a[j]).toBeCloseTo(b[j], 4);
    });
    tf.dispose([z, y, logSigma, w, ...fused, ...plain]);
  });

  it("host softAssign returns the log-normaliser of each row", () => {
    const z = unitRows(5, 3);
    const y = unitRows(4, 3);
    const s = Float64Array.from([0.1, 0.2, 0.1, 0.3]);
    const r = new Float64Array(20);
    const d = new Float64Array(20);
    const lse = new Float64Array(5);
    softAssign(z.data, y.data, s, 5, 4, 3, r, d, { lse });
    for (let i = 0; i < 5; i++) {
      for (let c = 0; c < 4; c++) expect(Math.log(r[i * 4 + c])).toBeCloseTo(-d[i * 4 + c] / s[c] - lse[i], 12);
    }
  });
});

describe("diversityKernel (blocked assignment update with the O/E penalty)", () => {
  const n = 12;
  const k = 3;
  const attrs = (nVariables: 1 | 2) => {
    // Variable 0: levels 0, 1 (alternating); variable 1: levels 2, 3, 4 (cycling).
    const codes = new Int32Array(n * nVariables);
    for (let i = 0; i < n; i++) {
      codes[i * nVariables] = i % 2;
      if (nVariables === 2) codes[i * nVariables + 1] = 2 + (i % 3);
    }
    const nLevels = nVariables === 1 ? 2 : 5;
    const proportions =
      nVariables === 1 ? Float64Array.from([0.5, 0.5]) : Float64Array.from([0.5, 0.5, 1 / 3, 1 / 3, 1 / 3]);
    return {
      codes,
      nVariables,
      nLevels,
      proportions,
      theta: nVariables === 1 ? Float64Array.from([2, 1.5]) : Float64Array.from([2, 2, 1, 0, 1]),
      order: new Rngs(3).permutation(n),
      blockStarts: blockStartsFor(n, 0.25),
    };
  };

  it("equals a direct transcription of harmonypy's update on a hand-sized case", () => {
    const r0 = softRows(n, k);
    const prev = softRows(n, k);
    const a = attrs(1);
    const out = new Float64Array(n * k);
    diversityPass(r0.data, prev.data, out, n, k, a);
    // Reference: keep O (K × B) and E explicitly, exactly as the Python loop does.
    const R = Float64Array.from(prev.data);
    const O = new Float64Array(k * 2);
    const S = new Float64Array(k);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        O[c * 2 + a.codes[i]] += R[i * k + c];
        S[c] += R[i * k + c];
      }
    }
    for (let t = 0; t + 1 < a.blockStarts.length; t++) {
      const cells = Array.from(a.order.subarray(a.blockStarts[t], a.blockStarts[t + 1]));
      for (const i of cells) {
        for (let c = 0; c < k; c++) {
          O[c * 2 + a.codes[i]] -= R[i * k + c];
          S[c] -= R[i * k + c];
        }
      }
      for (const i of cells) {
        const b = a.codes[i];
        let total = 0;
        const u = new Float64Array(k);
        for (let c = 0; c < k; c++) {
          const e = S[c] * a.proportions[b];
          u[c] = r0.data[i * k + c] * (e / (O[c * 2 + b] + e)) ** a.theta[b];
          total += u[c];
        }
        for (let c = 0; c < k; c++) R[i * k + c] = u[c] / total;
      }
      for (const i of cells) {
        for (let c = 0; c < k; c++) {
          O[c * 2 + a.codes[i]] += R[i * k + c];
          S[c] += R[i * k + c];
        }
      }
    }
    for (let j = 0; j < n * k; j++) expect(out[j]).toBeCloseTo(R[j], 13);
  });

  it("passes a float64 finite-difference check with one and with two batch variables", () => {
    for (const nv of [1, 2] as const) {
      const report = checkGrad(diversityKernel, [softRows(n, k), softRows(n, k)], attrs(nv), {
        maxEntriesPerInput: 36,
      });
      expect(report.ok, `${nv} variable(s): ${report.message}`).toBe(true);
    }
  });
});

describe("batchedSolveKernel (per-cluster ridge systems)", () => {
  it("solves a hand-checked 2 × 2 system", () => {
    // [[2, 1], [1, 3]] x = [3, 5] → x = [0.8, 1.4]
    const a = { data: Float64Array.from([2, 1, 1, 3]), shape: [1, 2, 2] };
    const b = { data: Float64Array.from([3, 5]), shape: [1, 2, 1] };
    const { outputs } = batchedSolveKernel.forward([a, b], null);
    expect(outputs[0].data[0]).toBeCloseTo(0.8, 14);
    expect(outputs[0].data[1]).toBeCloseTo(1.4, 14);
  });

  it("needs pivoting and still solves (zero leading entry)", () => {
    const a = Float64Array.from([0, 1, 1, 1]);
    const factors = luFactor(a, 2);
    expect(factors).not.toBeNull();
    const b = Float64Array.from([2, 3]); // y = 2, x + y = 3 → x = 1
    luSolve(factors!, b, 2, 1);
    expect(Array.from(b)).toEqual([1, 2]);
    expect(luFactor(Float64Array.from([0, 0, 0, 1]), 2)).toBeNull();
  });

  it("passes a float64 finite-difference check on random well-conditioned systems", () => {
    const k = 3;
    const m = 4;
    const f = 5;
    const a = Float64Array.from(rngs.normal(k * m * m, 0, 0.3));
    for (let c = 0; c < k; c++) for (let i = 0; i < m; i++) a[c * m * m + i * m + i] += 2;
    const b = Float64Array.from(rngs.normal(k * m * f));
    const report = checkGrad(
      batchedSolveKernel,
      [
        { data: a, shape: [k, m, m] },
        { data: b, shape: [k, m, f] },
      ],
      null,
    );
    expect(report.ok, report.message).toBe(true);
  });

  it("runs as a tfjs op with gradients", () => {
    const a = tf.tensor3d([4, 1, 1, 3], [1, 2, 2]);
    const b = tf.tensor3d([1, 2], [1, 2, 1]);
    const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(batchedSolveKernel([x, y], null)[0]))([a, b]);
    // x = A⁻¹b; d(Σx)/db = A⁻ᵀ 1 = [2, 3]/11; d(Σx)/dA = −(A⁻ᵀ1) xᵀ with x = [1, 7]/11
    expect(Array.from(gb.dataSync()).map((v) => v * 11)).toEqual([expect.closeTo(2, 5), expect.closeTo(3, 5)]);
    expect(ga.dataSync()[1] * 121).toBeCloseTo(-14, 4);
    tf.dispose([a, b, ga, gb]);
  });
});

describe("host products", () => {
  it("gemmNT matches a naive triple loop, with row lists and accumulation", () => {
    const n = 7;
    const k = 6;
    const len = 5;
    const a = Float64Array.from(rngs.normal(n * len));
    const b = Float64Array.from(rngs.normal(k * len));
    const out = Float64Array.from(rngs.normal(n * k));
    const before = Float64Array.from(out);
    const rows = Int32Array.from([6, 0, 3, 2, 5]);
    gemmNT({
      a,
      aStride: len,
      aRows: rows,
      b,
      bStride: len,
      out,
      outStride: k,
      n: rows.length,
      k,
      len,
      alpha: -2,
      accumulate: true,
    });
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < k; c++) {
        let s = 0;
        for (let j = 0; j < len; j++) s += a[i * len + j] * b[c * len + j];
        const expected = rows.includes(i) ? before[i * k + c] - 2 * s : before[i * k + c];
        expect(out[i * k + c]).toBeCloseTo(expected, 12);
      }
    }
  });
});
