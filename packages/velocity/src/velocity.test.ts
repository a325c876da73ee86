import { disposeTree, leafNorms, Rngs, stats, tf, valueAndGrad } from "@diffcell/core";
import { disposeVelocityData, generateVelocityData, simulateKinetics } from "@diffcell/sim";
import { describe, expect, it } from "vitest";
import { VelocityConfig } from "./config.js";
import { initializeFromData } from "./initialize.js";
import { softplusInverse } from "./kineticsEncoder.js";
import { trainVelocity } from "./training.js";
import { DifferentiableVelocity } from "./velocity.js";

describe("VelocityConfig", () => {
  it("has the walk-through's defaults and names bad fields", () => {
    const c = new VelocityConfig({ nGenes: 200 });
    expect(c.toJSON()).toEqual({
      nGenes: 200,
      hiddenDim: 64,
      dt: 0.1,
      nSteps: 10,
      kineticsModel: "standard",
      velocitySource: "observed",
      stateDim: 0,
      projection: true,
    });
    expect(new VelocityConfig({ nGenes: 3, kineticsModel: "dynamical" }).velocitySource).toBe("model");
    expect(() => new VelocityConfig({ nGenes: 0 })).toThrow("VelocityConfig.nGenes must be an integer ≥ 1; got 0");
    expect(() => new VelocityConfig({ nGenes: 5, dt: 0 })).toThrow("VelocityConfig.dt must be a number > 0");
    expect(() => new VelocityConfig({ nGenes: 5, kineticsModel: "stochastc" as "standard" })).toThrow(
      'VelocityConfig.kineticsModel must be one of "standard", "dynamical"; got "stochastc"',
    );
  });
});

