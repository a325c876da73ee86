/**
 * Velocity engine figures: the fused Euler kernel against the same math in plain tfjs ops, and one
 * training step of the walk-through's model (time encoder over log1p(spliced ‖ unspliced) → 64 → 64 → 1,
 * 10 Euler steps, Adam) at 500×200 and pancreas size 3696×2000, against the same model in plain tfjs ops
 * (autodiff through tf.matMul and the Euler loop; chunked by 1000 cells, because unchunked it exceeds
 * the wasm heap at 3696×2000), and against the same model in PyTorch (`bench/torch/seed_step.py`, run
 * when python3-torch is installed; the line says so when it is not).
 */
import { adam, Optimizer, Rngs, tf, valueAndGrad } from "@diffcell/core";
import { DifferentiableVelocity, eulerProjection, VelocityConfig } from "@diffcell/velocity";
import type { BenchCase } from "../harness.js";
import { runTorch, torchUnavailable } from "../torch.js";

function randomData(n: number, g: number, seed: number) {
  const r = new Rngs(seed);
  return {
    spliced: tf.tensor2d(Float32Array.from(r.uniform(n * g, 0, 5)), [n, g]),
    unspliced: tf.tensor2d(Float32Array.from(r.uniform(n * g, 0, 2)), [n, g]),
  };
}

/** Plain tfjs ops: v = βu − γs and 10 clamped Euler steps, differentiated by tfjs autodiff. */
function plainEuler(u: tf.Tensor, s: tf.Tensor, a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, dt: number, steps: number) {
  const v = tf.sub(tf.mul(b, u), tf.mul(c, s));
  let uu = u;
  let ss = s;
  for (let k = 0; k < steps; k++) {
    const nu = tf.relu(tf.add(uu, tf.mul(dt, tf.sub(a, tf.mul(b, uu)))));
    ss = tf.relu(tf.add(ss, tf.mul(dt, tf.sub(tf.mul(b, uu), tf.mul(c, ss)))));
    uu = nu;
  }
  return [v, ss];
}

/** The walk-through's step objective: projection MSE + a latent-time term, so every parameter gets a gradient. */
function seedLoss(m: DifferentiableVelocity, batch: { spliced: tf.Tensor2D; unspliced: tf.Tensor2D }): tf.Scalar {
  const [r] = m.apply(batch);
  return tf.add(
    tf.mean(tf.squaredDifference(r.projectedSpliced, batch.spliced)),
    tf.mean(tf.mul(r.latentTime, tf.mean(r.velocity, 1))),
  ) as tf.Scalar;
}

/** The same model and loss in plain tfjs ops (tf.matMul with autodiff's transpose flags). */
class PlainModel {
  readonly vars: tf.Variable[];
  constructor(g: number, h: number, seed: number) {
    const r = new Rngs(seed);
    const w = (rows: number, cols: number) =>
      tf.variable(tf.tensor2d(Float32Array.from(r.normal(rows * cols, 0, 1 / Math.sqrt(rows))), [rows, cols]));
    this.vars = [
      w(2 * g, h),
      tf.variable(tf.zeros([h])),
      w(h, h),
      tf.variable(tf.zeros([h])),
      w(h, 1),
      tf.variable(tf.zeros([1])),
      ...[0, -1, -2].map((m) => tf.variable(tf.fill([g], m))),
    ];
  }
  loss(s: tf.Tensor2D, u: tf.Tensor2D, n: number): tf.Scalar {
    const [w1, b1, w2, b2, w3, b3, la, lb, lc] = this.vars;
    const x = tf.log1p(tf.concat([s, u], 1));
    const h1 = tf.relu(tf.add(tf.matMul(x, w1), b1));
    const h2 = tf.relu(tf.add(tf.matMul(h1, w2), b2));
    const t = tf.sigmoid(tf.add(tf.matMul(h2, w3), b3));
    const [v, proj] = plainEuler(u, s, tf.softplus(la), tf.softplus(lb), tf.softplus(lc), 0.1, 10);
    const g = s.shape[1];
    return tf.add(
      tf.div(tf.sum(tf.squaredDifference(proj, s)), n * g),
      tf.div(tf.sum(tf.mul(tf.reshape(t, [-1]), tf.mean(v, 1))), n),
    ) as tf.Scalar;
  }
}

