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

/** Outputs and input gradients (taped: velocity keeps its partials) of the kernels, as plain arrays. */
function run(perCellAlpha: boolean): number[][] {
  const { inputs, observed, weights, cot } = problem(perCellAlpha);
  const attrs = { switching: true };
  const out: number[][] = [];
  const read = (ts: tf.Tensor[]) => {
    for (const t of ts) out.push(Array.from(t.dataSync()));
    tf.dispose(ts);
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
    const taped = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(kineticVelocity(xs, attrs)[0], cot)))(inputs);
    taped.forEach((gr, i) => {
      const a = gr.dataSync();
      const b = recomputed[i];
      let scale = 0;
      for (const v of b) scale = Math.max(scale, Math.abs(v));
      for (let k = 0; k < a.length; k++) expect(Math.abs(a[k] - b[k])).toBeLessThan(2e-5 * scale + 1e-6);
    });
    tf.dispose([...taped, ...inputs, cot]);
  });

  it("reconstruction gradients that reuse the velocity pass's Jacobian equal freshly computed ones, bit for bit", () => {
    const { inputs, observed, weights, cot } = problem(true);
    const attrs = { switching: true };
    const reconstruction = () =>
      tf.grads((...xs: tf.Tensor[]) => kineticReconstruction([...xs, ...observed], { ...attrs, ...weights })[0])(
        inputs,
      );
    const read = (ts: tf.Tensor[]) => {
      const out = ts.map((t) => Array.from(t.dataSync()));
      tf.dispose(ts);
      return out;
    };
    tf.dispose(kineticVelocity(inputs, attrs)); // untaped: keeps nothing
    const fresh = read(reconstruction());
    // A taped velocity pass at the same inputs (as a training step makes it) keeps its Jacobian.
    read(tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(kineticVelocity(xs, attrs)[0], cot)))(inputs));
    const reused = read(reconstruction());
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
      const read = (ts: tf.Tensor[]) => {
        const out = ts.map((t) => Array.from(t.dataSync()));
        tf.dispose(ts);
        return out;
      };
      const separate = read(objective(false));
      const fused = read(objective(true));
      expect(fused.length).toBe(9);
      for (let a = 0; a < separate.length; a++) {
        let scale = 0;
        for (const v of separate[a]) scale = Math.max(scale, Math.abs(v));
        // The same partials and sums; only the order of adding the two terms' float32 gradients differs.
        for (let k = 0; k < separate[a].length; k++)
          expect(Math.abs(fused[a][k] - separate[a][k])).toBeLessThanOrEqual(1e-6 * scale);
      }
      // A second taped pass that overwrites the kept partials before the backward: recomputed, the same gradients.
      const overwritten = read(
        tf.grads((...xs: tf.Tensor[]) => {
          const [v, loss] = kineticVelocityFit(xs, attrs);
          const other = kineticVelocityFit([...inputs.map((x) => tf.mul(x, 1.1)), ...observed], attrs)[0];
          return tf.add(tf.add(tf.sum(tf.mul(v, cot)), tf.mul(loss, 2.5)), tf.mul(0, tf.sum(other)));
        })([...inputs, ...observed]),
      );
      for (let a = 0; a < fused.length; a++) {
        let scale = 0;
        for (const v of fused[a]) scale = Math.max(scale, Math.abs(v));
        for (let k = 0; k < fused[a].length; k++)
          expect(Math.abs(overwritten[a][k] - fused[a][k])).toBeLessThan(2e-5 * scale + 1e-6);
      }
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
    const read = (ts: tf.Tensor[]) => {
      const out = ts.map((t) => Array.from(t.dataSync()));
      tf.dispose(ts);
      return out;
    };
    const alone = read(velocityGrads(false));
    const overwritten = read(velocityGrads(true));
    for (let a = 0; a < alone.length; a++) {
      let scale = 0;
      for (const v of alone[a]) scale = Math.max(scale, Math.abs(v));
      for (let k = 0; k < alone[a].length; k++)
        expect(Math.abs(overwritten[a][k] - alone[a][k])).toBeLessThan(2e-5 * scale + 1e-6);
    }
    tf.dispose([...first.inputs, ...first.observed, first.cot, ...second.inputs, ...second.observed, second.cot]);
  });
});
