/** Corpus cases for reading files, output paths and OS errors (see corpus.ts). */
import { join } from "node:path";
import { InputError } from "@diffcell/core";
import { checkOutputPath, fileError, read, readH5ad, readLoom, writeFileAtomic } from "@diffcell/io";
import { type CorpusCase, capture } from "./corpus.js";
import { type Fixtures, N_CELLS, N_GENES } from "./fixtures.js";

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
      [/not an HDF5 file \(no HDF5 signature\) — corrupt or wrong format/],
    ),
    c(
      "read: binary garbage under a name that claims no format",
      (fx) => [fx.garbageData],
      (fx) => read(fx.garbageData),
      "InputError",
      [/unrecognised format: not HDF5/],
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
