import { InputError } from "@diffcell/core";
import { type AnnData, type FloatArray, isSpilled } from "@diffcell/io";
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
  /**
   * The AnnData's value arrays may be changed: X, spliced and unspliced are normalised (and X logged) in place
   * unless two layers share an array — a copy less of each (0.8 GB of fresh memory per layer at 100k cells ×
   * 2000 genes). For data nobody else holds (the CLI's own loaded file). Default false: the arrays given are left
   * as they were, and only the copies the gene filter makes are changed in place.
   */
  inPlace?: boolean;
}

/**
 * scVelo's `pp.filter_and_normalize` recipe (0.2.x/0.3.x, the version that made the test fixtures):
 * `filter_genes` → `normalize_per_cell` (X, spliced, unspliced) → `filter_genes_dispersion(n_top_genes)`
 * → `log1p(X)`. Spliced/unspliced stay un-logged (moments average normalised counts).
 */
export function filterAndNormalize(adata: AnnData, options: FilterAndNormalizeOptions = {}): AnnData {
  // The value arrays as given: not changed in place unless allowed (the caller may hold them).
  const given = new Set(options.inPlace ? [] : valueArrays(adata).values());
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
    inPlace: ownedLayers(adata, given),
  });
  if (options.nTopGenes !== undefined) {
    highlyVariableGenes(adata, {
      nTopGenes: options.nTopGenes,
      retainGenes: options.retainGenes,
      subset: options.subsetHighlyVariable ?? true,
    });
  }
  if (options.log ?? true) log1p(adata, { inPlace: ownedLayers(adata, given).includes("X") });
  return adata;
}

/** The value array of X and of every layer held in memory, by name (a layer parked on disk is not read back). */
function valueArrays(adata: AnnData): Map<string, FloatArray> {
  const out = new Map<string, FloatArray>();
  for (const name of ["X", ...Object.keys(adata.layers)]) {
    if (!adata.hasLayer(name)) continue;
    const m = adata.layer(name);
    if (!isSpilled(m)) out.set(name, m.data);
  }
  return out;
}

/**
 * Layers whose value arrays are not in `given` (the caller's, when it holds them) and that no other layer shares
 * (X may be spliced's array): changing them in place saves a full copy each (0.8 GB of fresh memory per layer at
 * 100k cells × 2000 genes) and nobody else sees it.
 */
function ownedLayers(adata: AnnData, given: ReadonlySet<FloatArray>): string[] {
  const arrays = valueArrays(adata);
  const uses = new Map<FloatArray, number>();
  for (const data of arrays.values()) uses.set(data, (uses.get(data) ?? 0) + 1);
  return [...arrays].filter(([, data]) => !given.has(data) && uses.get(data) === 1).map(([name]) => name);
}
