import type { FusedOp, HostTensor } from "./kernel.js";
import { Rngs } from "./rng.js";
import { tf } from "./tf.js";

export interface GradCheckOptions {
  /** Finite-difference step, relative to max(1, |x|). Default 1e-6 for kernels (float64), 3e-3 for tfjs. */
  step?: number;
  /** Relative tolerance per element. Default 1e-5 for kernels, 2e-2 for tfjs functions. */
  rtol?: number;
  /** Absolute tolerance, as a fraction of the largest analytic gradient entry (over all inputs). Default 1e-6 / 2e-3. */
  atol?: number;
  /** Check at most this many entries per input (a seeded random subset). Default 64. */
  maxEntriesPerInput?: number;
  seed?: number;
}

export interface GradCheckEntry {
  input: number;
  index: number;
  analytic: number;
  numeric: number;
}

export interface GradCheckReport {
  ok: boolean;
  checked: number;
  maxAbsError: number;
  maxRelError: number;
  /** The entry with the largest error relative to its tolerance. */
  worst: GradCheckEntry | null;
  /** Every entry outside tolerance. */
  failures: GradCheckEntry[];
  message: string;
}

type TensorFn = (...inputs: tf.Tensor[]) => tf.Tensor;

/**
 * Compares analytic gradients with central finite differences.
 *
 * - `checkGrad(fusedOp, hostInputs, attrs)`: runs the kernel's own forward and backward in **float64**
 *   on a random projection `L = Σ w ⊙ outputs` (seeded cotangent `w`), so the check is tight (1e-5).
 * - `checkGrad(fn, tensors)`: `fn` maps tfjs tensors to a scalar; gradients from tfjs autodiff are
 *   compared with differences computed in float64 on the host around float32 evaluations (tolerance 2e-2).
 */
export function checkGrad<A, R>(
  op: FusedOp<A, R>,
  inputs: ReadonlyArray<HostTensor | { data: ArrayLike<number>; shape: readonly number[] }>,
  attrs: A,
  options?: GradCheckOptions,
): GradCheckReport;
export function checkGrad(fn: TensorFn, inputs: readonly tf.Tensor[], options?: GradCheckOptions): GradCheckReport;
export function checkGrad(
  target: unknown,
  inputs: readonly unknown[],
  third?: unknown,
  fourth?: unknown,
): GradCheckReport {
  if (typeof target === "function" && "backward" in target && "forward" in target) {
    return checkKernel(
      target as FusedOp<unknown, unknown>,
      inputs as HostTensor[],
      third,
      (fourth ?? {}) as GradCheckOptions,
    );
  }
  return checkTensorFn(target as TensorFn, inputs as tf.Tensor[], (third ?? {}) as GradCheckOptions);
}

function checkKernel(
  op: FusedOp<unknown>,
  inputs: HostTensor[],
  attrs: unknown,
  options: GradCheckOptions,
): GradCheckReport {
  const rngs = new Rngs(options.seed ?? 0);
  const x = inputs.map((t) => ({ data: Float64Array.from(t.data), shape: t.shape }));
  const first = op.forward(x, attrs);
  const weights = first.outputs.map((o) => rngs.normal(o.data.length));
  const loss = (xs: HostTensor[]): number => {
    const { outputs } = op.forward(xs, attrs);
    let total = 0;
    outputs.forEach((o, k) => {
      for (let i = 0; i < o.data.length; i++) total += weights[k][i] * o.data[i];
    });
    return total;
  };
  const analytic = op.backward({
    inputs: x,
    outputs: first.outputs,
    cotangents: first.outputs.map((o, k) => ({ data: weights[k], shape: o.shape })),
    residuals: first.residuals,
    attrs,
  });
  const step = options.step ?? 1e-6;
  const entries: GradCheckEntry[] = [];
  x.forEach((input, k) => {
    for (const index of sampleIndices(input.data.length, options.maxEntriesPerInput ?? 64, rngs)) {
      const original = input.data[index];
      const h = step * Math.max(1, Math.abs(original));
      input.data[index] = original + h;
      const up = loss(x);
      input.data[index] = original - h;
      const down = loss(x);
      input.data[index] = original;
      entries.push({ input: k, index, analytic: analytic[k][index], numeric: (up - down) / (2 * h) });
    }
  });
  return summarise(
    entries,
    analytic.map((g) => maxAbs(g)),
    options.rtol ?? 1e-5,
    options.atol ?? 1e-6,
  );
}

