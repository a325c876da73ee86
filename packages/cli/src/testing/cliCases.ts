/** Corpus cases for the command line: every numeric flag, bad data and bad paths (see corpus.ts). */
import { join } from "node:path";
import type { CommandSpec } from "../args.js";
import { harmonySpec } from "../harmony.js";
import { bufferIo } from "../io.js";
import { main } from "../main.js";
import { simulateSpec } from "../simulate.js";
import { velocitySpec } from "../velocityFlags.js";
import { type CorpusCase, escapeRe, shown, spell } from "./corpus.js";
import { BAD_FILES, type Fixtures } from "./fixtures.js";

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
        `velocity: ${spell(value)} in ${layer} (${name}.h5ad)`,
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
      [/garbage\.h5ad: not an HDF5 file \(no HDF5 signature\)/],
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
