/**
 * The README examples run verbatim: every ```ts block of README.md and packages/*\/README.md is written to a
 * file and imported (through vitest, so `@diffcell/*` resolves to the sources, as in every other test),
 * with a fresh temporary folder as the working directory for the files an example writes.
 *
 * A ```ts block whose first line starts with `// sketch` is an outline with parts left out on purpose and is
 * not run; ```sh and ```text blocks are commands and output, not run. A block without a language is an error,
 * so nothing is skipped by accident.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const scratch = join(root, "scripts", ".readme-examples");
const readmes = [
  "README.md",
  ...readdirSync(join(root, "packages"))
    .map((p) => `packages/${p}/README.md`)
    .filter((p) => existsSync(join(root, p))),
];

interface Block {
  language: string;
  line: number;
  code: string;
}

function codeBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith("```"); i++) body.push(lines[i]);
    blocks.push({ language: open[1], line: start + 1, code: body.join("\n") });
  }
  return blocks;
}

const isSketch = (block: Block) => /^\s*\/\/ sketch/.test(block.code);

describe("README code blocks", () => {
  it("every block names its language (ts, sh or text)", () => {
    const unlabelled = readmes.flatMap((readme) =>
      codeBlocks(readFileSync(join(root, readme), "utf8"))
        .filter((b) => !["ts", "sh", "text"].includes(b.language))
        .map((b) => `${readme}:${b.line} (${b.language || "no language"})`),
    );
    expect(unlabelled).toEqual([]);
  });

  it("finds the examples (the extractor itself)", () => {
    expect(codeBlocks("a\n```ts\nconst x = 1;\n```\n```sh\nls\n```\n")).toEqual([
      { language: "ts", line: 2, code: "const x = 1;" },
      { language: "sh", line: 5, code: "ls" },
    ]);
  });
});

/** Every runnable block as a file in the scratch folder (named after its README and line). */
function writeExamples(): Array<{ name: string; file: string }> {
  mkdirSync(scratch, { recursive: true });
  return readmes.flatMap((readme) =>
    codeBlocks(readFileSync(join(root, readme), "utf8"))
      .filter((b) => b.language === "ts" && !isSketch(b))
      .map((b) => {
        const file = join(scratch, `${readme.replace(/[/.]/g, "_")}_${b.line}.ts`);
        writeFileSync(file, `${b.code}\nexport {};\n`);
        return { name: `${readme}:${b.line}`, file };
      }),
  );
}

it("the examples type-check (strict, as a user's project with the published types would)", () => {
  const examples = writeExamples();
  writeFileSync(
    join(scratch, "tsconfig.json"),
    JSON.stringify({
      extends: "../../tsconfig.json",
      compilerOptions: { noEmit: true, noUnusedLocals: false },
      include: examples.map((e) => e.file),
    }),
  );
  const tsc = spawnSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", scratch], {
    encoding: "utf8",
  });
  const errors = tsc.stdout.replaceAll(`${scratch}/`, "").trim();
  expect(errors, "type errors in README examples (file = README path with _ and the line)").toBe("");
});

for (const readme of readmes) {
  const blocks = codeBlocks(readFileSync(join(root, readme), "utf8")).filter((b) => b.language === "ts");
  if (blocks.length === 0) continue;
  describe(readme, () => {
    for (const block of blocks) {
      const name = `${readme}:${block.line}`;
      if (isSketch(block)) {
        it.skip(`${name} (a sketch, not run)`, () => {});
        continue;
      }
      it(`${name} runs verbatim`, async () => {
        const file = writeExamples().find((e) => e.name === name)!.file;
        const cwd = process.cwd();
        const work = mkdtempSync(join(tmpdir(), "diffcell-readme-"));
        process.chdir(work);
        try {
          await import(pathToFileURL(file).href);
        } finally {
          process.chdir(cwd);
          rmSync(work, { recursive: true, force: true });
        }
      });
    }
  });
}
