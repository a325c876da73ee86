import { describe, expect, it } from "vitest";
import { grad, stopGradient, valueAndGrad } from "./autodiff.js";
import { checkGrad } from "./checkgrad.js";
import { Module, Param } from "./module.js";
import { gelu, Linear } from "./nn.js";
import { matMul } from "./ops/matmul.js";
import { Rngs } from "./rng.js";
import { tf } from "./tf.js";
import { disposeTree, leafNorms } from "./tree.js";

class Encoder extends Module {
  readonly linear1: Linear;
  readonly linear2: Linear;
  constructor(rngs: Rngs) {
    super();
    this.linear1 = new Linear(3, 4, { rngs });
    this.linear2 = new Linear(4, 1, { rngs });
  }
  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.sigmoid(this.linear2.apply(gelu(this.linear1.apply(x))));
  }
}

class Model extends Module {
  readonly encoder: Encoder;
  readonly logRate = new Param(tf.tensor1d([0.1, -0.2]), "logRate");
  readonly unused = new Param(tf.tensor1d([1]), "unused");
  readonly frozen = new Param(tf.tensor1d([2]), "frozen", false);
  constructor(rngs: Rngs) {
    super();
    this.encoder = new Encoder(rngs);
  }
}

const input = () => tf.tensor2d([0.5, -1, 2, 1, 0, -0.5], [2, 3]);

describe("grad / valueAndGrad", () => {
  it("returns a tree mirroring the module, zeros for unused params, nothing for frozen ones", () => {
    const model = new Model(new Rngs(0));
    const x = input();
    const [loss, grads] = valueAndGrad((m: Model) =>
      tf.sum(tf.mul(m.encoder.apply(x), tf.sum(tf.softplus(m.logRate.value)))),
    )(model);
    expect(typeof loss).toBe("number");
    expect(grads.encoder.linear1.kernel.shape).toEqual([3, 4]);
    expect(grads.encoder.linear2.bias).toBeDefined();
    expect(grads.logRate.shape).toEqual([2]);
    expect(Array.from(grads.unused.dataSync())).toEqual([0]);
    expect((grads as Record<string, unknown>).frozen).toBeUndefined();
    const norms = leafNorms(grads);
    expect(norms["encoder.linear1.kernel"]).toBeGreaterThan(0);
    disposeTree(grads);
    model.dispose();
    x.dispose();
  });

  it("agrees with finite differences on a small module", () => {
    const model = new Model(new Rngs(1));
    const x = input();
    const w1 = model.encoder.linear1.kernel.value;
    const rate = model.logRate.value;
    // The same loss as a function of the parameters, for checkGrad.
    const report = checkGrad(
      (kernel: tf.Tensor, logRate: tf.Tensor) => {
        const h = gelu(tf.add(tf.matMul(x, kernel as tf.Tensor2D), model.encoder.linear1.bias!.value)) as tf.Tensor2D;
        const y = tf.sigmoid(model.encoder.linear2.apply(h));
        return tf.sum(tf.mul(y, tf.sum(tf.softplus(logRate))));
      },
      [w1, rate],
    );
    expect(report.ok, report.message).toBe(true);
    const g = grad((m: Model) => tf.sum(tf.mul(m.encoder.apply(x), tf.sum(tf.softplus(m.logRate.value)))))(model);
    // The module gradient is the same function's gradient.
    const direct = tf.grads((k: tf.Tensor) => {
      const h = gelu(tf.add(tf.matMul(x, k as tf.Tensor2D), model.encoder.linear1.bias!.value)) as tf.Tensor2D;
      return tf.sum(tf.mul(tf.sigmoid(model.encoder.linear2.apply(h)), tf.sum(tf.softplus(rate))));
    })([w1])[0];
    const a = g.encoder.linear1.kernel.dataSync();
    const b = direct.dataSync();
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
    disposeTree(g);
    direct.dispose();
    model.dispose();
    x.dispose();
  });

  it("hasAux returns kept auxiliary tensors", () => {
    const model = new Model(new Rngs(2));
    const before = tf.memory().numTensors;
    const [, grads, aux] = valueAndGrad(
      (m: Model) => {
        const r = tf.softplus(m.logRate.value);
        return [tf.sum(r), { rates: r }] as [tf.Scalar, { rates: tf.Tensor }];
      },
      { hasAux: true },
    )(model);
    expect(aux.rates.shape).toEqual([2]);
    expect(aux.rates.isDisposed).toBe(false);
    disposeTree(grads);
    aux.rates.dispose();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it("rejects non-scalar losses with a clear message", () => {
    const model = new Model(new Rngs(3));
    expect(() => valueAndGrad((m: Model) => m.logRate.value as unknown as tf.Scalar)(model)).toThrow(/scalar/);
    model.dispose();
  });

  it("matMul with constantA: same value and right gradient, zero gradient for the data matrix", () => {
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.tensor2d([0.5, -1, 2, 0.25, -0.5, 1], [3, 2]);
    const f = (constantA: boolean) => (x: tf.Tensor, y: tf.Tensor) =>
      tf.sum(tf.square(matMul(x as tf.Tensor2D, y as tf.Tensor2D, { constantA }))) as tf.Scalar;
    const [da, db] = tf.grads(f(false))([a, b]);
    const [da0, db0] = tf.grads(f(true))([a, b]);
    expect(Array.from(db0.dataSync())).toEqual(Array.from(db.dataSync()));
    expect(Array.from(da0.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    expect(tf.max(tf.abs(da)).dataSync()[0]).toBeGreaterThan(0);
    expect(f(true)(a, b).dataSync()[0]).toBeCloseTo(f(false)(a, b).dataSync()[0], 6);
    // With the caller's aᵀ: the same gradient for b.
    const aT = tf.transpose(a) as tf.Tensor2D;
    const [, dbT] = tf.grads(
      (x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(
          tf.square(matMul(x as tf.Tensor2D, y as tf.Tensor2D, { constantA: true, transposedA: aT })),
        ) as tf.Scalar,
    )([a, b]);
    expect(Array.from(dbT.dataSync())).toEqual(Array.from(db.dataSync()));
    tf.dispose([a, b, da, db, da0, db0, aT, dbT]);
  });

  it("stopGradient passes values and blocks gradients", () => {
    const x = tf.tensor1d([1, 2]);
    const [g] = tf.grads((v: tf.Tensor) => tf.sum(tf.add(tf.square(v), tf.square(stopGradient(v)))))([x]);
    expect(Array.from(g.dataSync())).toEqual([2, 4]);
    g.dispose();
    x.dispose();
  });
});
