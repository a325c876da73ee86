import { DiffcellError } from "./errors.js";
import { type GradsOf, Module } from "./module.js";
import { customGrad, tf } from "./tf.js";
import { unflattenTree } from "./tree.js";

export interface ValueAndGradOptions {
  /** `fn` returns `[loss, aux]`; aux tensors survive and are returned to the caller (who disposes them). */
  hasAux?: boolean;
}

type LossFn<M, A extends unknown[]> = (module: M, ...args: A) => tf.Scalar;
type AuxLossFn<M, A extends unknown[], X> = (module: M, ...args: A) => [tf.Scalar, X];

/**
 * `valueAndGrad(fn)(module, ...args)` → `[loss, grads]`, where `grads` mirrors the module's fields
 * (`grads.timeEncoder.linear1.kernel`), as `nnx.value_and_grad`. The loss is returned as a number; the
 * gradient tensors belong to the caller (`Optimizer.update` disposes them). Parameters the loss does not
 * depend on get zero gradients; frozen (non-trainable) parameters are left out.
 */
export function valueAndGrad<M extends Module, A extends unknown[]>(
  fn: LossFn<M, A>,
): (module: M, ...args: A) => [number, GradsOf<M>];
export function valueAndGrad<M extends Module, A extends unknown[], X>(
  fn: AuxLossFn<M, A, X>,
  options: { hasAux: true },
): (module: M, ...args: A) => [number, GradsOf<M>, X];
export function valueAndGrad<M extends Module, A extends unknown[], X>(
  fn: LossFn<M, A> | AuxLossFn<M, A, X>,
  options: ValueAndGradOptions = {},
) {
  return (module: M, ...args: A) => {
    if (!(module instanceof Module)) throw new DiffcellError("valueAndGrad: the first argument must be a Module");
    const entries = module.trainableParameters();
    if (entries.length === 0) throw new DiffcellError("valueAndGrad: the module has no trainable parameters");
    let aux: X | undefined;
    const { value, grads } = tf.variableGrads(
      () => {
        const out = fn(module, ...args);
        if (!options.hasAux) return checkScalar(out as tf.Scalar);
        const [loss, extra] = out as [tf.Scalar, X];
        aux = keepTensors(extra);
        return checkScalar(loss);
      },
      entries.map(([, p]) => p.variable),
    );
    const loss = value.dataSync()[0];
    value.dispose();
    const tree = unflattenTree(
      entries.map(([path, p]) => [path, grads[p.variable.name] ?? tf.zerosLike(p.variable)] as [string, tf.Tensor]),
    ) as GradsOf<M>;
    return options.hasAux ? [loss, tree, aux as X] : [loss, tree];
  };
}

/** `grad(fn)(module, ...args)` → gradient tree mirroring the module (see {@link valueAndGrad}). */
export function grad<M extends Module, A extends unknown[]>(fn: LossFn<M, A>): (module: M, ...args: A) => GradsOf<M> {
  const vg = valueAndGrad(fn);
  return (module: M, ...args: A) => vg(module, ...args)[1];
}

/**
 * Identity in the forward pass, zero gradient in the backward pass (tfjs has no `stopGradient`).
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const op = customGrad(([input]) => ({
    value: tf.clone(input),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
  return op(x) as T;
}

function checkScalar(t: tf.Scalar): tf.Scalar {
  if (!(t instanceof tf.Tensor) || t.rank !== 0) {
    throw new DiffcellError(
      `valueAndGrad: the loss function must return a scalar tensor, got ${t instanceof tf.Tensor ? `shape [${t.shape}]` : typeof t}`,
    );
  }
  return t;
}

function keepTensors<X>(x: X): X {
  if (x instanceof tf.Tensor) tf.keep(x);
  else if (Array.isArray(x)) x.forEach(keepTensors);
  else if (x && typeof x === "object") Object.values(x).forEach(keepTensors);
  return x;
}
