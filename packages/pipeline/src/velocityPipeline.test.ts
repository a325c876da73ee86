import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pooledBytes, setThreadCount, tf, threadCount } from "@diffcell/core";
import { AnnData, DataFrame, type DenseMatrix, dense, isSpilled } from "@diffcell/io";
import { simulateKinetics } from "@diffcell/sim";
import { describe, expect, it } from "vitest";
import { defaultEpochs, runVelocityPipeline } from "./index.js";

function simulated(nCells = 200, nGenes = 40): AnnData {
  const sim = simulateKinetics({ nCells, nGenes, seed: 0 });
  const [n, g] = sim.spliced.shape;
  const spliced = sim.spliced.dataSync() as Float32Array;
  const unspliced = sim.unspliced.dataSync() as Float32Array;
  tf.dispose([sim.spliced, sim.unspliced]);
  return new AnnData({
    X: dense(spliced.slice(), n, g),
    layers: { spliced: dense(spliced, n, g), unspliced: dense(unspliced, n, g) },
    obs: new DataFrame(Array.from({ length: n }, (_, i) => `cell${i}`)),
  });
}

describe("runVelocityPipeline: responsive and abortable", () => {
  it("yields to the event loop between steps and epochs, and an abort during training stops it cleanly", async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const stages: string[] = [];
    let trainEpochs = 0;
    const run = runVelocityPipeline(simulated(), {
      seed: 0,
      epochs: 20,
      umap: false,
      signal: controller.signal,
      onProgress: (event) => {
        stages.push(event.stage);
        if (event.stage === "train" && event.done > 0 && event.total > 1) {
          trainEpochs++;
          // Abort after the second training epoch: the job must stop at the next epoch boundary.
          if (trainEpochs === 2) controller.abort();
        }
      },
    });
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    clearInterval(timer);
    expect(trainEpochs).toBe(2);
    expect(stages).not.toContain("velocity graph");
    // Timers ran while the job was working (it would otherwise hold the thread until the end).
    expect(ticks).toBeGreaterThan(2);
    // Models, optimiser state and the training data were freed.
    expect(tf.memory().numTensors).toBe(before);
  });

  it("frees every trial's optimiser: aborted in a later trial, in the continuation, or run to the end", async () => {
    // 20 epochs, 3 restarts: trials of 4 epochs (progress events 1–4, 5–8, 9–12), then the kept trial continued
    // with its optimiser (events 13–28). Abort in trial 2 (a kept trial's optimiser is waiting), in the
    // continuation (it owns that optimiser), and not at all.
    for (const abortAt of [6, 14, Number.POSITIVE_INFINITY]) {
      const before = tf.memory().numTensors;
      const controller = new AbortController();
      let events = 0;
      const run = runVelocityPipeline(simulated(), {
        seed: 0,
        epochs: 20,
        restarts: 3,
        umap: false,
        signal: controller.signal,
        onProgress: (event) => {
          if (event.stage === "train" && event.done > 0 && event.total > 1 && ++events === abortAt) controller.abort();
        },
      });
      if (Number.isFinite(abortAt)) await expect(run).rejects.toMatchObject({ name: "AbortError" });
      else expect((await run).loss.length).toBeGreaterThanOrEqual(20);
      expect(tf.memory().numTensors).toBe(before);
    }
  });

  it("runs restart trials only when they can differ: one fit when a trial would be all warm-up", async () => {
    // 10 epochs: trials of 2 (1 warm-up epoch with the time frozen, 1 free) → 3 trials, then the continuation.
    // 5 epochs (as ~39 000 cells get by default): trials of 1 epoch, all warm-up from one shared start → one fit.
    for (const [epochs, trialLengths] of [
      [10, [2, 2, 2]],
      [5, [5]],
    ] as const) {
      const result = await runVelocityPipeline(simulated(), { seed: 0, epochs, restarts: 3, umap: false });
      expect(result.restartLosses.length).toBe(trialLengths.length);
      // Trials are not direction-checked (exact length); a single fit whose time came out reversed at its end
      // gets extra epochs (≥).
      result.restartLosses.forEach((loss, r) => {
        if (trialLengths.length > 1) expect(loss.length).toBe(trialLengths[r]);
        else expect(loss.length).toBeGreaterThanOrEqual(trialLengths[r]);
      });
      expect(result.loss.length).toBeGreaterThanOrEqual(epochs);
    }
  });

  it("an already aborted signal stops before any work, with the caller's reason", async () => {
    const adata = simulated();
    const controller = new AbortController();
    controller.abort(new Error("cancelled by the user"));
    await expect(runVelocityPipeline(adata, { signal: controller.signal })).rejects.toThrow("cancelled by the user");
    expect(adata.layers.Ms).toBeUndefined();
  });
});

