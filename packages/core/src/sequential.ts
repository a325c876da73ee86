import { Module } from "./module.js";
import type { Data, Metadata, Operator, State } from "./operator.js";

/**
 * Operators applied in order, each receiving the previous one's data, state and metadata: one operator
 * (and, when the steps are Modules, one Module) made of several. Parameters of Module steps are found under
 * `steps.<index>`, so `grad(fn)(pipeline)` returns `grads.steps[0]...`, and a single gradient flows through
 * every step.
 *
 * Typed chains: `Sequential.from(a).pipe(b).pipe(c)` checks at compile time that each step's inputs are
 * among the data available at that point (the chain's inputs and every earlier step's outputs). TypeScript
 * infers a step's input/output types from a value typed `Operator<I, O>`; for a class instance (whose
 * `apply` returns `I & O`, which cannot be split) name them: `.pipe<VelocityInput, VelocityOutput>(model)`.
 *
 * ```ts
 * const chain = Sequential.from(harmony).pipe(moments).pipe(velocity);
 * const [out] = chain.apply({ embeddings, batchLabels, splicedCounts, unsplicedCounts });
 * out.latentTime; // typed
 * ```
 */
export class Sequential<In extends object = Data, Out extends object = Data>
  extends Module
  implements Operator<In, Out>
{
  readonly steps: Operator<object, object>[];

  constructor(steps: Operator<object, object>[]) {
    super();
    this.steps = [...steps];
  }

  /**
   * An empty chain over inputs `I` (it passes them through), to be extended with {@link pipe}: declares
   * inputs that later steps read but the first step does not.
   */
  static input<I extends object>(): Sequential<I, object> {
    return new Sequential<I, object>([]);
  }

  /** A one-step chain, to be extended with {@link pipe}. */
  static from<I extends object, O extends object>(op: Operator<I, O>): Sequential<I, O> {
    return new Sequential<I, O>([op as Operator<object, object>]);
  }

  /**
   * This chain followed by `op`; `op`'s inputs must be available (a compile error names what is missing).
   * Returns a new chain; this one is unchanged.
   */
  pipe<I extends object, O extends object>(
    op: Operator<I, O> & (In & Out extends I ? unknown : { missingInputs: Exclude<keyof I, keyof (In & Out)> }),
  ): Sequential<In, Out & O> {
    return new Sequential<In, Out & O>([...this.steps, op as Operator<object, object>]);
  }

  apply(data: In, state: State = {}, metadata: Metadata = null): [In & Out, State, Metadata] {
    let current: [object, State, Metadata] = [data, state, metadata];
    for (const step of this.steps) current = step.apply(current[0], current[1], current[2]);
    return current as [In & Out, State, Metadata];
  }
}

/** `new Sequential(steps)` as a function (untyped steps; see {@link Sequential.from} for typed chains). */
export function sequential<In extends object = Data, Out extends object = Data>(
  ...steps: Operator<object, object>[]
): Sequential<In, Out> {
  return new Sequential<In, Out>(steps);
}
