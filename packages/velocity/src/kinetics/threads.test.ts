import { Rngs, setThreadCount, tf, threadCount } from "@diffcell/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  kineticReconstruction,
  kineticState,
  kineticTrajectory,
  kineticVelocity,
  kineticVelocityFit,
} from "./trajectory.js";

/** A problem large enough (N·G ≥ the parallel threshold) to run on the worker pool. */
function problem(perCellAlpha: boolean) {
  const n = 411;
  const g = 120;
  const r = new Rngs(5);
  const f = (values: ArrayLike<number>, shape: number[]) => tf.tensor(Float32Array.from(values), shape);
  const inputs = [
    f(r.uniform(n, 0, 1), [n]),
    f(r.uniform(g, -0.3, 0.4), [g]),
    f(r.uniform(g, 0.1, 0.8), [g]),
    perCellAlpha ? f(r.uniform(n * g, 0.5, 4), [n, g]) : f(r.uniform(g, 0.5, 4), [g]),
    f(r.uniform(g, 0.2, 5), [g]),
    f(r.uniform(g, 0.2, 5), [g]),
    f(r.uniform(g, 0.5, 2), [g]),
  ];
  const observed = [f(r.uniform(n * g, 0, 2), [n, g]), f(r.uniform(n * g, 0, 3), [n, g])];
  const weights = {
    weightUnspliced: Float64Array.from(r.uniform(g, 0.5, 1.5)),
    weightSpliced: Float64Array.from(r.uniform(g, 0.5, 1.5)),
  };
  const cot = f(r.normal(n * g, 0, 1), [n, g]);
  return { inputs, observed, weights, cot };
}

/** Tensors as plain arrays (the tensors are disposed). */
function readAll(ts: tf.Tensor[]): number[][] {
  const out = ts.map((t) => Array.from(t.dataSync()));
  tf.dispose(ts);
  return out;
}

/** Every value of `actual` within `relative` × (the largest |value| of its array in `expected`) + `absolute`. */
function expectWithinScale(actual: number[][], expected: number[][], relative: number, absolute = 0): void {
  expect(actual.length).toBe(expected.length);
  for (let a = 0; a < expected.length; a++) {
    let scale = 0;
    for (const v of expected[a]) scale = Math.max(scale, Math.abs(v));
    for (let k = 0; k < expected[a].length; k++)
      expect(Math.abs(actual[a][k] - expected[a][k])).toBeLessThanOrEqual(relative * scale + absolute);
  }
}

/** Outputs and input gradients (taped: velocity keeps its partials) of the kernels, as plain arrays. */
function run(perCellAlpha: boolean): number[][] {
  const { inputs, observed, weights, cot } = problem(perCellAlpha);
  const attrs = { switching: true };
  const out: number[][] = [];
  const read = (ts: tf.Tensor[]) => {
    out.push(...readAll(ts));
  };
  read(kineticTrajectory(inputs, attrs));
  read(kineticVelocity(inputs, attrs));
  read(kineticState(inputs, attrs));
  read(tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(kineticVelocity(xs, attrs)[0], cot)))(inputs));
  read(tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(kineticTrajectory(xs, attrs)[0], cot)))(inputs));
  read(
    tf.grads((...xs: tf.Tensor[]) => kineticReconstruction([...xs, ...observed], { ...attrs, ...weights })[0])(inputs),
  );
  read(
    tf.grads((...xs: tf.Tensor[]) => {
      const [v, loss] = kineticVelocityFit([...xs, ...observed], { ...attrs, ...weights });
      return tf.add(tf.sum(tf.mul(v, cot)), tf.mul(loss, 0.7));
    })(inputs),
  );
  tf.dispose([...inputs, ...observed, cot]);
  return out;
}