describe("DifferentiableVelocity", () => {
  const small = () => generateVelocityData({ nCells: 40, nGenes: 12, seed: 1 });

  it("apply returns the walk-through's outputs plus its inputs", () => {
    const data = small();
    const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: 12 }), { rngs: new Rngs(42) });
    const input = { spliced: data.spliced, unspliced: data.unspliced };
    const [r, state, meta] = op.apply(input, {}, null);
    expect(r.velocity.shape).toEqual([40, 12]);
    expect(r.latentTime.shape).toEqual([40]);
    expect(r.alpha.shape).toEqual([12]);
    expect(r.projectedSpliced.shape).toEqual([40, 12]);
    expect(r.spliced).toBe(data.spliced);
    expect(state).toEqual({});
    expect(meta).toBeNull();
    // velocity = β·u − γ·s on the input (standard model)
    const v = r.velocity.dataSync();
    const b = r.beta.dataSync();
    const g = r.gamma.dataSync();
    const u = data.unspliced.dataSync();
    const s = data.spliced.dataSync();
    for (const k of [0, 17, 479]) expect(v[k]).toBeCloseTo(b[k % 12] * u[k] - g[k % 12] * s[k], 4);
    const t = r.latentTime.dataSync();
    expect(Math.min(...t)).toBeGreaterThan(0);
    expect(Math.max(...t)).toBeLessThan(1);
    op.dispose();
    disposeVelocityData(data);
  });

  it("constantInputs: same loss and parameter gradients, no input gradient through the encoder, log1p cached and freed", () => {
    const data = small();
    const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: 12 }), { rngs: new Rngs(3) });
    const input = { spliced: data.spliced, unspliced: data.unspliced };
    const loss = (m: DifferentiableVelocity, x: typeof input) => {
      const [r] = m.apply(x);
      return tf.add(
        tf.mean(tf.square(r.projectedSpliced)),
        tf.mean(tf.mul(r.latentTime, tf.mean(r.velocity, 1))),
      ) as tf.Scalar;
    };
    const step = valueAndGrad(loss);
    const before = tf.memory().numTensors;
    const [plainLoss, plainGrads] = step(op, input);
    const plain = leafNorms(plainGrads);
    disposeTree(plainGrads);
    op.constantInputs = true;
    const [cachedLoss, cachedGrads] = step(op, input);
    const again = step(op, input);
    expect(cachedLoss).toBeCloseTo(plainLoss, 6);
    expect(again[0]).toBeCloseTo(plainLoss, 6);
    // First call with these tensors (cache filled) and a repeat (kept log1p and transposes): same gradients.
    const cached = leafNorms(cachedGrads);
    const reused = leafNorms(again[1]);
    for (const [path, norm] of Object.entries(plain)) {
      expect(cached[path], path).toBeCloseTo(norm as number, 5);
      expect(reused[path], path).toBeCloseTo(norm as number, 5);
    }
    // Input gradients: zero with constantInputs (data), non-zero without.
    const inputGrad = (constant: boolean) => {
      op.constantInputs = constant;
      const gS = tf.grad((s: tf.Tensor) => loss(op, { spliced: s as tf.Tensor2D, unspliced: data.unspliced }))(
        data.spliced,
      );
      const norm = tf.tidy(() => tf.norm(gS).dataSync()[0]);
      gS.dispose();
      return norm;
    };
    expect(inputGrad(false)).toBeGreaterThan(0);
    // Euler and velocity terms still reach the input; only the encoder's first layer stops.
    const withCache = inputGrad(true);
    const without = inputGrad(false);
    expect(withCache).toBeLessThan(without);
    op.constantInputs = false;
    disposeTree(cachedGrads);
    disposeTree(again[1]);
    expect(tf.memory().numTensors).toBe(before);
    op.dispose();
    disposeVelocityData(data);
  });

  it("time encoder's fused first layer equals the standardised-feature formulation", () => {
    const data = small();
    const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: 12 }), { rngs: new Rngs(3) });
    initializeFromData(op, { spliced: data.spliced, unspliced: data.unspliced });
    const te = op.timeEncoder;
    const fused = te.logits(data.spliced, data.unspliced).dataSync();
    const reference = tf
      .tidy(() => {
        const h1 = te.linear1.apply(te.features(data.spliced, data.unspliced));
        const h2 = te.linear2.apply(
          tf.mul(
            0.5,
            tf.mul(h1, tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(h1, tf.mul(0.044715, tf.pow(h1, 3))))))),
          ) as tf.Tensor2D,
        );
        const g2 = tf.mul(
          0.5,
          tf.mul(h2, tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(h2, tf.mul(0.044715, tf.pow(h2, 3))))))),
        );
        return tf.reshape(te.timeProj.apply(g2 as tf.Tensor2D), [-1]);
      })
      .dataSync();
    for (let i = 0; i < fused.length; i++) expect(fused[i]).toBeCloseTo(reference[i], 4);
    op.dispose();
    disposeVelocityData(data);
  });

  it.each(["standard", "dynamical"] as const)("every parameter gets a non-zero gradient (%s)", (model) => {
    const data = small();
    const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: 12, kineticsModel: model }), {
      rngs: new Rngs(42),
    });
    const input = { spliced: data.spliced, unspliced: data.unspliced };
    initializeFromData(op, input);
    // Put the switch early so some cells are in repression and the duration has a gradient.
    op.kineticsEncoder.logDuration?.assign(tf.fill([12], softplusInverse(0.2)));
    const [, grads] = valueAndGrad((m: DifferentiableVelocity) => {
      const [r] = m.apply(input);
      return tf.addN([
        tf.sum(r.velocity),
        m.kineticLoss(input, r.latentTime),
        tf.mean(r.projectedSpliced),
      ]) as tf.Scalar;
    })(op);
    const norms = leafNorms(grads);
    const expected = [
      "timeEncoder.linear1.kernel",
      "timeEncoder.linear2.kernel",
      "timeEncoder.timeProj.kernel",
      "kineticsEncoder.logAlpha",
      "kineticsEncoder.logBeta",
      "kineticsEncoder.logGamma",
      "kineticsEncoder.onset",
    ];
    if (model === "dynamical") expected.push("kineticsEncoder.logDuration", "kineticsEncoder.logScale");
    for (const path of expected) expect(norms[path], path).toBeGreaterThan(0);
    expect(norms["timeEncoder.inputMean"]).toBeUndefined(); // frozen buffer
    expect(grads.timeEncoder.linear1.kernel.shape).toEqual([24, 64]);
    tf.dispose(Object.values(norms) as never);
    op.dispose();
    disposeVelocityData(data);
  });

  it.each(["dynamical", "standard"])(
    "evaluate (%s): forward's velocity and latent time, predict's (û, ŝ), value for value, without leaks",
    (kineticsModel) => {
      const data = small();
      const input = { spliced: data.spliced, unspliced: data.unspliced };
      const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: 12, kineticsModel }), { rngs: new Rngs(3) });
      const before = tf.memory().numTensors;
      const e = op.evaluate(input);
      const f = op.forward(input, { projection: false });
      const p = op.predict(f.latentTime);
      expect(Array.from(e.latentTime.dataSync())).toEqual(Array.from(f.latentTime.dataSync()));
      expect(Array.from(e.velocity.dataSync())).toEqual(Array.from(f.velocity.dataSync()));
      expect(Array.from(e.unspliced.dataSync())).toEqual(Array.from(p.unspliced.dataSync()));
      expect(Array.from(e.spliced.dataSync())).toEqual(Array.from(p.spliced.dataSync()));
      tf.dispose([...Object.values(e), ...Object.values(f), ...Object.values(p)]);
      expect(tf.memory().numTensors).toBe(before);
      expect(() => op.evaluate({ spliced: data.spliced, unspliced: tf.zeros([40, 11]) as tf.Tensor2D })).toThrow(
        "unspliced: expected shape [40, 12]",
      );
      op.dispose();
      disposeVelocityData(data);
    },
  );

  it("names bad input", () => {
    const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: 3 }));
    const s = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(() => op.apply({ spliced: s, unspliced: tf.zeros([2, 2]) as tf.Tensor2D })).toThrow(
      "unspliced: expected shape [2, 3], got [2, 2]",
    );
    expect(() => op.apply({ spliced: s, unspliced: tf.tensor2d([0, 0, 0, 0, Number.NaN, 0], [2, 3]) })).toThrow(
      "unspliced: value NaN at row 1, column 1; expected finite, in [0, 1e12]",
    );
    expect(() => op.apply({ spliced: tf.tensor2d([0, 0, -1, 0, 0, 0], [2, 3]), unspliced: s })).toThrow(
      "spliced: value -1 at row 0, column 2",
    );
    expect(() => op.apply({ unspliced: s } as never)).toThrow(
      "spliced: expected shape [N, 3] tensor, got nothing (missing)",
    );
    op.dispose();
  });

  it("training is deterministic for a seed and leaks no tensors", () => {
    const data = small();
    const input = { spliced: data.spliced, unspliced: data.unspliced };
    const run = () => {
      const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: 12 }), { rngs: new Rngs(7) });
      const before = tf.memory().numTensors;
      const history = trainVelocity(op, input, { epochs: 5, batchSize: 16, seed: 3 });
      expect(tf.memory().numTensors).toBe(before);
      const t = Array.from(op.apply(input)[0].latentTime.dataSync());
      op.dispose();
      return { history, t };
    };
    const a = run();
    const b = run();
    expect(a.history.loss).toEqual(b.history.loss);
    expect(a.t).toEqual(b.t);
    disposeVelocityData(data);
  });

  it("a fit resumed with its optimiser continues it: 2 + 2 epochs equal 4 uninterrupted, without leaks", () => {
    const data = small();
    const input = { spliced: data.spliced, unspliced: data.unspliced };
    // Full batches (no minibatch order to draw) and no direction check: the two runs take the same steps.
    const options = { batchSize: 1000, orient: false, seed: 3 };
    const parameters = (op: DifferentiableVelocity) => op.parameters().map(([, p]) => Array.from(p.value.dataSync()));
    const straight = new DifferentiableVelocity(new VelocityConfig({ nGenes: 12 }), { rngs: new Rngs(7) });
    const whole = trainVelocity(straight, input, { ...options, epochs: 4 });

    const resumed = new DifferentiableVelocity(new VelocityConfig({ nGenes: 12 }), { rngs: new Rngs(7) });
    const before = tf.memory().numTensors;
    const first = trainVelocity(resumed, input, { ...options, epochs: 2, keepOptimizer: true });
    expect(first.optimizer?.step).toBe(2);
    const rest = trainVelocity(resumed, input, {
      ...options,
      epochs: 2,
      initialize: false,
      optimizer: first.optimizer,
    });
    expect(rest.optimizer).toBeUndefined();
    // The optimiser went with the second call: nothing is left but the model's own tensors.
    expect(tf.memory().numTensors).toBe(before);
    expect([...first.loss, ...rest.loss]).toEqual(whole.loss);
    expect(parameters(resumed)).toEqual(parameters(straight));

    // A fresh optimiser instead (what the pipeline's continuation did before) takes other steps.
    const restarted = new DifferentiableVelocity(new VelocityConfig({ nGenes: 12 }), { rngs: new Rngs(7) });
    trainVelocity(restarted, input, { ...options, epochs: 2 });
    const fresh = trainVelocity(restarted, input, { ...options, epochs: 2, initialize: false });
    expect(fresh.loss).not.toEqual(rest.loss);

    // A passed optimiser belongs to the training call: freed even when the call fails before its first step.
    const failing = new DifferentiableVelocity(new VelocityConfig({ nGenes: 12 }), { rngs: new Rngs(7) });
    const held = tf.memory().numTensors;
    const handed = trainVelocity(failing, input, { ...options, epochs: 1, keepOptimizer: true }).optimizer;
    const bad = { spliced: tf.fill([40, 12], Number.NaN) as tf.Tensor2D, unspliced: data.unspliced };
    expect(() => trainVelocity(failing, bad, { ...options, epochs: 1, initialize: false, optimizer: handed })).toThrow(
      "spliced: value NaN at row 0, column 0",
    );
    bad.spliced.dispose();
    expect(tf.memory().numTensors).toBe(held);
    for (const op of [straight, resumed, restarted, failing]) op.dispose();
    disposeVelocityData(data);
  });

  it("a fit continued from a trial that was all warm-up trains the time encoder (its optimiser is not resumed)", () => {
    const data = small();
    const input = { spliced: data.spliced, unspliced: data.unspliced };
    const options = { batchSize: 1000, orient: false, seed: 3 };
    const start = Float32Array.from({ length: 40 }, (_, i) => i / 39);
    const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: 12 }), { rngs: new Rngs(7) });
    const timeWeights = () => op.timeEncoder.parameters().map(([, p]) => Array.from(p.value.dataSync()));
    // One epoch from a starting time: all warm-up (the time encoder frozen); its optimiser knows only the kinetics.
    const trial = trainVelocity(op, input, { ...options, epochs: 1, initialTime: start, keepOptimizer: true });
    const handed = trial.optimizer;
    expect(handed?.coversTrainable()).toBe(false);
    const before = timeWeights();
    const held = tf.memory().numTensors;
    trainVelocity(op, input, { ...options, epochs: 2, initialize: false, optimizer: handed });
    // The time encoder moved, and the handed optimiser was freed (training owns it).
    expect(timeWeights()).not.toEqual(before);
    expect(tf.memory().numTensors).toBeLessThanOrEqual(held);
    op.dispose();
    disposeVelocityData(data);
  });
});

