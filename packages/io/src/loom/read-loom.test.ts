import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { h5Ready, h5wasm } from "../h5/h5file.js";
import { readLoom, toDense } from "../index.js";

const dir = mkdtempSync(join(tmpdir(), "diffcell-loom-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A velocyto-style loom: 3 genes × 4 cells on disk. */
async function writeLoom(path: string, options: { badLayer?: boolean } = {}): Promise<void> {
  await h5Ready();
  const f = new h5wasm.File(path, "w");
  const genesByCells = (offset: number) =>
    Float32Array.from({ length: 12 }, (_, t) => ((t * 7 + offset) % 5 === 0 ? 0 : t + offset));
  f.create_dataset({ name: "matrix", data: genesByCells(0), shape: [3, 4], dtype: "<f" });
  const layers = f.create_group("layers");
  layers.create_dataset({ name: "spliced", data: genesByCells(0), shape: [3, 4], dtype: "<f" });
  layers.create_dataset({ name: "unspliced", data: Uint32Array.from(genesByCells(1)), shape: [3, 4], dtype: "<I" });
  if (options.badLayer)
    layers.create_dataset({ name: "ambiguous", data: new Float32Array(8), shape: [2, 4], dtype: "<f" });
  else layers.create_dataset({ name: "ambiguous", data: genesByCells(2), shape: [3, 4], dtype: "<f" });
  const rows = f.create_group("row_attrs");
  rows.create_dataset({ name: "Gene", data: ["Sox2", "Pax6", "Sox2"] });
  rows.create_dataset({ name: "Accession", data: ["E1", "E2", "E3"] });
  const cols = f.create_group("col_attrs");
  cols.create_dataset({ name: "CellID", data: ["s1:A", "s1:B", "s1:C", "s1:D"] });
  cols.create_dataset({ name: "Clusters", data: Int32Array.of(0, 1, 1, 0) });
  cols.create_dataset({
    name: "_Embedding",
    data: Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8),
    shape: [4, 2],
    dtype: "<d",
  });
  f.close();
}

describe("readLoom", () => {
  it("transposes genes × cells to cells × genes and maps attributes", async () => {
    const path = join(dir, "v.loom");
    await writeLoom(path);
    const a = await readLoom(path);
    expect(a.shape).toEqual([4, 3]);
    expect(a.obsNames).toEqual(["s1:A", "s1:B", "s1:C", "s1:D"]);
    expect(a.varNames).toEqual(["Sox2", "Pax6", "Sox2-1"]);
    expect(a.var.strings("Accession")).toEqual(["E1", "E2", "E3"]);
    expect(Array.from(a.obs.numbers("Clusters"))).toEqual([0, 1, 1, 0]);
    expect(a.obsm._Embedding.cols).toBe(2);
    expect(Object.keys(a.layers).sort()).toEqual(["ambiguous", "spliced", "unspliced"]);
    // Element (cell c, gene g) = disk (gene g, cell c).
    const disk = Float32Array.from({ length: 12 }, (_, t) => ((t * 7 + 1) % 5 === 0 ? 0 : t + 1));
    const u = toDense(a.layer("unspliced")).data;
    for (let g = 0; g < 3; g++) for (let c = 0; c < 4; c++) expect(u[c * 3 + g]).toBe(disk[g * 4 + c]);
    expect(a.layer("spliced").format).toBe("csr");
    expect(Array.from(toDense(a.layer("X")).data)).toEqual(Array.from(toDense(a.layer("spliced")).data));
  });

  it("names the layer whose shape does not match /matrix", async () => {
    const path = join(dir, "bad.loom");
    await writeLoom(path, { badLayer: true });
    await expect(readLoom(path)).rejects.toThrow(
      /bad\.loom:\/layers\/ambiguous: shape \[2, 4\] does not match \/matrix \[3, 4\]/,
    );
  });
});
