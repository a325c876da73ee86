import { scveloFixture } from "@diffcell/datasets";
import { booleanColumn } from "@diffcell/io";
import { describe, expect, it } from "vitest";
import { pca } from "./index.js";

describe("pca", () => {
  it("matches scanpy's ARPACK PCA on the fixture (up to sign) and stores scanpy's keys", async () => {
    const adata = await scveloFixture("pancreas100");
    const expected = adata.obsmKey("X_pca");
    const expectedRatio = (adata.uns.pca as { variance_ratio: Float64Array }).variance_ratio;
    pca(adata, { nComps: 30 });
    const ours = adata.obsmKey("X_pca");
    expect([ours.rows, ours.cols]).toEqual([100, 30]);
    for (let c = 0; c < 30; c++) {
      let scale = 0;
      let err = 0;
      for (let i = 0; i < 100; i++) {
        const a = ours.data[i * 30 + c];
        const b = expected.data[i * 30 + c];
        scale = Math.max(scale, Math.abs(b));
        err = Math.max(err, Math.abs(Math.abs(a) - Math.abs(b)));
      }
      expect(err / scale).toBeLessThan(1e-3);
    }
    const ratio = (adata.uns.pca as { variance_ratio: Float64Array }).variance_ratio;
    for (let c = 0; c < 30; c++) expect(ratio[c]).toBeCloseTo(expectedRatio[c], 5);
    expect(adata.varm.PCs.rows).toBe(adata.nVars);
    expect((adata.uns.pca as { params: object }).params).toEqual({
      zero_center: true,
      use_highly_variable: true,
      mask_var: "highly_variable",
    });
  });

  it("uses only highly variable genes (other loadings are zero) and is seeded", async () => {
    const adata = await scveloFixture("dentategyrus50");
    const mask = adata.varNames.map((_, j) => j % 2 === 0);
    adata.var.set("highly_variable", booleanColumn(mask));
    pca(adata, { nComps: 10, seed: 3 });
    const pcs = adata.varm.PCs;
    for (let j = 1; j < adata.nVars; j += 2) for (let c = 0; c < 10; c++) expect(pcs.data[j * 10 + c]).toBe(0);
    const first = adata.obsmKey("X_pca").data.slice();
    pca(adata, { nComps: 10, seed: 3 });
    expect(Array.from(adata.obsmKey("X_pca").data)).toEqual(Array.from(first));
  });
});
