import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stats } from "@diffcell/core";
import { AnnData, DataFrame, dense, readH5ad, toDenseFloat32, writeH5ad } from "@diffcell/io";
import { edgeDepth } from "@diffcell/pipeline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufferIo, main, parseEdges } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "diffcell-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const run = async (...argv: string[]) => {
  const io = bufferIo();
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
};
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
/** An error is one line on stderr (after any progress lines), no stack trace. */
const expectOneLine = (err: string) => {
  const lines = err.trim().split("\n");
  expect(lines.filter((l) => l.startsWith("diffcell"))).toHaveLength(1);
  expect(lines.at(-1)).toMatch(/^diffcell/);
  expect(err).not.toMatch(/\n\s+at /);
};

describe("diffcell: usage", () => {
  it("prints usage, help and version; unknown commands and flags exit 2 with one line", async () => {
    const none = await run();
    expect(none.code).toBe(2);
    expect(none.out).toContain("usage: diffcell <command>");
    expect((await run("--help")).code).toBe(0);
    expect((await run("--version")).out).toMatch(/^\d+\.\d+\.\d+\n$/);
    const help = await run("velocity", "--help");
    expect(help.code).toBe(0);
    for (const flag of [
      "--input",
      "--output",
      "--report",
      "--cluster-key",
      "--batch-key",
      "--mode",
      "--seed",
      "--epochs",
    ])
      expect(help.out).toContain(flag);

    const unknown = await run("velocty");
    expect(unknown.code).toBe(2);
    expectOneLine(unknown.err);
    for (const argv of [
      ["velocity", "--epochs", "abc"],
      ["velocity", "--epochs", "2.5"],
      ["velocity", "--mode", "fast"],
      ["velocity", "--frobnicate"],
      ["velocity", "--output", "x.csv"],
      ["harmony", "--input", "pcs.tsv"],
      ["simulate"],
    ]) {
      const r = await run(...argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expectOneLine(r.err);
    }
    expect((await run("velocity", "--mode", "fast")).err).toContain("dynamical, standard, stochastic");
  });

  it("parses edges and orders clusters by depth", () => {
    const clusters = ["A", "B", "C", "D"];
    expect(parseEdges("A>B; B -> C;B→D", clusters, "clusters")).toEqual([
      ["A", "B"],
      ["B", "C"],
      ["B", "D"],
    ]);
    expect(() => parseEdges("A>Z", clusters, "clusters")).toThrow(/no cluster named "Z"/);
    expect(() => parseEdges("A-B", clusters, "clusters")).toThrow(/not of the form "A>B"/);
    expect([
      ...edgeDepth([
        ["A", "B"],
        ["B", "C"],
        ["A", "C"],
      ]).entries(),
    ]).toEqual([
      ["A", 0],
      ["B", 1],
      ["C", 2],
    ]);
    expect(() =>
      edgeDepth([
        ["A", "B"],
        ["B", "A"],
      ]),
    ).toThrow(/cycle/);
    expect(() => parseEdges("A>B;B>A", clusters, "clusters")).toThrow(/--edges contain a cycle/);
  });
});

describe("diffcell simulate → velocity", () => {
  const sim = join(dir, "sim.h5ad");
  beforeAll(async () => {
    const r = await run("simulate", "--output", sim, "--n-cells", "300", "--n-genes", "60", "--seed", "3");
    expect(r.code, r.err).toBe(0);
  });

  it("simulate writes counts and truth; same seed → same data", async () => {
    const a = await readH5ad(sim);
    expect(a.shape).toEqual([300, 60]);
    for (const key of ["spliced", "unspliced", "true_velocity"]) expect(a.hasLayer(key)).toBe(true);
    for (const key of ["true_t", "true_branch", "batch", "clusters"]) expect(a.obs.has(key)).toBe(true);
    for (const key of ["true_alpha", "true_beta", "true_gamma", "true_t_"]) expect(a.var.has(key)).toBe(true);
    const again = join(dir, "sim-again.h5ad");
    await run("simulate", "--output", again, "--n-cells", "300", "--n-genes", "60", "--seed", "3");
    const b = await readH5ad(again);
    expect(toDenseFloat32(b.layer("unspliced"))).toEqual(toDenseFloat32(a.layer("unspliced")));
    expect(b.obs.numbers("true_t")).toEqual(a.obs.numbers("true_t"));
  });

  it("velocity (dynamical) writes every SPEC key, a report with SVG/PNG figures, and leaves the input alone", async () => {
    const before = sha(sim);
    // Output folders that do not exist yet are created (as `npm start` needs for out/).
    const output = join(dir, "new-folder", "velocity.h5ad");
    const report = join(dir, "report", "sim.html");
    const edges = "stage0>stage1;stage1>stage2;stage2>stage3;stage3>stage4";
    const r = await run("velocity", "-i", sim, "-o", output, "--report", report, "--epochs", "30", "--edges", edges);
    expect(r.code, r.err).toBe(0);
    expect(sha(sim)).toBe(before);
    // One summary line on stdout; progress (one line per stage, not a TTY) on stderr.
    expect(r.out.trim().split("\n")).toHaveLength(1);
    expect(r.out).toMatch(/sim\.h5ad: 300 cells × \d+ genes \(\d+ velocity genes\), dynamical/);
    for (const stage of ["load", "preprocess", "train", "velocity graph", "umap", "write h5ad", "report"])
      expect(r.err).toContain(stage);

    const a = await readH5ad(output);
    for (const key of ["Ms", "Mu", "velocity", "spliced", "unspliced"]) expect(a.hasLayer(key), key).toBe(true);
    for (const key of ["latent_time", "velocity_pseudotime", "velocity_confidence", "clusters"])
      expect(a.obs.has(key), key).toBe(true);
    for (const key of ["fit_alpha", "fit_beta", "fit_gamma", "velocity_genes"]) expect(a.var.has(key), key).toBe(true);
    for (const key of ["X_pca", "X_umap", "velocity_umap"]) expect(a.obsm[key], key).toBeDefined();
    for (const key of ["connectivities", "distances", "velocity_graph"]) expect(a.obsp[key], key).toBeDefined();
    // Real output, not placeholders: latent time follows the simulated time.
    const rho = stats.spearman(a.obs.numbers("latent_time"), a.obs.numbers("true_t"));
    expect(Math.abs(rho)).toBeGreaterThan(0.8);
    const metrics = r.out.match(/time ρ (-?[\d.]+)/);
    expect(Number(metrics?.[1])).toBeGreaterThan(0.8);

    const html = readFileSync(report, "utf8");
    expect(html).toContain("<svg");
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    for (const section of ["Metrics", "Velocity on the UMAP", "Phase portraits", "Expression along time", "Training"])
      expect(html).toContain(section);
    const figures = readdirSync(join(dir, "report", "sim_figures"));
    for (const name of ["velocity_stream", "velocity_arrows", "latent_time", "heatmap", "loss"]) {
      expect(figures).toContain(`${name}.svg`);
      expect(figures).toContain(`${name}.png`);
    }
  });

  it("stochastic mode and --json; same seed → same result", async () => {
    const args = ["velocity", "-i", sim, "--mode", "stochastic", "--no-umap", "--json", "--quiet"];
    const a = await run(...args);
    expect(a.code, a.err).toBe(0);
    expect(a.err).toBe("");
    const summary = JSON.parse(a.out);
    expect(summary).toMatchObject({ cells: 300, mode: "stochastic" });
    expect(summary.metrics.iccoh).toBeGreaterThan(0.5);
    // Per-stage seconds (what `npm run bench` reads): every stage timed, none longer than the run.
    expect(Object.keys(summary.timings)).toEqual(expect.arrayContaining(["load", "preprocess"]));
    for (const s of Object.values(summary.timings) as number[]) expect(s).toBeLessThanOrEqual(summary.seconds);
    const b = await run(...args);
    expect(JSON.parse(b.out).metrics).toEqual(summary.metrics);
  });
});

describe("diffcell velocity --batch-key", () => {
  it("runs Harmony and velocity together and reports batch mixing", async () => {
    const sim = join(dir, "batches.h5ad");
    await run(
      "simulate",
      "-o",
      sim,
      "--n-cells",
      "300",
      "--n-genes",
      "60",
      "--n-batches",
      "2",
      "--batch-effect",
      "0.3",
    );
    const output = join(dir, "batches-velocity.h5ad");
    const r = await run(
      "velocity",
      "-i",
      sim,
      "-o",
      output,
      "--batch-key",
      "batch",
      "--epochs",
      "10",
      "--no-umap",
      "-q",
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/iLISI before [\d.]+, iLISI after [\d.]+/);
    const a = await readH5ad(output);
    expect(a.obsm.X_pca_harmony).toBeDefined();
    expect(a.obs.has("latent_time")).toBe(true);
    const wrongMode = await run("velocity", "-i", sim, "--batch-key", "batch", "--mode", "stochastic");
    expect(wrongMode.code).toBe(2);
    expect(wrongMode.err).toContain("dynamical");
    const wrongKey = await run("velocity", "-i", sim, "--batch-key", "donor", "-q");
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.err).toMatch(/--batch-key donor: obs has no column "donor"/);
  });
});

