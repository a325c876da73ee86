/**
 * The bad-input corpus: every case a new user could plausibly hit, each with the typed error (library) or
 * exit code (CLI) and the words its message must contain. `corpus.test.ts` runs them all and also checks
 * that no input file changed and no temporary file was left behind.
 */
import { join } from "node:path";
import { formatNumber, InputError, tf } from "@diffcell/core";
import { runHarmony } from "@diffcell/harmony";
import { checkOutputPath, fileError, read, readH5ad, readLoom, writeFileAtomic } from "@diffcell/io";
import { runHarmonyVelocity, runVelocityPipeline } from "@diffcell/pipeline";
import { filterAndNormalize } from "@diffcell/pp";
import { DifferentiableVelocity, trainVelocity, VelocityConfig } from "@diffcell/velocity";
import type { CommandSpec } from "../args.js";
import { harmonySpec } from "../harmony.js";
import { bufferIo } from "../io.js";
import { main } from "../main.js";
import { simulateSpec } from "../simulate.js";
import { velocitySpec } from "../velocityFlags.js";
import { BAD_FILES, type Fixtures, makeAnnData, N_CELLS, N_GENES, withValue } from "./fixtures.js";

export interface Outcome {
  /** Library: the error thrown (undefined: none). */
  error?: unknown;
  /** CLI: exit code and stderr. */
  code?: number;
  stderr?: string;
  /** Library: warnings reported through onWarning. */
  warnings?: string[];
}

export interface CorpusCase {
  name: string;
  kind: "library" | "cli";
  /** Files the case reads: they must be byte-identical afterwards. */
  inputs: (fx: Fixtures) => string[];
  run: (fx: Fixtures) => Promise<Outcome>;
  /** Library: the error class (by name) — or "none" for a case that must succeed; CLI: the exit code. */
  expect: { error?: string; code?: number; message: RegExp[]; warning?: RegExp };
}

const BAD_VALUES = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 1e30, 1e13];
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** How each bad value must be spelled in a message (written out by hand, not by the code under test). */
const SPELLED = new Map<number, string>([
  [Number.NaN, "NaN"],
  [Number.POSITIVE_INFINITY, "Inf"],
  [Number.NEGATIVE_INFINITY, "-Inf"],
  [-1, "-1"],
  [-2, "-2"],
  [-3, "-3"],
  [1e30, "1e30"],
  [1e13, "1e13"],
  [1e300, "1e300"],
]);
/** As stored in float32 (tensors) 1e300 becomes Inf; everything else is spelled as written. */
const shown = (v: number, f32: boolean) => escapeRe(f32 && v === 1e300 ? "Inf" : (SPELLED.get(v) ?? String(v)));

async function capture(fn: () => unknown): Promise<Outcome> {
  try {
    await fn();
    return {};
  } catch (error) {
    return { error };
  }
}

function trainCase(
  name: string,
  make: () => { spliced: tf.Tensor2D; unspliced: tf.Tensor2D },
  options: Parameters<typeof trainVelocity>[2],
  error: string,
  message: RegExp[],
  nGenes = N_GENES,
): CorpusCase {
  return {
    name: `trainVelocity: ${name}`,
    kind: "library",
    inputs: () => [],
    run: async () => {
      const data = make();
      const model = new DifferentiableVelocity(new VelocityConfig({ nGenes }));
      try {
        return await capture(() => trainVelocity(model, data, options));
      } finally {
        model.dispose();
        tf.dispose([data.spliced, data.unspliced]);
      }
    },
    expect: { error, message },
  };
}

const f32 = (x: Float64Array, rows = N_CELLS, cols = N_GENES) => tf.tensor2d(Float32Array.from(x), [rows, cols]);
const goodTensors = () => ({
  spliced: f32(withValue("spliced", 0, 0, 1)),
  unspliced: f32(withValue("unspliced", 0, 0, 1)),
});

