/**
 * Manual interoperability check, step 1: writes .h5ad files with diffcell for `check.py` to open with
 * Python anndata. Run from the repo root:
 *   npx tsx --tsconfig tsconfig.json packages/pp/scripts/anndata-interop/write.mts [/tmp/diffcell-interop]
 * Needs the shared data folder (/work/shared/data) for the two scVelo/cellrank inputs.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { pancreas } from "@diffcell/datasets";
import { readH5ad, rowSums, toDense, writeH5ad } from "@diffcell/io";
import { filterAndNormalize, moments, neighbors, pca, umap } from "@diffcell/pp";

const out = process.argv[2] ?? "/tmp/diffcell-interop";
mkdirSync(out, { recursive: true });

const dg = await readH5ad("/work/shared/data/scvelo-fixtures/dentategyrus_100obs.h5ad");
await writeH5ad(dg, `${out}/dg100_ours.h5ad`);
const dyn = await readH5ad("/work/shared/data/dentategyrus-dynamical/adata_100.h5ad");
await writeH5ad(dyn, `${out}/dynamical100_ours.h5ad`);

const a = pancreas();
filterAndNormalize(a, { minSharedCounts: 20, nTopGenes: 1000, subsetHighlyVariable: false });
pca(a);
neighbors(a);
moments(a, { secondOrder: true });
await umap(a, { seed: 0, nEpochs: 50 });
await writeH5ad(a, `${out}/pancreas_pp.h5ad`, { compression: 4 });
const ms = toDense(a.layer("Ms")).data;
const summary = {
  shape: a.shape,
  obsNames: a.obsNames.slice(0, 3),
  varNames: a.varNames.slice(0, 3),
  clusters: a.obs.strings("clusters").slice(0, 5),
  hvgCount: Array.from(a.var.numbers("highly_variable")).filter((x) => x).length,
  msFirstRow: Array.from(ms.subarray(0, 5)),
  msSum: ms.reduce((s, x) => s + x, 0),
  xRowSums: Array.from(rowSums(a.layer("X")).subarray(0, 5)),
  pca: Array.from(a.obsm.X_pca.data.subarray(0, 5)),
  umap: Array.from(a.obsm.X_umap.data.subarray(0, 4)),
  connNnz: a.obsp.connectivities.data.length,
  uns: a.uns.neighbors,
};
writeFileSync(`${out}/pancreas_summary.json`, JSON.stringify(summary, null, 1));
console.log(a.toString());