describe("runVelocityPipeline: layers no step reads wait on disk", () => {
  it("spills X, the counts and fit_t once they are last read; the results are the same as held in memory", async () => {
    const held = await runVelocityPipeline(simulated(), { seed: 0, epochs: 4, restarts: 1, umap: false });
    const spillDir = mkdtempSync(join(tmpdir(), "diffcell-pipeline-spill-"));
    const spilled = await runVelocityPipeline(simulated(), {
      seed: 0,
      epochs: 4,
      restarts: 1,
      umap: false,
      spillBytes: 0,
      spillDir,
    });
    // One file per layer on disk, in the folder asked for.
    expect(readdirSync(spillDir).filter((f) => f.startsWith(".diffcell-spill.")).length).toBe(4);
    const layers = Object.keys(held.adata.layers).sort();
    expect(Object.keys(spilled.adata.layers).sort()).toEqual(layers);
    expect(layers).toEqual(expect.arrayContaining(["Ms", "Mu", "fit_t", "spliced", "unspliced", "velocity"]));
    const onDisk = ["X", ...layers].filter((k) => isSpilled(spilled.adata.layer(k)));
    expect(onDisk.sort()).toEqual(["X", "fit_t", "spliced", "unspliced"]);
    for (const key of ["X", ...layers]) {
      const a = held.adata.layer(key) as DenseMatrix;
      const b = spilled.adata.layer(key) as DenseMatrix;
      expect(b.data, key).toEqual(a.data);
    }
    expect(spilled.adata.obs.numbers("latent_time")).toEqual(held.adata.obs.numbers("latent_time"));
    expect(spilled.loss).toEqual(held.loss);
    // Read back above: the files are gone.
    expect(readdirSync(spillDir).length).toBe(0);
    rmSync(spillDir, { recursive: true });
  });
});

describe("runVelocityPipeline: the thread count changes nothing", () => {
  it("gives bit-identical results on one thread and on the worker pool", async () => {
    // Large enough that the fused kernels go to the pool (a 512-cell minibatch × ~100 genes, the velocity
    // graph's and the cosine kernels' chunks): every per-chunk sum is reduced in chunk order (docs/engine.md rule 6).
    const options = { seed: 0, epochs: 3, restarts: 2, umap: false } as const;
    const threads = threadCount();
    let one: Awaited<ReturnType<typeof runVelocityPipeline>>;
    try {
      setThreadCount(1);
      one = await runVelocityPipeline(simulated(700, 150), options);
    } finally {
      setThreadCount(Math.max(threads, 2));
    }
    const pooled = pooledBytes();
    const many = await runVelocityPipeline(simulated(700, 150), options);
    setThreadCount(threads);
    // The second run used the pool's shared buffers (the first ran every chunk on this thread).
    expect(pooledBytes()).toBeGreaterThan(pooled);
    expect(many.loss).toEqual(one.loss);
    for (const key of ["velocity", "fit_t", "Ms", "Mu"]) {
      expect((many.adata.layer(key) as DenseMatrix).data, key).toEqual((one.adata.layer(key) as DenseMatrix).data);
    }
    for (const key of ["latent_time", "velocity_pseudotime", "velocity_confidence"]) {
      expect(many.adata.obs.numbers(key), key).toEqual(one.adata.obs.numbers(key));
    }
    const graph = (r: typeof one) => r.adata.obsp.velocity_graph;
    expect(graph(many)).toEqual(graph(one));
  });
});

describe("defaultEpochs", () => {
  it("keeps 14 epochs up to 14 000 cells and about 383 minibatch steps beyond, at least 3 epochs", () => {
    expect(defaultEpochs(3696)).toBe(14);
    expect(defaultEpochs(14_000)).toBe(14);
    // 9 × 3696 cells: 196 000 / 33 264 = 5.89.
    expect(defaultEpochs(33_264)).toBe(6);
    // 27 × 3696: 1.96 → the floor of 3.
    expect(defaultEpochs(99_792)).toBe(3);
  });
});
