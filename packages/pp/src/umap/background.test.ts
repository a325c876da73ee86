/**
 * The background layout is `umap()`'s, bit for bit: on the built worker thread, and inline where no worker
 * starts (no build, a cancelled job).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { scveloFixture } from "@diffcell/datasets";
import { describe, expect, it } from "vitest";
import { umap } from "../umap.js";
import { startUmap } from "./background.js";

const built = new URL("../../dist/umap/worker.js", import.meta.url);
const options = { seed: 3, nEpochs: 120 };

async function reference() {
  const a = await scveloFixture("pancreas100");
  await umap(a, options);
  return { embedding: Array.from(a.obsmKey("X_umap").data), params: a.uns.umap };
}

describe("startUmap", () => {
  it("lays out on a worker thread (the build's worker) exactly as umap() on the calling thread", async (context) => {
    if (!existsSync(built)) context.skip(); // sources without the build: covered by the inline cases below
    const expected = await reference();
    const b = await scveloFixture("pancreas100");
    const job = startUmap(b, options, built);
    await job.result();
    expect(job.background).toBe(true);
    expect(Array.from(b.obsmKey("X_umap").data)).toEqual(expected.embedding);
    expect(b.uns.umap).toEqual(expected.params);
    await expect(job.result()).rejects.toThrow("already taken");
  });

  it("in a fresh process that only awaits it, the layout arrives from the worker (exit 0, nothing on stderr)", (context) => {
    if (!existsSync(built)) context.skip();
    // The worker is unreferenced until its result is asked for, then referenced (Node's documented rule for an
    // unreferenced worker is that it does not keep the process alive).
    const script = `
      import { scveloFixture } from "@diffcell/datasets";
      import { startUmap } from "${fileURLToPath(new URL("../../dist/index.js", import.meta.url))}";
      const a = await scveloFixture("pancreas100");
      const job = startUmap(a, { seed: 3, nEpochs: 400 });
      await job.result();
      console.log(job.background, a.obsm.X_umap.rows);`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.stdout.trim()).toBe("true 100");
    expect(run.status).toBe(0);
  });

  it("falls back to the calling thread, with the same layout, when no worker starts or the job is cancelled", async () => {
    const expected = await reference();
    const missing = await scveloFixture("pancreas100");
    const noWorker = startUmap(missing, options, new URL("./no-such-worker.js", import.meta.url));
    await noWorker.result();
    expect(noWorker.background).toBe(false);
    expect(Array.from(missing.obsmKey("X_umap").data)).toEqual(expected.embedding);

    const c = await scveloFixture("pancreas100");
    const cancelled = startUmap(c, options, existsSync(built) ? built : undefined);
    cancelled.cancel();
    await cancelled.result();
    expect(cancelled.background).toBe(false);
    expect(Array.from(c.obsmKey("X_umap").data)).toEqual(expected.embedding);
  });

  it("a failing layout fails as umap() does (bad options surface when the result is taken)", async () => {
    const d = await scveloFixture("pancreas100");
    const job = startUmap(d, { ...options, nEpochs: 0 }, existsSync(built) ? built : undefined);
    await expect(job.result()).rejects.toThrow("nEpochs");
  });
});
