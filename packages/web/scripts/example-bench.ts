/**
 * The example in the browser against the CLI, measured in the same run (not part of `npm test`: the full
 * pancreas takes minutes): builds dist/ (unless --no-build), serves it, clicks "run on example data" in
 * headless Chromium, downloads the result, then runs `diffcell velocity` (the built CLI, a child process)
 * on the bundled data with the same seed. Prints both times, the ratio, each summary metric and the
 * largest latent-time difference.
 *
 *   npx tsx packages/web/scripts/example-bench.ts [--no-build] [--keep] [--mode dynamical|stochastic] [--seed N]
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readH5ad } from "@diffcell/io";
import puppeteer from "puppeteer-core";
import { buildWeb, webRoot } from "./build.js";
import { saveDownloadedH5ad } from "./download.js";
import { serveStatic } from "./serve.js";

const { values } = parseArgs({
  options: {
    "no-build": { type: "boolean" },
    keep: { type: "boolean" },
    mode: { type: "string" },
    seed: { type: "string" },
  },
});
const chromium = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find(
  (p): p is string => !!p && existsSync(p),
);
if (!chromium) {
  console.error("example-bench: no Chromium (apt-get install chromium, or set CHROMIUM=/path)");
  process.exit(1);
}
const repo = join(webRoot, "..", "..");
const cliBin = join(repo, "packages", "cli", "bin", "diffcell.js");
if (!existsSync(join(repo, "packages", "cli", "dist", "index.js"))) {
  console.error("example-bench: build the packages first (npm run build)");
  process.exit(1);
}
const dir = mkdtempSync(join(tmpdir(), "diffcell-web-bench-"));
const dist = join(webRoot, "dist");
if (!values["no-build"] || !existsSync(join(dist, "worker.js"))) await buildWeb();
const extra = [...(values.mode ? ["--mode", values.mode] : []), ...(values.seed ? ["--seed", values.seed] : [])];

// Browser.
const { url, server } = await serveStatic(dist);
const browser = await puppeteer.launch({
  executablePath: chromium,
  args: ["--no-sandbox", "--headless=new", "--disable-gpu", `--user-data-dir=${join(dir, "profile")}`],
});
const page = await browser.newPage();
page.on("pageerror", (e) => console.error("page error:", e instanceof Error ? e.message : String(e)));
await page.goto(url);
await page.waitForFunction(() => (document.getElementById("mode") as HTMLSelectElement).options.length > 0);
if (values.mode) await page.select("#mode", values.mode);
if (values.seed)
  await page.evaluate((seed: string) => {
    (document.getElementById("seed") as HTMLInputElement).value = seed;
  }, values.seed);
const t0 = performance.now();
await page.click("#run-example");
// Polled from here (a long waitForFunction would hit the DevTools protocol's own timeout).
let last = "";
for (;;) {
  const [status, state] = await page.evaluate(() => [
    document.body.dataset.status ?? "",
    document.getElementById("state")?.textContent ?? "",
  ]);
  if (status === "done" || status === "error") break;
  if (state !== last && process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${state}`);
  last = state;
  await new Promise((resolve) => setTimeout(resolve, 250));
}
if (process.stderr.isTTY) process.stderr.write("\r\x1b[2K");
const browserSeconds = (performance.now() - t0) / 1000;
const status = await page.evaluate(() => document.body.dataset.status);
if (status !== "done") {
  console.error(`example-bench: page status ${status}: ${await page.$eval("#error", (e) => e.textContent)}`);
  process.exit(1);
}
const webSummary = JSON.parse(await page.$eval("#summary", (e) => e.textContent ?? ""));
const webReport = await page.$eval("#report", (e) => (e as HTMLIFrameElement).srcdoc);
writeFileSync(join(dir, "web.html"), webReport);
const webFile = join(dir, "web.h5ad");
await saveDownloadedH5ad(page, webFile);
await browser.close();
server.close();

// CLI, same data and seed, after the browser is closed.
const cliFile = join(dir, "cli.h5ad");
const t1 = performance.now();
const out = execFileSync(
  process.execPath,
  [cliBin, "velocity", "--json", "--no-png", "--quiet", "-o", cliFile, "--report", join(dir, "cli.html"), ...extra],
  { encoding: "utf8" },
);
const cliSeconds = (performance.now() - t1) / 1000;
const cliSummary = JSON.parse(out);

const [web, cli] = [await readH5ad(webFile), await readH5ad(cliFile)];
let worst = 0;
if (web.obs.has("latent_time")) {
  const a = web.obs.numbers("latent_time");
  const b = cli.obs.numbers("latent_time");
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
}
const sizeOf = (p: string): number => statSync(p).size;
/** Seconds per step from a report's timings table. */
function timings(html: string): Map<string, number> {
  const table = html.slice(html.indexOf('<table class="timings">'));
  const rows = [...table.matchAll(/<th scope="row">([^<]+)<\/th><td class="num">([^<]+)<\/td>/g)];
  const seconds = (t: string) =>
    t.endsWith(" ms")
      ? Number.parseFloat(t) / 1000
      : t.includes("min")
        ? 60 * Number.parseFloat(t) + (Number.parseFloat(t.split("min")[1]) || 0)
        : Number.parseFloat(t);
  return new Map(rows.map((m) => [m[1], seconds(m[2])]));
}
console.log(`example (pancreas ${webSummary.cells} × ${webSummary.genes}, ${webSummary.mode})`);
console.log(
  `  browser ${browserSeconds.toFixed(1)} s (click → done; worker's own ${webSummary.seconds.toFixed(1)} s) | CLI ${cliSeconds.toFixed(1)} s (process) | ratio ${(browserSeconds / cliSeconds).toFixed(2)}×`,
);
for (const key of Object.keys(cliSummary.metrics))
  console.log(
    `  ${key.padEnd(20)} browser ${webSummary.metrics[key]?.toFixed(6)}  CLI ${cliSummary.metrics[key].toFixed(6)}  Δ ${Math.abs(webSummary.metrics[key] - cliSummary.metrics[key]).toExponential(1)}`,
  );
const [webSteps, cliSteps] = [timings(webReport), timings(readFileSync(join(dir, "cli.html"), "utf8"))];
console.log("  step                 browser      CLI   ratio");
for (const [step, t] of cliSteps) {
  const w = webSteps.get(step) ?? Number.NaN;
  console.log(
    `  ${step.padEnd(20)} ${w.toFixed(1).padStart(7)} s ${t.toFixed(1).padStart(6)} s ${(w / t).toFixed(2).padStart(6)}×`,
  );
}
console.log(`  max |Δ latent time| ${worst.toExponential(1)} over ${web.nObs} cells`);
console.log(
  `  result .h5ad: browser ${(sizeOf(webFile) / 1e6).toFixed(1)} MB, CLI ${(sizeOf(cliFile) / 1e6).toFixed(1)} MB`,
);
if (values.keep) console.log(`  files kept in ${dir}`);
else rmSync(dir, { recursive: true, force: true });