describe("acceptance on simulated data", () => {
  it("seed data 500×200: latent time learns (|Pearson| ≥ 0.95 with true time)", () => {
    const data = generateVelocityData({ nCells: 500, nGenes: 200, seed: 42 });
    const input = { spliced: data.spliced, unspliced: data.unspliced };
    const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: 200 }), { rngs: new Rngs(42) });
    trainVelocity(op, input, { epochs: 200, seed: 0 });
    const [r] = op.apply(input);
    const r2 = stats.pearson(r.latentTime.dataSync(), data.trueTime.dataSync());
    expect(Math.abs(r2)).toBeGreaterThanOrEqual(0.95);
    op.dispose();
    disposeVelocityData(data);
  });

  it("kinetic simulator 1000×200: dynamical model recovers γ/β, time and velocity signs", () => {
    const sim = simulateKinetics({ nCells: 1000, nGenes: 200, seed: 0 });
    const input = { spliced: sim.spliced, unspliced: sim.unspliced };
    const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: 200, kineticsModel: "dynamical" }), {
      rngs: new Rngs(42),
    });
    trainVelocity(op, input, { epochs: 200, seed: 0, weights: { projection: 0 } });
    const [r] = op.apply(input);
    const beta = r.beta.dataSync();
    const gamma = r.gamma.dataSync();
    const scale = r.unsplicedScale.dataSync();
    // γ/β in observed units (c·γ/β: the steady-state slope of observed u on s).
    const fitted = Array.from(gamma, (g, j) => (scale[j] * g) / beta[j]);
    const truth = Array.from(sim.truth.gamma, (g, j) => g / sim.truth.beta[j]);
    expect(stats.spearman(fitted, truth)).toBeGreaterThanOrEqual(0.9);
    expect(stats.spearman(r.latentTime.dataSync(), sim.truth.time)).toBeGreaterThanOrEqual(0.9);
    const v = r.velocity.dataSync();
    let agree = 0;
    let counted = 0;
    for (let k = 0; k < v.length; k++) {
      if (Math.abs(sim.truth.velocity[k]) < 1e-3) continue; // no sign to agree with
      counted++;
      if (Math.sign(v[k]) === Math.sign(sim.truth.velocity[k])) agree++;
    }
    expect(agree / counted).toBeGreaterThanOrEqual(0.9);
    op.dispose();
    tf.dispose([sim.spliced, sim.unspliced]);
  });
});

