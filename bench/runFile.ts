/**
 * Runs the cases of one `bench/cases/*.ts` file in this process (spawned by `bench/index.ts`), printing a
 * line per case and its result as JSON after the `BENCH_RESULT ` marker.
 * Usage: runFile.ts <file> [filter]
 */
import { initBackend } from "@diffcell/core";
import { type BenchCase, formatResult, runCase } from "./harness.js";

const [file, filter = ""] = process.argv.slice(2);
await initBackend();
const mod = (await import(`./cases/${file}`)) as { default: () => Promise<BenchCase[]> | BenchCase[] };
for (const c of await mod.default()) {
  if (filter && !`${file} ${c.group} ${c.name}`.toLowerCase().includes(filter.toLowerCase())) {
    c.teardown?.();
    continue;
  }
  const result = await runCase(c);
  console.log(formatResult(result));
  console.log(`BENCH_RESULT ${JSON.stringify({ file, ...result })}`);
}
