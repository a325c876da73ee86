import { Rngs, setThreadCount, tf, threadCount } from "@diffcell/core";
import { afterEach, describe, expect, it } from "vitest";
import { neighborCosineLoss } from "./neighborCosine.js";

/** Loss and gradients of a problem above the parallel threshold (N·k·D ≥ 200k), as plain arrays. */
function run(constantPositions = false, timeWeight = 1): number[][] {
  const n = 300;
  const d = 50;
  const k = 15;
  const r = new Rngs(11);
  const v = tf.tensor2d(Float32Array.from(r.normal(n * d, 0, 1)), [n, d]);
  const x = tf.tensor2d(Float32Array.from(r.uniform(n * d, 0, 3)), [n, d]);
  const t = tf.tensor1d(Float32Array.from(r.uniform(n, 0, 1)));
  // Random neighbours, some repeated and some the cell itself (skipped by the loss).
  const neighbors = Int32Array.from(r.uniform(n * k, 0, n), Math.floor);
  const attrs = { neighbors, k, temperature: 0.5, timeWeight, timeScale: 0.05, constantPositions };
  const loss = (...xs: tf.Tensor[]) => neighborCosineLoss(xs, attrs)[0] as tf.Scalar;
  const out = tf.tidy(() => [loss(v, x, t), ...tf.grads(loss)([v, x, t])].map((a) => Array.from(a.dataSync())));
  tf.dispose([v, x, t]);
  return out;
}

describe("neighborCosineLoss on worker threads", () => {
  const initial = threadCount();
  afterEach(() => setThreadCount(initial));

  it("gives bit-identical loss and gradients on 1 and 2 threads", () => {
    setThreadCount(1);
    const single = run();
    setThreadCount(2);
    const double = run();
    for (let a = 0; a < single.length; a++) expect(double[a]).toEqual(single[a]);
    expect(single[2].some((g) => g !== 0)).toBe(true);
  });

  it.each([1, 0])("with constant positions: the same loss, dv and dt, and dx zero (time weight %s)", (timeWeight) => {
    const full = run(false, timeWeight);
    const constant = run(true, timeWeight);
    expect(constant[0]).toEqual(full[0]);
    expect(constant[1]).toEqual(full[1]);
    expect(constant[3]).toEqual(full[3]);
    expect(full[2].some((g) => g !== 0)).toBe(true);
    expect(constant[2].every((g) => g === 0)).toBe(true);
  });
});