describe("orientationScore", () => {
  it("is positive for the true time and negative for the reversed time on the kinetic simulator", async () => {
    const { orientationScore, orientationScores } = await import("./orientation.js");
    const { fitSteadyState } = await import("./steadyState.js");
    const sim = simulateKinetics({ nCells: 400, nGenes: 60, seed: 4 });
    const s = sim.spliced.dataSync();
    const u = sim.unspliced.dataSync();
    const { gamma } = fitSteadyState(s, u, 400, 60);
    const forward = orientationScore(s, u, 400, 60, gamma, sim.truth.time);
    const backward = orientationScore(
      s,
      u,
      400,
      60,
      gamma,
      Float64Array.from(sim.truth.time, (t) => -t),
    );
    expect(forward).toBeGreaterThan(0.05);
    // 400 cells in 20 bins of 20: the reversed time puts the same cells in the mirrored bins.
    expect(backward).toBeCloseTo(-forward, 10);
    // A shuffled order carries no direction.
    const shuffled = Float64Array.from({ length: 400 }, (_, i) => (i * 7919) % 400);
    expect(Math.abs(orientationScore(s, u, 400, 60, gamma, shuffled))).toBeLessThan(forward / 3);
    // Several candidates at once: each the single-candidate score, bit for bit.
    const times = [sim.truth.time, Float64Array.from(sim.truth.time, (t) => -t), shuffled];
    const single = times.map((t) => orientationScore(s, u, 400, 60, gamma, t));
    expect(Array.from(orientationScores(s, u, 400, 60, gamma, times))).toEqual(single);
    tf.dispose([sim.spliced, sim.unspliced]);
  });

  it("does not fade on denser data: the same cells resampled 8 times score as the originals", async () => {
    // Each simulated cell copied 8 times with log-normal noise (σ = 0.3) on s and u (a cell's nearest
    // neighbours are then its own copies, as on 33k tiled pancreas). A trend measured between a cell and its
    // kNN neighbours is mostly noise there (the kNN score this replaced fell from 0.41 to 0.25 here); bins
    // of a fixed share of the cells see the same trend as before (0.55 → 0.50).
    const { orientationScore } = await import("./orientation.js");
    const { fitSteadyState } = await import("./steadyState.js");
    const sim = simulateKinetics({ nCells: 300, nGenes: 40, seed: 5 });
    const s = sim.spliced.dataSync();
    const u = sim.unspliced.dataSync();
    const copies = 8;
    const noise = new Rngs(1).normal(2 * 300 * copies * 40, 0, 0.3);
    const sx = new Float32Array(300 * copies * 40);
    const ux = new Float32Array(300 * copies * 40);
    const tx = new Float64Array(300 * copies);
    for (let r = 0; r < copies; r++)
      for (let i = 0; i < 300; i++) {
        const row = r * 300 + i;
        tx[row] = sim.truth.time[i];
        for (let j = 0; j < 40; j++) {
          sx[row * 40 + j] = s[i * 40 + j] * Math.exp(noise[row * 40 + j]);
          ux[row * 40 + j] = u[i * 40 + j] * Math.exp(noise[300 * copies * 40 + row * 40 + j]);
        }
      }
    const original = orientationScore(s, u, 300, 40, fitSteadyState(s, u, 300, 40).gamma, sim.truth.time);
    const dense = orientationScore(sx, ux, 300 * copies, 40, fitSteadyState(sx, ux, 300 * copies, 40).gamma, tx);
    expect(original).toBeGreaterThan(0.05);
    expect(dense).toBeGreaterThan(0.8 * original);
    tf.dispose([sim.spliced, sim.unspliced]);
  });
});

