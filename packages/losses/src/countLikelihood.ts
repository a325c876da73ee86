import { broadcastTo, InputError, tf } from "@diffcell/core";
import { lgammaOp } from "./specialFunctions.js";

/** log Γ(x) element-wise, differentiable. */
export function lgamma(x: tf.Tensor): tf.Tensor {
  return lgammaOp([x], null)[0];
}

/**
 * Negative-binomial log-likelihood of counts x given mean μ and inverse dispersion θ (variance μ + μ²/θ),
 * element-wise:  log Γ(x+θ) − log Γ(θ) − log Γ(x+1) + θ·log(θ/(θ+μ)) + x·log(μ/(θ+μ)).
 * μ and θ must be > 0 (a small epsilon guards the logarithms); gradients reach μ, θ (and x).
 */
export function negativeBinomialLogLikelihood(counts: tf.Tensor, mean: tf.Tensor, dispersion: tf.Tensor): tf.Tensor {
  checkNonNegative("counts", counts);
  return tf.tidy(() => {
    const eps = 1e-8;
    const mu = tf.add(mean, eps);
    const theta = tf.add(dispersion, eps);
    const logDenominator = tf.log(tf.add(theta, mu));
    const terms = [
      lgamma(tf.add(counts, theta)),
      tf.neg(lgamma(tf.mul(theta, tf.onesLike(counts)))),
      tf.neg(lgamma(tf.add(counts, 1))),
      tf.mul(theta, tf.sub(tf.log(theta), logDenominator)),
      tf.mul(counts, tf.sub(tf.log(mu), logDenominator)),
    ];
    return tf.addN(terms.map((t) => broadcastTo(t, counts.shape)));
  });
}

/** Poisson log-likelihood element-wise: x·log μ − μ − log Γ(x+1). */
export function poissonLogLikelihood(counts: tf.Tensor, mean: tf.Tensor): tf.Tensor {
  checkNonNegative("counts", counts);
  return tf.tidy(() => tf.sub(tf.sub(tf.mul(counts, tf.log(tf.add(mean, 1e-8))), mean), lgamma(tf.add(counts, 1))));
}

function checkNonNegative(name: string, x: tf.Tensor): void {
  const data = x.dataSync();
  for (let i = 0; i < data.length; i++) {
    if (!(data[i] >= 0) || !Number.isFinite(data[i]))
      throw new InputError(name, `value ${data[i]}; expected finite counts ≥ 0`, i);
  }
}
