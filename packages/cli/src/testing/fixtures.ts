/**
 * Small deterministic inputs for the bad-input corpus: a good .h5ad (40 cells × 12 genes, integer counts
 * every gene passes scVelo's filter with), variants with one bad entry, broken files, a loom under an
 * .h5ad name, tables for `harmony`, a plain file and a folder to misuse as paths.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AnnData, categoricalColumn, csr, DataFrame, dense, type Layer, writeH5ad, writeLoom } from "@diffcell/io";

export const N_CELLS = 40;
export const N_GENES = 12;

/** Counts ≥ 1 everywhere (so every gene passes min_shared_counts = 20), as float64. */
export function goodCounts(which: "spliced" | "unspliced"): Float64Array {
  const out = new Float64Array(N_CELLS * N_GENES);
  for (let i = 0; i < N_CELLS; i++)
    for (let j = 0; j < N_GENES; j++)
      out[i * N_GENES + j] = which === "spliced" ? ((i * 7 + j * 3) % 11) + 1 : ((i * 5 + j) % 9) + 1;
  return out;
}

/** Dense float64 counts as CSR (every entry stored, so any position can carry a bad value). */
export function asCsr(data: Float64Array, rows = N_CELLS, cols = N_GENES): Layer {
  const indices = new Int32Array(rows * cols);
  const indptr = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) {
    indptr[i + 1] = (i + 1) * cols;
    for (let j = 0; j < cols; j++) indices[i * cols + j] = j;
  }
  return csr(data, indices, indptr, rows, cols);
}

export interface AnnDataSpec {
  spliced?: Float64Array | null;
  unspliced?: Float64Array | null;
  sparse?: boolean;
  batches?: number;
}

/** The good AnnData, with layers replaced (or left out with `null`) as the spec says. */
export function makeAnnData(spec: AnnDataSpec = {}): AnnData {
  const layer = (x: Float64Array) => (spec.sparse ? asCsr(x) : dense(x, N_CELLS, N_GENES));
  const layers: Record<string, Layer> = {};
  const s = spec.spliced === undefined ? goodCounts("spliced") : spec.spliced;
  const u = spec.unspliced === undefined ? goodCounts("unspliced") : spec.unspliced;
  if (s) layers.spliced = layer(s);
  if (u) layers.unspliced = layer(u);
  const obs = new DataFrame(Array.from({ length: N_CELLS }, (_, i) => `cell${i}`));
  obs.set(
    "clusters",
    categoricalColumn(Array.from({ length: N_CELLS }, (_, i) => `c${Math.floor((i * 4) / N_CELLS)}`)),
  );
  const batches = spec.batches ?? 2;
  obs.set("batch", categoricalColumn(Array.from({ length: N_CELLS }, (_, i) => `b${i % batches}`)));
  obs.set("one_batch", categoricalColumn(Array.from({ length: N_CELLS }, () => "b0")));
  return new AnnData({
    X: s ? layer(s.slice()) : null,
    layers,
    obs,
    var: new DataFrame(Array.from({ length: N_GENES }, (_, j) => `gene${j}`)),
  });
}

/** One bad value at (row, column) of a copy of the good counts. */
export function withValue(which: "spliced" | "unspliced", row: number, column: number, value: number): Float64Array {
  const x = goodCounts(which);
  x[row * N_GENES + column] = value;
  return x;
}

export interface Fixtures {
  dir: string;
  good: string;
  /** name → .h5ad with one bad entry (see `BAD_FILES`). */
  bad: Record<string, string>;
  allZero: string;
  loomNamedH5ad: string;
  truncated: string;
  empty: string;
  garbage: string;
  garbageData: string;
  pcs: string;
  meta: string;
  aFile: string;
  aDir: string;
  /** A folder named like an output file. */
  dirNamedH5ad: string;
  linkToGood: string;
}

/** The bad entries written to files: layer, row, column, value. */
export const BAD_FILES: Record<string, ["spliced" | "unspliced", number, number, number]> = {
  nanCol7: ["spliced", 2, 7, Number.NaN],
  inf: ["spliced", 5, 3, Number.POSITIVE_INFINITY],
  negInf: ["unspliced", 0, 0, Number.NEGATIVE_INFINITY],
  negative: ["spliced", 39, 11, -3],
  huge: ["unspliced", 10, 4, 1e300],
  tooLarge: ["spliced", 1, 1, 1e13],
};

export async function makeFixtures(dir: string): Promise<Fixtures> {
  mkdirSync(dir, { recursive: true });
  const p = (name: string) => join(dir, name);
  const good = p("good.h5ad");
  await writeH5ad(makeAnnData(), good);
  const bad: Record<string, string> = {};
  for (const [name, [layer, row, column, value]] of Object.entries(BAD_FILES)) {
    bad[name] = p(`${name}.h5ad`);
    await writeH5ad(makeAnnData({ [layer]: withValue(layer, row, column, value) }), bad[name]);
  }
  const allZero = p("all-zero.h5ad");
  const zeros = new Float64Array(N_CELLS * N_GENES);
  await writeH5ad(makeAnnData({ spliced: zeros, unspliced: zeros }), allZero);
  const loomNamedH5ad = p("really-a-loom.h5ad");
  await writeLoom(makeAnnData(), loomNamedH5ad);
  const { readFileSync } = await import("node:fs");
  const truncated = p("truncated.h5ad");
  writeFileSync(truncated, readFileSync(good).subarray(0, 3000));
  const empty = p("empty.h5ad");
  writeFileSync(empty, "");
  const garbage = p("garbage.h5ad");
  writeFileSync(garbage, Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 37 + 11) % 256)));
  const garbageData = p("garbage.dat");
  writeFileSync(garbageData, Buffer.from(Array.from({ length: 600 }, (_, i) => (i * 37 + 11) % 256)));
  const pcs = p("pcs.tsv");
  writeFileSync(
    pcs,
    `PC1\tPC2\tPC3\n${Array.from({ length: N_CELLS }, (_, i) => `${(i % 7) + 1}\t${(i % 3) + 0.5}\t${(i % 5) - 2.5}`).join("\n")}\n`,
  );
  const meta = p("meta.tsv");
  writeFileSync(meta, `batch\n${Array.from({ length: N_CELLS }, (_, i) => `b${i % 2}`).join("\n")}\n`);
  const aFile = p("a-file");
  writeFileSync(aFile, "not a folder\n");
  const aDir = p("a-folder");
  mkdirSync(aDir, { recursive: true });
  const dirNamedH5ad = p("folder.h5ad");
  mkdirSync(dirNamedH5ad, { recursive: true });
  const linkToGood = p("link-to-good.h5ad");
  symlinkSync(good, linkToGood);
  return {
    dir,
    good,
    bad,
    allZero,
    loomNamedH5ad,
    truncated,
    empty,
    garbage,
    garbageData,
    pcs,
    meta,
    aFile,
    aDir,
    dirNamedH5ad,
    linkToGood,
  };
}
