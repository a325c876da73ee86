import { DiffcellError } from "../errors.js";
import type { GradsOf, Module, Param } from "../module.js";
import { tf } from "../tf.js";
import { disposeTree, flattenTree, type TensorTree } from "../tree.js";
import type { GradientTransformation } from "./transforms.js";

/**
 * Updates every trainable parameter of a module with a gradient transformation:
 * `new Optimizer(model, adam(1e-3)).update(grads)`, as `nnx.Optimizer`.
 */
export class Optimizer<M extends Module = Module> {
  /** Number of updates applied. */
  step = 0;
  private readonly entries: Array<[string, Param]>;
  private state: unknown;

  constructor(
    readonly module: M,
    readonly transform: GradientTransformation,
  ) {
    this.entries = module.trainableParameters();
    tf.tidy(() => {
      this.state = keepAll(transform.init(this.entries.map(([, p]) => p.variable)));
    });
  }

  /**
   * Applies one update. `grads` is the tree from `grad`/`valueAndGrad`; by default it is disposed here,
   * since a training loop has no other use for it.
   */
  update(grads: GradsOf<M> | TensorTree, options: { disposeGrads?: boolean } = {}): void {
    const byPath = new Map(flattenTree(grads as TensorTree));
    const gradList = this.entries.map(([path, p]) => {
      const g = byPath.get(path);
      if (!g) throw new DiffcellError(`Optimizer.update: no gradient for parameter "${path}"`);
      if (g.size !== p.size) {
        throw new DiffcellError(
          `Optimizer.update: gradient for "${path}" has shape [${g.shape}], parameter [${p.shape}]`,
        );
      }
      return g;
    });
    const oldState = this.state;
    tf.tidy(() => {
      const params = this.entries.map(([, p]) => p.variable);
      const [updates, next] = this.transform.update(gradList, oldState, params);
      for (const [i, u] of updates.entries()) params[i].assign(tf.add(params[i], tf.reshape(u, params[i].shape)));
      this.state = keepAll(next);
    });
    disposeState(oldState, this.state);
    this.step++;
    if (options.disposeGrads ?? true) disposeTree(grads as TensorTree);
  }

  /**
   * Whether this optimiser updates exactly the module's trainable parameters as they are now. One made while
   * some parameters were frozen (`trainable = false`) never updates them, even after they are unfrozen.
   */
  coversTrainable(): boolean {
    const now = this.module.trainableParameters();
    return now.length === this.entries.length && now.every(([, p], i) => this.entries[i][1] === p);
  }

  /** Frees the optimiser state (not the module). */
  dispose(): void {
    disposeState(this.state, undefined);
    this.state = undefined;
  }
}

function keepAll<S>(state: S): S {
  visitTensors(state, (t) => tf.keep(t));
  return state;
}

/** Disposes tensors of `old` that are not carried over into `next`. */
function disposeState(old: unknown, next: unknown): void {
  const live = new Set<tf.Tensor>();
  visitTensors(next, (t) => live.add(t));
  visitTensors(old, (t) => {
    if (!live.has(t)) t.dispose();
  });
}

function visitTensors(x: unknown, fn: (t: tf.Tensor) => void): void {
  if (x instanceof tf.Tensor) fn(x);
  else if (Array.isArray(x)) for (const v of x) visitTensors(v, fn);
  else if (x && typeof x === "object") for (const v of Object.values(x)) visitTensors(v, fn);
}
