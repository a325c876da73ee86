import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { parseDelimited, readCsv } from "../index.js";

const dir = mkdtempSync(join(tmpdir(), "diffcell-csv-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("readCsv", () => {
  it("parses quotes, infers numeric columns and uses the index column", () => {
    const path = join(dir, "meta.csv.gz");
    writeFileSync(path, gzipSync('cell,name,score\nA,"Ngn3 low, EP",1.5\nB,"say ""hi""",\nC,Beta,-2e3\n'));
    const df = readCsv(path, { index: "cell" });
    expect(df.index).toEqual(["A", "B", "C"]);
    expect(df.strings("name")).toEqual(["Ngn3 low, EP", 'say "hi"', "Beta"]);
    const score = df.numbers("score");
    expect([score[0], Number.isNaN(score[1]), score[2]]).toEqual([1.5, true, -2000]);
    expect(df.get("name").kind).toBe("string");
  });

  it("reads tab-separated files and reports ragged rows by line", () => {
    const path = join(dir, "t.tsv");
    writeFileSync(path, "a\tb\n1\t2\n3\n");
    expect(() => readCsv(path)).toThrow(/t\.tsv:line 3: has 1 fields; the header has 2/);
    expect(parseDelimited("x\ty\r\n1\t2", "\t")).toEqual([
      ["x", "y"],
      ["1", "2"],
    ]);
  });
});
