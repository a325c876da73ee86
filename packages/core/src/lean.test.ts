import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("../../../", import.meta.url));
const coreSrc = join(repo, "packages/core/src");

/** Runs an ES module snippet in a fresh Node process (TypeScript sources through tsx); returns its stdout. */
function runFresh(code: string): string {
  return execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, DIFFCELL_BACKEND: "" },
  }).trim();
}

describe("a lean core", () => {
  it("imports errors, stats and matrices without loading TensorFlow.js", () => {
    const out = runFresh(`
      const { InputError } = await import(${JSON.stringify(join(coreSrc, "errors.ts"))});
      const { mean } = await import(${JSON.stringify(join(coreSrc, "stats.ts"))});
      const { matrix, symmetricEigen } = await import(${JSON.stringify(join(coreSrc, "matrices.ts"))});
      const m = matrix(new Float32Array([2, 0, 0, 3]), 2, 2);
      const eig = symmetricEigen(m.data, 2);
      console.log(JSON.stringify({ tf: typeof globalThis._tfengine, error: new InputError("x", "bad").message,
        mean: mean([1, 2, 3]), eig: Array.from(eig.values).sort() }));
    `);
    expect(JSON.parse(out)).toEqual({ tf: "undefined", error: "x: bad", mean: 2, eig: [2, 3] });
  });

  it("chooses no backend on import; initBackend() chooses one on demand", () => {
    const out = runFresh(`
      const core = await import(${JSON.stringify(join(coreSrc, "index.ts"))});
      // engine().backendName / registry are public fields of tfjs's Engine (findBackend would initialise one).
      const engine = core.tf.engine();
      const before = { chosen: engine.backendName ?? null, initialised: Object.keys(engine.registry) };
      const info = await core.initBackend();
      console.log(JSON.stringify({ before, after: info.name, same: (await core.ready()).name === info.name }));
    `);
    const result = JSON.parse(out);
    expect(result.before).toEqual({ chosen: null, initialised: [] });
    expect(["wasm", "tensorflow"]).toContain(result.after);
    expect(result.same).toBe(true);
  });

  it("has no top-level await in any package source (every import stays synchronous)", () => {
    const offenders: string[] = [];
    const packages = join(repo, "packages");
    for (const pkg of readdirSync(packages)) {
      const walk = (dir: string) => {
        for (const entry of readdirSync(dir, { withFileTypes: true })) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) walk(path);
          else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) {
            readFileSync(path, "utf8")
              .split("\n")
              .forEach((line, i) => {
                if (/^(export\s+)?((const|let|var)\s[^=]*=\s*)?(await\b|for await\b)/.test(line))
                  offenders.push(`${path}:${i + 1}`);
              });
          }
        }
      };
      try {
        walk(join(packages, pkg, "src"));
      } catch {
        // a package without src/
      }
    }
    expect(offenders).toEqual([]);
  });
});
