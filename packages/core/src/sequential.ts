import { Module } from "./module.js";
import type { Data, Metadata, Operator, State } from "./operator.js";

/**
 * Operators applied in order, each receiving the previous one's data, state and metadata: one operator
 * (and, when the steps are Modules, one Module) made of several. Parameters of Module steps are found under
 * `steps.<index>`, so `grad(fn)(pipeline)` returns `grads.steps[0]...`, and a single gradient flows through
 * every step.
 *
 * ```ts
 * const pipeline = new Sequential([myNormalisation, harmony, velocity]);
 * const [out] = pipeline.apply({ embeddings, batchLabels, spliced, unspliced });
 * ```
 */
export class Sequential<In extends Data = Data, Out extends Data = Data> extends Module implements Operator<In, Out> {
  readonly steps: Operator[];

  constructor(steps: Operator[]) {
    super();
    this.steps = [...steps];
  }

  apply(data: In, state: State = {}, metadata: Metadata = null): [In & Out, State, Metadata] {
    let current: [Data, State, Metadata] = [data, state, metadata];
    for (const step of this.steps) current = step.apply(current[0], current[1], current[2]);
    return current as [In & Out, State, Metadata];
  }
}

/** `new Sequential(steps)` as a function. */
export function sequential<In extends Data = Data, Out extends Data = Data>(...steps: Operator[]): Sequential<In, Out> {
  return new Sequential<In, Out>(steps);
}
