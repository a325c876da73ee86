import { fileURLToPath } from "node:url";
import { scveloFixture } from "@diffcell/datasets";
import { AnnData, colSums, csr, DataFrame, dense, readH5ad, toCsr, toDense } from "@diffcell/io";
import { describe, expect, it } from "vitest";
import {
  cutEqualWidth,
  filterAndNormalize,
  filterGenes,
  highlyVariableGenes,
  log1p,
  moments,
  neighbors,
  normalizePerCell,
  notYetNormalized,
  pca,
  sharedCounts,
  sharedCountTotals,
  sizeFactors,
} from "./index.js";

// The raw counts scVelo's preprocessed fixture was made from (shared with io's round-trip test).
const RAW = fileURLToPath(new URL("../../io/test-data/dentategyrus_100obs.h5ad", import.meta.url));

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

describe("scVelo's recipe on raw dentate gyrus counts reproduces its preprocessed fixture", async () => {
  const [raw, expected] = await Promise.all([readH5ad(RAW), scveloFixture("dentategyrus100")]);
  filterAndNormalize(raw, { minSharedCounts: 20, nTopGenes: 200 });

  it("selects the same genes in the same order", () => {
    expect(raw.varNames).toEqual(expected.varNames);
  });

  it("normalises spliced, unspliced and X and logs X", () => {
    for (const layer of ["spliced", "unspliced", "X"]) {
      expect(maxRelDiff(toDense(raw.layer(layer)).data, toDense(expected.layer(layer)).data)).toBeLessThan(1e-5);
    }
    for (const col of ["initial_size", "initial_size_spliced", "initial_size_unspliced", "n_counts"]) {
      expect(maxRelDiff(raw.obs.numbers(col), expected.obs.numbers(col))).toBeLessThan(1e-5);
    }
    for (const col of ["means", "dispersions_norm"]) {
      expect(maxRelDiff(raw.var.numbers(col), expected.var.numbers(col))).toBeLessThan(1e-4);
    }
    expect(raw.uns.log1p).toEqual({});
  });

  it("then PCA → neighbours → moments gives the fixture's Ms and Mu (3 decimals)", () => {
    pca(raw);
    neighbors(raw);
    moments(raw);
    const ours = toDense(raw.layer("Ms")).data;
    const theirs = toDense(expected.layer("Ms")).data;
    let err = 0;
    for (let i = 0; i < ours.length; i++) err = Math.max(err, Math.abs(ours[i] - theirs[i]));
    expect(err).toBeLessThan(1.5e-3);
    const mu = toDense(raw.layer("Mu")).data;
    const muRef = toDense(expected.layer("Mu")).data;
    err = 0;
    for (let i = 0; i < mu.length; i++) err = Math.max(err, Math.abs(mu[i] - muRef[i]));
    expect(err).toBeLessThan(1.5e-3);
  });
});

