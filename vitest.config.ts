import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = fileURLToPath(new URL(".", import.meta.url));
const packages = readdirSync(`${root}packages`);

// Tests import sibling packages from source, so `npm test` needs no build (core's light subpaths too).
const alias = [
  { find: /^@diffcell\/core\/(errors|stats|matrices)$/, replacement: `${root}packages/core/src/$1.ts` },
  ...packages.map((name) => ({ find: `@diffcell/${name}`, replacement: `${root}packages/${name}/src/index.ts` })),
];

export default defineConfig({
  resolve: { alias },
  test: {
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      // Repository-level checks: the README examples.
      {
        resolve: { alias },
        test: {
          name: "docs",
          root,
          include: ["scripts/**/*.test.ts"],
          setupFiles: [`${root}vitest.setup.ts`],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      ...packages.map((name) => ({
        resolve: { alias },
        test: {
          name,
          root: `${root}packages/${name}`,
          include: ["src/**/*.test.ts"],
          setupFiles: [`${root}vitest.setup.ts`],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      })),
    ],
  },
});
