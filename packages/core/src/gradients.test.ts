import { describe, expect, it } from "vitest";
import { checkGrad } from "./checkgrad.js";
import { Rngs } from "./rng.js";
import { tf } from "./tf.js";

/**
 * Every backward rule of gradients.ts against central finite differences (core's checkGrad), each inside a
 * weighted sum so every output element's cotangent differs; shapes exercise broadcasting.
 */
const r = new Rngs(3);
const t = (shape: number[], lo = -1.5, hi = 1.5) =>
  tf.tensor(
    Float32Array.from(
      r.uniform(
        shape.reduce((a, b) => a * b, 1),
        lo,
        hi,
      ),
    ),
    shape,
  );
const weighted = (y: tf.Tensor) => {
  const w = tf.tensor(
    Float32Array.from({ length: y.size }, (_, i) => Math.sin(i + 1)),
    y.shape,
  );
  return tf.sum(tf.mul(y, w)) as tf.Scalar;
};

const cases: Array<[string, (...xs: tf.Tensor[]) => tf.Tensor, () => tf.Tensor[]]> = [
  ["Add (broadcast)", (a, b) => tf.add(a, b), () => [t([3, 4]), t([4])]],
  ["Sub (broadcast)", (a, b) => tf.sub(a, b), () => [t([3, 1]), t([3, 4])]],
  ["Multiply (broadcast)", (a, b) => tf.mul(a, b), () => [t([2, 3, 4]), t([3, 1])]],
  ["RealDiv", (a, b) => tf.div(a, b), () => [t([3, 4]), t([3, 4], 0.5, 2)]],
  ["SquaredDifference", (a, b) => tf.squaredDifference(a, b), () => [t([3, 4]), t([4])]],
  ["Maximum / Minimum", (a, b) => tf.add(tf.maximum(a, b), tf.minimum(a, b)), () => [t([3, 4]), t([3, 4])]],
  ["Pow", (a, b) => tf.pow(a, b), () => [t([3, 4], 0.5, 2), t([3, 4], -1, 2)]],
  ["BatchMatMul", (a, b) => tf.matMul(a, b), () => [t([3, 5]), t([5, 2])]],
  ["BatchMatMul aᵀ", (a, b) => tf.matMul(a, b, true, false), () => [t([5, 3]), t([5, 2])]],
  ["BatchMatMul bᵀ", (a, b) => tf.matMul(a, b, false, true), () => [t([3, 5]), t([2, 5])]],
  ["BatchMatMul aᵀbᵀ", (a, b) => tf.matMul(a, b, true, true), () => [t([5, 3]), t([2, 5])]],
  ["BatchMatMul batched", (a, b) => tf.matMul(a, b), () => [t([2, 3, 4]), t([2, 4, 2])]],
  ["AddN", (a, b, c) => tf.addN([a, b, c]), () => [t([3]), t([3]), t([3])]],
  ["Abs, Neg, Square", (x) => tf.add(tf.abs(x), tf.neg(tf.square(x))), () => [t([7])]],
  ["Exp, Expm1", (x) => tf.add(tf.exp(x), tf.expm1(x)), () => [t([6])]],
  ["Log, Log1p", (x) => tf.add(tf.log(x), tf.log1p(x)), () => [t([6], 0.3, 3)]],
  ["Sigmoid, Tanh, Softplus", (x) => tf.addN([tf.sigmoid(x), tf.tanh(x), tf.softplus(x)]), () => [t([6])]],
  ["Sin, Cos", (x) => tf.add(tf.sin(x), tf.cos(x)), () => [t([6])]],
  ["Sqrt, Rsqrt, Reciprocal", (x) => tf.addN([tf.sqrt(x), tf.rsqrt(x), tf.reciprocal(x)]), () => [t([6], 0.5, 3)]],
  ["Relu, Erf", (x) => tf.add(tf.relu(x), tf.erf(x)), () => [t([8])]],
  ["Cast, Identity", (x) => tf.clone(tf.cast(x, "float32")), () => [t([4])]],
  ["ClipByValue", (x) => tf.clipByValue(x, -0.5, 0.7), () => [t([9])]],
  ["Reshape, ExpandDims", (x) => tf.expandDims(tf.reshape(x, [6, 2]), 1), () => [t([3, 4])]],
  ["Transpose", (x) => tf.transpose(x, [2, 0, 1]), () => [t([2, 3, 4])]],
  ["Slice", (x) => tf.slice(x, [1, 0], [2, -1]), () => [t([4, 3])]],
  [
    "Pad",
    (x) =>
      tf.pad(x, [
        [1, 0],
        [0, 2],
      ]),
    () => [t([2, 3])],
  ],
  ["Concat", (a, b) => tf.concat([a, b], 1), () => [t([2, 3]), t([2, 2])]],
  ["Pack", (a, b) => tf.stack([a, b], 1), () => [t([3]), t([3])]],
  ["Tile", (x) => tf.tile(x, [2, 3]), () => [t([2, 2])]],
  ["BroadcastTo", (x) => tf.broadcastTo(x, [3, 2, 4]), () => [t([2, 1])]],
  ["Sum, Mean", (x) => tf.add(tf.sum(x, 1), tf.mean(x, 1)), () => [t([3, 4])]],
  ["Sum keepDims, Mean all", (x) => tf.add(tf.sum(x, 0, true), tf.mean(x)), () => [t([3, 4])]],
  ["Max, Min", (x) => tf.concat([tf.max(x, 1), tf.min(x, 0)]), () => [t([3, 4])]],
  ["Softmax", (x) => tf.softmax(x), () => [t([3, 5])]],
  ["Select", (a, b) => tf.where(tf.greater(a, 0), a, b), () => [t([6]), t([6])]],
];

describe("core's backward rules for tfjs kernels", () => {
  it.each(cases)("%s matches finite differences", (_name, f, make) => {
    const inputs = make();
    const report = checkGrad((...xs: tf.Tensor[]) => weighted(f(...xs)), inputs);
    expect(report.ok, report.message).toBe(true);
    tf.dispose(inputs);
  });
});

describe("backward passes do only the work asked for", () => {
  it("a product with a constant operand computes one cotangent; a per-column parameter's is a column sum", async () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]); // constant data
    const w = tf.tensor1d([0.5, -1, 2]);
    const c = tf.tensor2d([1, -1, 2, 0.5, 3, -2], [2, 3]);
    let grad: tf.Tensor | undefined;
    const info = await tf.profile(() => {
      [grad] = tf.grads((v: tf.Tensor) => tf.sum(tf.mul(tf.mul(x, v), c)))([w]);
      return grad;
    });
    // d/dw_j Σ_i x_ij·w_j·c_ij = Σ_i x_ij·c_ij, by hand: [1·1 + 4·0.5, 2·(−1) + 5·3, 3·2 + 6·(−2)].
    expect(Array.from((grad as tf.Tensor).dataSync())).toEqual([3, 13, -6]);
    // Forward: 2 products; backward: dy·c for the outer product's left input, then dy·x for w — not dy·w.
    expect(info.kernels.filter((k) => k.name === "Multiply").length).toBe(4);
    tf.dispose([x, w, c, grad as tf.Tensor]);
  });
});
