/**
 * A process killed with SIGINT/SIGTERM while a temporary output exists removes it and ends with 130/143.
 * The child is a real Node process (tsx) that registers a temp file and waits to be killed.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, onTestFinished } from "vitest";
import { liveTemps, registerTemp, removeTemp, sweepStale, tempPathFor } from "./temp.js";

const root = fileURLToPath(new URL("../../../../", import.meta.url));
const tsx = join(root, "node_modules", ".bin", "tsx");

/** A fresh temporary folder, removed when the current test finishes. */
function testDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "diffcell-temp-"));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function killedWith(signal: "SIGINT" | "SIGTERM"): Promise<{ code: number | null; tmp: string; exists: boolean }> {
  const dir = testDir();
  const script = join(dir, "child.ts");
  const tempModule = fileURLToPath(new URL("./temp.ts", import.meta.url));
  writeFileSync(
    script,
    `import { writeFileSync } from "node:fs";
import { registerTemp, tempPathFor } from ${JSON.stringify(tempModule)};
const tmp = tempPathFor(${JSON.stringify(join(dir, "out.h5ad"))});
writeFileSync(tmp, "partial");
registerTemp(tmp);
console.log(tmp);
setInterval(() => {}, 1000);
`,
  );
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, [script], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    let tmp = "";
    child.stdout.on("data", (chunk: Buffer) => {
      tmp += chunk.toString();
      if (tmp.endsWith("\n")) child.kill(signal);
    });
    child.on("error", reject);
    child.on("exit", (code) => {
      const path = tmp.trim();
      resolve({ code, tmp: path, exists: existsSync(path) });
    });
  });
}

describe("temporary files", () => {
  it("SIGTERM removes registered temp files and exits 143; SIGINT exits 130", async () => {
    const term = await killedWith("SIGTERM");
    expect(term.tmp).toMatch(/\.out\.h5ad\.[\w-]+\.\d+\.\d+\.tmp$/);
    expect(term.exists).toBe(false);
    expect(term.code).toBe(143);
    const int = await killedWith("SIGINT");
    expect(int.exists).toBe(false);
    expect(int.code).toBe(130);
  });

  it("removeTemp forgets and deletes; the registry is empty afterwards", () => {
    const dir = testDir();
    const tmp = tempPathFor(join(dir, "x.tsv"));
    writeFileSync(tmp, "x");
    registerTemp(tmp);
    expect(liveTemps()).toContain(tmp);
    removeTemp(tmp);
    expect(existsSync(tmp)).toBe(false);
    expect(liveTemps()).not.toContain(tmp);
  });

  it("a run killed outright leaves files the next run in that folder removes: only this host's, of dead processes", () => {
    const dir = testDir();
    // A process id that is certainly gone: a child that has exited (and been reaped).
    const dead = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" }).stdout.trim();
    const host = hostname().replace(/[^A-Za-z0-9_-]/g, "_");
    const files = {
      staleSpill: `.diffcell-spill.${host}.${dead}.0.bin`,
      staleOutput: `.out.h5ad.${host}.${dead}.3.tmp`,
      liveSpill: `.diffcell-spill.${host}.${process.pid}.0.bin`, // this process: running
      otherHost: `.diffcell-spill.elsewhere.${dead}.0.bin`, // cannot be checked from here
      notOurs: `.notes.${host}.${dead}.0.bin`, // a .bin without our prefix
      userFile: "out.h5ad",
    };
    for (const name of Object.values(files)) writeFileSync(join(dir, name), "x");
    expect(sweepStale(dir).sort()).toEqual([files.staleOutput, files.staleSpill].sort());
    expect(readdirSync(dir).sort()).toEqual([files.liveSpill, files.otherHost, files.notOurs, files.userFile].sort());
    // The first temporary file registered in a folder sweeps it.
    writeFileSync(join(dir, files.staleSpill), "x");
    const tmp = tempPathFor(join(dir, "next.h5ad"));
    expect(tmp).toContain(`.${host}.${process.pid}.`);
    registerTemp(tmp);
    removeTemp(tmp);
    expect(existsSync(join(dir, files.staleSpill))).toBe(false);
    expect(existsSync(join(dir, files.userFile))).toBe(true);
  });
});
