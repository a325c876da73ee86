import { describe, expect, it } from "vitest";
import {
  AnnData,
  categoricalColumn,
  csr,
  csrFromTriplets,
  DataFrame,
  dense,
  makeUnique,
  numericColumn,
  selectColumns,
  toCsc,
  toCsr,
  toDense,
  transpose,
} from "./index.js";

const X = csr(Float32Array.of(1, 2, 3, 4), Int32Array.of(0, 2, 1, 2), Int32Array.of(0, 2, 3, 4), 3, 3);

describe("matrix operations", () => {
  it("convert between dense, CSR and CSC consistently", () => {
    const d = toDense(X).data;
    expect(Array.from(d)).toEqual([1, 0, 2, 0, 3, 0, 0, 0, 4]);
    expect(Array.from(toDense(toCsc(X)).data)).toEqual(Array.from(d));
    expect(Array.from(toDense(toCsr(toCsc(X))).data)).toEqual(Array.from(d));
    expect(Array.from(toDense(toCsr(dense(d, 3, 3))).data)).toEqual(Array.from(d));
    expect(Array.from(toDense(transpose(X)).data)).toEqual([1, 0, 0, 0, 3, 0, 2, 0, 4]);
  });

  it("select columns (with repeats) in every format, and build CSR from triplets summing duplicates", () => {
    const pick = [2, 0, 2];
    const expected = [2, 1, 2, 0, 0, 0, 4, 0, 4];
    for (const m of [X, toCsc(X), toDense(X)])
      expect(Array.from(toDense(selectColumns(m, pick)).data)).toEqual(expected);
    const t = csrFromTriplets(Int32Array.of(1, 0, 1), Int32Array.of(1, 0, 1), Float32Array.of(2, 5, 3), 2, 2);
    expect(Array.from(toDense(t).data)).toEqual([5, 0, 0, 5]);
    expect(() => csr(Float32Array.of(1), Int32Array.of(5), Int32Array.of(0, 1), 1, 2, "m")).toThrow(
      /m: index 5 out of range/,
    );
  });
});

describe("AnnData", () => {
  it("subsets genes and cells across slots", () => {
    const a = new AnnData({
      X,
      layers: { spliced: toCsc(X) },
      obs: new DataFrame(["c0", "c1", "c2"], { clusters: categoricalColumn(["a", "b", "a"]) }),
      var: new DataFrame(["g0", "g1", "g2"], { mean: numericColumn(Float64Array.of(1, 2, 3)) }),
      obsm: { X_pca: dense(Float32Array.of(1, 2, 3), 3, 1) },
      obsp: { distances: X },
    });
    a.subsetVars([true, false, true]).subsetObs([2, 0]);
    expect(a.shape).toEqual([2, 2]);
    expect(a.varNames).toEqual(["g0", "g2"]);
    expect(a.obs.strings("clusters")).toEqual(["a", "a"]);
    expect(Array.from(toDense(a.layer("spliced")).data)).toEqual([0, 4, 1, 2]);
    expect(Array.from(a.obsm.X_pca.data)).toEqual([3, 1]);
    expect(Array.from(toDense(a.obsp.distances).data)).toEqual([4, 0, 2, 1]);
    expect(Array.from(a.var.numbers("mean"))).toEqual([1, 3]);
  });

  it("keeps every layer's storage when a subset keeps everything in order (no copies)", () => {
    const spliced = dense(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3);
    const a = new AnnData({ X: spliced, layers: { spliced }, var: new DataFrame(["g0", "g1", "g2"]) });
    a.subsetVars([0, 1, 2]).subsetObs([true, true]);
    expect(a.layers.spliced).toBe(spliced);
    expect(a.X).toBe(spliced);
    a.subsetVars([2, 1, 0]); // a permutation is a real subset
    expect(a.varNames).toEqual(["g2", "g1", "g0"]);
    expect(Array.from(a.layer("spliced").data)).toEqual([3, 2, 1, 6, 5, 4]);
  });

  it("validates shapes and names the file and key", () => {
    expect(() => new AnnData({ X, layers: { unspliced: dense(new Float32Array(2), 1, 2) }, source: "p.h5ad" })).toThrow(
      /p\.h5ad:\/layers\/unspliced: shape \[1, 2\] does not match \[3, 3\]/,
    );
    const a = new AnnData({ X, source: "p.h5ad" });
    expect(() => a.setLayer("Ms", dense(new Float32Array(3), 3, 1))).toThrow(/p\.h5ad:\/layers\/Ms/);
    expect(() => a.obsmKey("X_umap")).toThrow(/p\.h5ad:\/obsm\/X_umap: missing/);
    expect(() => new DataFrame(["a"], { x: numericColumn(Float64Array.of(1, 2)) })).toThrow(/column x/);
  });

  it("copies deeply and makes names unique like anndata", () => {
    const a = new AnnData({ X, uns: { nested: { v: Float32Array.of(1) } } });
    const b = a.copy();
    b.layer("X").data[0] = 99;
    (b.uns.nested as { v: Float32Array }).v[0] = 5;
    expect(a.layer("X").data[0]).toBe(1);
    expect((a.uns.nested as { v: Float32Array }).v[0]).toBe(1);
    expect(makeUnique(["A", "B", "A", "A", "A-1"])).toEqual(["A", "B", "A-2", "A-3", "A-1"]);
  });
});
