import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { h5Ready, h5wasm } from "../h5/h5file.js";
import { AnnData, csrFromTriplets, dense, readH5ad, toDense, writeH5ad } from "../index.js";

const dir = mkdtempSync(join(tmpdir(), "diffcell-h5ad-compression-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sample(): AnnData {
  // Compressible: a repeating pattern, as count matrices are mostly small integers.
  const X = dense(
    Float32Array.from({ length: 400 * 250 }, (_, k) => k % 7),
    400,
    250,
  );
  return new AnnData({
    X,
    layers: {
      unspliced: csrFromTriplets(
        Int32Array.of(0, 3, 399),
        Int32Array.of(1, 2, 249),
        Float32Array.of(1, 2, 3),
        400,
        250,
      ),
    },
    obsm: {
      X_umap: dense(
        Float32Array.from({ length: 800 }, (_, k) => k),
        400,
        2,
      ),
    },
  });
}

function filterIds(path: string, key: string): number[] {
  const f = new h5wasm.File(path, "r");
  try {
    return (f.get(key) as InstanceType<typeof h5wasm.Dataset>).filters.map((filter) => filter.id);
  } finally {
    f.close();
  }
}

describe("writeH5ad compression", () => {
  it("gzip: the same values back, numeric datasets deflated (filter 1), much smaller than none", async () => {
    const a = sample();
    const none = join(dir, "none.h5ad");
    const gzip = join(dir, "gzip.h5ad");
    await writeH5ad(a, none, { compression: "none" });
    await writeH5ad(a, gzip, { compression: "gzip" });
    await h5Ready();
    expect(filterIds(gzip, "X")).toEqual([1]);
    expect(filterIds(gzip, "layers/unspliced/data")).toEqual([1]);
    expect(filterIds(none, "X")).toEqual([]);
    expect(statSync(gzip).size * 4).toBeLessThan(statSync(none).size); // 7× here
    const back = await readH5ad(gzip);
    expect(Array.from(toDense(back.X!).data)).toEqual(Array.from(toDense(a.X!).data));
    expect(Array.from(toDense(back.layer("unspliced")).data)).toEqual(Array.from(toDense(a.layer("unspliced")).data));
    // The earlier numeric form is a gzip level.
    await writeH5ad(a, join(dir, "level.h5ad"), { compression: 9 });
    expect(filterIds(join(dir, "level.h5ad"), "X")).toEqual([1]);
  });

  it("names bad choices; lzf explains why it is not available", async () => {
    await expect(writeH5ad(sample(), join(dir, "x.h5ad"), { compression: "lzf" as "gzip" })).rejects.toThrow(
      /"lzf" is not available in h5wasm/,
    );
    await expect(writeH5ad(sample(), join(dir, "x.h5ad"), { compression: "zstd" as "gzip" })).rejects.toThrow(
      /compression/,
    );
    await expect(
      writeH5ad(sample(), join(dir, "x.h5ad"), { compression: "gzip", compressionLevel: 12 }),
    ).rejects.toThrow(/compressionLevel/);
  });
});
