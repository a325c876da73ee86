import { Rngs, splicedAt, tf, unsplicedAt } from "@diffcell/core";
import { KineticSimulationConfig, type KineticSimulationInit } from "./kineticConfig.js";
import { sampleGamma, samplePoisson } from "./sampling.js";

/** Counts plus every piece of truth they were generated from. */
export interface KineticSimulation {
  /** Observed counts [nCells, nGenes]. */
  spliced: tf.Tensor2D;
  unspliced: tf.Tensor2D;
  truth: {
    /** Per cell: time in [0, tMax), the same scaled to [0, 1), fate (0/1), batch, library size. */
    time: Float64Array;
    normalizedTime: Float64Array;
    branch: Int32Array;
    batch: Int32Array;
    librarySize: Float64Array;
    /** Per gene: rates, switch time (start of repression, in time units) and whether it differs by fate. */
    alpha: Float64Array;
    beta: Float64Array;
    gamma: Float64Array;
    switchTime: Float64Array;
    branchSpecific: Uint8Array;
    /** α multiplier on fate 1 for branch-specific genes (1 elsewhere). */
    branchFactor: Float64Array;
    /** Per (batch, gene): multiplicative batch effect, row-major [nBatches, nGenes]. */
    batchFactor: Float64Array;
    /** Per (batch, gene): extra factor on unspliced counts only (unspliced capture differs by batch), all 1 by default. */
    unsplicedBatchFactor: Float64Array;
    /** Noise-free abundances and ds/dt = β·u − γ·s at each cell's time, [nCells, nGenes] row-major. */
    unsplicedMean: Float32Array;
    splicedMean: Float32Array;
    velocity: Float32Array;
  };
  config: KineticSimulationConfig;
}

/**
 * Simulates spliced/unspliced counts from the transcription–splicing ODE with per-gene rates and a
 * switch from induction (α > 0) to repression (α = 0), as scVelo's simulation; optionally two fates that
 * differ in the transcription of a subset of genes after a branch time, several batches with a
 * multiplicative (batch × gene) effect on expression, and Poisson, negative-binomial or normal noise.
 * Everything is a deterministic function of `seed`.
 */
