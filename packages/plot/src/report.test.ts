import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { InputError } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { heatmap } from "./heatmap.js";
import { lossCurve } from "./loss.js";
import { phasePortrait } from "./phase.js";
import { htmlReport } from "./report.js";
import { velocityStreamPlot } from "./stream.js";
import { decodePng } from "./testutil/decodePng.js";

const CHROMIUM = "/usr/bin/chromium";
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) {
  console.warn(`plot: ${CHROMIUM} not found, skipping the headless Chromium report test (apt-get install -y chromium)`);
}

/** A small but complete report: stream plot first (so it is inside the screenshot), gallery, tables. */
function sampleReport(): string {
  const embedding: number[] = [];
  const velocity: number[] = [];
  const clusters: string[] = [];
  for (let j = 0; j < 30; j++) {
    for (let i = 0; i < 30; i++) {
      embedding.push(i, j);
      velocity.push(1, 0.3);
      clusters.push(i < 15 ? "Ductal" : "Beta");
    }
  }
  const stream = velocityStreamPlot({ embedding, velocity, clusters, title: "Velocity stream" });
  const phase = (gene: string) =>
    phasePortrait({ spliced: [0, 1, 2, 3], unspliced: [0, 1.5, 2, 1], gene, steadyStateSlope: 0.5 });
  return htmlReport({
    title: "diffcell <velocity> report",
    subtitle: "pancreas & friends",
    sections: [
      { heading: "Velocity", text: "Streamlines on UMAP.", svg: stream },
      { heading: "Phase portraits", svg: [phase("Cpe"), phase("Pcsk2")], caption: "Top genes." },
      { heading: "Loss", svg: lossCurve([3, 2, 1.5, 1.2], { title: "loss" }) },
      { heading: "Latent time", svg: heatmap({ values: [0, 1, 2, 2, 1, 0], rowLabels: ["a", "b"] }) },
      {
        heading: "Metrics",
        table: {
          columns: ["metric", "value"],
          rows: [
            ["CBDir", 0.312345],
            ["cells", 3696],
            ["note", null],
          ],
        },
      },
    ],
    parameters: { mode: "dynamical", epochs: 50 },
    timings: { train: 12.5, plots: 0.25 },
    footer: "diffcell 0.1.0",
  });
}

describe("htmlReport", () => {
  const html = sampleReport();

  it("is one self-contained document: no scripts, no external URLs", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).not.toMatch(/<script|<link|<iframe|@import|@font-face/i);
    // The only absolute URL allowed is the SVG namespace identifier (never fetched).
    const urls = [...html.matchAll(/https?:\/\/[^\s"')<]+/g)].map((m) => m[0]);
    expect(new Set(urls)).toEqual(new Set(["http://www.w3.org/2000/svg"]));
    expect(html).toContain("default-src 'none'");
    expect(html).toBe(sampleReport());
  });

  it("escapes text, numbers the table and lists parameters and timings", () => {
    expect(html).toContain("<h1>diffcell &lt;velocity&gt; report</h1>");
    expect(html).toContain("pancreas &amp; friends");
    expect(html).toContain('<td class="num">0.3123</td>');
    expect(html).toContain('<td class="num">3696</td>');
    expect(html).toContain("<td>—</td>");
    expect(html).toContain("<code>epochs</code>");
    expect(html).toContain("12.5 s");
    expect(html).toContain("250 ms");
    expect(html).toContain('href="#phase-portraits"');
    expect(html).toContain('<section id="phase-portraits">');
  });

  it("timings: steps add up to the total shown, bars are shares of it, untimed time is its own row", () => {
    const page = htmlReport({
      title: "t",
      sections: [],
      timings: { load: 1, train: 3 },
      totalSeconds: 5,
    });
    const rows = [...page.matchAll(/<tr><th scope="row">([^<]+)<\/th><td class="num">([^<]+)<\/td>/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(rows).toEqual([
      ["load", "1.00 s"],
      ["train", "3.00 s"],
      ["other (start-up, untimed)", "1.00 s"],
      ["total", "5.00 s"],
    ]);
    const bars = [...page.matchAll(/class="bar" style="width:([0-9.]+)%"/g)].map((m) => Number(m[1]));
    expect(bars).toEqual([20, 60, 20]);
    // Without a wall-clock total, the footer is the sum of the steps (not twice it).
    const plain = htmlReport({ title: "t", sections: [], timings: { a: 20, b: 35 } });
    expect(plain).toContain('<th scope="row">total</th><td class="num">55.0 s</td>');
    expect([...plain.matchAll(/class="bar" style="width:([0-9.]+)%"/g)].map((m) => Number(m[1]))).toEqual([36.4, 63.6]);
    expect(() => htmlReport({ title: "t", sections: [], timings: { a: 1, total: 1 } })).toThrow(/totalSeconds/);
  });

  it("makes ids unique across inlined SVGs", () => {
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
    for (const ref of html.matchAll(/url\(#([^)]+)\)/g)) expect(ids).toContain(ref[1]);
  });

  it("refuses SVGs with scripts or external resources", () => {
    const report = (svg: string) => htmlReport({ title: "t", sections: [{ heading: "h", svg }] });
    expect(() => report("<svg><script>alert(1)</script></svg>")).toThrow(InputError);
    expect(() => report('<svg><image href="https://example.org/a.png"/></svg>')).toThrow(/self-contained/);
    expect(() => report('<svg><rect onclick="x()"/></svg>')).toThrow(/event handlers/);
    expect(() => report("<div>not svg</div>")).toThrow(/not an SVG/);
    expect(report('<?xml version="1.0"?>\n<svg><rect fill="url(#g)"/><linearGradient id="g"/></svg>')).toContain(
      "url(#s0-0-g)",
    );
    expect(() =>
      htmlReport({ title: "t", sections: [{ heading: "h", table: { columns: ["a", "b"], rows: [[1]] } }] }),
    ).toThrow(/row 0 has 1 cells; expected 2/);
  });

  it.skipIf(!HAS_CHROMIUM)(
    "renders in headless Chromium (skipped when /usr/bin/chromium is absent: apt-get install -y chromium)",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "diffcell-report-"));
      try {
        const page = join(dir, "report.html");
        const shot = join(dir, "screenshot.png");
        writeFileSync(page, html);
        await promisify(execFile)(
          CHROMIUM,
          [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            `--user-data-dir=${join(dir, "profile")}`,
            `--screenshot=${shot}`,
            "--window-size=1280,2000",
            pathToFileURL(page).href,
          ],
          { timeout: 90_000 },
        );
        expect(existsSync(shot)).toBe(true);
        const image = decodePng(readFileSync(shot));
        expect([image.width, image.height]).toEqual([1280, 2000]);
        let ink = 0;
        let ductalBlue = 0;
        const colours = new Set<number>();
        for (let i = 0; i < image.width * image.height; i++) {
          const [r, g, b] = image.rgba.subarray(4 * i, 4 * i + 3);
          if (r + g + b < 600) ink++;
          colours.add((r << 16) | (g << 8) | b);
          // Cells of the first cluster (#1f77b4 at 45% opacity over white ≈ #93b8d6).
          if (Math.abs(r - 0x93) < 20 && Math.abs(g - 0xb8) < 20 && Math.abs(b - 0xd6) < 20) ductalBlue++;
        }
        expect(ink).toBeGreaterThan(50_000); // headings, text and plots (text alone is ~20 000)
        expect(colours.size).toBeGreaterThan(1000); // anti-aliased plots, not a blank or error page
        expect(ductalBlue).toBeGreaterThan(2000); // the inline SVG stream plot was drawn
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
