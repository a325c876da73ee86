/**
 * @diffcell/datasets — real single-cell data bundled with the package, loadable offline: the pancreas
 * endocrinogenesis benchmark (3696 × 2000, raw spliced/unspliced counts) and scVelo's small
 * preprocessed test fixtures.
 */
export { PANCREAS_CLUSTERS, PANCREAS_COARSE_CLUSTERS, PANCREAS_EDGES, pancreas } from "./pancreas.js";
export {
  PANCREAS_BATCHES_DEFAULTS,
  type PancreasBatchesOptions,
  pancreasBatches,
} from "./pancreasBatches.js";
export { dataDir, dataFile } from "./paths.js";
export {
  dentategyrus50,
  dentategyrus100,
  pancreas50,
  pancreas100,
  SCVELO_FIXTURES,
  type ScveloFixture,
  scveloFixture,
  scveloFixturePath,
} from "./scvelo-fixtures.js";
