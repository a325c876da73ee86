import { Config } from "@diffcell/core";

export type CountNoise = "poisson" | "negativeBinomial" | "normal" | "none";

export interface KineticSimulationInit {
  nCells?: number;
  nGenes?: number;
  seed?: number;
  /** Length of the simulated process in time units; cell times are uniform in [0, tMax). */
  tMax?: number;
  /** Median transcription, splicing and degradation rates (per-gene values are log-normal around them). */
  alpha?: number;
  beta?: number;
  gamma?: number;
  /** Log-scale spread of the per-gene rates. */
  rateSpread?: number;
  /** Switch times (start of repression) are uniform in [switchMin, switchMax]·tMax. */
  switchMin?: number;
  switchMax?: number;
  /** 1: one lineage; 2: cells split into two fates at `branchTime`·tMax. */
  branches?: 1 | 2;
  branchTime?: number;
  /** Fraction of genes whose transcription differs between the two fates. */
  branchGeneFraction?: number;
  /** Number of batches; each (batch, gene) gets a log-normal multiplicative effect of sd `batchEffect`. */
  nBatches?: number;
  batchEffect?: number;
  /**
   * Sd of an extra log-normal (batch, gene) factor on unspliced counts only: batches that capture intronic
   * reads differently (e.g. chemistries, nuclei vs cells). Default 0.
   */
  unsplicedBatchEffect?: number;
  /** Expected count = librarySize · abundance; library sizes are log-normal with sd `librarySpread`. */
  librarySize?: number;
  librarySpread?: number;
  noise?: CountNoise;
  /** Negative-binomial dispersion r (variance μ + μ²/r); normal noise sd for "normal". */
  dispersion?: number;
  noiseSd?: number;
}

/** Settings of {@link simulateKinetics}; validated on construction. */
export class KineticSimulationConfig extends Config {
  readonly nCells: number;
  readonly nGenes: number;
  readonly seed: number;
  readonly tMax: number;
  readonly alpha: number;
  readonly beta: number;
  readonly gamma: number;
  readonly rateSpread: number;
  readonly switchMin: number;
  readonly switchMax: number;
  readonly branches: 1 | 2;
  readonly branchTime: number;
  readonly branchGeneFraction: number;
  readonly nBatches: number;
  readonly batchEffect: number;
  readonly unsplicedBatchEffect: number;
  readonly librarySize: number;
  readonly librarySpread: number;
  readonly noise: CountNoise;
  readonly dispersion: number;
  readonly noiseSd: number;

  constructor(init: KineticSimulationInit = {}) {
    super("KineticSimulationConfig");
    this.nCells = this.integer("nCells", init.nCells ?? 1000, { min: 1 });
    this.nGenes = this.integer("nGenes", init.nGenes ?? 200, { min: 1 });
    this.seed = this.integer("seed", init.seed ?? 0, { min: 0 });
    this.tMax = this.number("tMax", init.tMax ?? 20, { gt: 0 });
    this.alpha = this.number("alpha", init.alpha ?? 5, { gt: 0 });
    this.beta = this.number("beta", init.beta ?? 0.6, { gt: 0 });
    this.gamma = this.number("gamma", init.gamma ?? 0.3, { gt: 0 });
    this.rateSpread = this.number("rateSpread", init.rateSpread ?? 0.5, { min: 0 });
    this.switchMin = this.number("switchMin", init.switchMin ?? 0.3, { min: 0, max: 1 });
    this.switchMax = this.number("switchMax", init.switchMax ?? 0.7, { min: 0, max: 1 });
    this.require(this.switchMax >= this.switchMin, "switchMax", `≥ switchMin (${this.switchMin})`, this.switchMax);
    this.branches = this.integer("branches", init.branches ?? 1, { min: 1, max: 2 }) as 1 | 2;
    this.branchTime = this.number("branchTime", init.branchTime ?? 0.35, { gt: 0, lt: 1 });
    this.branchGeneFraction = this.number("branchGeneFraction", init.branchGeneFraction ?? 0.3, { min: 0, max: 1 });
    this.nBatches = this.integer("nBatches", init.nBatches ?? 1, { min: 1 });
    this.batchEffect = this.number("batchEffect", init.batchEffect ?? 0, { min: 0 });
    this.unsplicedBatchEffect = this.number("unsplicedBatchEffect", init.unsplicedBatchEffect ?? 0, { min: 0 });
    this.librarySize = this.number("librarySize", init.librarySize ?? 1, { gt: 0 });
    this.librarySpread = this.number("librarySpread", init.librarySpread ?? 0.2, { min: 0 });
    this.noise = this.oneOf("noise", init.noise ?? "poisson", ["poisson", "negativeBinomial", "normal", "none"]);
    this.dispersion = this.number("dispersion", init.dispersion ?? 5, { gt: 0 });
    this.noiseSd = this.number("noiseSd", init.noiseSd ?? 0.5, { min: 0 });
    this.finish(init);
  }
}
