/**
 * Backward rules of the TensorFlow.js kernels diffcell differentiates through. tfjs-core ships its
 * gradients only as ES modules that Node cannot load (the umbrella `@tensorflow/tfjs` bundles them with
 * layers, converter, data and webgl: ~350 MB installed), so core registers its own, once, when `tfjs.ts`
 * loads. Each rule is the textbook derivative; binary ops sum the cotangent over broadcast axes.
 * Tested against finite differences (gradients.test.ts). A kernel without a rule makes tfjs throw
 * "gradient function not found for <Kernel>": add it here.
 */
import * as tf from "@tensorflow/tfjs-core";
import { broadcastTo } from "./ops/broadcast.js";

type T = tf.Tensor;
type Saved = T[];
type GradFunc = (dy: T | T[], saved: Saved, attrs: Record<string, unknown>) => Record<string, () => T>;

function register(
  kernelName: string,
  gradFunc: GradFunc,
  save: { inputs?: string[]; output?: boolean; allInputs?: boolean } = {},
): void {
  tf.registerGradient({
    kernelName,
    inputsToSave: save.inputs,
    saveAllInputs: save.allInputs,
    outputsToSave: save.output ? [true] : undefined,
    gradFunc: gradFunc as unknown as tf.GradConfig["gradFunc"],
  });
}

/** Sums `dy` over the axes along which `shape` was broadcast to `dy`'s shape, then reshapes to `shape`. */
function unbroadcast(dy: T, shape: readonly number[]): T {
  if (dy.shape.length === shape.length && dy.shape.every((s, i) => s === shape[i])) return dy;
  const lead = dy.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < dy.rank; i++) if (i < lead || (shape[i - lead] === 1 && dy.shape[i] !== 1)) axes.push(i);
  return tf.reshape(axes.length ? tf.sum(dy, axes) : dy, shape as number[]);
}

/** `dy` of a reduction over `axes` (negative allowed) broadcast back to `shape`. */
function expandReduced(dy: T, shape: readonly number[], axis: unknown): T {
  const rank = shape.length;
  const list = axis === undefined || axis === null ? [...Array(rank).keys()] : ([] as number[]).concat(axis as number);
  const axes = list.map((a) => (a < 0 ? a + rank : a));
  const kept = shape.map((s, i) => (axes.includes(i) ? 1 : s));
  return broadcastTo(tf.reshape(dy, kept), shape);
}

const one = (dy: T | T[]) => dy as T;
/**
 * A binary rule: `fa` and `fb` give the two cotangents, each computed only when tfjs asks for it (it runs
 * each input's function in its own scope, and not at all for an input off the path to the sources: with
 * one rule computing both, a product with a constant operand paid for the unused N × G cotangent too).
 */
type Cotangent = (dy: T, a: T, b: T, y?: T) => T;
const binary = (fa: Cotangent, fb: Cotangent): GradFunc => {
  return (dy, [a, b, y]) => ({
    a: () => unbroadcast(fa(one(dy), a, b, y), a.shape),
    b: () => unbroadcast(fb(one(dy), a, b, y), b.shape),
  });
};
const unary = (f: (dy: T, x: T, y: T) => T, save: { inputs?: string[]; output?: boolean }) =>
  [
    (dy: T | T[], saved: Saved) => {
      const x = save.inputs ? saved[0] : (undefined as unknown as T);
      const y = save.output ? saved[save.inputs ? 1 : 0] : (undefined as unknown as T);
      return { x: () => f(one(dy), x, y) };
    },
    save,
  ] as const;
const mask = (cond: T) => tf.cast(cond, "float32");

