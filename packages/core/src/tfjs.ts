/**
 * TensorFlow.js as diffcell sees it: the library's whole namespace, except that every entry point that
 * records a gradient tape (`grad`, `grads`, `valueAndGrad`, `valueAndGrads`, `variableGrads`) also
 * counts itself in {@link isTaping}. Fused kernels use that to decide whether to keep what a backward pass
 * will need (tfjs has no public "is a tape recording?" query; its engine state is private).
 * (An explicit export shadows the same name from `export *`.)
 */
import * as base from "@tensorflow/tfjs";

export * from "@tensorflow/tfjs";

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
