import { describe, expect, it } from "vitest";
import { checkGrad } from "./checkgrad.js";
import { allocLike, customVjp, type HostTensor } from "./kernel.js";
import { gatherRows } from "./ops/gather.js";
import { matMul, matMulTA, matMulTB } from "./ops/matmul.js";
import { neighborAverage, neighborAverageKernel } from "./ops/neighborAverage.js";
import { Rngs } from "./rng.js";
import { tf } from "./tf.js";

/**
 * A two-output test kernel: y = a·exp(b·x) (per column scale a, rate b), z = Σ_columns y.
 * Small, but it exercises broadcasting, multiple outputs and per-input reductions in the backward pass.
 */
const scaledExp = customVjp<{ clamp: boolean }>(
  (inputs, attrs) => {
    const [x, a, b] = inputs;
    const [n, g] = x.shape;
    const y = allocLike(x.data, n * g);
    const z = allocLike(x.data, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < g; j++) {
        let v = a.data[j] * Math.exp(b.data[j] * x.data[i * g + j]);
        if (attrs.clamp) v = Math.min(v, 1e6);
        y[i * g + j] = v;
        z[i] += v;
      }
    }
    return {
      outputs: [
        { data: y, shape: [n, g] },
        { data: z, shape: [n] },
      ],
    };
  },
  ({ inputs, outputs, cotangents }) => {
    const [x, a, b] = inputs;
    const [n, g] = x.shape;
    const y = outputs[0].data;
    const [dy, dz] = cotangents;
    const dx = allocLike(x.data, n * g);
    const da = allocLike(x.data, g);
    const db = allocLike(x.data, g);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < g; j++) {
        const k = i * g + j;
        const c = dy.data[k] + dz.data[i];
        dx[k] = c * y[k] * b.data[j];
        da[j] += (c * y[k]) / a.data[j];
        db[j] += c * y[k] * x.data[k];
      }
    }
    return [dx, da, db];
  },
  "scaledExp",
);

function host(rngs: Rngs, shape: number[], scale = 1, offset = 0): HostTensor {
  const n = shape.reduce((p, q) => p * q, 1);
  return { data: Float64Array.from(rngs.normal(n), (v) => offset + scale * v), shape };
}

describe("customVjp", () => {
  it("passes a float64 gradient check through its hand-written backward", () => {
    const rngs = new Rngs(0);
    const inputs = [host(rngs, [5, 4], 0.5), host(rngs, [4], 0.2, 1), host(rngs, [4], 0.3)];
    const report = checkGrad(scaledExp, inputs, { clamp: false });
    expect(report.ok, report.message).toBe(true);
    expect(report.maxRelError).toBeLessThan(1e-6);
  });

  it("a wrong backward fails the check (the check can fail)", () => {
    const broken = customVjp<{ clamp: boolean }>(scaledExp.forward, (ctx) => {
      const grads = scaledExp.backward(ctx);
      grads[2][1] *= 1.01;
      return grads;
    });
    const rngs = new Rngs(0);
    const report = checkGrad(broken, [host(rngs, [5, 4], 0.5), host(rngs, [4], 0.2, 1), host(rngs, [4], 0.3)], {
      clamp: false,
    });
    expect(report.ok).toBe(false);
    expect(report.failures.some((f) => f.input === 2 && f.index === 1)).toBe(true);
  });

  it("matches tfjs autodiff of the same math, values and gradients, without leaking", () => {
    const x = tf.randomNormal([6, 3], 0, 0.5, "float32", 1);
    const a = tf.tensor1d([0.5, 1, 2]);
    const b = tf.tensor1d([0.3, -0.2, 0.1]);
    const before = tf.memory().numTensors;
    const fused = (xx: tf.Tensor, aa: tf.Tensor, bb: tf.Tensor) => {
      const [y, z] = scaledExp([xx, aa, bb], { clamp: false });
      return tf.add(tf.sum(tf.square(y)), tf.sum(tf.mul(z, tf.range(0, 6))));
    };
    const plain = (xx: tf.Tensor, aa: tf.Tensor, bb: tf.Tensor) => {
      const y = tf.mul(aa, tf.exp(tf.mul(bb, xx)));
      return tf.add(tf.sum(tf.square(y)), tf.sum(tf.mul(tf.sum(y, 1), tf.range(0, 6))));
    };
    const gf = tf.grads(fused)([x, a, b]);
    const gp = tf.grads(plain)([x, a, b]);
    for (let k = 0; k < 3; k++) {
      const f = gf[k].dataSync();
      const p = gp[k].dataSync();
      for (let i = 0; i < f.length; i++) expect(f[i]).toBeCloseTo(p[i], 3);
    }
    for (const t of [...gf, ...gp]) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
    const tfReport = checkGrad(fused, [x, a, b]);
    expect(tfReport.ok, tfReport.message).toBe(true);
    tf.dispose([x, a, b]);
  });
});