export function registerGradients(): void {
  const ab = { inputs: ["a", "b"] };
  register(
    "Add",
    binary(
      (dy) => dy,
      (dy) => dy,
    ),
    ab,
  );
  register(
    "Sub",
    binary(
      (dy) => dy,
      (dy) => tf.neg(dy),
    ),
    ab,
  );
  register(
    "Multiply",
    binary(
      (dy, _a, b) => tf.mul(dy, b),
      (dy, a) => tf.mul(dy, a),
    ),
    ab,
  );
  register(
    "RealDiv",
    binary(
      (dy, _a, b) => tf.div(dy, b),
      (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b))),
    ),
    ab,
  );
  register(
    "SquaredDifference",
    binary(
      (dy, a, b) => tf.mul(tf.mul(dy, 2), tf.sub(a, b)),
      (dy, a, b) => tf.mul(tf.mul(dy, 2), tf.sub(b, a)),
    ),
    ab,
  );
  register(
    "Maximum",
    binary(
      (dy, a, b) => tf.mul(dy, mask(tf.greaterEqual(a, b))),
      (dy, a, b) => tf.mul(dy, mask(tf.less(a, b))),
    ),
    ab,
  );
  register(
    "Minimum",
    binary(
      (dy, a, b) => tf.mul(dy, mask(tf.lessEqual(a, b))),
      (dy, a, b) => tf.mul(dy, mask(tf.greater(a, b))),
    ),
    ab,
  );
  register(
    "Pow",
    binary(
      (dy, a, b) => tf.mul(dy, tf.mul(b, tf.pow(a, tf.sub(b, 1)))),
      (dy, a, _b, y) =>
        tf.mul(dy, tf.mul(y as T, tf.where(tf.greater(a, 0), tf.log(tf.maximum(a, 1e-38)), tf.zerosLike(a)))),
    ),
    { inputs: ["a", "b"], output: true },
  );
  register(
    "BatchMatMul",
    (dy, [a, b], attrs) => {
      const d = one(dy);
      const ta = attrs.transposeA === true;
      const tb = attrs.transposeB === true;
      const mm = (x: T, y: T, tx: boolean, ty: boolean) => tf.matMul(x, y, tx, ty);
      // Each product only when its input needs it (a constant operand's GEMM is skipped).
      const da = () => (!ta ? mm(d, b, false, !tb) : tb ? mm(b, d, true, true) : mm(b, d, false, true));
      const db = () => (!tb ? mm(a, d, !ta, false) : ta ? mm(d, a, true, true) : mm(d, a, true, false));
      return { a: () => unbroadcast(da(), a.shape), b: () => unbroadcast(db(), b.shape) };
    },
    ab,
  );
  register("AddN", (dy, saved) => Object.fromEntries(saved.map((_, i) => [String(i), () => one(dy)])), {
    allInputs: true,
  });

  register("Abs", ...unary((dy, x) => tf.mul(dy, tf.sign(x)), { inputs: ["x"] }));
  register("Exp", ...unary((dy, _x, y) => tf.mul(dy, y), { output: true }));
  register("Expm1", ...unary((dy, x) => tf.mul(dy, tf.exp(x)), { inputs: ["x"] }));
  register("Log", ...unary((dy, x) => tf.div(dy, x), { inputs: ["x"] }));
  register("Log1p", ...unary((dy, x) => tf.div(dy, tf.add(x, 1)), { inputs: ["x"] }));
  register("Neg", ...unary((dy) => tf.neg(dy), {}));
  register("Sigmoid", ...unary((dy, _x, y) => tf.mul(dy, tf.mul(y, tf.sub(1, y))), { output: true }));
  register("Tanh", ...unary((dy, _x, y) => tf.mul(dy, tf.sub(1, tf.square(y))), { output: true }));
  register("Sin", ...unary((dy, x) => tf.mul(dy, tf.cos(x)), { inputs: ["x"] }));
  register("Cos", ...unary((dy, x) => tf.neg(tf.mul(dy, tf.sin(x))), { inputs: ["x"] }));
  register("Softplus", ...unary((dy, x) => tf.mul(dy, tf.sigmoid(x)), { inputs: ["x"] }));
  register("Sqrt", ...unary((dy, _x, y) => tf.div(dy, tf.mul(y, 2)), { output: true }));
  register("Rsqrt", ...unary((dy, _x, y) => tf.mul(dy, tf.mul(tf.pow(y, 3), -0.5)), { output: true }));
  register("Reciprocal", ...unary((dy, x) => tf.neg(tf.div(dy, tf.square(x))), { inputs: ["x"] }));
  register("Square", ...unary((dy, x) => tf.mul(dy, tf.mul(x, 2)), { inputs: ["x"] }));
  register("Relu", ...unary((dy, x) => tf.mul(dy, mask(tf.greater(x, 0))), { inputs: ["x"] }));
  register(
    "Erf",
    ...unary((dy, x) => tf.mul(dy, tf.mul(tf.exp(tf.neg(tf.square(x))), 2 / Math.sqrt(Math.PI))), { inputs: ["x"] }),
  );
  for (const name of ["Identity", "Cast"]) register(name, ...unary((dy) => dy, {}));
  for (const name of ["Floor", "Ceil", "Round", "Sign", "Step"]) register(name, ...unary((dy) => tf.zerosLike(dy), {}));
  // Comparisons are piecewise constant: zero gradients (so a mask computed from a differentiated tensor,
  // e.g. tf.where(tf.greater(x, 0), …), no longer stops backpropagation with "gradient not found").
  for (const name of ["Greater", "GreaterEqual", "Less", "LessEqual", "Equal", "NotEqual"]) {
    register(name, (_dy, [a, b]) => ({ a: () => tf.zerosLike(a), b: () => tf.zerosLike(b) }), ab);
  }
  register(
    "ClipByValue",
    (dy, [x], attrs) => ({
      x: () =>
        tf.mul(
          one(dy),
          mask(
            tf.logicalAnd(
              tf.greaterEqual(x, attrs.clipValueMin as number),
              tf.lessEqual(x, attrs.clipValueMax as number),
            ),
          ),
        ),
    }),
    { inputs: ["x"] },
  );

  register("Reshape", (dy, [x]) => ({ x: () => tf.reshape(one(dy), x.shape) }), { inputs: ["x"] });
  register("ExpandDims", (dy, [input]) => ({ input: () => tf.reshape(one(dy), input.shape) }), { inputs: ["input"] });
  register("BroadcastTo", (dy, [x]) => ({ x: () => unbroadcast(one(dy), x.shape) }), { inputs: ["x"] });
  register("Transpose", (dy, _s, attrs) => {
    const perm = attrs.perm as number[];
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return { x: () => tf.transpose(one(dy), inverse) };
  });
  register(
    "Slice",
    (dy, [x], attrs) => {
      const rank = x.rank;
      const begin = ([] as number[]).concat(attrs.begin as number);
      const size = ([] as number[]).concat(attrs.size as number);
      const pads = x.shape.map((s, i) => {
        const b = i < begin.length ? begin[i] : 0;
        const n = i < size.length && size[i] !== -1 ? size[i] : s - b;
        return [b, s - b - n] as [number, number];
      });
      return { x: () => tf.pad(one(dy), pads.slice(0, rank)) };
    },
    { inputs: ["x"] },
  );
  register(
    "PadV2",
    (dy, [x], attrs) => {
      const begin = (attrs.paddings as Array<[number, number]>).map((p) => p[0]);
      return { x: () => tf.slice(one(dy), begin, x.shape) };
    },
    { inputs: ["x"] },
  );
  register(
    "Concat",
    (dy, saved, attrs) => {
      const rank = saved[0].rank;
      const axis = (attrs.axis as number) < 0 ? (attrs.axis as number) + rank : (attrs.axis as number);
      const parts = tf.split(
        one(dy),
        saved.map((t) => t.shape[axis]),
        axis,
      );
      return Object.fromEntries(parts.map((p, i) => [String(i), () => p]));
    },
    { allInputs: true },
  );
  register("Pack", (dy, _s, attrs) => {
    const parts = tf.unstack(one(dy), attrs.axis as number);
    return Object.fromEntries(parts.map((p, i) => [String(i), () => p]));
  });
  register(
    "Tile",
    (dy, [x], attrs) => {
      const reps = attrs.reps as number[];
      // dy[r·n + i] along each axis: reshape to [reps0, n0, reps1, n1, …] and sum the reps axes.
      const split = x.shape.flatMap((n, i) => [reps[i], n]);
      const axes = x.shape.map((_, i) => 2 * i);
      return { x: () => tf.reshape(tf.sum(tf.reshape(one(dy), split), axes), x.shape) };
    },
    { inputs: ["x"] },
  );
  register("Sum", (dy, [x], attrs) => ({ x: () => expandReduced(one(dy), x.shape, attrs.axis) }), { inputs: ["x"] });
  register(
    "Mean",
    (dy, [x], attrs) => {
      const full = expandReduced(one(dy), x.shape, attrs.axis);
      return { x: () => tf.div(full, x.size / Math.max(1, one(dy).size)) };
    },
    { inputs: ["x"] },
  );
  for (const name of ["Max", "Min"]) {
    register(
      name,
      (dy, [x, y], attrs) => {
        const axis = attrs.reductionIndices ?? attrs.axis; // Max names it reductionIndices, Min axis
        const hit = mask(tf.equal(x, expandReduced(y, x.shape, axis)));
        return { x: () => tf.mul(expandReduced(one(dy), x.shape, axis), hit) };
      },
      { inputs: ["x"], output: true },
    );
  }
  register(
    "Softmax",
    (dy, [y], attrs) => {
      const dim = attrs.dim as number;
      const d = one(dy);
      return { logits: () => tf.mul(y, tf.sub(d, tf.sum(tf.mul(d, y), dim, true))) };
    },
    { output: true },
  );
  register(
    "Select",
    (dy, [condition, t, e]) => {
      const c = mask(condition);
      const d = one(dy);
      return {
        condition: () => tf.zerosLike(c),
        t: () => unbroadcast(tf.mul(d, c), t.shape),
        e: () => unbroadcast(tf.mul(d, tf.sub(1, c)), e.shape),
      };
    },
    { inputs: ["condition", "t", "e"] },
  );
}