function checkTensorFn(fn: TensorFn, inputs: tf.Tensor[], options: GradCheckOptions): GradCheckReport {
  const rngs = new Rngs(options.seed ?? 0);
  const grads = tf.grads((...xs: tf.Tensor[]) => fn(...xs) as tf.Scalar)(inputs as tf.Tensor[]);
  const analytic = grads.map((g) => Float64Array.from(g.dataSync()));
  for (const g of grads) g.dispose();
  const values = inputs.map((t) => Float32Array.from(t.dataSync() as Float32Array));
  const evaluate = (): number =>
    tf.tidy(() => {
      const xs = values.map((v, k) => tf.tensor(v, inputs[k].shape, "float32"));
      return (fn(...xs).dataSync() as Float32Array)[0];
    });
  const step = options.step ?? 3e-3;
  const entries: GradCheckEntry[] = [];
  values.forEach((data, k) => {
    for (const index of sampleIndices(data.length, options.maxEntriesPerInput ?? 64, rngs)) {
      const original = data[index];
      const h = step * Math.max(1, Math.abs(original));
      data[index] = original + h;
      const xUp = data[index]; // the float32 value actually evaluated
      const up = evaluate();
      data[index] = original - h;
      const xDown = data[index];
      const down = evaluate();
      data[index] = original;
      entries.push({ input: k, index, analytic: analytic[k][index], numeric: (up - down) / (xUp - xDown) });
    }
  });
  return summarise(
    entries,
    analytic.map((g) => maxAbs(g)),
    options.rtol ?? 2e-2,
    options.atol ?? 2e-3,
  );
}

function sampleIndices(n: number, max: number, rngs: Rngs): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return Array.from(rngs.choice(n, max)).sort((a, b) => a - b);
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function summarise(entries: GradCheckEntry[], inputScales: number[], rtol: number, atol: number): GradCheckReport {
  // Absolute tolerance relative to the largest gradient entry of any input: an input whose true gradient
  // is zero must not be judged by a tolerance of zero.
  const scale = Math.max(1e-12, ...inputScales);
  let maxAbsError = 0;
  let maxRelError = 0;
  let worst: GradCheckEntry | null = null;
  let worstRatio = -1;
  const failures: GradCheckEntry[] = [];
  for (const e of entries) {
    const err = Math.abs(e.analytic - e.numeric);
    const tol = atol * scale + rtol * Math.max(Math.abs(e.analytic), Math.abs(e.numeric));
    const ratio = err / tol;
    maxAbsError = Math.max(maxAbsError, err);
    const denominator = Math.max(Math.abs(e.analytic), Math.abs(e.numeric));
    if (denominator > 0) maxRelError = Math.max(maxRelError, err / denominator);
    if (!(ratio <= 1)) failures.push(e);
    if (ratio > worstRatio || Number.isNaN(ratio)) {
      worstRatio = Number.isNaN(ratio) ? Number.POSITIVE_INFINITY : ratio;
      worst = e;
    }
  }
  const ok = failures.length === 0 && entries.length > 0;
  const where = worst
    ? `worst: input ${worst.input}[${worst.index}] analytic ${worst.analytic.toExponential(4)} vs numeric ${worst.numeric.toExponential(4)}`
    : "nothing checked";
  return {
    ok,
    checked: entries.length,
    maxAbsError,
    maxRelError,
    worst,
    failures,
    message: `${ok ? "gradient check passed" : `gradient check FAILED on ${failures.length}/${entries.length} entries`}; max abs error ${maxAbsError.toExponential(2)}, max rel error ${maxRelError.toExponential(2)}; ${where}`,
  };
}