describe("filterGenes", () => {
  it("applies spliced, unspliced and shared thresholds in turn", () => {
    // 3 cells × 4 genes. Shared counts count only cells where both layers are > 0.
    const spliced = dense(Float32Array.of(5, 0, 1, 9, 5, 2, 0, 9, 5, 0, 1, 0), 3, 4);
    const unspliced = dense(Float32Array.of(1, 3, 0, 0, 1, 3, 4, 0, 0, 3, 0, 0), 3, 4);
    const adata = new AnnData({ X: spliced, layers: { spliced, unspliced }, var: new DataFrame(["a", "b", "c", "d"]) });
    filterGenes(adata, { minSharedCounts: 12 });
    // a: shared = (5+1)+(5+1) = 12 ✓; b: (2+3) = 5 ✗; c: none ✗; d: unspliced 0 everywhere → 0 ✗.
    expect(adata.varNames).toEqual(["a"]);
    expect(Array.from(adata.obs.numbers("initial_size_spliced"))).toEqual([15, 16, 6]);
    const again = new AnnData({ X: spliced, layers: { spliced, unspliced }, var: new DataFrame(["a", "b", "c", "d"]) });
    filterGenes(again, { minCells: 2, minCountsU: 1, retainGenes: ["d"] });
    expect(again.varNames).toEqual(["a", "c", "d"]);
  });

  it("counts shared reads the same from dense and sparse layers, as the totals of the shared matrix", () => {
    // 3 cells × 4 genes, worked by hand: gene a has both > 0 in cells 0 and 1 → (5+1)+(5+1) = 12 in 2 cells;
    // b only in cell 1 → 2+3; c never (its spliced and unspliced reads sit in different cells); d never.
    const s = Float32Array.of(5, 0, 1, 9, 5, 2, 0, 9, 5, 0, 1, 0);
    const u = Float32Array.of(1, 3, 0, 0, 1, 3, 4, 0, 0, 3, 0, 0);
    const expected = { counts: [12, 5, 0, 0], cells: [2, 1, 0, 0] };
    for (const asSparse of [false, true]) {
      const layer = (v: Float32Array) => (asSparse ? toCsr(dense(v, 3, 4)) : dense(v, 3, 4));
      const totals = sharedCountTotals(layer(s), layer(u));
      expect(Array.from(totals.counts)).toEqual(expected.counts);
      expect(Array.from(totals.cells)).toEqual(expected.cells);
    }
    const shared = sharedCounts(dense(s, 3, 4), dense(u, 3, 4));
    expect(Array.from(colSums(shared))).toEqual(expected.counts);
  });
});

describe("normalizePerCell", () => {
  it("scales every cell to the median initial size, only for count-like layers", () => {
    const counts = csr(Float32Array.of(1, 3, 2, 2, 8), Int32Array.of(0, 1, 0, 1, 1), Int32Array.of(0, 2, 4, 5), 3, 2);
    const adata = new AnnData({ X: counts, layers: { spliced: counts } });
    expect(notYetNormalized(counts)).toBe(true);
    normalizePerCell(adata);
    // Totals 4, 4, 8 → median 4: the third cell is halved.
    expect(Array.from(toDense(adata.layer("spliced")).data)).toEqual([1, 3, 2, 2, 0, 4]);
    expect(Array.from(adata.obs.numbers("n_counts"))).toEqual([4, 4, 4]);
    // Already normalised (non-integer) layers are left alone unless enforced.
    adata.setLayer("X", dense(Float32Array.of(0.5, 1, 1, 1, 1, 1), 3, 2));
    normalizePerCell(adata);
    expect(Array.from(toDense(adata.layer("X")).data)).toEqual([0.5, 1, 1, 1, 1, 1]);
    normalizePerCell(adata, { enforce: true, useInitialSize: false });
    // Totals 1.5, 2, 2 → median 2: the first cell is scaled by 4/3.
    const enforced = Array.from(toDense(adata.layer("X")).data);
    for (const [i, v] of [2 / 3, 4 / 3, 1, 1, 1, 1].entries()) expect(enforced[i]).toBeCloseTo(v, 6);
  });

  it("leaves empty cells unscaled", () => {
    expect(Array.from(sizeFactors([0, 2, 4]))).toEqual([1, 1, 2]);
  });
});