export default function cases(): BenchCase[] {
  const out: BenchCase[] = [];
  {
    const n = 3696;
    const g = 2000;
    const d = randomData(n, g, 1);
    const rates = [tf.fill([g], 1), tf.fill([g], 0.5), tf.fill([g], 0.3)];
    out.push({
      group: "kernel",
      name: `Euler projection forward+backward ${n}×${g}`,
      run: () =>
        tf.tidy(() => {
          const grads = tf.grads((...xs: tf.Tensor[]) => {
            const [p] = eulerProjection(xs, { dt: 0.1, nSteps: 10 });
            return tf.sum(p) as tf.Scalar;
          })([d.unspliced, d.spliced, ...rates]);
          for (const gr of grads) gr.dataSync();
        }),
      baseline: {
        name: "plain tfjs ops (1000-cell chunks)",
        run: () => {
          for (let start = 0; start < n; start += 1000) {
            tf.tidy(() => {
              const rows = Math.min(1000, n - start);
              const u = tf.slice(d.unspliced, [start, 0], [rows, g]);
              const s = tf.slice(d.spliced, [start, 0], [rows, g]);
              const grads = tf.grads((...xs: tf.Tensor[]) => {
                const [, p] = plainEuler(xs[0], xs[1], xs[2], xs[3], xs[4], 0.1, 10);
                return tf.sum(p) as tf.Scalar;
              })([u, s, ...rates]);
              for (const gr of grads) gr.dataSync();
            });
          }
        },
      },
      repeats: 3,
      teardown: () => tf.dispose([d.spliced, d.unspliced, ...rates]),
    });
  }
  for (const [n, g] of [
    [500, 200],
    [3696, 2000],
  ]) {
    const d = randomData(n, g, 2);
    const op = new DifferentiableVelocity(new VelocityConfig({ nGenes: g }), { rngs: new Rngs(0) });
    // As trainVelocity does: the data are constants (no input gradients; log1p reused across steps).
    op.constantInputs = true;
    const opt = new Optimizer(op, adam(1e-3));
    const step = valueAndGrad(seedLoss);
    const plain = new PlainModel(g, 64, 3);
    const plainOpt = tf.train.adam(1e-3);
    const chunk = 1000;
    out.push({
      group: "training step",
      name: `seed model (2G→64→64→1 encoder + Euler, Adam) ${n}×${g}`,
      run: () => {
        const [, grads] = step(op, d);
        opt.update(grads);
      },
      baseline: {
        name: "same model in plain tfjs ops",
        run: () => {
          // Gradients accumulated over row chunks, then one Adam update (the whole batch would not fit the heap).
          let acc: tf.Tensor[] | null = null;
          for (let start = 0; start < n; start += chunk) {
            const rows = Math.min(chunk, n - start);
            const { grads } = tf.variableGrads(() =>
              tf.tidy(() =>
                plain.loss(tf.slice(d.spliced, [start, 0], [rows, g]), tf.slice(d.unspliced, [start, 0], [rows, g]), n),
              ),
            );
            const list = plain.vars.map((v) => grads[v.name]);
            if (!acc) acc = list;
            else {
              const next: tf.Tensor[] = acc.map((a, i) => tf.add(a, list[i]));
              tf.dispose([...acc, ...list]);
              acc = next;
            }
          }
          plainOpt.applyGradients(plain.vars.map((v, i) => ({ name: v.name, tensor: (acc as tf.Tensor[])[i] })));
          tf.dispose(acc as tf.Tensor[]);
        },
      },
      external: {
        name: "PyTorch (bench/torch/seed_step.py)",
        measure: () => runTorch("seed_step.py", [n, g, n > 1000 ? 5 : 10]),
        unavailable: torchUnavailable() ?? "",
      },
      reference: n > 1000 ? "issue 12 target: ≤ 0.7× PyTorch's step" : undefined,
      repeats: n > 1000 ? 5 : 10,
      teardown: () => {
        opt.dispose();
        op.dispose();
        plainOpt.dispose();
        tf.dispose([d.spliced, d.unspliced, ...plain.vars]);
      },
    });
  }
  return out;
}
