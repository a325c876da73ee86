import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));
const packages = readdirSync(`${root}packages`).filter((name) => {
  try {
    readFileSync(`${root}packages/${name}/package.json`);
    return true;
  } catch {
    return false;
  }
});
const SCOPE = "@diffcell/";

interface Manifest {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}
const manifest = (name: string): Manifest =>
  JSON.parse(readFileSync(`${root}packages/${name}/package.json`, "utf8")) as Manifest;
const scoped = (deps: Record<string, string> | undefined): string[] =>
  Object.keys(deps ?? {})
    .filter((d) => d.startsWith(SCOPE))
    .map((d) => d.slice(SCOPE.length));

/**
 * The @diffcell packages a package's tests may load: itself, what its package.json declares (dependencies,
 * peerDependencies, devDependencies), and what those need at run time (their dependencies and
 * peerDependencies, transitively), since their sources are loaded too. Anything else is undeclared.
 */
function reachable(name: string): Set<string> {
  const own = manifest(name);
  const out = new Set<string>([name]);
  const queue = [...scoped(own.dependencies), ...scoped(own.peerDependencies), ...scoped(own.devDependencies)];
  while (queue.length) {
    const next = queue.pop() as string;
    if (out.has(next)) continue;
    out.add(next);
    const m = manifest(next);
    queue.push(...scoped(m.dependencies), ...scoped(m.peerDependencies));
  }
  return out;
}

// Tests import sibling packages from source, so `npm test` needs no build (core's light subpaths too).
function aliasFor(allowed: Iterable<string>) {
  const names = [...allowed];
  return [
    ...(names.includes("core")
      ? [{ find: /^@diffcell\/core\/(errors|stats|matrices)$/, replacement: `${root}packages/core/src/$1.ts` }]
      : []),
    ...names.map((name) => ({
      find: new RegExp(`^@diffcell/${name}$`),
      replacement: `${root}packages/${name}/src/index.ts`,
    })),
  ];
}

/** Fails an import of an @diffcell package the project does not declare (instead of loading its built dist). */
function declaredOnly(project: string, allowed: Set<string>): Plugin {
  return {
    name: "diffcell-declared-dependencies",
    enforce: "pre",
    resolveId(source) {
      const match = /^@diffcell\/([^/]+)/.exec(source);
      if (!match || allowed.has(match[1])) return null;
      throw new Error(
        `${source} is not a declared dependency of @diffcell/${project}: add "${SCOPE}${match[1]}" to ` +
          `packages/${project}/package.json (devDependencies if only tests use it), keeping the dependency direction`,
      );
    },
  };
}

/**
 * `npm run test:fast` (DIFFCELL_TEST_TIER=fast) leaves out these files: the sum of their tests' durations was
 * 6 s or more on 2 cores (measured once with `npx vitest run --reporter=verbose`; the figure beside each).
 * Everything else is the edit-loop tier; `npm test` runs all. A new test file slower than that belongs here.
 */
const SLOW_FILES: string[] = [
  "packages/velocity/src/velocity.test.ts", // 164 s
  "scripts/readme-examples.test.ts", // 125 s
  "packages/pipeline/src/harmonyVelocity.test.ts", // 125 s
  "packages/pipeline/src/batchVelocity.test.ts", // 74 s
  "packages/cli/src/cli.test.ts", // 39 s
  "packages/velocity/src/initialTime.test.ts", // 29 s
  "packages/pp/src/umap-quality.test.ts", // 26 s
  "packages/cli/src/chromium.test.ts", // 23 s
  "packages/pp/src/neighbors/neighbors.test.ts", // 9 s
  "packages/core/src/lean.test.ts", // 9 s
  "packages/plot/src/report.test.ts", // 8 s
  "packages/datasets/src/pancreasBatches.test.ts", // 8 s
  "packages/io/src/h5ad/h5ad.test.ts", // 8 s
  "packages/cli/src/output.test.ts", // 8 s
  "packages/core/src/optim/optim.test.ts", // 8 s
  "packages/pp/src/umap.test.ts", // 8 s
  "packages/velocity/src/kinetics/threads.test.ts", // 7 s
  "packages/harmony/src/harmony.test.ts", // 6 s
  "packages/cli/src/report.test.ts", // 6 s
  "packages/cli/src/scvelo-keys.test.ts", // a full pipeline run when python3-anndata is installed (skipped otherwise)
];
const fast = process.env.DIFFCELL_TEST_TIER === "fast";
/** The slow files of one project, relative to its root (vitest matches exclude globs there). */
const excludeFor = (prefix: string): string[] => [
  "**/node_modules/**",
  ...(fast ? SLOW_FILES.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)) : []),
];
const allPackages = new Set(packages);

export default defineConfig({
  test: {
    pool: "forks",
    // The fast tier also runs both cores and reuses each worker's loaded modules (TensorFlow.js, the wasm
    // backend) across files: 51 files in ~50 s instead of ~150 s. `npm test` keeps every file isolated.
    ...(fast ? { maxWorkers: 2 } : {}),
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      // Repository-level checks: the README examples (every package's README, so every package).
      {
        resolve: { alias: aliasFor(allPackages) },
        test: {
          name: "docs",
          root,
          include: ["scripts/**/*.test.ts"],
          exclude: excludeFor(""),
          isolate: !fast,
          setupFiles: [`${root}vitest.setup.ts`],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      ...packages.map((name) => {
        const allowed = reachable(name);
        return {
          plugins: [declaredOnly(name, allowed)],
          resolve: { alias: aliasFor(allowed) },
          test: {
            name,
            root: `${root}packages/${name}`,
            include: ["src/**/*.test.ts"],
            exclude: excludeFor(`packages/${name}/`),
            isolate: !fast,
            setupFiles: [`${root}vitest.setup.ts`],
            testTimeout: 120_000,
            hookTimeout: 120_000,
          },
        };
      }),
    ],
  },
});
