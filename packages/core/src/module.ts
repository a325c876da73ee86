import { DiffcellError } from "./errors.js";
import { tf } from "./tf.js";

let nextParamId = 0;

/**
 * A trainable array: a `tf.Variable` with a readable name. Lives in a field of a {@link Module};
 * gradients and optimiser state are keyed by the field path, not by this name.
 */
export class Param {
  readonly variable: tf.Variable;

  /** Takes ownership of `initial` (it is disposed once the variable holds its value). */
  constructor(
    initial: tf.Tensor,
    readonly name = "param",
    trainable = true,
  ) {
    // tfjs variable names are global; suffix an id so two models never collide.
    this.variable = tf.variable(initial, trainable, `${name}_${nextParamId++}`, "float32");
    // The variable keeps its own reference to the data; the initial tensor object would otherwise leak.
    if (initial !== this.variable) initial.dispose();
  }

  get value(): tf.Variable {
    return this.variable;
  }

  get shape(): number[] {
    return this.variable.shape;
  }

  get size(): number {
    return this.variable.size;
  }

  get trainable(): boolean {
    return this.variable.trainable;
  }

  set trainable(flag: boolean) {
    this.variable.trainable = flag;
  }

  /** Replaces the value (shape must match). The caller keeps ownership of `value`. */
  assign(value: tf.Tensor): void {
    if (value.size !== this.variable.size) {
      throw new DiffcellError(`Param ${this.name}: cannot assign shape [${value.shape}] to [${this.shape}]`);
    }
    tf.tidy(() => this.variable.assign(tf.reshape(value, this.variable.shape)));
  }

  dispose(): void {
    if (!this.variable.isDisposed) this.variable.dispose();
  }
}

/**
 * Base class of everything with parameters. A module is a plain object: its fields hold {@link Param}s,
 * sub-modules or arrays of them, and the field names are the paths gradients use
 * (`grads.timeEncoder.linear1.kernel`), as in Flax NNX.
 */
export abstract class Module {
  /** All parameters with their dotted field paths, depth first in field order. */
  parameters(): Array<[string, Param]> {
    return paramEntries(this);
  }

  /** Parameters that receive gradients. */
  trainableParameters(): Array<[string, Param]> {
    return paramEntries(this).filter(([, p]) => p.trainable);
  }

  numParameters(): number {
    return paramEntries(this).reduce((n, [, p]) => n + p.size, 0);
  }

  /**
   * Frees every parameter, through each sub-module's own `dispose` (so a sub-module that holds more than
   * Params — a cache, fixed tensors — frees those too). The module must not be used afterwards.
   */
  dispose(): void {
    const free = (value: unknown, seen: Set<unknown>): void => {
      if (seen.has(value)) return;
      seen.add(value);
      if (value instanceof Param) value.dispose();
      else if (value instanceof Module) value.dispose();
      else if (Array.isArray(value)) for (const child of value) free(child, seen);
    };
    const seen = new Set<unknown>([this]);
    for (const child of Object.values(this)) free(child, seen);
  }
}

function paramEntries(root: Module): Array<[string, Param]> {
  const out: Array<[string, Param]> = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown, path: string): void => {
    if (value instanceof Param) {
      if (!seen.has(value)) out.push([path, value]);
      seen.add(value);
      return;
    }
    if (seen.has(value)) return;
    if (value instanceof Module) {
      seen.add(value);
      for (const [key, child] of Object.entries(value)) walk(child, path ? `${path}.${key}` : key);
    } else if (Array.isArray(value)) {
      seen.add(value);
      for (const [i, child] of value.entries()) walk(child, path ? `${path}.${i}` : String(i));
    }
  };
  walk(root, "");
  return out;
}

/**
 * The type of a gradient tree for module `M`: every Param field becomes a tensor, every sub-module a
 * nested tree with the same field names (`grads.timeEncoder.linear1.kernel`).
 */
export type GradsOf<M> = {
  [K in keyof M as NonNullable<M[K]> extends Param | Module | ReadonlyArray<Param | Module> ? K : never]: GradOf<
    NonNullable<M[K]>
  >;
};

type GradOf<T> = T extends Param
  ? tf.Tensor
  : T extends ReadonlyArray<infer E>
    ? { [index: number]: GradOf<E> }
    : T extends Module
      ? GradsOf<T>
      : never;