describe("filterAndNormalize: in place only on arrays nobody else sees", () => {
  // 40 cells × 10 genes of counts; genes 0–2 have no unspliced reads (no shared counts: filtered out).
  const counts = (salt: number, zeroGenes: number) =>
    Float32Array.from({ length: 400 }, (_, k) => (k % 10 < zeroGenes ? 0 : ((k * 7 + salt * 13 + (k >> 3)) % 9) + 1));
  function data(filtered: boolean, aliasX: boolean, sparse: boolean): AnnData {
    const layer = (v: Float32Array) => (sparse ? toCsr(dense(v, 40, 10)) : dense(v, 40, 10));
    const spliced = layer(counts(1, 0));
    const unspliced = layer(counts(2, filtered ? 3 : 0));
    return new AnnData({ X: aliasX ? spliced : layer(counts(1, 0)), layers: { spliced, unspliced } });
  }
  // The recipe step by step: every step copies (the functions' defaults).
  function reference(adata: AnnData): AnnData {
    filterGenes(adata, { minSharedCounts: 20 });
    normalizePerCell(adata);
    highlyVariableGenes(adata, { nTopGenes: 5 });
    return log1p(adata);
  }
  for (const [filtered, aliasX, sparse] of [
    [true, false, false],
    [true, true, false],
    [false, true, false],
    [false, false, true],
    [true, true, true],
  ] as const) {
    it(`${filtered ? "genes filtered" : "no gene filtered"}, X ${aliasX ? "is" : "is not"} spliced's array, ${sparse ? "sparse" : "dense"}: values as the copying steps`, () => {
      const adata = data(filtered, aliasX, sparse);
      const inputs = ["X", "spliced", "unspliced"].map((k) => adata.layer(k).data);
      const before = inputs.map((a) => a.slice());
      filterAndNormalize(adata, { minSharedCounts: 20, nTopGenes: 5 });
      // The copies the call made were changed in place; the arrays it was given were not.
      inputs.forEach((a, i) => {
        expect(a).toEqual(before[i]);
      });
      const expected = reference(data(filtered, aliasX, sparse));
      expect(adata.varNames).toEqual(expected.varNames);
      // Genes 0–2 went (no shared counts) when filtered, and the HVG step kept a part of the rest.
      if (filtered) expect(adata.varNames.some((g) => ["0", "1", "2"].includes(g))).toBe(false);
      expect(adata.nVars).toBeLessThan(filtered ? 8 : 10);
      for (const k of ["X", "spliced", "unspliced"]) {
        expect(toDense(adata.layer(k)).data, k).toEqual(toDense(expected.layer(k)).data);
      }
    });

    it(`with inPlace, ${filtered ? "genes filtered" : "no gene filtered"}, X ${aliasX ? "is" : "is not"} spliced's array, ${sparse ? "sparse" : "dense"}: the same values; only an array two layers share is copied`, () => {
      const adata = data(filtered, aliasX, sparse);
      const inputs = ["X", "spliced", "unspliced"].map((k) => adata.layer(k).data);
      const before = inputs.map((a) => a.slice());
      filterAndNormalize(adata, { minSharedCounts: 20, nTopGenes: 5, inPlace: true });
      const expected = reference(data(filtered, aliasX, sparse));
      expect(adata.varNames).toEqual(expected.varNames);
      for (const k of ["X", "spliced", "unspliced"]) {
        expect(toDense(adata.layer(k)).data, k).toEqual(toDense(expected.layer(k)).data);
      }
      // Without a gene filtered, the unshared input arrays were normalised in place (the HVG subset then copies
      // them); the array X and spliced share was left as it was.
      if (!filtered) {
        expect(inputs[2]).not.toEqual(before[2]);
        if (aliasX) expect(inputs[0]).toEqual(before[0]);
        else expect(inputs[0]).not.toEqual(before[0]);
      }
    });
  }
});

describe("highly variable genes", () => {
  it("bins like pandas.cut (right-closed, lowest edge lowered by 0.1%)", () => {
    // pd.cut([0, 1, 2, 3, 4], 4, labels=False) → [0, 0, 1, 2, 3]
    expect(Array.from(cutEqualWidth(Float64Array.of(0, 1, 2, 3, 4), 4))).toEqual([0, 0, 1, 2, 3]);
  });

  it("skips selection when fewer genes than nTopGenes, as scVelo", async () => {
    const adata = await scveloFixture("dentategyrus50");
    const n = adata.nVars;
    highlyVariableGenes(adata, { nTopGenes: 500 });
    expect(adata.nVars).toBe(n);
  });
});