export function simulateKinetics(init: KineticSimulationInit | KineticSimulationConfig = {}): KineticSimulation {
  const cfg = init instanceof KineticSimulationConfig ? init : new KineticSimulationConfig(init);
  const { nCells, nGenes, tMax } = cfg;
  const [geneRng, cellRng, batchRng, noiseRng] = new Rngs(cfg.seed).split(4);

  const logNormal = (median: number, n: number) =>
    Float64Array.from(geneRng.normal(n), (z) => median * Math.exp(cfg.rateSpread * z));
  const alpha = logNormal(cfg.alpha, nGenes);
  const beta = logNormal(cfg.beta, nGenes);
  const gamma = logNormal(cfg.gamma, nGenes);
  const switchTime = Float64Array.from(geneRng.uniform(nGenes, cfg.switchMin * tMax, cfg.switchMax * tMax));
  const branchSpecific = new Uint8Array(nGenes);
  const branchFactor = new Float64Array(nGenes).fill(1);
  if (cfg.branches === 2) {
    const u = geneRng.uniform(2 * nGenes);
    for (let g = 0; g < nGenes; g++) {
      if (u[2 * g] < cfg.branchGeneFraction) {
        branchSpecific[g] = 1;
        // Fate 1 switches these genes to a clearly different level: mostly up, some silenced.
        branchFactor[g] = u[2 * g + 1] < 0.5 ? 3 : 0.15;
      }
    }
  }

  const time = Float64Array.from(cellRng.uniform(nCells, 0, tMax));
  const branchTime = cfg.branchTime * tMax;
  const branchDraw = cellRng.uniform(nCells);
  const branch = Int32Array.from(time, (t, i) =>
    cfg.branches === 2 && t >= branchTime && branchDraw[i] < 0.5 ? 1 : 0,
  );
  const batch = cfg.nBatches > 1 ? cellRng.integers(nCells, 0, cfg.nBatches) : new Int32Array(nCells);
  const librarySize = Float64Array.from(
    cellRng.normal(nCells),
    (z) => cfg.librarySize * Math.exp(cfg.librarySpread * z),
  );
  const batchFactor = Float64Array.from(batchRng.normal(cfg.nBatches * nGenes), (z) => Math.exp(cfg.batchEffect * z));
  // Drawn after batchFactor from the same stream, so adding it leaves every earlier draw unchanged.
  const unsplicedBatchFactor =
    cfg.unsplicedBatchEffect > 0
      ? Float64Array.from(batchRng.normal(cfg.nBatches * nGenes), (z) => Math.exp(cfg.unsplicedBatchEffect * z))
      : new Float64Array(cfg.nBatches * nGenes).fill(1);

  const unsplicedMean = new Float32Array(nCells * nGenes);
  const splicedMean = new Float32Array(nCells * nGenes);
  const velocity = new Float32Array(nCells * nGenes);
  const breakpoints: number[] = [];
  const rates: number[] = [];
  for (let i = 0; i < nCells; i++) {
    for (let g = 0; g < nGenes; g++) {
      // Piecewise-constant transcription: α until the switch, 0 after; on fate 1 a branch-specific gene
      // transcribes α·factor from the branch time until its switch.
      breakpoints.length = 0;
      rates.length = 0;
      const onFate1 = branch[i] === 1 && branchSpecific[g] === 1 && branchTime < switchTime[g];
      if (onFate1) {
        breakpoints.push(0, branchTime, switchTime[g]);
        rates.push(alpha[g], alpha[g] * branchFactor[g], 0);
      } else {
        breakpoints.push(0, switchTime[g]);
        rates.push(alpha[g], 0);
      }
      let u = 0;
      let s = 0;
      let currentAlpha = alpha[g];
      for (let k = 0; k < breakpoints.length && breakpoints[k] < time[i]; k++) {
        const end = k + 1 < breakpoints.length ? Math.min(breakpoints[k + 1], time[i]) : time[i];
        const delta = end - breakpoints[k];
        currentAlpha = rates[k];
        const nextU = unsplicedAt(u, currentAlpha, beta[g], delta);
        s = splicedAt(u, s, currentAlpha, beta[g], gamma[g], delta);
        u = nextU;
      }
      const k = i * nGenes + g;
      unsplicedMean[k] = u;
      splicedMean[k] = s;
      velocity[k] = beta[g] * u - gamma[g] * s;
    }
  }

  const unspliced = new Float32Array(nCells * nGenes);
  const spliced = new Float32Array(nCells * nGenes);
  const [noiseU, noiseS] = noiseRng.split(2);
  const observe = (mean: Float32Array, out: Float32Array, rng: Rngs, extra: Float64Array | null) => {
    const normals = cfg.noise === "normal" ? rng.normal(mean.length, 0, cfg.noiseSd) : null;
    const next = rng.uniformSource();
    for (let i = 0; i < nCells; i++) {
      for (let g = 0; g < nGenes; g++) {
        const k = i * nGenes + g;
        const b = batch[i] * nGenes + g;
        const mu = mean[k] * librarySize[i] * batchFactor[b] * (extra ? extra[b] : 1);
        if (cfg.noise === "none") out[k] = mu;
        else if (cfg.noise === "normal") out[k] = Math.max(0, mu + (normals as Float64Array)[k]);
        else if (cfg.noise === "poisson") out[k] = samplePoisson(next, mu);
        else out[k] = samplePoisson(next, (mu * sampleGamma(next, cfg.dispersion)) / cfg.dispersion);
      }
    }
  };
  observe(unsplicedMean, unspliced, noiseU, unsplicedBatchFactor);
  observe(splicedMean, spliced, noiseS, null);

  return {
    spliced: tf.tensor2d(spliced, [nCells, nGenes]),
    unspliced: tf.tensor2d(unspliced, [nCells, nGenes]),
    truth: {
      time,
      normalizedTime: Float64Array.from(time, (t) => t / tMax),
      branch,
      batch,
      librarySize,
      alpha,
      beta,
      gamma,
      switchTime,
      branchSpecific,
      branchFactor,
      batchFactor,
      unsplicedBatchFactor,
      unsplicedMean,
      splicedMean,
      velocity,
    },
    config: cfg,
  };
}
