/**
 * The bad-input corpus (testing/corpus.ts): each case's typed error or exit code and message, inputs
 * byte-identical afterwards, no temporary file left (on disk or in io's registry).
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { liveTemps } from "@diffcell/io";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allCases } from "./testing/corpus.js";
import { type Fixtures, makeFixtures } from "./testing/fixtures.js";

const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const tempsUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (name.endsWith(".tmp")) return [full];
    return statSync(full).isDirectory() ? tempsUnder(full) : [];
  });

const dir = mkdtempSync(join(tmpdir(), "diffcell-corpus-"));
let fx: Fixtures;
beforeAll(async () => {
  fx = await makeFixtures(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases = allCases();

describe("bad-input corpus", () => {
  it("has at least 100 cases with distinct names", () => {
    expect(cases.length).toBeGreaterThanOrEqual(100);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  for (const c of cases)
    it(`${c.kind}: ${c.name}`, async () => {
      const inputs = c.inputs(fx);
      const before = inputs.map(sha);
      const outcome = await c.run(fx);
      if (c.kind === "library") {
        const error = outcome.error as Error | undefined;
        expect(error, "an error was expected").toBeInstanceOf(Error);
        expect((error as Error).constructor.name).toBe(c.expect.error);
        for (const m of c.expect.message) expect((error as Error).message).toMatch(m);
        if (c.expect.warning) expect(outcome.warnings?.join("\n")).toMatch(c.expect.warning);
      } else {
        expect(outcome.code, outcome.stderr).toBe(c.expect.code);
        const lines = (outcome.stderr ?? "").trim().split("\n");
        // One line, starting with the command, no stack trace.
        expect(lines.filter((l) => l.startsWith("diffcell"))).toHaveLength(1);
        expect(outcome.stderr).not.toMatch(/\n\s+at |internal error/);
        for (const m of c.expect.message) expect(lines.at(-1)).toMatch(m);
      }
      expect(inputs.map(sha)).toEqual(before);
      expect(tempsUnder(fx.dir)).toEqual([]);
      expect(liveTemps()).toEqual([]);
    });
});
