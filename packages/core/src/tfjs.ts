/**
 * TensorFlow.js as diffcell sees it: the library's whole namespace, except that every entry point that
 * records a gradient tape (`grad`, `grads`, `valueAndGrad`, `valueAndGrads`, `variableGrads`) also
 * counts itself in {@link isTaping}. Fused kernels use that to decide whether to keep what a backward pass
 * will need (tfjs has no public "is a tape recording?" query; its engine state is private).
 * (An explicit export shadows the same name from `export *`.)
 *
 * Only tfjs-core and the plain-JS `cpu` backend load here (the `wasm` backend loads on demand in
 * `backend.ts`); the gradients the umbrella package would bring are registered by `gradients.ts`.
 */
import "@tensorflow/tfjs-backend-cpu";
import * as base from "@tensorflow/tfjs-core";
import { registerGradients } from "./gradients.js";

export * from "@tensorflow/tfjs-core";

registerGradients();

/**
 * Compatibility: the umbrella package added chained methods (`x.add(y)`, `x.toFloat()`) to every tensor;
 * tfjs-core alone does not, and diffcell writes `tf.cast(x, "float32")`. The one chained call still in
 * use (pipeline's `.toFloat()`) keeps working until it is rewritten; do not add others.
 */
declare module "@tensorflow/tfjs-core" {
  interface Tensor<R extends base.Rank = base.Rank> {
    /** @deprecated use `tf.cast(x, "float32")`. */
    toFloat(): Tensor<R>;
  }
}
const tensorPrototype = base.Tensor.prototype as unknown as { toFloat?: () => base.Tensor };
tensorPrototype.toFloat ??= function (this: base.Tensor) {
  return base.cast(this, "float32");
};

let depth = 0;

/** True while a gradient tape records (inside `grad`, `grads`, `valueAndGrad(s)`, `variableGrads`). */
export function isTaping(): boolean {
  return depth > 0;
}

function taping<T>(fn: () => T): T {
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

export const grad: typeof base.grad = (f) => {
  const g = base.grad(f);
  return (x, dy) => taping(() => g(x, dy));
};

export const grads: typeof base.grads = (f) => {
  const g = base.grads(f);
  return (args, dy) => taping(() => g(args, dy));
};

export const valueAndGrad: typeof base.valueAndGrad = (f) => {
  const g = base.valueAndGrad(f);
  return (x, dy) => taping(() => g(x, dy));
};

export const valueAndGrads: typeof base.valueAndGrads = (f) => {
  const g = base.valueAndGrads(f);
  return (args, dy) => taping(() => g(args, dy));
};

export const variableGrads: typeof base.variableGrads = (f, varList) => taping(() => base.variableGrads(f, varList));
