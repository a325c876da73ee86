import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readH5ad, readLoom, toDenseFloat32 } from "@diffcell/io";
import { afterAll, describe, expect, it } from "vitest";
import { bufferIo, main } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "diffcell-output-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sim = join(dir, "sim.h5ad");

async function velocity(...args: string[]) {
  const io = bufferIo();
  const code = await main(["velocity", "-i", sim, "--mode", "stochastic", "--no-umap", "--quiet", ...args], io);
  return { code, err: io.err };
}

describe("diffcell velocity --output / --compression", () => {
  it("writes gzip-compressed .h5ad with the same content, and .loom", async () => {
    expect(await main(["simulate", "-o", sim, "--n-cells", "300", "--n-genes", "60", "--seed", "3"], bufferIo())).toBe(
      0,
    );
    const plain = join(dir, "plain.h5ad");
    const gzip = join(dir, "gzip.h5ad");
    expect((await velocity("-o", plain)).code).toBe(0);
    const r = await velocity("-o", gzip, "--compression", "gzip");
    expect(r.code, r.err).toBe(0);
    expect(statSync(gzip).size).toBeLessThan(0.9 * statSync(plain).size); // 0.77 here: float layers deflate little
    const [a, b] = [await readH5ad(plain), await readH5ad(gzip)];
    for (const key of ["spliced", "Ms", "velocity"])
      expect(toDenseFloat32(b.layer(key))).toEqual(toDenseFloat32(a.layer(key)));

    const loom = join(dir, "velocity.loom");
    expect((await velocity("-o", loom)).code).toBe(0);
    const c = await readLoom(loom);
    expect(c.shape).toEqual(a.shape);
    expect(c.obsNames).toEqual(a.obsNames);
    expect(toDenseFloat32(c.layer("velocity"))).toEqual(toDenseFloat32(a.layer("velocity")));
    expect(c.obs.strings("clusters")).toEqual(a.obs.strings("clusters"));
  });

  it("rejects other formats and compressions, and --compression without --output", async () => {
    expect((await velocity("-o", join(dir, "x.csv"))).err).toMatch(/--output must end in \.h5ad or \.loom/);
    expect((await velocity("-o", join(dir, "x.h5ad"), "--compression", "lzf")).err).toMatch(
      /--compression must be one of gzip, none/,
    );
    expect((await velocity("--compression", "gzip")).code).toBe(2);
  });
});
