/** Corpus cases for the whole-analysis entries, pp and Harmony (see corpus.ts). */
import { runHarmony } from "@diffcell/harmony";
import { runHarmonyVelocity, runVelocityPipeline } from "@diffcell/pipeline";
import { filterAndNormalize } from "@diffcell/pp";
import { type CorpusCase, capture, escapeRe, SPELLED, shown, spell } from "./corpus.js";
import { makeAnnData, N_CELLS, N_GENES, withValue } from "./fixtures.js";

/** runVelocityPipeline / runHarmonyVelocity on AnnData (counts, X, options, keys, sizes), pp, Harmony. */
export function pipelineCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const pipelineValues = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -2, 1e300, 1e13];
  for (const layer of ["spliced", "unspliced"] as const)
    for (const sparse of [false, true])
      for (const value of pipelineValues) {
        const [row, column] = value === -2 ? [N_CELLS - 1, 3] : [3, 7];
        cases.push({
          name: `runVelocityPipeline: ${spell(value)} in ${sparse ? "CSR" : "dense"} ${layer}`,
          kind: "library",
          inputs: () => [],
          run: () =>
            capture(() =>
              runVelocityPipeline(makeAnnData({ [layer]: withValue(layer, row, column, value), sparse }), {
                epochs: 1,
                umap: false,
              }),
            ),
          expect: {
            error: "ValueError",
            message: [
              new RegExp(`layers/${layer}: value ${shown(value, false)} at row ${row}, column ${column}; expected a`),
            ],
          },
        });
      }
  const pipelineCase = (
    name: string,
    run: (onWarning: (message: string) => void) => unknown,
    error: string,
    message: RegExp[],
    warning?: RegExp,
  ): CorpusCase => ({
    name,
    kind: "library",
    inputs: () => [],
    run: async () => {
      const warnings: string[] = [];
      const outcome = await capture(() => run((m) => warnings.push(m)));
      return { ...outcome, warnings };
    },
    expect: { error, message, warning },
  });
  const zeros = () => new Float64Array(N_CELLS * N_GENES);
  for (const value of [Number.POSITIVE_INFINITY, Number.NaN, Number.NEGATIVE_INFINITY])
    cases.push(
      pipelineCase(
        `runVelocityPipeline: ${SPELLED.get(value)} in X (layers fine)`,
        () => {
          const a = makeAnnData();
          const x = withValue("spliced", 6, 2, value);
          a.X = { format: "dense", data: x, rows: N_CELLS, cols: N_GENES };
          return runVelocityPipeline(a, { umap: false });
        },
        "ValueError",
        [new RegExp(`X: value ${escapeRe(SPELLED.get(value) as string)} at row 6, column 2; expected finite`)],
      ),
    );
  cases.push(
    pipelineCase(
      "runVelocityPipeline: all-zero counts",
      () => runVelocityPipeline(makeAnnData({ spliced: zeros(), unspliced: zeros() }), { umap: false }),
      "InputError",
      [/no genes left after filtering \(min_shared_counts=20/],
    ),
    pipelineCase(
      "runVelocityPipeline: min_shared_counts filters every gene; non-integer counts warned",
      (onWarning) =>
        runVelocityPipeline(makeAnnData({ spliced: goodCounts01() }), { minSharedCounts: 1e9, umap: false, onWarning }),
      "InputError",
      [/no genes left after filtering \(min_shared_counts=1000000000/],
      /layers\/spliced: non-integer values \(first 0\.5 at row 0, column 0\)/,
    ),
    pipelineCase(
      "runVelocityPipeline: no spliced layer",
      () => runVelocityPipeline(makeAnnData({ spliced: null })),
      "InputError",
      [/layers\/spliced: missing; velocity needs spliced and unspliced counts \(layers: unspliced\)/],
    ),
    pipelineCase(
      "runVelocityPipeline: no unspliced layer",
      () => runVelocityPipeline(makeAnnData({ unspliced: null })),
      "InputError",
      [/layers\/unspliced: missing/],
    ),
    pipelineCase(
      "runVelocityPipeline: more neighbours than cells",
      () => runVelocityPipeline(makeAnnData(), { nNeighbors: 50 }),
      "InputError",
      [/has 40 cells; nNeighbors = 50 .* needs at least 50 cells/],
    ),
    pipelineCase(
      "runVelocityPipeline: epochs 0",
      () => runVelocityPipeline(makeAnnData(), { epochs: 0 }),
      "ConfigError",
      [/runVelocityPipeline\.epochs must be an integer ≥ 1; got 0/],
    ),
    pipelineCase(
      "runVelocityPipeline: restarts 0",
      () => runVelocityPipeline(makeAnnData(), { restarts: 0 }),
      "ConfigError",
      [/restarts must be an integer ≥ 1; got 0/],
    ),
    pipelineCase(
      "runVelocityPipeline: unknown mode",
      () => runVelocityPipeline(makeAnnData(), { mode: "fast" as "dynamical" }),
      "ConfigError",
      [/mode must be one of stochastic, .*dynamical.*; got "fast"/],
    ),
    pipelineCase("runVelocityPipeline: nPcs 1", () => runVelocityPipeline(makeAnnData(), { nPcs: 1 }), "ConfigError", [
      /nPcs must be an integer ≥ 2; got 1/,
    ]),
    pipelineCase(
      "runVelocityPipeline: seed -1",
      () => runVelocityPipeline(makeAnnData(), { seed: -1 }),
      "ConfigError",
      [/seed must be an integer ≥ 0; got -1/],
    ),
    pipelineCase(
      "runVelocityPipeline: missing cluster key",
      () => runVelocityPipeline(makeAnnData(), { clusterKey: "celltype" }),
      "InputError",
      [/obs: has no column "celltype" \(columns: clusters, batch, one_batch\)/],
    ),
    pipelineCase("runVelocityPipeline: not an AnnData", () => runVelocityPipeline({} as never), "InputError", [
      /runVelocityPipeline: adata: expected an AnnData/,
    ]),
    pipelineCase(
      "runHarmonyVelocity: one batch",
      () => runHarmonyVelocity(makeAnnData(), { batchKey: "one_batch" }),
      "InputError",
      [/obs\.one_batch: has 1 batch \("b0"\); batch correction needs at least 2/],
    ),
    pipelineCase(
      "runHarmonyVelocity: missing batch key",
      () => runHarmonyVelocity(makeAnnData(), { batchKey: "donor" }),
      "InputError",
      [/obs: has no column "donor"/],
    ),
    pipelineCase(
      "runHarmonyVelocity: NaN in unspliced",
      () =>
        runHarmonyVelocity(makeAnnData({ unspliced: withValue("unspliced", 4, 9, Number.NaN) }), { batchKey: "batch" }),
      "ValueError",
      [/layers\/unspliced: value NaN at row 4, column 9/],
    ),
    pipelineCase(
      "filterAndNormalize: all-zero data",
      () => filterAndNormalize(makeAnnData({ spliced: zeros(), unspliced: zeros() }), { minSharedCounts: 20 }),
      "InputError",
      [/no genes left after filtering \(min_shared_counts=20\)/],
    ),
    pipelineCase(
      "runHarmony: one batch",
      () =>
        runHarmony(
          { data: Float64Array.from({ length: 60 }, (_, i) => (i % 7) + 1), rows: 20, cols: 3 },
          { batch: Array.from({ length: 20 }, () => "a") },
        ),
      "InputError",
      [/only one batch \("a"\).*at least 2 batches/],
    ),
  );
  return cases;
}

/** Spliced counts with one non-integer value (0.5 at the first entry). */
function goodCounts01(): Float64Array {
  return withValue("spliced", 0, 0, 0.5);
}
