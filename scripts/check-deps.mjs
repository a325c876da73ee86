#!/usr/bin/env node
/**
 * Every `@diffcell/*` import in a package must be declared in its package.json:
 * - source files (not tests, not test helpers under src/** /testing): in `dependencies` or `peerDependencies`
 *   (a devDependency is not installed for a consumer);
 * - tests (`*.test.ts`) and test helpers: in `dependencies`, `peerDependencies` or `devDependencies`.
 * The declared graph (all three kinds) must have no cycle, so packages point one way (toward core).
 * Run by `npm run lint`; exits 1 with one line per problem.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const packagesDir = join(root, "packages");
const SCOPE = "@diffcell/";

/** `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`, `require("x")`. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["'](@diffcell\/[^"'/]+)(?:\/[^"']*)?["']/g;

function walk(dir, out = []) {
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry === "dist") continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (/\.(?:[cm]?[jt]s|tsx)$/.test(entry) && !entry.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Strips comments (keeping line breaks) so an example in a doc comment is not read as an import. */
function code(text) {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\n]/g, ""))
    .replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

const manifests = new Map();
for (const dir of readdirSync(packagesDir)) {
  const file = join(packagesDir, dir, "package.json");
  try {
    manifests.set(dir, JSON.parse(readFileSync(file, "utf8")));
  } catch {
    // not a package folder
  }
}

const problems = [];
const graph = new Map();
for (const [dir, pkg] of manifests) {
  const runtime = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
  graph.set(
    pkg.name,
    [...runtime, ...dev].filter((name) => name.startsWith(SCOPE)),
  );
  const folders = ["src", "bin"].map((f) => join(packagesDir, dir, f));
  for (const folder of folders) {
    let files;
    try {
      files = walk(folder);
    } catch {
      continue;
    }
    for (const file of files) {
      const rel = relative(root, file);
      const isTest = /\.test\.[cm]?[jt]sx?$/.test(file) || /[\\/]testing[\\/]/.test(rel);
      const text = code(readFileSync(file, "utf8"));
      for (const match of text.matchAll(IMPORT)) {
        const name = match[1];
        if (name === pkg.name) continue;
        if (runtime.has(name)) continue;
        if (isTest && dev.has(name)) continue;
        const line = text.slice(0, match.index).split("\n").length;
        const where = dev.has(name)
          ? "is only a devDependency; source files need it in dependencies"
          : `is not declared in packages/${dir}/package.json (${isTest ? "devDependencies for a test" : "dependencies"})`;
        problems.push(`${rel}:${line}: ${name} ${where}`);
      }
    }
  }
}

// Cycles among the declared @diffcell dependencies (depth-first search, grey/black marks).
const state = new Map();
const stack = [];
function visit(name) {
  state.set(name, "grey");
  stack.push(name);
  for (const next of graph.get(name) ?? []) {
    if (state.get(next) === "grey") {
      problems.push(`dependency cycle: ${[...stack.slice(stack.indexOf(next)), next].join(" → ")}`);
    } else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(name, "black");
}
for (const name of graph.keys()) if (!state.has(name)) visit(name);

if (problems.length) {
  console.error(`check-deps: ${problems.length} undeclared @diffcell import(s) or cycle(s):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`check-deps: ${manifests.size} packages, every @diffcell import declared, no cycle`);
