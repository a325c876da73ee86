import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "@diffcell/core";
import { afterAll, describe, expect, it } from "vitest";
import { h5Ready, h5wasm } from "../h5/h5file.js";
import { BLOCK_BYTES } from "../h5/write-util.js";
import {
  AnnData,
  booleanColumn,
  type CategoricalColumn,
  categoricalColumn,
  csr,
  DataFrame,
  dense,
  type Layer,
  NdArray,
  numericColumn,
  readH5ad,
  stringColumn,
  toCsc,
  toDense,
  writeH5ad,
} from "../index.js";

const testData = (name: string) => fileURLToPath(new URL(`../../test-data/${name}`, import.meta.url));
const DG100 = testData("dentategyrus_100obs.h5ad"); // scVelo fixture, anndata 0.7-era writer
const DYNAMICAL = testData("adata_100.h5ad"); // cellrank ground truth: 0.7 categoricals by reference
const dir = mkdtempSync(join(tmpdir(), "diffcell-io-"));
afterAll(() => {
  try {
    // No temporary file of an atomic write is left among the outputs.
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

function expectSameLayer(a: Layer, b: Layer): void {
  expect(b.format).toBe(a.format);
  expect([b.rows, b.cols]).toEqual([a.rows, a.cols]);
  expect(b.data.constructor).toBe(a.data.constructor);
  expect(Array.from(b.data)).toEqual(Array.from(a.data));
  if (a.format !== "dense" && b.format !== "dense") {
    expect(Array.from(b.indices)).toEqual(Array.from(a.indices));
    expect(Array.from(b.indptr)).toEqual(Array.from(a.indptr));
  }
}

function expectSameFrame(a: DataFrame, b: DataFrame): void {
  expect(b.index).toEqual(a.index);
  expect(b.columnNames).toEqual(a.columnNames);
  for (const [name, col] of a.entries()) {
    const other = b.get(name);
    expect(other.kind).toBe(col.kind);
    if (col.kind === "categorical" && other.kind === "categorical") {
      expect(Array.from(other.codes)).toEqual(Array.from(col.codes));
      expect(Array.from(other.categories as ArrayLike<unknown>)).toEqual(
        Array.from(col.categories as ArrayLike<unknown>),
      );
      expect(other.ordered).toBe(col.ordered);
    } else if (col.kind !== "categorical" && other.kind !== "categorical") {
      expect(Array.from(other.values as ArrayLike<unknown>)).toEqual(Array.from(col.values as ArrayLike<unknown>));
    }
  }
}

describe("round trip of scVelo's dentategyrus_100obs.h5ad", async () => {
  const before = { hash: sha(DG100), mtime: statSync(DG100).mtimeMs };
  const original = await readH5ad(DG100);
  const out = join(dir, "dg100.h5ad");
  await writeH5ad(original, out);
  const again = await readH5ad(out);

  it("reads the fixture as scVelo's tests see it", () => {
    expect(original.shape).toEqual([100, 13913]);
    expect(Object.keys(original.layers).sort()).toEqual(["ambiguous", "spliced", "unspliced"]);
    expect(original.layer("spliced").format).toBe("csr");
    expect(original.obsNames[0]).toMatch(/\w/);
  });

  it("gives identical X, layers, obs and var", () => {
    expectSameLayer(original.layer("X"), again.layer("X"));
    for (const k of Object.keys(original.layers)) expectSameLayer(original.layer(k), again.layer(k));
    expectSameFrame(original.obs, again.obs);
    expectSameFrame(original.var, again.var);
  });

  it("never modifies the input file", () => {
    expect(sha(DG100)).toBe(before.hash);
    expect(statSync(DG100).mtimeMs).toBe(before.mtime);
  });
});

describe("old encodings", () => {
  it("reads anndata 0.7 categoricals (object references), booleans, dense layers, uns", async () => {
    const a = await readH5ad(DYNAMICAL, { onWarning: () => {} });
    expect(a.shape).toEqual([100, 278]);
    const clusters = a.obs.get("clusters") as CategoricalColumn;
    expect(clusters.kind).toBe("categorical");
    expect(clusters.categories).toHaveLength(12);
    expect(clusters.categories).toContain("Granule mature");
    expect((a.obs.get("age(days)") as CategoricalColumn).categories).toEqual(["12", "35"]);
    expect(a.var.get("velocity_genes").kind).toBe("boolean");
    expect(a.layer("velocity").data).toBeInstanceOf(Float64Array);
    expect(a.obsm.X_umap.cols).toBe(2);
    expect(a.uns.neighbors).toMatchObject({ params: { n_neighbors: 30, method: "umap" } });
    expect(a.uns.clusters_colors).toHaveLength(12);

    // Written in the current encoding and read back: same values, booleans stay booleans.
    const out = join(dir, "dynamical.h5ad");
    await writeH5ad(a, out);
    const b = await readH5ad(out);
    expectSameFrame(a.obs, b.obs);
    expectSameFrame(a.var, b.var);
    for (const k of Object.keys(a.layers)) expectSameLayer(a.layer(k), b.layer(k));
    for (const k of Object.keys(a.obsp)) expectSameLayer(a.obsp[k], b.obsp[k]);
    expect(b.uns.neighbors).toEqual(a.uns.neighbors);
    // On disk: h5py's bool enum, categorical groups with codes/categories.
    await h5Ready();
    const f = new h5wasm.File(out, "r");
    try {
      const flags = f.get("var/velocity_genes") as InstanceType<typeof h5wasm.Dataset>;
      expect(flags.metadata.type).toBe(8);
      expect(flags.metadata.enum_type?.members).toEqual({ FALSE: 0, TRUE: 1 });
      const group = f.get("obs/clusters") as InstanceType<typeof h5wasm.Group>;
      expect(group.attrs["encoding-type"].value).toBe("categorical");
      expect(group.attrs.ordered.value).toBe(0);
      expect(group.attrs.ordered.metadata.type).toBe(8);
    } finally {
      f.close();
    }
  });

  it("reads pre-0.7 files: record-array obs/var, uns/<col>_categories, h5sparse groups", async () => {
    await h5Ready();
    const path = join(dir, "legacy.h5ad");
    const f = new h5wasm.File(path, "w");
    f.create_dataset({
      name: "obs",
      data: new Map<string, unknown>([
        ["index", ["c0", "c1", "c2"]],
        ["clusters", Int8Array.of(1, 0, 1)],
        ["n_counts", Float32Array.of(10, 20, 30)],
      ]),
      dtype: [
        ["index", "S4"],
        ["clusters", "<b"],
        ["n_counts", "<f"],
      ],
    });
    f.create_dataset({
      name: "var",
      data: new Map<string, unknown>([["index", ["g0", "g1"]]]),
      dtype: [["index", "S4"]],
    });
    f.create_group("uns");
    (f.get("uns") as InstanceType<typeof h5wasm.Group>).create_dataset({
      name: "clusters_categories",
      data: ["Alpha", "Beta"],
    });
    const x = f.create_group("X");
    x.create_attribute("h5sparse_format", "csr");
    x.create_attribute("h5sparse_shape", Int32Array.of(3, 2));
    x.create_dataset({ name: "data", data: Float32Array.of(1, 2, 3) });
    x.create_dataset({ name: "indices", data: Int32Array.of(0, 1, 1) });
    x.create_dataset({ name: "indptr", data: Int32Array.of(0, 1, 2, 3) });
    f.close();

    const a = await readH5ad(path);
    expect(a.obsNames).toEqual(["c0", "c1", "c2"]);
    expect(a.varNames).toEqual(["g0", "g1"]);
    expect(a.obs.strings("clusters")).toEqual(["Beta", "Alpha", "Beta"]);
    expect(Array.from(a.obs.numbers("n_counts"))).toEqual([10, 20, 30]);
    expect(a.uns).toEqual({});
    expect(Array.from(toDense(a.layer("X")).data)).toEqual([1, 0, 0, 2, 0, 3]);
  });
});

describe("writing", () => {
  it("round-trips every kind of column, CSC matrices, uns values and compression", async () => {
    const X = csr(Float32Array.of(1, 2, 3), Int32Array.of(0, 2, 1), Int32Array.of(0, 2, 2, 3), 3, 3);
    const obs = new DataFrame(["a", "b", "c"], {
      clusters: categoricalColumn(["x", "y", null], { categories: ["y", "x"], ordered: true }),
      label: stringColumn(["é", "", "long name"]),
      flag: booleanColumn([true, false, true]),
      count: numericColumn(Int32Array.of(1, 2, 3)),
      score: numericColumn(Float64Array.of(0.5, Number.NaN, -1)),
    });
    const adata = new AnnData({
      X,
      layers: { spliced: toCsc(X), Ms: dense(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9), 3, 3) },
      obs,
      obsm: { X_umap: dense(Float32Array.of(1, 2, 3, 4, 5, 6), 3, 2) },
      obsp: { connectivities: X },
      uns: {
        title: "run 1",
        n: 30,
        ratio: 0.25,
        yes: true,
        names: ["a", "b"],
        vector: Float64Array.of(1, 2),
        table: new NdArray(Int32Array.of(1, 2, 3, 4, 5, 6), [2, 3]),
        nested: { deeper: { value: 1.5 } },
        graph: X,
      },
    });
    for (const compression of [undefined, 4]) {
      const out = join(dir, `kinds-${compression ?? 0}.h5ad`);
      await writeH5ad(adata, out, { compression });
      const b = await readH5ad(out);
      expectSameFrame(adata.obs, b.obs);
      expectSameLayer(adata.layer("spliced"), b.layer("spliced"));
      expectSameLayer(adata.layer("Ms"), b.layer("Ms"));
      expectSameLayer(adata.obsm.X_umap, b.obsm.X_umap);
      expect(b.uns).toEqual(adata.uns);
    }
  });

  it("writes a matrix stored under two keys once (a hard link): read back under both, the file one copy smaller", async () => {
    const n = 2000;
    const k = 40;
    const indices = Int32Array.from({ length: n * k }, (_, e) => (Math.floor(e / k) * 7 + (e % k) * 13) % n);
    for (let i = 0; i < n; i++) indices.subarray(i * k, (i + 1) * k).sort();
    const data = Float32Array.from({ length: n * k }, (_, e) => Math.sin(e));
    const graph = csr(
      data,
      indices,
      Int32Array.from({ length: n + 1 }, (_, i) => i * k),
      n,
      n,
    );
    const copy = csr(data.slice(), indices.slice(), graph.indptr.slice(), n, n);
    const obs = new DataFrame(
      Array.from({ length: n }, (_, i) => `c${i}`),
      {},
    );
    const make = (second: Layer) =>
      new AnnData({ obs, obsp: { velocity_graph: graph }, uns: { velocity_graph: second as never } });
    const linked = join(dir, "linked.h5ad");
    const copied = join(dir, "copied.h5ad");
    await writeH5ad(make(graph), linked);
    await writeH5ad(make(copy), copied);
    const bytes = n * k * (4 + 4);
    expect(statSync(copied).size - statSync(linked).size).toBeGreaterThan(0.9 * bytes);
    const b = await readH5ad(linked);
    expectSameLayer(b.obspKey("velocity_graph"), graph);
    expectSameLayer(b.uns.velocity_graph as Layer, graph);
    // As anndata sees it (Debian python3-anndata, when installed): both keys, the same object in the file.
    const python = process.env.PYTHON ?? "/usr/bin/python3";
    if (spawnSync(python, ["-c", "import anndata, h5py"]).status !== 0) return;
    const check = `
import sys, anndata, h5py
a = anndata.read_h5ad(sys.argv[1])
u, o = a.uns["velocity_graph"], a.obsp["velocity_graph"]
assert (u != o).nnz == 0 and u.shape == o.shape, "uns and obsp differ"
with h5py.File(sys.argv[1]) as f:
    assert h5py.h5o.get_info(f["uns/velocity_graph"].id).addr == h5py.h5o.get_info(f["obsp/velocity_graph"].id).addr
print("ok", u.nnz)`;
    const r = spawnSync(python, ["-c", check, linked], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe(`ok ${n * k}`);
  });

  it("writes and reads large matrices in row blocks: exact values, libhdf5's heap grows by a block, not a layer", async () => {
    const module = (await h5wasm.ready) as unknown as { HEAPU8: Uint8Array };
    // Element-wise equality of big arrays without building JS arrays of them (float values exact).
    const mismatches = (a: ArrayLike<number>, b: ArrayLike<number>) => {
      let bad = a.length === b.length ? 0 : 1;
      for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) bad++;
      return bad;
    };
    const expectSame = (a: Layer, b: Layer) => {
      expect([b.format, b.rows, b.cols]).toEqual([a.format, a.rows, a.cols]);
      expect(mismatches(a.data, b.data)).toBe(0);
      if (a.format !== "dense" && b.format !== "dense") {
        expect(mismatches(a.indices, b.indices)).toBe(0);
        expect(mismatches(a.indptr, b.indptr)).toBe(0);
      }
    };
    // 8000 × 2000 float32 = 64 MB (rows per 16 MiB block: 2097, so a short last block); float64 and integer
    // layers above the block size with their own remainders; a CSR whose 1-D parts are above it too.
    const rows = 8000;
    const cols = 2000;
    const f32 = Float32Array.from({ length: rows * cols }, (_, i) => (i % 9973) * 0.5 - i / 7);
    const heapBefore = module.HEAPU8.length;
    const big = new AnnData({ X: dense(f32, rows, cols), layers: { Ms: dense(f32, rows, cols) } });
    const out = join(dir, "large.h5ad");
    await writeH5ad(big, out);
    const back = await readH5ad(out);
    expectSame(big.X as Layer, back.X as Layer);
    expectSame(big.layer("Ms"), back.layer("Ms"));
    expect(back.layer("Ms").data).toBeInstanceOf(Float32Array);
    // Written or read whole, one 64 MB layer needs 64 MB of libhdf5's heap at once (which never shrinks).
    // Measured: +24 MB in 16 MiB blocks, +55 MB whole (libhdf5 had ~10 MB free before).
    expect(BLOCK_BYTES).toBe(16 * 2 ** 20);
    expect(module.HEAPU8.length - heapBefore).toBeLessThan(32 * 2 ** 20);
    const file = new h5wasm.File(out, "r");
    expect((file.get("X") as unknown as { metadata: { chunks: number[] | null } }).metadata.chunks).toEqual([
      2097,
      cols,
    ]);
    file.close();

    const f64 = Float64Array.from({ length: 1100 * cols }, (_, i) => Math.sin(i) * 1e6);
    // An int32 count matrix, as other writers store counts (diffcell's own layers are float; the writer keeps the
    // array's type).
    const counts = Int32Array.from({ length: 2200 * cols }, (_, i) => i % 1000) as unknown as Float32Array;
    for (const compression of [undefined, 4]) {
      const kinds = new AnnData({
        X: dense(f64, 1100, cols),
        layers: { counts: dense(counts.subarray(0, 1100 * cols), 1100, cols) },
      });
      const path = join(dir, `large-kinds-${compression ?? 0}.h5ad`);
      await writeH5ad(kinds, path, { compression });
      const b = await readH5ad(path);
      expectSame(kinds.X as Layer, b.X as Layer);
      // Integer counts are read as float32 (exact below 2^24), in blocks as whole.
      expectSame(kinds.layer("counts"), b.layer("counts"));
    }
    const nnz = 4_500_000;
    const indptr = Int32Array.from({ length: 3001 }, (_, r) => Math.floor((r * nnz) / 3000));
    const indices = new Int32Array(nnz);
    for (let r = 0; r < 3000; r++) for (let k = indptr[r]; k < indptr[r + 1]; k++) indices[k] = k - indptr[r];
    const sparse = new AnnData({
      X: csr(
        Float32Array.from({ length: nnz }, (_, k) => k + 0.25),
        indices,
        indptr,
        3000,
        2000,
      ),
    });
    const path = join(dir, "large-csr.h5ad");
    await writeH5ad(sparse, path);
    expectSame(sparse.X as Layer, (await readH5ad(path)).X as Layer);
  });

  it("rejects mismatched shapes before touching the target, naming the key", async () => {
    const out = join(dir, "bad.h5ad");
    const adata = new AnnData({ X: dense(new Float32Array(6), 3, 2) });
    adata.layers.spliced = dense(new Float32Array(4), 2, 2);
    await expect(writeH5ad(adata, out)).rejects.toThrow(/layers\/spliced: shape \[2, 2\] does not match \[3, 2\]/);
    expect(existsSync(out)).toBe(false);
  });

  it("leaves an existing target intact when a write fails", async () => {
    const out = join(dir, "keep.h5ad");
    copyFileSync(DG100, out);
    const hash = sha(out);
    const adata = new AnnData({ X: dense(new Float32Array(1), 1, 1), uns: { "bad/name": 1 } });
    await expect(writeH5ad(adata, out)).rejects.toThrow(InputError);
    expect(sha(out)).toBe(hash);
    expect(readdirSync(dir).filter((f) => f.includes("keep.h5ad.") && f.endsWith(".tmp"))).toEqual([]);
  });
});

describe("bad input raises InputError naming the file and key", () => {
  it("truncated file", async () => {
    const path = join(dir, "truncated.h5ad");
    writeFileSync(path, readFileSync(DG100).subarray(0, 200_000));
    await expect(readH5ad(path)).rejects.toThrow(
      /truncated\.h5ad: is not a readable HDF5 file \(truncated or corrupt\)$/,
    );
  });

  it("not an HDF5 file, or missing", async () => {
    const path = join(dir, "garbage.h5ad");
    writeFileSync(path, "this is not hdf5\n".repeat(100));
    await expect(readH5ad(path)).rejects.toThrow(/garbage\.h5ad: not an HDF5 file/);
    await expect(readH5ad(join(dir, "nope.h5ad"))).rejects.toThrow(/nope\.h5ad: file not found/);
  });

  it("missing layer", async () => {
    const a = await readH5ad(DG100);
    expect(() => a.layer("Ms")).toThrow(
      /dentategyrus_100obs\.h5ad:\/layers\/Ms: missing \(available: X, ambiguous, spliced, unspliced\)/,
    );
  });

  it("layer shape that does not match obs × var", async () => {
    await h5Ready();
    const path = join(dir, "mismatch.h5ad");
    const good = new AnnData({
      X: dense(new Float32Array(6), 3, 2),
      layers: { spliced: dense(new Float32Array(6), 3, 2) },
    });
    await writeH5ad(good, path);
    const f = new h5wasm.File(path, "a");
    const layers = f.get("layers") as InstanceType<typeof h5wasm.Group>;
    layers.create_dataset({ name: "unspliced", data: new Float32Array(8), shape: [4, 2], dtype: "<f" });
    f.close();
    await expect(readH5ad(path)).rejects.toThrow(
      /mismatch\.h5ad:\/layers\/unspliced: shape \[4, 2\] does not match \[3, 2\]/,
    );
  });

  it("corrupt sparse structure", async () => {
    await h5Ready();
    const path = join(dir, "corrupt-sparse.h5ad");
    const matrix = () => csr(Float32Array.of(1, 2), Int32Array.of(0, 1), Int32Array.of(0, 1, 2), 2, 2);
    // Two objects: one matrix under two keys would be written once (a hard link), corrupting both.
    await writeH5ad(new AnnData({ X: matrix(), layers: { spliced: matrix() } }), path);
    const f = new h5wasm.File(path, "a");
    const g = f.get("layers/spliced") as InstanceType<typeof h5wasm.Group>;
    // indices past the column count
    (g.get("indices") as InstanceType<typeof h5wasm.Dataset>).write_slice([[0, 2]], Int32Array.of(0, 7));
    f.close();
    await expect(readH5ad(path)).rejects.toThrow(/corrupt-sparse\.h5ad:\/layers\/spliced: index 7 out of range/);
  });
});
