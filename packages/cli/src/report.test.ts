import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AnnData, booleanColumn, categoricalColumn, DataFrame, dense, numericColumn } from "@diffcell/io";
import type { VelocityPipelineResult } from "@diffcell/pipeline";
import { describe, expect, it, onTestFinished } from "vitest";
import { bufferIo, main } from "./index.js";
import { buildReport, restartSeries } from "./report.js";

const N = 80;
const G = 60;
const CLUSTERS = ["early", "mid", "late"];

/** A finished result without training: Ms/Mu along a known time, per-gene statistics with a known order. */
function fakeResult(options: { likelihood?: boolean; loss?: number[] | number[][] } = {}): VelocityPipelineResult {
  const time = Float32Array.from({ length: N }, (_, i) => i / (N - 1));
  const ms = new Float32Array(N * G);
  const mu = new Float32Array(N * G);
  const velocity = new Float32Array(N * G);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < G; j++) {
      // Gene j peaks at time j/G.
      ms[i * G + j] = Math.exp(-(((time[i] - j / G) * 6) ** 2));
      mu[i * G + j] = Math.exp(-(((time[i] - j / G + 0.1) * 6) ** 2));
      velocity[i * G + j] = mu[i * G + j] - 0.5 * ms[i * G + j];
    }
  const obs = new DataFrame(Array.from({ length: N }, (_, i) => `cell${i}`));
  obs.set("latent_time", numericColumn(time));
  obs.set(
    "clusters",
    categoricalColumn(
      Array.from(time, (t) => CLUSTERS[Math.min(2, Math.floor(3 * t))]),
      { categories: CLUSTERS },
    ),
  );
  const variables = new DataFrame(Array.from({ length: G }, (_, j) => `gene${j}`));
  // Steady-state R² rises with j; the likelihood instead favours genes 10, 20, 30, … (NaN = not fitted).
  variables.set("velocity_r2", numericColumn(Float32Array.from({ length: G }, (_, j) => j / G)));
  variables.set("velocity_genes", booleanColumn(Uint8Array.from({ length: G }, () => 1)));
  variables.set("velocity_gamma", numericColumn(Float32Array.from({ length: G }, () => 0.5)));
  if (options.likelihood)
    variables.set(
      "fit_likelihood",
      numericColumn(
        Float32Array.from({ length: G }, (_, j) => (j % 10 === 0 ? 0.9 - j / 100 : j === 1 ? Number.NaN : 0.01)),
      ),
    );
  const adata = new AnnData({
    X: dense(ms.slice(), N, G),
    layers: { Ms: dense(ms, N, G), Mu: dense(mu, N, G), velocity: dense(velocity, N, G) },
    obs,
    var: variables,
  });
  return {
    adata,
    loss: (options.loss ?? [3, 2, 1]) as number[],
    restartLosses: [],
    metrics: {},
    timings: [
      { step: "preprocess", seconds: 2 },
      { step: "train", seconds: 6 },
    ],
    velocityGenes: G,
  };
}

const base = {
  title: "t",
  clusters: undefined as string[] | undefined,
  clusterKey: "clusters",
  parameters: {},
  metrics: [] as Array<[string, string, string]>,
  timings: { load: 1, preprocess: 2, train: 6 },
};

function report(result: VelocityPipelineResult, extra: Partial<Parameters<typeof buildReport>[0]> = {}) {
  return buildReport({ ...base, clusters: result.adata.obs.strings("clusters"), result, ...extra });
}