describe("trajectory kernels on worker threads", () => {
  const initial = threadCount();
  afterEach(() => setThreadCount(initial));

  it.each([false, true])("give bit-identical values and gradients on 1 and 2 threads (per-cell α: %s)", (perCell) => {
    setThreadCount(1);
    const single = run(perCell);
    setThreadCount(2);
    const double = run(perCell);
    expect(double.length).toBe(single.length);
    for (let a = 0; a < single.length; a++) expect(double[a]).toEqual(single[a]);
  });

  it("velocity gradients from the partials kept by a taped forward pass equal the recomputed ones", () => {
    const { inputs, cot } = problem(false);
    const attrs = { switching: true };
    const host = inputs.map((t) => ({ data: Float64Array.from(t.dataSync()), shape: t.shape }));
    const recomputed = kineticVelocity.backward({
      inputs: host,
      outputs: [],
      cotangents: [{ data: Float64Array.from(cot.dataSync()), shape: cot.shape }],
      residuals: undefined,
      attrs,
    });
    const taped = readAll(tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(kineticVelocity(xs, attrs)[0], cot)))(inputs));
    expectWithinScale(
      taped,
      recomputed.map((r) => Array.from(r)),
      2e-5,
      1e-6,
    );
    tf.dispose([...inputs, cot]);
  });

  it("reconstruction gradients that reuse the velocity pass's Jacobian equal freshly computed ones, bit for bit", () => {
    const { inputs, observed, weights, cot } = problem(true);
    const attrs = { switching: true };
    const reconstruction = () =>
      tf.grads((...xs: tf.Tensor[]) => kineticReconstruction([...xs, ...observed], { ...attrs, ...weights })[0])(
        inputs,
      );
    tf.dispose(kineticVelocity(inputs, attrs)); // untaped: keeps nothing
    const fresh = readAll(reconstruction());
    // A taped velocity pass at the same inputs (as a training step makes it) keeps its Jacobian.
    readAll(tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(kineticVelocity(xs, attrs)[0], cot)))(inputs));
    const reused = readAll(reconstruction());
    expect(reused).toEqual(fresh);
    tf.dispose([...inputs, ...observed, cot]);
  });

  it.each([false, true])(
    "kineticVelocityFit's gradients equal the velocity and reconstruction ops' summed (per-cell α: %s)",
    (perCell) => {
      const { inputs, observed, weights, cot } = problem(perCell);
      const attrs = { switching: true, ...weights };
      const objective = (fused: boolean) =>
        tf.grads((...xs: tf.Tensor[]) => {
          const [v, loss] = fused
            ? kineticVelocityFit(xs, attrs)
            : [kineticVelocity(xs.slice(0, 7), attrs)[0], kineticReconstruction(xs, attrs)[0]];
          return tf.add(tf.sum(tf.mul(v, cot)), tf.mul(loss, 2.5));
        })([...inputs, ...observed]);
      const separate = readAll(objective(false));
      const fused = readAll(objective(true));
      expect(fused.length).toBe(9);
      // The same partials and sums; only the order of adding the two terms' float32 gradients differs.
      expectWithinScale(fused, separate, 1e-6);
      // A second taped pass that overwrites the kept partials before the backward: recomputed, the same gradients.
      const overwritten = readAll(
        tf.grads((...xs: tf.Tensor[]) => {
          const [v, loss] = kineticVelocityFit(xs, attrs);
          const other = kineticVelocityFit([...inputs.map((x) => tf.mul(x, 1.1)), ...observed], attrs)[0];
          return tf.add(tf.add(tf.sum(tf.mul(v, cot)), tf.mul(loss, 2.5)), tf.mul(0, tf.sum(other)));
        })([...inputs, ...observed]),
      );
      expectWithinScale(overwritten, fused, 2e-5, 1e-6);
      tf.dispose([...inputs, ...observed, cot]);
    },
  );

  it("a kept Jacobian overwritten by a later taped pass is recomputed, not read stale (2 threads)", () => {
    setThreadCount(2);
    const first = problem(false);
    const second = problem(true); // other rates and per-cell α: its partials differ everywhere
    const attrs = { switching: true };
    const velocityGrads = (extra: boolean) =>
      tf.grads((...xs: tf.Tensor[]) => {
        const own = tf.sum(tf.mul(kineticVelocity(xs, attrs)[0], first.cot));
        // A second taped pass in the same step writes the shared Jacobian buffer after the first.
        return extra ? tf.add(own, tf.mul(0, tf.sum(kineticVelocity(second.inputs, attrs)[0]))) : own;
      })(first.inputs);
    const alone = readAll(velocityGrads(false));
    const overwritten = readAll(velocityGrads(true));
    expectWithinScale(overwritten, alone, 2e-5, 1e-6);
    tf.dispose([...first.inputs, ...first.observed, first.cot, ...second.inputs, ...second.observed, second.cot]);
  });
});