export function libraryCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const positions: Array<[number, number]> = [
    [0, 0],
    [2, 7],
    [N_CELLS - 1, N_GENES - 1],
  ];
  // trainVelocity: every bad value, in either array, at three positions, named at its row and column.
  for (const layer of ["spliced", "unspliced"] as const)
    for (const value of BAD_VALUES)
      for (const [row, column] of positions)
        cases.push(
          trainCase(
            `${formatNumber(value)} in ${layer} at (${row}, ${column})`,
            () => {
              const t = goodTensors();
              tf.dispose(t[layer]);
              t[layer] = f32(withValue(layer, row, column, value));
              return t;
            },
            { epochs: 1 },
            "ValueError",
            [new RegExp(`^${layer}: value ${shown(value, true)} at row ${row}, column ${column}; expected finite`)],
          ),
        );
  const int32 = () => tf.tensor2d(Int32Array.from(withValue("spliced", 0, 0, 1)), [N_CELLS, N_GENES], "int32");
  cases.push(
    trainCase("int32 spliced", () => ({ ...goodTensors(), spliced: int32() }), {}, "InputError", [
      /spliced: a tensor of dtype int32; expected float32/,
    ]),
    trainCase("int32 unspliced", () => ({ ...goodTensors(), unspliced: int32() }), {}, "InputError", [
      /unspliced: a tensor of dtype int32; expected float32.*tf\.cast/,
    ]),
    trainCase(
      "model for 5 genes, data with 12",
      goodTensors,
      {},
      "ShapeError",
      [/spliced: expected shape \[N, 5\]/],
      5,
    ),
    trainCase(
      "unspliced with fewer cells",
      () => ({ spliced: f32(withValue("spliced", 0, 0, 1)), unspliced: f32(new Float64Array(10 * N_GENES), 10) }),
      {},
      "ShapeError",
      [/unspliced: expected shape \[40, 12\], got \[10, 12\]/],
    ),
    trainCase("epochs -1", goodTensors, { epochs: -1 }, "ConfigError", [
      /trainVelocity\.epochs must be an integer ≥ 0; got -1/,
    ]),
    trainCase("epochs 1.5", goodTensors, { epochs: 1.5 }, "ConfigError", [/epochs must be an integer ≥ 0; got 1\.5/]),
    trainCase("batchSize 0", goodTensors, { batchSize: 0 }, "ConfigError", [/batchSize must be an integer ≥ 1; got 0/]),
    trainCase("learningRate 0", goodTensors, { learningRate: 0 }, "ConfigError", [
      /learningRate must be a finite number > 0; got 0/,
    ]),
    trainCase("learningRate NaN", goodTensors, { learningRate: Number.NaN }, "ConfigError", [/learningRate .*got NaN/]),
    trainCase("seed -3", goodTensors, { seed: -3 }, "ConfigError", [/seed must be an integer ≥ 0; got -3/]),
    trainCase(
      "neighbour index out of range",
      goodTensors,
      { neighbors: Int32Array.from({ length: N_CELLS * 2 }, (_, p) => (p === 9 ? N_CELLS : 0)) },
      "InputError",
      [/neighbors: value 40 at row 4, column 1; expected a cell index in \[0, 40\)/],
    ),
    trainCase("neighbours not N × k", goodTensors, { neighbors: new Int32Array(N_CELLS * 2 + 1) }, "InputError", [
      /neighbors: has 81 entries; expected N × k/,
    ]),
    trainCase("initial time of the wrong length", goodTensors, { initialTime: new Float64Array(3) }, "InputError", [
      /initialTime: has 3 values; expected one per cell \(40\)/,
    ]),
    trainCase(
      "NaN initial time",
      goodTensors,
      { initialTime: Float64Array.from({ length: N_CELLS }, (_, i) => (i === 6 ? Number.NaN : i)) },
      "ValueError",
      [/initialTime: value NaN at index 6; expected finite/],
    ),
  );
  cases.push({
    name: "DifferentiableVelocity.forward: int32 unspliced",
    kind: "library",
    inputs: () => [],
    run: async () => {
      const model = new DifferentiableVelocity(new VelocityConfig({ nGenes: N_GENES }));
      const data = { ...goodTensors(), unspliced: int32() };
      try {
        return await capture(() => model.forward(data));
      } finally {
        model.dispose();
        tf.dispose([data.spliced, data.unspliced]);
      }
    },
    expect: { error: "InputError", message: [/^unspliced: a tensor of dtype int32; expected float32/] },
  });
  cases.push({
    name: "trainVelocity: not a model",
    kind: "library",
    inputs: () => [],
    run: () => capture(() => trainVelocity({} as DifferentiableVelocity, goodTensors())),
    expect: { error: "InputError", message: [/op: expected a DifferentiableVelocity/] },
  });

  // runVelocityPipeline / runHarmonyVelocity on AnnData: counts, options, keys, sizes.
  const pipelineValues = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -2, 1e300, 1e13];
  for (const layer of ["spliced", "unspliced"] as const)
    for (const sparse of [false, true])
      for (const value of pipelineValues) {
        const [row, column] = value === -2 ? [N_CELLS - 1, 3] : [3, 7];
        cases.push({
          name: `runVelocityPipeline: ${formatNumber(value)} in ${sparse ? "CSR" : "dense"} ${layer}`,
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

/** File cases (library): reading by content, output checks, OS errors in words, no temp left. */
export function fileCases(): CorpusCase[] {
  const c = (
    name: string,
    inputs: (fx: Fixtures) => string[],
    run: (fx: Fixtures) => unknown,
    error: string,
    message: RegExp[],
  ): CorpusCase => ({ name, kind: "library", inputs, run: (fx) => capture(() => run(fx)), expect: { error, message } });
  const os = (code: string) => Object.assign(new Error(`${code}: failed`), { code, path: "/data/out.h5ad" });
  return [
    c(
      "read: truncated .h5ad",
      (fx) => [fx.truncated],
      (fx) => read(fx.truncated),
      "InputError",
      [/truncated\.h5ad: is not a readable HDF5 file \(truncated or corrupt/],
    ),
    c(
      "readH5ad: truncated .h5ad",
      (fx) => [fx.truncated],
      (fx) => readH5ad(fx.truncated),
      "InputError",
      [/is not a readable HDF5 file \(truncated or corrupt/],
    ),
    c(
      "read: empty file",
      (fx) => [fx.empty],
      (fx) => read(fx.empty),
      "InputError",
      [/empty\.h5ad: the file is empty/],
    ),
    c(
      "read: binary garbage",
      (fx) => [fx.garbage],
      (fx) => read(fx.garbage),
      "InputError",
      [/unrecognised format/],
    ),
    c(
      "read: folder without 10x files",
      () => [],
      (fx) => read(fx.aDir),
      "InputError",
      [/neither spliced\/ and unspliced\//],
    ),
    c(
      "read: missing file",
      () => [],
      (fx) => read(join(fx.dir, "nope.h5ad")),
      "InputError",
      [/no such file or folder/],
    ),
    c(
      "readH5ad: a loom named .h5ad",
      (fx) => [fx.loomNamedH5ad],
      (fx) => readH5ad(fx.loomNamedH5ad),
      "InputError",
      [/is a \.loom file .*read it with readLoom\(\) or read\(\)/],
    ),
    c(
      "readLoom: an .h5ad",
      (fx) => [fx.good],
      (fx) => readLoom(fx.good),
      "InputError",
      [/\/matrix: missing \(not a loom file\?\)/],
    ),
    c(
      "read: a loom named .h5ad comes back cells × genes",
      (fx) => [fx.loomNamedH5ad],
      async (fx) => {
        const warnings: string[] = [];
        const a = await read(fx.loomNamedH5ad, { onWarning: (m) => warnings.push(m) });
        if (a.nObs !== N_CELLS || a.nVars !== N_GENES) throw new Error(`shape ${a.shape}`);
        throw new InputError("read", warnings.join("; "));
      },
      "InputError",
      [/the name says \.h5ad but the content is loom; read as loom/],
    ),
    c(
      "checkOutputPath: the input",
      (fx) => [fx.good],
      (fx) => checkOutputPath(fx.good, { inputs: [fx.good] }),
      "FileError",
      [/is also an input .*never overwrites its input/],
    ),
    c(
      "checkOutputPath: the input through a symlink",
      (fx) => [fx.good],
      (fx) => checkOutputPath(fx.linkToGood, { inputs: [fx.good] }),
      "FileError",
      [/is also an input/],
    ),
    c(
      "checkOutputPath: the input spelled with ..",
      (fx) => [fx.good],
      (fx) => checkOutputPath(join(fx.aDir, "..", "good.h5ad"), { inputs: [fx.good] }),
      "FileError",
      [/is also an input/],
    ),
    c(
      "checkOutputPath: a folder",
      () => [],
      (fx) => checkOutputPath(fx.aDir),
      "FileError",
      [/is a folder; expected a file name/],
    ),
    c(
      "checkOutputPath: under a file",
      (fx) => [fx.aFile],
      (fx) => checkOutputPath(join(fx.aFile, "x", "out.h5ad")),
      "FileError",
      [/a-file is a file, not a folder/],
    ),
    c(
      "writeFileAtomic: under a file",
      (fx) => [fx.aFile],
      (fx) => writeFileAtomic(join(fx.aFile, "out.tsv"), "x"),
      "FileError",
      [
        /cannot create the output folder: (a part of the path is a file, not a folder|already exists and is not a folder)/,
      ],
    ),
    c(
      "OS error ENOSPC in words",
      () => [],
      () => {
        throw fileError(os("ENOSPC"), "x");
      },
      "FileError",
      [/^\/data\/out\.h5ad: disk full/],
    ),
    c(
      "OS error EROFS in words",
      () => [],
      () => {
        throw fileError(os("EROFS"), "x", "write failed");
      },
      "FileError",
      [/write failed: read-only file system/],
    ),
    c(
      "OS error EACCES in words",
      () => [],
      () => {
        throw fileError(os("EACCES"), "x");
      },
      "FileError",
      [/permission denied/],
    ),
    c(
      "OS error EISDIR in words",
      () => [],
      () => {
        throw fileError(os("EISDIR"), "x");
      },
      "FileError",
      [/is a folder; expected a file/],
    ),
    c(
      "OS error EEXIST in words",
      () => [],
      () => {
        throw fileError(os("EEXIST"), "x");
      },
      "FileError",
      [/already exists and is not a folder/],
    ),
  ];
}

/** Every numeric flag of every command: below its minimum, above its maximum, not a number, a fraction. */
export function flagCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const specs: Array<[string, CommandSpec]> = [
    ["velocity", velocitySpec],
    ["harmony", harmonySpec],
    ["simulate", simulateSpec],
  ];
  for (const [command, spec] of specs)
    for (const [flag, f] of Object.entries(spec.flags)) {
      if (f.kind !== "integer" && f.kind !== "number") continue;
      const what = f.kind === "integer" ? "an integer" : "a number";
      const tries: Array<[string, RegExp]> = [["abc", new RegExp(`--${flag} must be ${what}.*; got "abc"`)]];
      if (f.min !== undefined) {
        const below = f.min >= 1 ? f.min - 1 : -1;
        tries.push([
          String(below),
          new RegExp(`--${flag} must be ${what} ≥ ${escapeRe(String(f.min))}; got ${escapeRe(String(below))}`),
        ]);
      }
      if (f.max !== undefined)
        tries.push([String(f.max + 1), new RegExp(`--${flag} must be ${what} ≤ ${f.max}; got ${f.max + 1}`)]);
      if (f.kind === "integer") tries.push(["2.5", new RegExp(`--${flag} must be an integer.*; got "2\\.5"`)]);
      for (const [value, message] of tries)
        cases.push(
          cli(
            `${command} --${flag} ${value}`,
            () => [],
            () => [command, `--${flag}`, value],
            2,
            [message],
          ),
        );
    }
  return cases;
}

function cli(
  name: string,
  inputs: (fx: Fixtures) => string[],
  argv: (fx: Fixtures) => string[],
  code: number,
  message: RegExp[],
): CorpusCase {
  return {
    name,
    kind: "cli",
    inputs,
    run: async (fx) => {
      const io = bufferIo();
      const exit = await main(argv(fx), io);
      return { code: exit, stderr: io.err };
    },
    expect: { code, message },
  };
}

/** CLI runs with bad data and bad paths: exit 1, one line naming the problem. */
export function cliCases(): CorpusCase[] {
  const v = (_fx: Fixtures, input: string, ...more: string[]) => [
    "velocity",
    "-i",
    input,
    "-q",
    "--epochs",
    "1",
    "--no-umap",
    ...more,
  ];
  const cases: CorpusCase[] = [];
  for (const [name, [layer, row, column, value]] of Object.entries(BAD_FILES))
    cases.push(
      cli(
        `velocity: ${formatNumber(value)} in ${layer} (${name}.h5ad)`,
        (fx) => [fx.bad[name]],
        (fx) => v(fx, fx.bad[name]),
        1,
        [
          new RegExp(
            `${name}\\.h5ad: layers/${layer}: value (${shown(value, false)}|${shown(value, true)}) at row ${row}, column ${column}; expected a`,
          ),
        ],
      ),
    );
  const h = (fx: Fixtures, ...more: string[]) => [
    "harmony",
    "-i",
    fx.pcs,
    "--meta",
    fx.meta,
    "--batch-key",
    "batch",
    "-q",
    ...more,
  ];
  cases.push(
    cli(
      "velocity: all-zero counts",
      (fx) => [fx.allZero],
      (fx) => v(fx, fx.allZero),
      1,
      [/all-zero\.h5ad: no genes left after filtering \(min_shared_counts=20/],
    ),
    cli(
      "velocity: truncated .h5ad",
      (fx) => [fx.truncated],
      (fx) => v(fx, fx.truncated),
      1,
      [/truncated\.h5ad: is not a readable HDF5 file \(truncated or corrupt/],
    ),
    cli(
      "velocity: empty input",
      (fx) => [fx.empty],
      (fx) => v(fx, fx.empty),
      1,
      [/the file is empty/],
    ),
    cli(
      "velocity: garbage input",
      (fx) => [fx.garbage],
      (fx) => v(fx, fx.garbage),
      1,
      [/unrecognised format/],
    ),
    cli(
      "velocity: missing input",
      () => [],
      (fx) => v(fx, join(fx.dir, "absent.h5ad")),
      1,
      [/no such file or folder/],
    ),
    cli(
      "velocity: --output = --input",
      (fx) => [fx.good],
      (fx) => v(fx, fx.good, "-o", fx.good),
      1,
      [/--output .*good\.h5ad: is also an input/],
    ),
    cli(
      "velocity: --output = --input through a symlink",
      (fx) => [fx.good],
      (fx) => v(fx, fx.good, "-o", fx.linkToGood),
      1,
      [/is also an input/],
    ),
    cli(
      "velocity: --output names a folder",
      (fx) => [fx.good],
      (fx) => v(fx, fx.good, "-o", fx.dirNamedH5ad),
      1,
      [/folder\.h5ad: is a folder; expected a file name/],
    ),
    cli(
      "velocity: --output under a file",
      (fx) => [fx.good, fx.aFile],
      (fx) => v(fx, fx.good, "-o", join(fx.aFile, "out.h5ad")),
      1,
      [/a-file is a file, not a folder/],
    ),
    cli(
      "velocity: --report under a file",
      (fx) => [fx.good, fx.aFile],
      (fx) => v(fx, fx.good, "--report", join(fx.aFile, "r.html")),
      1,
      [/--report .*a-file is a file, not a folder/],
    ),
    cli(
      "velocity: one batch",
      (fx) => [fx.good],
      (fx) => v(fx, fx.good, "--batch-key", "one_batch"),
      1,
      [/obs\.one_batch: has 1 batch \("b0"\); batch correction needs at least 2/],
    ),
    cli(
      "velocity: unknown cluster key",
      (fx) => [fx.good],
      (fx) => v(fx, fx.good, "--cluster-key", "celltype"),
      1,
      [/--cluster-key celltype: obs has no column "celltype"/],
    ),
    cli(
      "velocity: --epochs -1",
      () => [],
      () => ["velocity", "--epochs", "-1"],
      2,
      [/--epochs must be an integer ≥ 1; got -1/],
    ),
    cli(
      "velocity: --seed -5",
      () => [],
      () => ["velocity", "--seed", "-5"],
      2,
      [/--seed must be an integer ≥ 0; got -5/],
    ),
    cli(
      "harmony: --output = --meta",
      (fx) => [fx.pcs, fx.meta],
      (fx) => h(fx, "-o", fx.meta),
      1,
      [/--output .*meta\.tsv: is also an input .*never overwrites its input/],
    ),
    cli(
      "harmony: --output = --input",
      (fx) => [fx.pcs, fx.meta],
      (fx) => h(fx, "-o", fx.pcs),
      1,
      [/pcs\.tsv: is also an input/],
    ),
    cli(
      "harmony: --meta is a folder",
      (fx) => [fx.pcs],
      (fx) => ["harmony", "-i", fx.pcs, "--meta", fx.aDir, "--batch-key", "batch", "-q"],
      1,
      [/a-folder: is a folder; expected a file/],
    ),
    cli(
      "harmony: --input is a folder",
      (fx) => [fx.meta],
      (fx) => ["harmony", "-i", fx.aDir, "--meta", fx.meta, "--batch-key", "batch", "-q"],
      1,
      [/a-folder: is a folder; expected a file/],
    ),
    cli(
      "harmony: --output is a folder",
      (fx) => [fx.pcs, fx.meta],
      (fx) => h(fx, "-o", fx.aDir),
      1,
      [/is a folder; expected a file name/],
    ),
    cli(
      "harmony: --theta -1",
      () => [],
      () => ["harmony", "--theta", "-1"],
      2,
      [/--theta must be a number ≥ 0; got -1/],
    ),
    cli(
      "simulate: --output is a folder",
      () => [],
      (fx) => ["simulate", "-o", join(fx.aDir, "x.h5ad", "..", "..", "a-folder")],
      2,
      [/--output must end in \.h5ad/],
    ),
    cli(
      "simulate: --output under a file",
      (fx) => [fx.aFile],
      (fx) => ["simulate", "-o", join(fx.aFile, "sim.h5ad")],
      1,
      [/a-file is a file, not a folder/],
    ),
  );
  return cases;
}

export function allCases(): CorpusCase[] {
  return [...libraryCases(), ...fileCases(), ...flagCases(), ...cliCases()];
}