describe("velocity report", () => {
  it("shows the top genes by fit_likelihood, each phase portrait with a colour key", () => {
    const { html, figures } = report(fakeResult({ likelihood: true }));
    const phases = figures.filter((f) => f.name.startsWith("phase_")).map((f) => f.name);
    expect(phases).toEqual([
      "phase_gene0",
      "phase_gene10",
      "phase_gene20",
      "phase_gene30",
      "phase_gene40",
      "phase_gene50",
    ]);
    for (const figure of figures.filter((f) => f.name.startsWith("phase_"))) {
      for (const cluster of CLUSTERS) expect(figure.svg).toContain(`>${cluster}</text>`);
      expect(figure.svg).toContain(">steady state (γ/β = 0.50)</text>");
    }
    expect(html).toContain("Top genes by the likelihood of the dynamical fit (var.fit_likelihood");
    expect(html).toContain("gene0 0.90, gene10 0.80");
  });

  it("falls back to the steady-state R² without fit_likelihood, and --genes chooses the genes", () => {
    const plain = report(fakeResult());
    expect(plain.figures.filter((f) => f.name.startsWith("phase_")).map((f) => f.name)).toEqual(
      ["gene59", "gene58", "gene57", "gene56", "gene55", "gene54"].map((g) => `phase_${g}`),
    );
    const warnings: string[] = [];
    const chosen = report(fakeResult({ likelihood: true }), {
      genes: ["gene7", "gene3", "filtered"],
      onWarning: (m) => warnings.push(m),
    });
    expect(chosen.figures.filter((f) => f.name.startsWith("phase_")).map((f) => f.name)).toEqual([
      "phase_gene7",
      "phase_gene3",
    ]);
    expect(chosen.html).toContain("Genes chosen with --genes: gene7, gene3.");
    expect(warnings).toEqual([expect.stringContaining("filtered removed by preprocessing")]);
  });

  it("names every row of the 50-gene heatmap", () => {
    const { figures } = report(fakeResult({ likelihood: true }));
    const svg = figures.find((f) => f.name === "heatmap")!.svg;
    const names = [...svg.matchAll(/>(gene\d+)<\/text>/g)].map((m) => m[1]);
    expect(names).toHaveLength(50);
    expect(new Set(names).size).toBe(50);
    expect(svg).toContain("top 50 genes by likelihood");
  });

  it("plots the loss of every restart and marks the kept one", () => {
    const runs = [
      [5, 3, 2.5],
      [5, 2, 1.5],
      [6, 4, 3],
    ];
    const { figures, html } = report(fakeResult({ loss: runs }));
    const svg = figures.find((f) => f.name === "loss")!.svg;
    expect(svg.match(/class="loss-line"/g)).toHaveLength(3);
    expect(svg).toContain(">restart 2 (kept)</text>");
    expect(html).toContain("(restart 2) is kept");
    // The same from a `restarts` array of records, and a single curve.
    expect(restartSeries({ loss: [1], restarts: runs.map((loss) => ({ loss })) }).kept).toBe(1);
    expect(restartSeries({ loss: [3, 2, 1] }).series).toEqual([{ name: "loss", values: [3, 2, 1] }]);
    expect(restartSeries({ loss: [[2, Number.NaN, 1]] }).series[0].values).toEqual([2]);
  });

  it("timings: the total is the wall-clock time, not the steps counted twice", () => {
    const { html } = report(fakeResult(), { totalSeconds: 10 });
    expect(html).toContain('<th scope="row">other (start-up, untimed)</th><td class="num">1.00 s</td>');
    expect(html).toContain('<th scope="row">total</th><td class="num">10.0 s</td>');
    expect(html).toContain('class="bar" style="width:60.0%"'); // train: 6 of 10 s
  });
});

describe("diffcell velocity --genes", () => {
  it("checks the genes before any work, draws the chosen ones, prints each stage's time once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "diffcell-report-genes-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const sim = join(dir, "sim.h5ad");
    expect(await main(["simulate", "-o", sim, "--n-cells", "200", "--n-genes", "40", "--seed", "2"], bufferIo())).toBe(
      0,
    );
    const unknown = bufferIo();
    expect(
      await main(["velocity", "-i", sim, "--report", join(dir, "r.html"), "--genes", "gene1,Gene2x"], unknown),
    ).toBe(1);
    expect(unknown.err).toMatch(/--genes Gene2x.*not among the 40 genes/);
    expect(unknown.err).not.toContain("train");
    const noReport = bufferIo();
    expect(await main(["velocity", "-i", sim, "--genes", "gene1"], noReport)).toBe(2);

    const io = bufferIo();
    const report = join(dir, "chosen.html");
    const args = ["velocity", "-i", sim, "--report", report, "--genes", "gene3, gene1", "--epochs", "3", "--no-umap"];
    expect(await main([...args, "--restarts", "1", "--no-png"], io), io.err).toBe(0);
    const figures = readdirSync(join(dir, "chosen_figures")).filter((f) => f.startsWith("phase_"));
    expect(figures.sort()).toEqual(["phase_gene1.svg", "phase_gene3.svg"]);
    expect(readFileSync(report, "utf8")).toContain("Genes chosen with --genes: gene3, gene1.");
    // Non-TTY progress: one line per stage, its time printed once ("4.7s", never "4.7s 4.7s").
    const reportLine = io.err.split("\n").find((line) => line.startsWith("report"));
    expect(reportLine).toMatch(/100% \d+\.\ds$/);
  });
});
