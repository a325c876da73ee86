import { describe, expect, it } from "vitest";
import { valueAndGrad } from "../autodiff.js";
import { Module, Param } from "../module.js";
import { gelu, Linear } from "../nn.js";
import { Rngs } from "../rng.js";
import { tf } from "../tf.js";
import { Optimizer } from "./optimizer.js";
import { adam, chain, clipByGlobalNorm, sgd } from "./transforms.js";

class Scalars extends Module {
  readonly w = new Param(tf.tensor1d([1, -2]), "w");
}

class Mlp extends Module {
  readonly linear1: Linear;
  readonly linear2: Linear;
  constructor(rngs: Rngs) {
    super();
    this.linear1 = new Linear(1, 32, { rngs });
    this.linear2 = new Linear(32, 1, { rngs });
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return this.linear2.apply(gelu(this.linear1.apply(x)));
  }
}

const mse = (m: Mlp, x: tf.Tensor2D, y: tf.Tensor2D) => tf.mean(tf.square(tf.sub(m.apply(x), y))) as tf.Scalar;

describe("optimisers", () => {
  it("adam's first step is −lr·g/(|g|+eps)", () => {
    const m = new Scalars();
    const opt = new Optimizer(m, adam(0.1));
    const [, grads] = valueAndGrad((s: Scalars) => tf.sum(tf.mul(s.w.value, tf.tensor1d([3, -0.5]))))(m);
    opt.update(grads);
    const w = Array.from(m.w.value.dataSync());
    expect(w[0]).toBeCloseTo(0.9, 6);
    expect(w[1]).toBeCloseTo(-1.9, 6);
    opt.dispose();
    m.dispose();
  });

  it("knows whether it covers the module's trainable parameters as they are now", () => {
    const m = new Mlp(new Rngs(0));
    const opt = new Optimizer(m, adam(0.1));
    expect(opt.coversTrainable()).toBe(true);
    m.linear1.kernel.trainable = false;
    expect(opt.coversTrainable()).toBe(false);
    const frozen = new Optimizer(m, adam(0.1));
    expect(frozen.coversTrainable()).toBe(true);
    // Unfrozen again: the optimiser made while it was frozen would never update it.
    m.linear1.kernel.trainable = true;
    expect(frozen.coversTrainable()).toBe(false);
    expect(opt.coversTrainable()).toBe(true);
    opt.dispose();
    frozen.dispose();
    m.dispose();
  });

  it("sgd with momentum accumulates a trace", () => {
    const m = new Scalars();
    const opt = new Optimizer(m, sgd(0.1, { momentum: 0.5 }));
    for (let i = 0; i < 2; i++) {
      const [, g] = valueAndGrad((s: Scalars) => tf.sum(s.w.value))(m);
      opt.update(g);
    }
    // g = 1 both steps: trace 1 then 1.5 → w moves by 0.1 + 0.15
    expect(m.w.value.dataSync()[0]).toBeCloseTo(1 - 0.25, 6);
    opt.dispose();
    m.dispose();
  });

  it("clipByGlobalNorm rescales to the maximum norm", () => {
    const m = new Scalars();
    const opt = new Optimizer(m, chain(clipByGlobalNorm(1), sgd(1)));
    const [, g] = valueAndGrad((s: Scalars) => tf.sum(tf.mul(s.w.value, tf.tensor1d([3, 4]))))(m);
    opt.update(g); // ‖(3,4)‖ = 5 → clipped to (0.6, 0.8)
    expect(Array.from(m.w.value.dataSync()).map((v) => Number(v.toFixed(5)))).toEqual([0.4, -2.8]);
    opt.dispose();
    m.dispose();
  });

  it("trains a 2-layer MLP with Adam to a loss 100× lower, leaking no tensors over 100 steps", () => {
    const rngs = new Rngs(0);
    const xs = Float32Array.from({ length: 64 }, (_, i) => -2 + (4 * i) / 63);
    const x = tf.tensor2d(xs, [64, 1]);
    const y = tf.tensor2d(
      xs.map((v) => Math.sin(1.5 * v) + 0.3 * v),
      [64, 1],
    );
    const model = new Mlp(rngs);
    const opt = new Optimizer(model, adam(0.02));
    const step = valueAndGrad(mse);
    const losses: number[] = [];
    let tensorsAfterFirst = 0;
    for (let i = 0; i < 600; i++) {
      const [loss, grads] = step(model, x, y);
      opt.update(grads);
      losses.push(loss);
      if (i === 0) tensorsAfterFirst = tf.memory().numTensors;
      if (i === 100) expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    }
    expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] / 100);
    opt.dispose();
    model.dispose();
    x.dispose();
    y.dispose();
  });

  it("names a missing gradient", () => {
    const m = new Scalars();
    const opt = new Optimizer(m, adam());
    expect(() => opt.update({})).toThrow('no gradient for parameter "w"');
    opt.dispose();
    m.dispose();
  });
});