describe("diffcell velocity: bad input is one clear line", () => {
  it("missing layer, wrong cluster key, empty or missing file, output = input", async () => {
    const noUnspliced = join(dir, "no-unspliced.h5ad");
    const n = 20;
    const g = 5;
    await writeH5ad(
      new AnnData({
        layers: { spliced: dense(new Float32Array(n * g).fill(1), n, g) },
        obs: new DataFrame(Array.from({ length: n }, (_, i) => `c${i}`)),
        var: new DataFrame(Array.from({ length: g }, (_, j) => `g${j}`)),
      }),
      noUnspliced,
    );
    const missing = await run("velocity", "-i", noUnspliced);
    expect(missing.code).toBe(1);
    expectOneLine(missing.err);
    expect(missing.err).toMatch(/layers\/unspliced: missing/);

    const sim = join(dir, "small.h5ad");
    await run("simulate", "-o", sim, "--n-cells", "50", "--n-genes", "20");
    const wrongKey = await run("velocity", "-i", sim, "--cluster-key", "celltype", "--quiet");
    expect(wrongKey.code).toBe(1);
    expectOneLine(wrongKey.err);
    expect(wrongKey.err).toMatch(/obs has no column "celltype" \(columns: .*true_t/);

    const empty = join(dir, "empty.h5ad");
    writeFileSync(empty, "");
    const e = await run("velocity", "-i", empty);
    expect(e.code).toBe(1);
    expectOneLine(e.err);
    expect(e.err).toContain("empty");

    const truncated = join(dir, "truncated.h5ad");
    writeFileSync(truncated, readFileSync(sim).subarray(0, 2000));
    const t = await run("velocity", "-i", truncated, "--quiet");
    expect(t.code).toBe(1);
    expectOneLine(t.err);
    expect(t.err).toContain("truncated.h5ad");

    const absent = await run("velocity", "-i", join(dir, "nope.h5ad"));
    expect(absent.code).toBe(1);
    expect(absent.err).toContain("no such file");

    const same = await run("velocity", "-i", sim, "-o", sim);
    expect(same.code).toBe(1);
    expect(same.err).toContain("never overwrites its input");
    expect(existsSync(sim)).toBe(true);
  });
});

describe("diffcell harmony", () => {
  const data = new URL("../../harmony/testdata/pbmc3500/", import.meta.url).pathname;
  const pbmc = (batchKey: string, ...more: string[]) => [
    "harmony",
    "--input",
    `${data}pbmc_3500_pcs.tsv.gz`,
    "--meta",
    `${data}pbmc_3500_meta.tsv.gz`,
    "--batch-key",
    batchKey,
    ...more,
  ];
  it("corrects pbmc3500 PCs like R harmony, in input order, with a summary line", async () => {
    const output = join(dir, "corrected.tsv");
    const r = await run(...pbmc("donor", "--output", output, "--quiet"));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /^harmony: 3500 cells × 30 features, batches donor \(3\).*median iLISI \(donor\) [\d.]+ → [\d.]+ of 3 → /,
    );
    const lines = readFileSync(output, "utf8").trim().split("\n");
    expect(lines).toHaveLength(3501);
    expect(lines[0].split("\t")).toEqual(Array.from({ length: 30 }, (_, j) => `PC${j + 1}`));
    const reference = (await import("node:zlib")).gunzipSync(readFileSync(`${data}pbmc_3500_pcs_harmonized.tsv.gz`));
    const refLines = reference.toString("utf8").trim().split("\n");
    const col = (rows: string[], j: number) => rows.slice(1).map((l) => Number(l.split("\t")[j]));
    for (const j of [0, 1, 29]) expect(stats.pearson(col(lines, j), col(refLines, j))).toBeGreaterThan(0.95);

    // Cells named in both tables: metadata in another order is matched by name, not by row.
    const { gunzipSync } = await import("node:zlib");
    const pcsRows = gunzipSync(readFileSync(`${data}pbmc_3500_pcs.tsv.gz`))
      .toString("utf8")
      .trim()
      .split("\n");
    const metaRows = gunzipSync(readFileSync(`${data}pbmc_3500_meta.tsv.gz`))
      .toString("utf8")
      .trim()
      .split("\n");
    // Two barcodes repeat across donors in this table: make the names unique for the by-name test.
    const cells = metaRows.slice(1).map((l, i) => `${l.split("\t")[1]}-${i}`);
    const uniqueMeta = [metaRows[0], ...metaRows.slice(1).map((l, i) => `${l.split("\t")[0]}\t${cells[i]}`)];
    const named = join(dir, "named-pcs.tsv");
    writeFileSync(named, [`cell\t${pcsRows[0]}`, ...pcsRows.slice(1).map((l, i) => `${cells[i]}\t${l}`)].join("\n"));
    const shuffled = join(dir, "shuffled-meta.tsv");
    writeFileSync(shuffled, [uniqueMeta[0], ...uniqueMeta.slice(1).reverse()].join("\n"));
    const byName = join(dir, "by-name.tsv");
    const rn = await run(
      "harmony",
      "-i",
      named,
      "--meta",
      shuffled,
      "--batch-key",
      "donor",
      "-o",
      byName,
      "-q",
      "--no-lisi",
    );
    expect(rn.code, rn.err).toBe(0);
    const byNameLines = readFileSync(byName, "utf8").trim().split("\n");
    expect(byNameLines[1].split("\t")[0]).toBe(cells[0]);
    expect(byNameLines[1].split("\t").slice(1)).toEqual(lines[1].split("\t"));
    const partial = join(dir, "partial-meta.tsv");
    writeFileSync(partial, uniqueMeta.slice(0, 100).join("\n"));
    const rp = await run("harmony", "-i", named, "--meta", partial, "--batch-key", "donor", "-q");
    expect(rp.code).toBe(1);
    expect(rp.err).toMatch(/has no row for cell/);
    // With the table's own (repeating) barcodes, a reordered metadata table cannot be matched: a clear error.
    const barcodes = metaRows.slice(1).map((l) => l.split("\t")[1]);
    const dupNamed = join(dir, "dup-named-pcs.tsv");
    writeFileSync(
      dupNamed,
      [`cell\t${pcsRows[0]}`, ...pcsRows.slice(1).map((l, i) => `${barcodes[i]}\t${l}`)].join("\n"),
    );
    const dupShuffled = join(dir, "dup-shuffled-meta.tsv");
    writeFileSync(dupShuffled, [metaRows[0], ...metaRows.slice(1).reverse()].join("\n"));
    const rd = await run("harmony", "-i", dupNamed, "--meta", dupShuffled, "--batch-key", "donor", "-q");
    expect(rd.code).toBe(1);
    expect(rd.err).toMatch(/occurs twice/);

    const badKey = await run(...pbmc("donr"));
    expect(badKey.code).toBe(1);
    expectOneLine(badKey.err);
    expect(badKey.err).toContain("column donr");
  });
});
