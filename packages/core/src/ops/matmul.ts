import { customGrad, tf } from "../tf.js";

/**
 * `a @ b` for 2-D tensors whose backward pass transposes explicitly. On the wasm backend XNNPACK's fast
 * GEMM runs only without transpose flags; tfjs autodiff of `tf.matMul` emits `transposeA/B` calls that
 * fall back to a loop 8–10× slower (docs/engine.md rule 1). Use this for every weight matrix.
 */
export function matMul(
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  options: {
    /** `a` is data: no gradient is computed for it (zeros). */
    constantA?: boolean;
    /**
     * With `constantA`: aᵀ kept by the caller across calls (or a function returning it, called only when the
     * backward pass runs), making b's gradient one flag-free GEMM aᵀ·dy.
     */
    transposedA?: tf.Tensor2D | (() => tf.Tensor2D);
  } = {},
): tf.Tensor2D {
  if (!options.constantA) return matMulOp(a, b) as tf.Tensor2D;
  const aT = options.transposedA;
  if (!aT) return matMulConstantAOp(a, b) as tf.Tensor2D;
  const op = customGrad(([x, y], save) => {
    save([x]);
    return {
      value: tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D),
      gradFunc: (dy, [savedA]) => [
        tf.zerosLike(savedA),
        tf.matMul(typeof aT === "function" ? aT() : aT, dy as tf.Tensor2D),
      ],
    };
  });
  return op(a, b) as tf.Tensor2D;
}

const matMulOp = customGrad(([a, b], save) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy, [savedA, savedB]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(savedB as tf.Tensor2D)),
      rightGradient(savedA as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
});

/**
 * `a` is data (no parameter upstream): its gradient dy·bᵀ — an N×in product as costly as the forward pass
 * for a wide data matrix — is not computed; zeros keep tfjs's shape check satisfied.
 */
const matMulConstantAOp = customGrad(([a, b], save) => {
  save([a]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy, [savedA]) => [tf.zerosLike(savedA), rightGradient(savedA as tf.Tensor2D, dy as tf.Tensor2D)],
  };
});

/**
 * db = aᵀ·dy. For a data matrix a [N, in] with a narrow layer (out ≪ in), transposing a costs N·in;
 * (dyᵀ·a)ᵀ costs only N·out + in·out in transposes — e.g. 14.8M vs 0.5M values for the time encoder's
 * first layer on pancreas. Pick the cheaper; both keep XNNPACK's flag-free GEMM.
 */
function rightGradient(a: tf.Tensor2D, dy: tf.Tensor2D): tf.Tensor2D {
  const [n, inner] = a.shape;
  const out = dy.shape[1];
  if (n * inner <= n * out + inner * out) return tf.matMul(tf.transpose(a), dy);
  return tf.transpose(tf.matMul(tf.transpose(dy), a)) as tf.Tensor2D;
}

/** `transpose(a) @ b` computed as an explicit transpose then a flag-free matmul (see {@link matMul}). */
export function matMulTA(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMul(tf.transpose(a), b);
}

/** `a @ transpose(b)` computed as an explicit transpose then a flag-free matmul (see {@link matMul}). */
export function matMulTB(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  return matMul(a, tf.transpose(b));
}
