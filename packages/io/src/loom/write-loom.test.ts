import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { h5Ready, h5wasm } from "../h5/h5file.js";
import {
  AnnData,
  booleanColumn,
  categoricalColumn,
  csrFromTriplets,
  DataFrame,
  dense,
  numericColumn,
  readLoom,
  stringColumn,
  toDense,
  writeLoom,
} from "../index.js";

const dir = mkdtempSync(join(tmpdir(), "diffcell-loom-write-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 5 cells × 3 genes with every kind of annotation loom can hold. */
function sample(): AnnData {
  const X = dense(
    Float32Array.from({ length: 15 }, (_, k) => (k % 4 === 0 ? 0 : k)),
    5,
    3,
  );
  const obs = new DataFrame(["c1", "c2", "c3", "c4", "c5"]);
  obs.set(
    "clusters",
    categoricalColumn(["Beta", "Alpha", "Beta", null, "Ductal"], { categories: ["Ductal", "Alpha", "Beta"] }),
  );
  obs.set("latent_time", numericColumn(Float64Array.of(0.1, 0.2, 0.3, 0.4, 0.5)));
  obs.set("root_cells", booleanColumn([1, 0, 0, 0, 0]));
  obs.set("note", stringColumn(["é", "naïve", "x", "", "μm"]));
  const variables = new DataFrame(["Cpe", "Pcsk2", "Gnao1"]);
  variables.set("fit_alpha", numericColumn(Float32Array.of(1, 2, 3)));
  return new AnnData({
    X,
    layers: {
      spliced: dense(
        Float32Array.from({ length: 15 }, (_, k) => k),
        5,
        3,
      ),
      unspliced: csrFromTriplets(Int32Array.of(0, 4), Int32Array.of(2, 1), Float32Array.of(7, 9), 5, 3),
    },
    obs,
    var: variables,
    obsm: {
      X_umap: dense(
        Float64Array.from({ length: 10 }, (_, k) => k / 2),
        5,
        2,
      ),
    },
    obsp: {
      connectivities: csrFromTriplets(
        Int32Array.of(0, 1, 4),
        Int32Array.of(1, 0, 3),
        Float32Array.of(0.5, 0.5, 1),
        5,
        5,
      ),
    },
    uns: { clusters_colors: ["#1f77b4", "#ff7f0e", "#279e68"] },
  });
}

describe("writeLoom", () => {
  it("round-trips through readLoom: genes × cells on disk, names, layers, attributes, embeddings", async () => {
    const a = sample();
    const path = join(dir, "sample.loom");
    const warnings: string[] = [];
    await writeLoom(a, path, { onWarning: (m) => warnings.push(m) });
    expect(warnings).toEqual(["uns.clusters_colors: not written (loom files have no place for uns)"]);
    const b = await readLoom(path);
    expect(b.shape).toEqual([5, 3]);
    expect(b.obsNames).toEqual(a.obsNames);
    expect(b.varNames).toEqual(["Cpe", "Pcsk2", "Gnao1"]);
    expect(Array.from(toDense(b.X!).data)).toEqual(Array.from(toDense(a.X!).data));
    for (const layer of ["spliced", "unspliced"])
      expect(Array.from(toDense(b.layer(layer)).data)).toEqual(Array.from(toDense(a.layer(layer)).data));
    expect(b.obs.strings("clusters")).toEqual(["Beta", "Alpha", "Beta", "", "Ductal"]);
    expect(Array.from(b.obs.numbers("latent_time"))).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(Array.from(b.obs.numbers("root_cells"))).toEqual([1, 0, 0, 0, 0]);
    expect(Array.from(b.var.numbers("fit_alpha"))).toEqual([1, 2, 3]);
    expect(Array.from(b.obsm.X_umap.data)).toEqual(Array.from(a.obsm.X_umap.data));
    // Non-ASCII as XML character references, as loompy stores them.
    expect(b.obs.strings("note")).toEqual(["&#233;", "na&#239;ve", "x", "", "&#956;m"]);
  });

  it("follows the loom layout: spec version, matrix genes × cells, chunked gzip, graphs as a/b/w", async () => {
    const path = join(dir, "layout.loom");
    await writeLoom(sample(), path);
    await h5Ready();
    const f = new h5wasm.File(path, "r");
    try {
      expect(f.attrs.LOOM_SPEC_VERSION.value).toBe("2.0.1");
      const matrix = f.get("matrix") as InstanceType<typeof h5wasm.Dataset>;
      expect(matrix.shape).toEqual([3, 5]);
      // Element (gene g, cell c) on disk is X[c, g].
      const x = toDense(sample().X!).data;
      const disk = matrix.value as Float32Array;
      for (let g = 0; g < 3; g++) for (let c = 0; c < 5; c++) expect(disk[g * 5 + c]).toBe(x[c * 3 + g]);
      expect(matrix.filters.map((filter) => filter.id)).toContain(1);
      const graph = f.get("col_graphs/connectivities") as InstanceType<typeof h5wasm.Group>;
      expect(Array.from((graph.get("a") as InstanceType<typeof h5wasm.Dataset>).value as Int32Array)).toEqual([
        0, 1, 4,
      ]);
      expect(Array.from((graph.get("b") as InstanceType<typeof h5wasm.Dataset>).value as Int32Array)).toEqual([
        1, 0, 3,
      ]);
      expect(f.get("row_graphs")).not.toBeNull();
      expect(f.get("layers/unspliced")).not.toBeNull();
      expect(f.get("layers/X")).toBeNull();
    } finally {
      f.close();
    }
  });

  it("compression none writes a plain file; a name with a slash is an error naming it", async () => {
    const big = new AnnData({ X: dense(new Float32Array(200 * 300).fill(1), 200, 300) });
    const gz = join(dir, "gz.loom");
    const plain = join(dir, "plain.loom");
    await writeLoom(big, gz);
    await writeLoom(big, plain, { compression: "none" });
    expect(statSync(gz).size * 8).toBeLessThan(statSync(plain).size); // 14× here
    const bad = sample();
    bad.obs.set("a/b", numericColumn(new Float32Array(5)));
    await expect(writeLoom(bad, join(dir, "bad.loom"))).rejects.toThrow(/col_attrs\/a\/b.*not a valid HDF5 name/);
  });
});
