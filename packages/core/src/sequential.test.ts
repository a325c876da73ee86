import { describe, expect, it } from "vitest";
import { grad } from "./autodiff.js";
import { checkGrad } from "./checkgrad.js";
import { Module, Param } from "./module.js";
import type { Data, Metadata, Operator, State } from "./operator.js";
import { Sequential } from "./sequential.js";
import { tf } from "./tf.js";

/** y = a·x + b as an operator with parameters. */
class Affine extends Module implements Operator {
  readonly a: Param;
  readonly b: Param;
  constructor(a: number, b: number) {
    super();
    this.a = new Param(tf.scalar(a), "a");
    this.b = new Param(tf.scalar(b), "b");
  }
  apply(data: Data, state: State = {}, metadata: Metadata = null): [Data, State, Metadata] {
    const x = data.x as tf.Tensor;
    return [
      { ...data, x: tf.add(tf.mul(this.a.value, x), this.b.value) },
      { ...state, calls: ((state.calls as number) ?? 0) + 1 },
      metadata,
    ];
  }
}

/** A parameter-free step (e.g. a user's own normalisation). */
const square: Operator = {
  apply: (data, state = {}, metadata = null) => [{ ...data, x: tf.square(data.x as tf.Tensor) }, state, metadata],
};

describe("Sequential", () => {
  it("chains data, state and metadata, and one gradient reaches every step", () => {
    const first = new Affine(2, 1);
    const second = new Affine(3, -1);
    const pipeline = new Sequential([first, square, second]);
    const x = tf.tensor1d([1, 2]);
    const [out, state, meta] = pipeline.apply({ x, label: "keep" }, {}, { run: 1 });
    // ((2x + 1)²)·3 − 1 at x = 1, 2 → 26, 74
    expect(Array.from((out.x as tf.Tensor).dataSync())).toEqual([26, 74]);
    expect(out.label).toBe("keep");
    expect(state.calls).toBe(2);
    expect(meta).toEqual({ run: 1 });
    const g = grad((m: Sequential) => tf.sum(m.apply({ x })[0].x as tf.Tensor) as tf.Scalar)(pipeline);
    const steps = (g as unknown as { steps: Record<number, { a: tf.Tensor; b: tf.Tensor }> }).steps;
    // d/d a₁ Σ 3(2x+1)² − 1 = Σ 3·2(2x+1)·x = 6·(3·1 + 5·2) = 78
    expect(steps[0].a.dataSync()[0]).toBeCloseTo(78, 4);
    expect(steps[2].b.dataSync()[0]).toBeCloseTo(2, 6);
    // And through the data: finite differences of the whole chain with respect to its input.
    const report = checkGrad((input: tf.Tensor) => tf.sum(pipeline.apply({ x: input })[0].x as tf.Tensor), [x]);
    expect(report.ok, report.message).toBe(true);
    pipeline.dispose();
  });
});

describe("Sequential.from(...).pipe(...): typed chains", () => {
  interface Counts {
    counts: tf.Tensor1D;
  }
  interface Scaled {
    scaled: tf.Tensor1D;
  }
  interface Logged {
    logged: tf.Tensor1D;
  }
  const scale: Operator<Counts, Scaled> = {
    apply: (data, state = {}, metadata = null) => [{ ...data, scaled: tf.mul(data.counts, 2) }, state, metadata],
  };
  const log: Operator<Scaled, Logged> = {
    apply: (data, state = {}, metadata = null) => [{ ...data, logged: tf.log1p(data.scaled) }, state, metadata],
  };

  it("passes each step's outputs to the next and types the result", () => {
    const chain = Sequential.from(scale).pipe(log);
    const [out] = chain.apply({ counts: tf.tensor1d([0, 1.5]) });
    expect(Array.from(out.logged.dataSync())).toEqual([0, Math.fround(Math.log1p(3))]);
    expect(Array.from(out.counts.dataSync())).toEqual([0, 1.5]);
  });

  it("rejects a step whose inputs no earlier step provides (checked by tsc in `npm run lint`)", () => {
    // @ts-expect-error `log` needs `scaled`, which nothing before it produces.
    const broken = Sequential.from(log).pipe(scale).pipe(log).pipe(Sequential.from(scale));
    expect(broken.steps).toHaveLength(4);
    // @ts-expect-error the chain starts from counts only; `log` alone cannot follow `from(logOnly)` without scaled.
    Sequential.from<Counts, object>({ apply: (d, s = {}, m = null) => [d, s, m] }).pipe(log);
  });
});
