import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { backendInfo } from "@diffcell/core";
import { type BenchCase, formatResult, runCase } from "./harness.js";

const filter = process.argv[2];
const dir = fileURLToPath(new URL("./cases/", import.meta.url));
console.log(`diffcell bench — backend ${backendInfo().name}, node ${process.version}, ${new Date().toISOString()}`);
for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".ts"))
  .sort()) {
  const mod = (await import(`./cases/${file}`)) as { default: () => Promise<BenchCase[]> | BenchCase[] };
  const cases = await mod.default();
  for (const c of cases) {
    if (filter && !`${file} ${c.group} ${c.name}`.toLowerCase().includes(filter.toLowerCase())) continue;
    console.log(formatResult(await runCase(c)));
  }
}