describe("fitSteadyState", () => {
  it("is scVelo's deterministic fit, gene by gene, across column blocks (70 genes: blocks of 32, 32 and 6)", async () => {
    const { fitSteadyState } = await import("./steadyState.js");
    const n = 257;
    const g = 70;
    const rng = new Rngs(3);
    const noise = rng.uniform(2 * n * g, 0, 1);
    const s = Float32Array.from({ length: n * g }, (_, k) => Math.floor(noise[k] * 20) / 4);
    // Gene j: u ≈ (0.1 + j/100)·s plus noise; gene 5 all zero (no velocity gene), gene 69 constant u.
    const u = Float32Array.from({ length: n * g }, (_, k) => {
      const j = k % g;
      if (j === 5) return 0;
      if (j === 69) return 1;
      return (0.1 + j / 100) * s[k] + noise[n * g + k];
    });
    for (let i = 0; i < n; i++) s[i * g + 5] = 0;
    const fit = fitSteadyState(s, u, n, g);
    // Reference, written out from the definition: numpy's linear-interpolation 95th percentile of the score.
    for (let j = 0; j < g; j++) {
      const sj = Array.from({ length: n }, (_, i) => s[i * g + j]);
      const uj = Array.from({ length: n }, (_, i) => u[i * g + j]);
      const maxS = Math.max(0, ...sj);
      const maxU = Math.max(0, ...uj);
      const score = sj.map((v, i) => v / Math.max(maxS, 1e-3) + uj[i] / Math.max(maxU, 1e-3));
      const sorted = [...score].sort((a, b) => a - b);
      const position = 0.95 * (n - 1);
      const low = Math.floor(position);
      const bound = sorted[low] + (position - low) * ((sorted[low + 1] ?? sorted[low]) - sorted[low]);
      let su = 0;
      let ss = 0;
      score.forEach((v, i) => {
        if (v >= bound) {
          su += sj[i] * uj[i];
          ss += sj[i] ** 2;
        }
      });
      const gamma = ss > 0 ? su / ss : 0;
      const mean = uj.reduce((a, b) => a + b, 0) / n;
      const residual = uj.reduce((a, v, i) => a + (v - gamma * sj[i]) ** 2, 0);
      const total = uj.reduce((a, v) => a + (v - mean) ** 2, 0);
      const r2 = total > 0 ? 1 - residual / total : 0;
      expect(fit.gamma[j]).toBeCloseTo(gamma, 10);
      // A constant u has Σ(u − ū)² = 0 exactly here and ~1e-30 in the fit (ū summed as Σ u/n): R² is 0 here and
      // hugely negative there; either way not a velocity gene.
      if (j !== 69) expect(fit.r2[j]).toBeCloseTo(r2, 8);
      expect(fit.velocityGenes[j]).toBe(r2 > 0.01 && gamma > 0.01 && maxS > 0 && maxU > 0 ? 1 : 0);
    }
    expect(fit.velocityGenes[5]).toBe(0);
    expect(fit.velocityGenes[69]).toBe(0);
    expect(fit.gamma[40]).toBeGreaterThan(0.4);
  });
});
