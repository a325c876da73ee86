import { ConfigError, Rngs, tf } from "@diffcell/core";

export interface VelocityDataOptions {
  nCells?: number;
  nGenes?: number;
  seed?: number;
}

/** The walk-through's synthetic data: tensors plus the truth they were generated from. */
export interface VelocityData {
  /** [nCells, nGenes] */
  spliced: tf.Tensor2D;
  /** [nCells, nGenes] */
  unspliced: tf.Tensor2D;
  /** [nCells], uniform in [0, 1) */
  trueTime: tf.Tensor1D;
  /** [nGenes] */
  trueAlpha: tf.Tensor1D;
  trueBeta: tf.Tensor1D;
  trueGamma: tf.Tensor1D;
  nCells: number;
  nGenes: number;
}

const softplus = (x: number) => (x > 30 ? x : Math.log1p(Math.exp(x)));

/**
 * `generate_velocity_data` from the walk-through, formula for formula:
 * α = softplus(0.5·z + 1), β = softplus(0.5·z), γ = softplus(0.5·z − 0.5) per gene; t ~ U(0, 1) per cell;
 * u = α/β·(1 − e^{−5βt}), s = α/γ·(1 − e^{−5γt}) (steady states computed with +1e-6 in the
 * denominators, as the seed), plus N(0, 0.1²) noise, clamped at 0. Randomness comes from six independent
 * streams split from `Rngs(seed)` (the seed split its JAX key six ways), so numbers differ from JAX's but
 * are identical for a seed on every machine.
 */
export function generateVelocityData(options: VelocityDataOptions = {}): VelocityData {
  const nCells = options.nCells ?? 500;
  const nGenes = options.nGenes ?? 200;
  const seed = options.seed ?? 42;
  if (!Number.isInteger(nCells) || nCells < 1)
    throw new ConfigError("generateVelocityData", "nCells", "an integer ≥ 1", nCells);
  if (!Number.isInteger(nGenes) || nGenes < 1)
    throw new ConfigError("generateVelocityData", "nGenes", "an integer ≥ 1", nGenes);
  const keys = new Rngs(seed).split(6);
  const alpha = Float32Array.from(keys[0].normal(nGenes), (z) => softplus(z * 0.5 + 1));
  const beta = Float32Array.from(keys[1].normal(nGenes), (z) => softplus(z * 0.5));
  const gamma = Float32Array.from(keys[2].normal(nGenes), (z) => softplus(z * 0.5 - 0.5));
  const time = Float32Array.from(keys[3].uniform(nCells));
  const noiseU = keys[4].normal(nCells * nGenes, 0, 0.1);
  const noiseS = keys[5].normal(nCells * nGenes, 0, 0.1);
  const unspliced = new Float32Array(nCells * nGenes);
  const spliced = new Float32Array(nCells * nGenes);
  for (let i = 0; i < nCells; i++) {
    for (let j = 0; j < nGenes; j++) {
      const k = i * nGenes + j;
      const uSteady = alpha[j] / (beta[j] + 1e-6);
      const sSteady = alpha[j] / (gamma[j] + 1e-6);
      const u = uSteady * (1 - Math.exp(-beta[j] * time[i] * 5)) + noiseU[k];
      const s = sSteady * (1 - Math.exp(-gamma[j] * time[i] * 5)) + noiseS[k];
      unspliced[k] = Math.max(u, 0);
      spliced[k] = Math.max(s, 0);
    }
  }
  return {
    spliced: tf.tensor2d(spliced, [nCells, nGenes]),
    unspliced: tf.tensor2d(unspliced, [nCells, nGenes]),
    trueTime: tf.tensor1d(time),
    trueAlpha: tf.tensor1d(alpha),
    trueBeta: tf.tensor1d(beta),
    trueGamma: tf.tensor1d(gamma),
    nCells,
    nGenes,
  };
}

/** Frees the tensors of {@link generateVelocityData}. */
export function disposeVelocityData(data: VelocityData): void {
  tf.dispose([data.spliced, data.unspliced, data.trueTime, data.trueAlpha, data.trueBeta, data.trueGamma]);
}
