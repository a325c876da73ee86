/**
 * `npm run bench [-- [filter] [--large] [--json results.json]]`: runs every case file in `bench/cases/` in
 * its own Node process (so each file's peak RSS is its own), prints one line per case (median, min–max,
 * peak RSS, baseline and ratio) and, with `--json`, writes all results to a file. `--large` adds the
 * issue-12 table's big rows (tiled pancreas 3×/9×/27×, simulated 30k/100k; minutes to an hour).
 */
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initBackend, threadCount } from "@diffcell/core";

const args = process.argv.slice(2);
const large = args.includes("--large");
const jsonAt = args.indexOf("--json");
const jsonPath = jsonAt >= 0 ? args[jsonAt + 1] : undefined;
// The first argument that is neither a flag nor the value of --json (none: every case).
const filter = args.find((a, i) => !a.startsWith("--") && (jsonAt < 0 || i !== jsonAt + 1)) ?? "";
const dir = fileURLToPath(new URL("./cases/", import.meta.url));
const runner = fileURLToPath(new URL("./runFile.ts", import.meta.url));
const tsconfig = fileURLToPath(new URL("./tsconfig.json", import.meta.url));
const backend = await initBackend();
const header = {
  backend: backend.name,
  threads: threadCount(),
  node: process.version,
  date: new Date().toISOString(),
  large,
};
console.log(
  `diffcell bench — backend ${backend.name}, ${header.threads} threads, node ${process.version}, ${header.date}`,
);
const results: unknown[] = [];
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .sort()) {
  const child = spawnSync(process.execPath, ["--import", "tsx", runner, file, filter], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig, DIFFCELL_BENCH_LARGE: large ? "1" : "" },
    maxBuffer: 1 << 26,
  });
  for (const line of child.stdout.split("\n")) {
    if (line.startsWith("BENCH_RESULT ")) results.push(JSON.parse(line.slice("BENCH_RESULT ".length)));
    else if (line.trim()) console.log(line);
  }
  if (child.status !== 0) console.log(`${file}: exited with ${child.status ?? child.signal}`);
}
if (jsonPath) {
  writeFileSync(jsonPath, `${JSON.stringify({ ...header, results }, null, 2)}\n`);
  console.log(`results written to ${jsonPath}`);
}
