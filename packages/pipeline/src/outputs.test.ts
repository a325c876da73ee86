/**
 * No NaN or Inf in the pipeline's outputs except where scVelo writes NaN by design (docs/reliability.md):
 * layers velocity and fit_t outside the velocity genes, var fit_* for genes the model was not fitted on.
 * Simulated counts, both the stochastic and (two epochs of) the dynamical model.
 */
import { tf } from "@diffcell/core";
import { AnnData, DataFrame, dense, type Layer, toDenseFloat32 } from "@diffcell/io";
import { simulateKinetics } from "@diffcell/sim";
import { describe, expect, it } from "vitest";
import { runVelocityPipeline } from "./index.js";

function simulated(seed: number): AnnData {
  const sim = simulateKinetics({ nCells: 150, nGenes: 40, seed });
  const [n, g] = sim.spliced.shape;
  const s = Float32Array.from(sim.spliced.dataSync());
  const u = Float32Array.from(sim.unspliced.dataSync());
  tf.dispose([sim.spliced, sim.unspliced]);
  return new AnnData({
    X: dense(s.slice(), n, g),
    layers: { spliced: dense(s, n, g), unspliced: dense(u, n, g) },
    obs: new DataFrame(Array.from({ length: n }, (_, i) => `c${i}`)),
    var: new DataFrame(Array.from({ length: g }, (_, j) => `g${j}`)),
  });
}

/** Where NaN is allowed by design: per-gene columns outside the velocity genes. */
const NAN_BY_DESIGN = new Set(["layers/velocity", "layers/fit_t"]);

function nonFinite(adata: AnnData): string[] {
  const bad: string[] = [];
  const velocityGenes = adata.var.numbers("velocity_genes");
  const check = (key: string, m: Layer, perGene: boolean) => {
    const x = toDenseFloat32(m);
    for (let p = 0; p < x.length; p++) {
      if (Number.isFinite(x[p])) continue;
      if (perGene && NAN_BY_DESIGN.has(key) && Number.isNaN(x[p]) && !velocityGenes[p % m.cols]) continue;
      bad.push(`${key} at ${p}: ${x[p]}`);
      return;
    }
  };
  for (const [k, m] of Object.entries(adata.layers)) check(`layers/${k}`, m, true);
  for (const [k, m] of Object.entries(adata.obsm)) check(`obsm/${k}`, m, false);
  for (const [k, m] of Object.entries(adata.obsp)) check(`obsp/${k}`, m, false);
  for (const frame of [adata.obs, adata.var] as const)
    for (const c of frame.columnNames) {
      if (frame.get(c).kind !== "numeric") continue;
      const v = frame.numbers(c);
      const fitColumn = frame === adata.var && c.startsWith("fit_");
      v.forEach((x, j) => {
        if (Number.isFinite(x)) return;
        if (fitColumn && Number.isNaN(x) && !velocityGenes[j]) return;
        bad.push(`${frame === adata.obs ? "obs" : "var"}/${c} at ${j}: ${x}`);
      });
    }
  return bad;
}

describe("pipeline outputs are finite (NaN only where scVelo writes it by design)", () => {
  it("stochastic and dynamical", async () => {
    for (const mode of ["stochastic", "dynamical"] as const) {
      const { adata } = await runVelocityPipeline(simulated(3), {
        mode,
        epochs: 2,
        restarts: 1,
        umap: false,
        nNeighbors: 15,
      });
      expect(nonFinite(adata), mode).toEqual([]);
    }
  });
});
