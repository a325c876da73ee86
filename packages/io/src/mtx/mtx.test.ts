import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { read10x, readMtx, toDense } from "../index.js";

const dir = mkdtempSync(join(tmpdir(), "diffcell-mtx-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readMtx", () => {
  it("reads coordinate files (plain and gzip), summing duplicates, in file orientation", () => {
    const text = "%%MatrixMarket matrix coordinate integer general\n% comment\n2 3 4\n1 1 5\n2 3 7\n1 1 1\n2 2 2\n";
    writeFileSync(join(dir, "a.mtx"), text);
    writeFileSync(join(dir, "a.mtx.gz"), gzipSync(text));
    for (const f of ["a.mtx", "a.mtx.gz"]) {
      const m = readMtx(join(dir, f));
      expect([m.rows, m.cols]).toEqual([2, 3]);
      expect(Array.from(toDense(m).data)).toEqual([6, 0, 0, 0, 2, 7]);
    }
  });

  it("handles real, pattern and symmetric fields", () => {
    writeFileSync(join(dir, "r.mtx"), "%%MatrixMarket matrix coordinate real symmetric\n2 2 2\n1 1 1.5\n2 1 -2e-1\n");
    expect(Array.from(toDense(readMtx(join(dir, "r.mtx"), { float64: true })).data)).toEqual([1.5, -0.2, -0.2, 0]);
    writeFileSync(join(dir, "p.mtx"), "%%MatrixMarket matrix coordinate pattern general\n1 2 1\n1 2\n");
    expect(Array.from(toDense(readMtx(join(dir, "p.mtx"))).data)).toEqual([0, 1]);
  });

  it("names the file and line of bad input", () => {
    writeFileSync(join(dir, "bad.mtx"), "%%MatrixMarket matrix coordinate integer general\n2 2 2\n1 1 1\n3 1 1\n");
    expect(() => readMtx(join(dir, "bad.mtx"))).toThrow(
      /bad\.mtx:line 4: entry \(3, 1\) outside the declared 2 × 2 matrix/,
    );
    writeFileSync(join(dir, "short.mtx"), "%%MatrixMarket matrix coordinate integer general\n2 2 3\n1 1 1\n");
    expect(() => readMtx(join(dir, "short.mtx"))).toThrow(/declares 3 entries but holds 1/);
    writeFileSync(join(dir, "nobanner.mtx"), "2 2 0\n");
    expect(() => readMtx(join(dir, "nobanner.mtx"))).toThrow(/nobanner\.mtx:line 1: missing %%MatrixMarket banner/);
    writeFileSync(
      join(dir, "trunc.mtx.gz"),
      gzipSync("%%MatrixMarket matrix coordinate integer general\n").subarray(0, 20),
    );
    expect(() => readMtx(join(dir, "trunc.mtx.gz"))).toThrow(/trunc\.mtx\.gz: corrupt or truncated gzip/);
  });
});

describe("read10x", () => {
  it("reads a Cell Ranger v3 folder as cells × genes with unique gene symbols", () => {
    const folder = join(dir, "v3");
    mkdirSync(folder);
    // 3 features × 2 barcodes on disk.
    writeFileSync(
      join(folder, "matrix.mtx.gz"),
      gzipSync("%%MatrixMarket matrix coordinate integer general\n3 2 3\n1 1 4\n3 1 1\n2 2 9\n"),
    );
    writeFileSync(join(folder, "barcodes.tsv.gz"), gzipSync("AAA-1\nCCC-1\n"));
    writeFileSync(
      join(folder, "features.tsv.gz"),
      gzipSync("ENSG1\tGeneA\tGene Expression\nENSG2\tGeneB\tGene Expression\nENSG3\tGeneA\tGene Expression\n"),
    );
    const a = read10x(folder);
    expect(a.shape).toEqual([2, 3]);
    expect(a.obsNames).toEqual(["AAA-1", "CCC-1"]);
    expect(a.varNames).toEqual(["GeneA", "GeneB", "GeneA-1"]);
    expect(a.var.strings("gene_ids")).toEqual(["ENSG1", "ENSG2", "ENSG3"]);
    expect(a.var.strings("feature_types")[0]).toBe("Gene Expression");
    expect(Array.from(toDense(a.layer("X")).data)).toEqual([4, 0, 1, 0, 9, 0]);
    expect(a.layer("X").format).toBe("csr");
  });

  it("reads a v2 folder (genes.tsv) and reports missing files and count mismatches", () => {
    const folder = join(dir, "v2");
    mkdirSync(folder);
    writeFileSync(join(folder, "matrix.mtx"), "%%MatrixMarket matrix coordinate integer general\n2 1 1\n2 1 3\n");
    writeFileSync(join(folder, "genes.tsv"), "E1\tA\nE2\tB\n");
    expect(() => read10x(folder)).toThrow(/barcodes\.tsv\[\.gz\]: file not found/);
    writeFileSync(join(folder, "barcodes.tsv"), "X\nY\n");
    expect(() => read10x(folder)).toThrow(/2 barcodes, but the matrix has 1 columns/);
    writeFileSync(join(folder, "barcodes.tsv"), "X\n");
    const a = read10x(folder, { varNames: "gene_ids" });
    expect(a.varNames).toEqual(["E1", "E2"]);
    expect(a.var.strings("gene_symbols")).toEqual(["A", "B"]);
  });
});