describe("matMul with explicit transposes", () => {
  it("has the gradient of tf.matMul and passes checkGrad", () => {
    const a = tf.randomNormal([4, 3], 0, 1, "float32", 2) as tf.Tensor2D;
    const b = tf.randomNormal([3, 5], 0, 1, "float32", 3) as tf.Tensor2D;
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.sin(matMul(x as tf.Tensor2D, y as tf.Tensor2D)));
    const report = checkGrad(f, [a, b]);
    expect(report.ok, report.message).toBe(true);
    const viaTA = matMulTA(tf.transpose(a), b);
    const viaTB = matMulTB(a, tf.transpose(b));
    const ref = tf.matMul(a, b);
    expect(tf.max(tf.abs(tf.sub(viaTA, ref))).dataSync()[0]).toBeLessThan(1e-5);
    expect(tf.max(tf.abs(tf.sub(viaTB, ref))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([a, b, viaTA, viaTB, ref]);
  });
});

describe("gatherRows", () => {
  it("gathers with repeated indices and scatter-adds the gradient (works on wasm)", () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const [g] = tf.grads((v: tf.Tensor) =>
      tf.sum(tf.mul(gatherRows(v, [2, 0, 2]), tf.tensor2d([1, 1, 2, 2, 3, 3], [3, 2]))),
    )([x]);
    expect(Array.from(g.dataSync())).toEqual([2, 2, 0, 0, 4, 4]);
    const report = checkGrad((v: tf.Tensor) => tf.sum(tf.square(gatherRows(v, [1, 1, 0]))), [x]);
    expect(report.ok, report.message).toBe(true);
    expect(() => gatherRows(x, [3])).toThrow(/index 3 out of range for 3 rows/);
    tf.dispose([x, g]);
  });
});

describe("neighborAverage", () => {
  it("averages listed neighbours (hand values) and passes the float64 gradient check", () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const mean = neighborAverage(x, Int32Array.from([0, 1, 1, 2, 2, 2]));
    expect(Array.from(mean.dataSync())).toEqual([2, 3, 4, 5, 5, 6]);
    const weighted = neighborAverage(x, Int32Array.from([0, 2]), tf.tensor2d([0.25, 0.75], [1, 2]));
    expect(Array.from(weighted.dataSync())).toEqual([4, 5]); // 0.25·(1, 2) + 0.75·(5, 6)
    const r = new Rngs(8);
    const report = checkGrad(neighborAverageKernel, [host(r, [5, 3]), host(r, [4, 2])], {
      indices: Int32Array.from([0, 4, 2, 2, 1, 0, 3, 3]),
      k: 2,
    });
    expect(report.ok, report.message).toBe(true);
    expect(() => neighborAverage(x, Int32Array.from([0, 3, 1, 1, 2, 2]))).toThrow(
      "indices: index 3 out of range for 3 rows (at index 1)",
    );
    tf.dispose([x, mean, weighted]);
  });

  it("gives the plain loops' bits (forward, both gradients) on one and on two threads", async () => {
    const { setThreadCount, threadCount } = await import("./parallel/pool.js");
    // 300 rows of 40 values read by 400 rows × 15 neighbours (above the pool's threshold), some zero weights.
    const r = new Rngs(21);
    const [m, n, k, d] = [300, 400, 15, 40];
    const x = Float32Array.from(r.normal(m * d));
    const w = Float32Array.from(r.uniform(n * k), (u, i) => (i % 7 === 0 ? 0 : u));
    const dy = Float32Array.from(r.normal(n * d));
    const indices = Int32Array.from(r.uniform(n * k, 0, m), Math.floor);
    // The loops before the kernel was split into row chunks (scatter-add backward).
    const y0 = new Float32Array(n * d);
    const dx0 = new Float32Array(m * d);
    const dw0 = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      for (let q = 0; q < k; q++) {
        const weight = w[i * k + q];
        const src = indices[i * k + q] * d;
        let dot = 0;
        for (let f = 0; f < d; f++) {
          if (weight !== 0) y0[i * d + f] += weight * x[src + f];
          dx0[src + f] += weight * dy[i * d + f];
          dot += dy[i * d + f] * x[src + f];
        }
        dw0[i * k + q] = dot;
      }
    }
    const before = threadCount();
    try {
      for (const threads of [1, 2]) {
        setThreadCount(threads);
        const [xt, wt] = [tf.tensor2d(x, [m, d]), tf.tensor2d(w, [n, k])];
        const dyt = tf.tensor2d(dy, [n, d]);
        const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(neighborAverageKernel([a, b], { indices, k })[0], dyt)),
        )([xt, wt]);
        const out = neighborAverageKernel([xt, wt], { indices, k })[0];
        expect(Array.from(out.dataSync())).toEqual(Array.from(y0));
        expect(Array.from(gx.dataSync())).toEqual(Array.from(dx0));
        expect(Array.from(gw.dataSync())).toEqual(Array.from(dw0));
        tf.dispose([xt, wt, dyt, out, gx, gw]);
      }
    } finally {
      setThreadCount(before);
    }
  });
});
