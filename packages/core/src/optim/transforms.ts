import { ConfigError } from "../errors.js";
import { tf } from "../tf.js";

/**
 * A gradient transformation in the style of optax: `init` builds state for a flat list of parameters,
 * `update` maps gradients to parameter updates (added to the parameters). Transformations compose with
 * {@link chain}. State tensors are owned by the {@link Optimizer}, which keeps and disposes them.
 */
export interface GradientTransformation<S = unknown> {
  init(params: readonly tf.Tensor[]): S;
  /** Called inside `tf.tidy`; tensors in the returned state are kept by the caller. */
  update(grads: readonly tf.Tensor[], state: S, params: readonly tf.Tensor[]): [tf.Tensor[], S];
}

/** A learning rate, fixed or as a function of the step count (starting at 0). */
export type Schedule = number | ((step: number) => number);

function rateAt(schedule: Schedule, step: number): number {
  return typeof schedule === "number" ? schedule : schedule(step);
}

function checkPositive(name: string, field: string, value: number): void {
  if (!(value > 0) || !Number.isFinite(value)) throw new ConfigError(name, field, "a finite number > 0", value);
}

/** Applies transformations in order; the state is the tuple of their states. */
export function chain(...transforms: GradientTransformation[]): GradientTransformation<unknown[]> {
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update: (grads, state, params) => {
      let updates = [...grads];
      const next: unknown[] = [];
      transforms.forEach((t, i) => {
        const [u, s] = t.update(updates, state[i], params);
        updates = u;
        next.push(s);
      });
      return [updates, next];
    },
  };
}

/** Multiplies updates by `−learningRate(step)` (descent direction). */
export function scaleByLearningRate(learningRate: Schedule): GradientTransformation<{ step: number }> {
  if (typeof learningRate === "number") checkPositive("scaleByLearningRate", "learningRate", learningRate);
  return {
    init: () => ({ step: 0 }),
    update: (grads, state) => {
      const lr = rateAt(learningRate, state.step);
      return [grads.map((g) => tf.mul(g, -lr)), { step: state.step + 1 }];
    },
  };
}

export interface AdamOptions {
  b1?: number;
  b2?: number;
  eps?: number;
}

interface AdamState {
  step: number;
  mu: tf.Tensor[];
  nu: tf.Tensor[];
}

/** Adam's preconditioning (Kingma & Ba 2015) with bias correction, without the learning rate. */
export function scaleByAdam(options: AdamOptions = {}): GradientTransformation<AdamState> {
  const b1 = options.b1 ?? 0.9;
  const b2 = options.b2 ?? 0.999;
  const eps = options.eps ?? 1e-8;
  if (!(b1 >= 0 && b1 < 1)) throw new ConfigError("adam", "b1", "a number in [0, 1)", b1);
  if (!(b2 >= 0 && b2 < 1)) throw new ConfigError("adam", "b2", "a number in [0, 1)", b2);
  checkPositive("adam", "eps", eps);
  return {
    init: (params) => ({
      step: 0,
      mu: params.map((p) => tf.zerosLike(p)),
      nu: params.map((p) => tf.zerosLike(p)),
    }),
    update: (grads, state) => {
      const step = state.step + 1;
      const mu = grads.map((g, i) => tf.add(tf.mul(state.mu[i], b1), tf.mul(g, 1 - b1)));
      const nu = grads.map((g, i) => tf.add(tf.mul(state.nu[i], b2), tf.mul(tf.square(g), 1 - b2)));
      const c1 = 1 / (1 - b1 ** step);
      const c2 = 1 / (1 - b2 ** step);
      const updates = mu.map((m, i) => tf.div(tf.mul(m, c1), tf.add(tf.sqrt(tf.mul(nu[i], c2)), eps)));
      return [updates, { step, mu, nu }];
    },
  };
}

/** Adam: `chain(scaleByAdam(options), scaleByLearningRate(learningRate))`. */
export function adam(learningRate: Schedule = 1e-3, options: AdamOptions = {}): GradientTransformation<unknown[]> {
  return chain(scaleByAdam(options), scaleByLearningRate(learningRate));
}

/** Stochastic gradient descent, optionally with (Nesterov) momentum. */
export function sgd(
  learningRate: Schedule = 1e-2,
  options: { momentum?: number; nesterov?: boolean } = {},
): GradientTransformation<unknown[]> {
  const momentum = options.momentum ?? 0;
  if (!(momentum >= 0 && momentum < 1)) throw new ConfigError("sgd", "momentum", "a number in [0, 1)", momentum);
  if (momentum === 0) return chain(scaleByLearningRate(learningRate));
  const trace: GradientTransformation<tf.Tensor[]> = {
    init: (params) => params.map((p) => tf.zerosLike(p)),
    update: (grads, state) => {
      const next = grads.map((g, i) => tf.add(g, tf.mul(state[i], momentum)));
      const updates = options.nesterov ? grads.map((g, i) => tf.add(g, tf.mul(next[i], momentum))) : next;
      return [updates, next];
    },
  };
  return chain(trace as GradientTransformation, scaleByLearningRate(learningRate));
}

/** Rescales all gradients together so that their global L2 norm is at most `maxNorm`. */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<null> {
  checkPositive("clipByGlobalNorm", "maxNorm", maxNorm);
  return {
    init: () => null,
    update: (grads) => {
      if (grads.length === 0) return [[], null];
      const norm = tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g)))));
      const factor = tf.minimum(1, tf.div(maxNorm, tf.maximum(norm, 1e-30)));
      return [grads.map((g) => tf.mul(g, factor)), null];
    },
  };
}

/** Adds `weightDecay · param` to the gradient (L2 regularisation; use before `adam` for AdamW-like decay). */
export function addDecayedWeights(weightDecay: number): GradientTransformation<null> {
  if (!(weightDecay >= 0)) throw new ConfigError("addDecayedWeights", "weightDecay", "a number ≥ 0", weightDecay);
  return {
    init: () => null,
    update: (grads, _state, params) => [grads.map((g, i) => tf.add(g, tf.mul(params[i], weightDecay))), null],
  };
}
