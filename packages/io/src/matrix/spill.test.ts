import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, describe, expect, it } from "vitest";
import { AnnData } from "../anndata.js";
import { liveTemps } from "../files/temp.js";
import { readH5ad } from "../h5ad/read.js";
import { writeH5ad } from "../h5ad/write.js";
import { csr, dense } from "./construct.js";
import { isSpilled, readSpilled, spillLayer, spillWrites, storedLength } from "./spill.js";
import type { CsrMatrix, DenseMatrix } from "./types.js";

const dir = mkdtempSync(join(tmpdir(), "diffcell-spill-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spillFiles = () => readdirSync(dir).filter((f) => f.startsWith(".diffcell-spill."));

// 5 × 3 by hand, float64 so the round trip is checked at full precision.
const values = Float64Array.from({ length: 15 }, (_, i) => (i % 4 === 0 ? 0 : i * 1.25 - 3));

describe("spillLayer", () => {
  it("parks a dense layer in a file and gives it back, the same values, on first access (held from then on)", async () => {
    const original = dense(values.slice(), 5, 3);
    const spilled = spillLayer(original, dir) as DenseMatrix;
    await spillWrites(); // the file complete: the reads below come from it
    expect(isSpilled(spilled)).toBe(true);
    expect([spilled.format, spilled.rows, spilled.cols]).toEqual(["dense", 5, 3]);
    expect(storedLength(spilled)).toBe(15);
    expect(spillFiles().length).toBe(1);
    expect(liveTemps().some((p) => p.startsWith(dir))).toBe(true);
    // Rows 1–2 read from the file without bringing the layer back.
    expect(Array.from(readSpilled(spilled, "data", 3, 9))).toEqual(Array.from(values.subarray(3, 9)));
    expect(isSpilled(spilled)).toBe(true);
    expect(spilled.data).toBeInstanceOf(Float64Array);
    expect(Array.from(spilled.data)).toEqual(Array.from(values));
    // Back in memory for good: the file is gone, writes to the array stick.
    expect(isSpilled(spilled)).toBe(false);
    expect(spillFiles().length).toBe(0);
    spilled.data[4] = 99;
    expect(spilled.data[4]).toBe(99);
  });

  it("gives a layer back while its file is still being written, and removes the file", async () => {
    const data = Float32Array.from({ length: 3_000_000 }, (_, i) => i % 11);
    const spilled = spillLayer(dense(data, 3000, 1000), dir) as DenseMatrix;
    expect(isSpilled(spilled)).toBe(true);
    expect(Array.from(readSpilled(spilled, "data", 5, 8))).toEqual([5, 6, 7]);
    expect(spilled.data[2_999_999]).toBe(2_999_999 % 11);
    expect(isSpilled(spilled)).toBe(false);
    expect(spillFiles().length).toBe(0);
    await spillWrites();
    expect(spillFiles().length).toBe(0);
    expect(spilled.data[12]).toBe(1);
  });

  it("lets the layer's memory go once its file is complete", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    let spilled: DenseMatrix | undefined;
    const original = (() => {
      const data = new Float32Array(1_000_000).fill(3);
      spilled = spillLayer(dense(data, 1000, 1000), dir) as DenseMatrix;
      return new WeakRef(data);
    })();
    await spillWrites();
    // A collection needs a fresh task to see the last references gone.
    await new Promise((resolve) => setTimeout(resolve, 0));
    gc();
    expect(original.deref()).toBeUndefined();
    expect(spilled?.data[999_999]).toBe(3);
  });

  it("parks a CSR layer's three arrays", async () => {
    const m = csr(Float32Array.of(1, 2, 3, 4), Int32Array.of(0, 2, 1, 2), Int32Array.of(0, 2, 2, 4), 3, 3);
    const spilled = spillLayer(m, dir) as CsrMatrix;
    await spillWrites();
    expect(storedLength(spilled, "indptr")).toBe(4);
    expect(Array.from(readSpilled(spilled, "indices", 1, 3))).toEqual([2, 1]);
    expect(Array.from(spilled.indptr)).toEqual([0, 2, 2, 4]);
    expect(spilled.indices).toBeInstanceOf(Int32Array);
    expect(Array.from(spilled.data)).toEqual([1, 2, 3, 4]);
    expect(spillFiles().length).toBe(0);
  });

  it("is written to .h5ad from its file, block by block, and stays on disk", async () => {
    const n = 3000;
    const g = 2000; // 24 MB of float32: above the writer's 16 MiB block
    const data = Float32Array.from({ length: n * g }, (_, i) => (i % 7) * 0.5);
    const counts = csr(
      Float32Array.of(5, 6),
      Int32Array.of(1, 0),
      Int32Array.from({ length: n + 1 }, (_, i) => (i < 2 ? 0 : i < 3 ? 1 : 2)),
      n,
      g,
    );
    const big = new AnnData({ layers: { a: spillLayer(dense(data, n, g), dir), b: spillLayer(counts, dir) } });
    await spillWrites();
    const path = join(dir, "out.h5ad");
    await writeH5ad(big, path);
    expect(isSpilled(big.layers.a)).toBe(true);
    const back = await readH5ad(path);
    const a = (back.layers.a as DenseMatrix).data;
    // (vitest's deep equality takes ~30 s over 6M values)
    expect(a.length === data.length && a.every((v, i) => v === data[i])).toBe(true);
    const b = back.layers.b as CsrMatrix;
    expect([b.format, Array.from(b.data), Array.from(b.indices)]).toEqual(["csr", [5, 6], [1, 0]]);
    expect(Array.from(b.indptr.subarray(0, 5))).toEqual([0, 0, 1, 2, 2]);
    // Validation (shapes and lengths) does not read it back either.
    big.validate();
    expect(isSpilled(big.layers.a)).toBe(true);
  });

  it("keeps the layer in memory when the file cannot be written", () => {
    const m = dense(values.slice(), 5, 3);
    expect(spillLayer(m, join(dir, "no-such-folder"))).toBe(m);
    expect(existsSync(join(dir, "no-such-folder"))).toBe(false);
  });
});
