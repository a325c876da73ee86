import { InputError } from "@diffcell/core";
import type { AnnData } from "@diffcell/io";
import { type FilterGenesOptions, filterGenes } from "./filter-genes.js";
import { highlyVariableGenes } from "./highly-variable-genes.js";
import { log1p } from "./log1p.js";
import { normalizePerCell } from "./normalize.js";

export interface FilterAndNormalizeOptions extends FilterGenesOptions {
  /** Keep this many highly variable genes (Seurat flavour); none selected when absent. */
  nTopGenes?: number;
  /** Subset to the highly variable genes (default true) or only annotate `var.highly_variable`. */
  subsetHighlyVariable?: boolean;
  /** log1p X at the end (default true). */
  log?: boolean;
  /** Layers to normalise besides X (default spliced and unspliced); given layers are normalised even if they look normalised. */
  layersNormalize?: string[];
  countsPerCellAfter?: number;
}

/**
 * scVelo's `pp.filter_and_normalize` recipe (0.2.x/0.3.x, the version that made the test fixtures):
 * `filter_genes` → `normalize_per_cell` (X, spliced, unspliced) → `filter_genes_dispersion(n_top_genes)`
 * → `log1p(X)`. Spliced/unspliced stay un-logged (moments average normalised counts).
 */
export function filterAndNormalize(adata: AnnData, options: FilterAndNormalizeOptions = {}): AnnData {
  filterGenes(adata, options);
  if (adata.nVars === 0) {
    const bounds = Object.entries(options)
      .filter(([k, v]) => /^(min|max)/.test(k) && v !== undefined)
      .map(([k, v]) => `${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}=${v}`);
    throw new InputError(
      adata.source ?? "adata",
      `no genes left after filtering${bounds.length ? ` (${bounds.join(", ")})` : ""}`,
    );
  }
  normalizePerCell(adata, {
    layers: options.layersNormalize,
    enforce: options.layersNormalize !== undefined,
    countsPerCellAfter: options.countsPerCellAfter,
  });
  if (options.nTopGenes !== undefined) {
    highlyVariableGenes(adata, {
      nTopGenes: options.nTopGenes,
      retainGenes: options.retainGenes,
      subset: options.subsetHighlyVariable ?? true,
    });
  }
  if (options.log ?? true) log1p(adata);
  return adata;
}
