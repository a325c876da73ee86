#!/usr/bin/env node
/**
 * `npm run test:consumer`: the packages as a user gets them from npm.
 *
 * 1. build every package from an empty dist/ (one `tsc -b` over all projects);
 * 2. `npm pack` each (scripts skipped: the build above is the prepack's build) and check each tarball's file
 *    list (no tests, no .tsbuildinfo, every source map's sources shipped), publint and arethetypeswrong
 *    (ESM-only profile);
 * 3. install the tarballs into a new project in the system temp folder — no workspace, no links; third-party
 *    dependencies come from the npm cache or registry;
 * 4. import every package by name and check it resolved inside that project;
 * 5. type-check scripts/consumer/workflow.ts against the shipped declarations (strict, NodeNext) and run it
 *    (simulate → velocity → Harmony → joint pipeline);
 * 6. run the installed `npx diffcell velocity` on the bundled pancreas data (a few epochs) and read its .h5ad.
 *
 * KEEP=1 keeps the temporary folder. Exit code 1 on the first failure.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => join(root, "node_modules", ".bin", name);
// Published packages only (packages/web is private: a page, not an npm package).
const packages = readdirSync(join(root, "packages")).filter(
  (p) =>
    existsSync(join(root, "packages", p, "package.json")) &&
    JSON.parse(readFileSync(join(root, "packages", p, "package.json"), "utf8")).private !== true,
);
const workspaceFlags = packages.flatMap((p) => ["--workspace", `packages/${p}`]);
const work = mkdtempSync(join(tmpdir(), "diffcell-consumer-"));
const packs = join(work, "packs");
const app = join(work, "app");
const started = performance.now();
let stepStart = started;

let stepName = "";
function step(name) {
  const now = performance.now();
  if (stepName) console.log(`  ${stepName}: ${((now - stepStart) / 1000).toFixed(1)} s`);
  stepStart = now;
  stepName = name;
  console.log(`▶ ${name}`);
}
function run(command, args, options = {}) {
  return execFileSync(command, args, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", ...options });
}
function fail(message) {
  console.error(`✗ ${message}`);
  console.error(`  (files kept in ${work})`);
  process.exit(1);
}

try {
  step("clean build of every package");
  for (const p of packages) rmSync(join(root, "packages", p, "dist"), { recursive: true, force: true });
  run(bin("tsc"), ["-b", ...packages.map((p) => join(root, "packages", p))], { stdio: "inherit" });

  step("npm pack");
  mkdirSync(packs, { recursive: true });
  const packed = JSON.parse(
    run("npm", ["pack", ...workspaceFlags, "--ignore-scripts", "--json", "--pack-destination", packs], { cwd: root }),
  );
  if (packed.length !== packages.length) fail(`packed ${packed.length} packages, expected ${packages.length}`);
  for (const pkg of packed) {
    const files = new Set(pkg.files.map((f) => f.path));
    const junk = [...files].filter((f) => /\.tsbuildinfo$|\.test\.ts$|(^|\/)(testing|testutil)\//.test(f));
    if (junk.length) fail(`${pkg.name} ships build or test files: ${junk.slice(0, 5).join(", ")}`);
    for (const required of ["package.json", "README.md", "LICENSE", "CHANGELOG.md", "dist/index.js", "dist/index.d.ts"])
      if (!files.has(required)) fail(`${pkg.name} does not ship ${required}`);
    const dir = join(root, "packages", pkg.name.replace("@diffcell/", ""));
    for (const map of [...files].filter((f) => f.endsWith(".map"))) {
      const { sources } = JSON.parse(readFileSync(join(dir, map), "utf8"));
      for (const source of sources) {
        const target = relative(dir, join(dir, dirname(map), source));
        if (!files.has(target)) fail(`${pkg.name}: ${map} points at ${target}, which is not shipped`);
      }
    }
    console.log(`  ${pkg.filename}: ${pkg.entryCount} files, ${(pkg.size / 1024).toFixed(0)} kB`);
  }

  step("npm publish --dry-run: the manifests as npm will publish them");
  // npm silently rewrites some fields on publish (and drops e.g. a bin path written "./bin/x.js"); the
  // warning is the only signal, so any auto-correction fails here.
  const publish = spawnSync("npm", ["publish", "--dry-run", "--ignore-scripts", ...workspaceFlags], {
    cwd: root,
    encoding: "utf8",
  });
  const corrected = `${publish.stdout}\n${publish.stderr}`
    .split("\n")
    .filter((l) => /auto-corrected|was invalid|normalized to/.test(l));
  if (publish.status !== 0 || corrected.length)
    fail(`npm publish --dry-run:\n${corrected.join("\n") || publish.stderr}`);
  console.log(`  ${packages.length} manifests publish as written`);

  step("publint and arethetypeswrong on every tarball");
  const { publint } = await import("publint");
  const { formatMessage } = await import("publint/utils");
  const attw = await import("@arethetypeswrong/core");
  for (const pkg of packed) {
    const data = readFileSync(join(packs, pkg.filename));
    const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
    const { messages, pkg: manifest } = await publint({ pack: { tarball }, level: "warning", strict: true });
    if (messages.length)
      fail(`publint ${pkg.name}:\n  ${messages.map((m) => formatMessage(m, manifest)).join("\n  ")}`);
    // ESM-only packages: CommonJS resolutions (node10, node16 from CJS) are out of scope, as attw's esm-only profile.
    const analysis = await attw.checkPackage(attw.createPackageFromTarballData(new Uint8Array(data)));
    if (!analysis.types) fail(`arethetypeswrong ${pkg.name}: no types found`);
    const problems = analysis.problems.filter((p) => !["node10", "node16-cjs"].includes(p.resolutionKind));
    if (problems.length) fail(`arethetypeswrong ${pkg.name}: ${JSON.stringify(problems)}`);
  }
  console.log(`  ${packed.length} packages clean`);

  step("install the tarballs into a fresh project");
  mkdirSync(join(app, "src"), { recursive: true });
  const rootLock = JSON.parse(readFileSync(join(root, "package-lock.json"), "utf8"));
  const typesNode = rootLock.packages["node_modules/@types/node"].version;
  const dependencies = Object.fromEntries(packed.map((p) => [p.name, `file:../packs/${p.filename}`]));
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify(
      {
        name: "diffcell-consumer",
        private: true,
        type: "module",
        dependencies,
        devDependencies: { "@types/node": typesNode },
      },
      null,
      2,
    ),
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], {
    cwd: app,
    stdio: "inherit",
  });
  const lock = JSON.parse(readFileSync(join(app, "package-lock.json"), "utf8"));
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.includes("@diffcell/")) continue;
    if (entry.link || !entry.resolved?.startsWith("file:"))
      fail(`${path} was not installed from a local tarball (${entry.resolved})`);
  }
  for (const p of packed) {
    const dir = join(app, "node_modules", p.name);
    if (lstatSync(dir).isSymbolicLink()) fail(`${p.name} is a link`);
  }

  step("import every package by name");
  const imports = packed.map((p) => p.name);
  const probe = `
    const names = ${JSON.stringify(imports)};
    for (const name of names) {
      const url = import.meta.resolve(name);
      if (!url.startsWith(${JSON.stringify(`file://${app}/node_modules/`)})) throw new Error(name + " resolved to " + url);
      const m = await import(name);
      if (Object.keys(m).length === 0) throw new Error(name + " exports nothing");
      console.log("  " + name + ": " + Object.keys(m).length + " exports");
    }`;
  run(process.execPath, ["--input-type=module", "-e", probe], { cwd: app, stdio: "inherit" });

  step("type-check and run the consumer workflow (simulate → velocity → Harmony → pipeline)");
  cpSync(join(root, "scripts", "consumer", "workflow.ts"), join(app, "src", "workflow.ts"));
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        skipLibCheck: false,
        types: ["node"],
        outDir: "dist",
        rootDir: "src",
      },
      include: ["src"],
    }),
  );
  // Our declarations are checked too (skipLibCheck off); TensorFlow.js's own .d.ts files have errors under
  // strict settings that are not ours to fix, so only errors in src/ and @diffcell/* count.
  try {
    run(bin("tsc"), ["-p", app], { cwd: app });
  } catch (error) {
    const ours = String(error.stdout)
      .split("\n")
      .filter((line) => /^(src\/|node_modules\/@diffcell\/)/.test(line));
    if (ours.length || !error.stdout) fail(`type errors:\n${ours.join("\n") || error}`);
  }
  run(process.execPath, ["dist/workflow.js"], { cwd: app, stdio: "inherit" });

  step("npx diffcell velocity on the bundled data");
  const summary = JSON.parse(
    run(
      "npx",
      [
        "--no-install",
        "diffcell",
        "velocity",
        "--epochs",
        "3",
        "--restarts",
        "1",
        "--output",
        "out/pancreas.h5ad",
        "--report",
        "out/report.html",
        "--json",
        "--quiet",
        "--no-png",
      ],
      { cwd: app },
    ),
  );
  console.log(
    `  ${summary.cells} cells × ${summary.genes} genes, ${summary.seconds.toFixed(1)} s, metrics ${JSON.stringify(summary.metrics)}`,
  );
  if (summary.cells !== 3696) fail(`expected the 3696 bundled pancreas cells, got ${summary.cells}`);
  for (const file of ["out/pancreas.h5ad", "out/report.html", "out/report_figures/velocity_stream.svg"])
    if (!existsSync(join(app, file))) fail(`diffcell velocity did not write ${file}`);
  const check = `
    import { readH5ad } from "@diffcell/io";
    const a = await readH5ad("out/pancreas.h5ad");
    for (const key of ["velocity", "Ms", "Mu"]) if (!a.hasLayer(key)) throw new Error("no layers/" + key);
    if (!a.obs.has("latent_time")) throw new Error("no obs/latent_time");`;
  run(process.execPath, ["--input-type=module", "-e", check], { cwd: app, stdio: "inherit" });
  step("done");
  console.log(`✓ consumer test passed in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (process.env.KEEP !== "1") rmSync(work, { recursive: true, force: true });
  else console.log(`  kept ${work}`);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
