/**
 * The report in a real browser: headless Chromium (Debian's `chromium`) parses the HTML, renders every
 * figure, and a screenshot is taken. Skipped with a message when no Chromium is installed.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { bufferIo, main } from "./index.js";

const candidates = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"];
const chromium = candidates.find((p): p is string => !!p && existsSync(p));
if (!chromium)
  console.warn("chromium.test.ts: no Chromium found (set CHROMIUM=/path); the browser check of the report is skipped");

describe.skipIf(!chromium)("report in headless Chromium", () => {
  it("renders every figure and the tables", async () => {
    const dir = mkdtempSync(join(tmpdir(), "diffcell-chromium-"));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const sim = join(dir, "sim.h5ad");
    const report = join(dir, "report.html");
    expect(await main(["simulate", "-o", sim, "--n-cells", "300", "--n-genes", "50", "--seed", "1"], bufferIo())).toBe(
      0,
    );
    const io = bufferIo();
    const code = await main(["velocity", "-i", sim, "--report", report, "--epochs", "10", "--no-png", "--quiet"], io);
    expect(code, io.err).toBe(0);
    const flags = [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--hide-scrollbars",
      `--user-data-dir=${join(dir, "profile")}`,
    ];
    const url = `file://${report}`;
    const dom = execFileSync(chromium as string, [...flags, "--dump-dom", url], {
      encoding: "utf8",
      timeout: 60_000,
      stdio: ["ignore", "pipe", "ignore"],
    });
    // The browser's DOM: as many inline SVG figures as the file has, headings and the metrics table intact.
    const inFile = (readFileSync(report, "utf8").match(/<svg[\s>]/g) ?? []).length;
    expect(inFile).toBeGreaterThanOrEqual(8);
    expect((dom.match(/<svg[\s>]/g) ?? []).length).toBe(inFile);
    for (const heading of ["Metrics", "Velocity on the UMAP", "Phase portraits", "Timings"])
      expect(dom).toContain(heading);
    // What the browser shows matches what the figures claim: the heatmap names every row it draws, each
    // phase portrait has a colour key, and the timing rows add up to the total shown.
    const section = (id: string) => {
      const start = dom.indexOf(`<section id="${id}">`);
      return dom.slice(start, dom.indexOf("</section>", start));
    };
    const heatmap = section("expression-along-time");
    const rows = Number(/top (\d+) genes/.exec(heatmap)?.[1]);
    const names = new Set(
      [...heatmap.matchAll(/<text[^>]*text-anchor="end"[^>]*>(gene\d+)<\/text>/g)].map((m) => m[1]),
    );
    expect(rows).toBeGreaterThan(1);
    expect(names.size).toBe(rows);
    const portraits = section("phase-portraits");
    expect((portraits.match(/class="legend"/g) ?? []).length).toBe((portraits.match(/<svg[\s>]/g) ?? []).length);
    const seconds = (text: string) =>
      text.endsWith(" ms")
        ? Number.parseFloat(text) / 1000
        : text.includes("min")
          ? 60 * Number.parseFloat(text) + Number.parseFloat(text.split("min")[1])
          : Number.parseFloat(text);
    const timings = dom.slice(dom.indexOf('<table class="timings">'));
    const cells = [...timings.matchAll(/<th scope="row">([^<]+)<\/th><td class="num">([^<]+)<\/td>/g)];
    const total = seconds(cells.find((m) => m[1] === "total")![2]);
    const steps = cells.filter((m) => m[1] !== "total").reduce((sum, m) => sum + seconds(m[2]), 0);
    expect(Math.abs(steps - total)).toBeLessThan(0.05 * total);
    const screenshot = join(dir, "report.png");
    execFileSync(chromium as string, [...flags, "--window-size=1280,3000", `--screenshot=${screenshot}`, url], {
      timeout: 60_000,
      stdio: "ignore",
    });
    const png = readFileSync(screenshot);
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    // A blank or failed page compresses to a few kB; a page of scatter plots does not.
    expect(statSync(screenshot).size).toBeGreaterThan(100_000);
  });
});
