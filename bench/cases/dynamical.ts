/**
 * One training step of the model `diffcell velocity` trains (dynamical kinetics, velocity from the model,
 * consistency + kinetic + time-prior loss, clipped Adam) on a 512-cell minibatch × 329 genes (pancreas'
 * velocity genes), with 30 neighbours per cell of which ~14% fall in the batch (as `restrictNeighbors` leaves
 * them). Ours: the fused kernels on every thread; baseline: the same step with `setThreadCount(1)` (identical
 * results, one core).
 */
import {
  adam,
  chain,
  clipByGlobalNorm,
  Optimizer,
  Rngs,
  setThreadCount,
  tf,
  threadCount,
  valueAndGrad,
} from "@diffcell/core";
import { VelocityConsistencyLoss } from "@diffcell/losses";
import { DifferentiableVelocity, inverseVarianceWeights, VelocityConfig, velocityLoss } from "@diffcell/velocity";
import type { BenchCase } from "../harness.js";

export default function dynamicalCases(): BenchCase[] {
  const n = 512;
  const g = 329;
  const k = 30;
  const r = new Rngs(4);
  const data = {
    spliced: tf.tensor2d(Float32Array.from(r.uniform(n * g, 0, 5)), [n, g]),
    unspliced: tf.tensor2d(Float32Array.from(r.uniform(n * g, 0, 2)), [n, g]),
  };
  const neighbors = Int32Array.from(r.uniform(n * k, 0, n), (u, q) =>
    u < 0.14 * n ? Math.floor(u / 0.14) : Math.floor(q / k),
  );
  const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: g, kineticsModel: "dynamical" }), {
    rngs: new Rngs(0),
  });
  op.constantInputs = true;
  const opt = new Optimizer(op, chain(clipByGlobalNorm(1), adam(1e-2)));
  const consistency = new VelocityConsistencyLoss();
  const kineticWeights = inverseVarianceWeights(data.spliced, data.unspliced);
  const step = valueAndGrad((m: DifferentiableVelocity, b: typeof data) =>
    velocityLoss(m, b, { consistency, neighbors, weights: { projection: 0, timePrior: 10 }, kineticWeights }),
  );
  const run = () => {
    const [, grads] = step(op, data);
    opt.update(grads);
  };
  const threads = threadCount();
  return [
    {
      group: "training step",
      name: `dynamical model (pipeline loss, clipped Adam) minibatch ${n}×${g}, ${threads} threads`,
      run,
      baseline: {
        name: "same step on 1 thread",
        run: () => {
          setThreadCount(1);
          try {
            run();
          } finally {
            setThreadCount(threads);
          }
        },
      },
      repeats: 15,
      warmup: 2,
      teardown: () => {
        opt.dispose();
        op.dispose();
        tf.dispose([data.spliced, data.unspliced]);
      },
    },
  ];
}
