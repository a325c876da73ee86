/**
 * scVelo's own test fixtures (theislab/scvelo `tests/_data/`, BSD-3): random subsets of dentate gyrus
 * (Hochgerner et al. 2018) and pancreas cells after scVelo's test recipe — filter_and_normalize
 * (min_shared_counts=20, n_top_genes=200) → log1p → neighbors(30, umap) → moments. Each holds
 * normalised `spliced`/`unspliced`, `Ms`/`Mu`, `obsm.X_pca`, `obsp.distances`/`connectivities`. Small and
 * fast to load: for tests and examples. See `data/scvelo/README.md`.
 */
import { type AnnData, readH5ad } from "@diffcell/io";
import { dataFile } from "./paths.js";

export type ScveloFixture = "dentategyrus50" | "dentategyrus100" | "pancreas50" | "pancreas100";

const FILES: Record<ScveloFixture, string> = {
  dentategyrus50: "scvelo/dentategyrus_50obs_preprocessed.h5ad",
  dentategyrus100: "scvelo/dentategyrus_100obs_preprocessed.h5ad",
  pancreas50: "scvelo/pancreas_50obs_preprocessed.h5ad",
  pancreas100: "scvelo/pancreas_100obs_preprocessed.h5ad",
};

export const SCVELO_FIXTURES = Object.keys(FILES) as ScveloFixture[];

/** Path of a fixture's .h5ad file. */
export function scveloFixturePath(name: ScveloFixture): string {
  return dataFile(FILES[name]);
}

export function scveloFixture(name: ScveloFixture): Promise<AnnData> {
  return readH5ad(scveloFixturePath(name));
}

/** 50 dentate gyrus cells × 194 genes, preprocessed by scVelo. */
export const dentategyrus50 = (): Promise<AnnData> => scveloFixture("dentategyrus50");
/** 100 dentate gyrus cells × 200 genes, preprocessed by scVelo. */
export const dentategyrus100 = (): Promise<AnnData> => scveloFixture("dentategyrus100");
/** 50 pancreas cells × 200 genes, preprocessed by scVelo. */
export const pancreas50 = (): Promise<AnnData> => scveloFixture("pancreas50");
/** 100 pancreas cells × 200 genes, preprocessed by scVelo. */
export const pancreas100 = (): Promise<AnnData> => scveloFixture("pancreas100");
