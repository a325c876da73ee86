/**
 * Preprocessing of the bundled pancreas data (3696 × 2000), one case per step, each on a fresh copy of
 * the previous step's output: scVelo's recipe → PCA → 30-NN graph with UMAP connectivities → moments →
 * UMAP (ours vs umap-js). References are scVelo 0.3.3 on this machine (see the shared data README).
 */

import { pancreas } from "@diffcell/datasets";
import type { AnnData } from "@diffcell/io";
import { filterAndNormalize, moments, neighbors, pca, umap } from "@diffcell/pp";
import type { BenchCase } from "../harness.js";

export default function ppCases(): BenchCase[] {
  let raw: AnnData | undefined;
  let normalized: AnnData | undefined;
  let withPca: AnnData | undefined;
  let withGraph: AnnData | undefined;
  const need = <T>(x: T | undefined, step: string): T => {
    if (x === undefined) throw new Error(`bench pp: run "${step}" first`);
    return x;
  };
  const recipe = (a: AnnData) => filterAndNormalize(a, { minSharedCounts: 20, nTopGenes: 2000 });
  return [
    {
      group: "pp",
      name: "load pancreas (3696 × 2000, gzip MatrixMarket)",
      run: () => {
        raw = pancreas();
      },
      repeats: 3,
    },
    {
      group: "pp",
      name: "filterAndNormalize (min_shared_counts=20, n_top_genes=2000) + log1p",
      run: () => {
        normalized = recipe(need(raw, "load").copy());
      },
      reference: "scVelo filter_and_normalize 0.01 s",
      repeats: 3,
    },
    {
      group: "pp",
      name: "pca (30 components)",
      run: () => {
        withPca = pca(need(normalized, "filterAndNormalize").copy());
      },
      repeats: 3,
    },
    {
      group: "pp",
      name: "neighbors (exact 30-NN + UMAP connectivities)",
      run: () => {
        withGraph = neighbors(need(withPca, "pca").copy());
      },
      repeats: 1,
      warmup: 0,
    },
    {
      group: "pp",
      name: "moments (Ms, Mu from the stored graph)",
      run: () => moments(need(withGraph, "neighbors").copy()),
      repeats: 3,
    },
    {
      group: "pp",
      name: "moments incl. PCA + kNN (scVelo's pp.moments on a normalised object)",
      run: () => moments(need(normalized, "filterAndNormalize").copy()),
      reference: "scVelo moments (PCA + 30-NN) 3.4 s",
      repeats: 1,
      warmup: 0,
    },
    {
      // Ours (spectral start + our SGD on the stored connectivities) against umap-js on the same graph,
      // seed and epoch count, timed one after the other in this run.
      group: "pp",
      name: "umap (diffcell engine, 500 epochs, spectral init) vs umap-js (500 epochs, PCA init)",
      run: () => umap(need(withGraph, "neighbors").copy(), { seed: 0 }),
      baseline: {
        name: "umap-js",
        run: () => umap(need(withGraph, "neighbors").copy(), { seed: 0, engine: "umap-js" }),
      },
      reference: "scanpy/umap-learn here 5.0 s",
      repeats: 3,
      warmup: 1,
    },
  ];
}
