/**
 * Builds the static page into packages/web/dist/: the page and worker bundles (esbuild, from the packages'
 * sources, Node built-ins replaced by the shims in src/shims/), tfjs's .wasm binaries, the plot fonts and
 * the bundled pancreas example. `tsx scripts/build.ts` (npm run build -w @diffcell/web).
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
export const webRoot = join(here, "..");
const repo = join(webRoot, "..", "..");
const packages = join(repo, "packages");
const shims = join(webRoot, "src", "shims");
const require = createRequire(join(webRoot, "package.json"));

/** Node built-ins (and the native PNG renderer) → browser shims; @diffcell/* → package sources. */
const SHIMS: Record<string, string> = {
  fs: "fs.ts",
  path: "path.ts",
  url: "url.ts",
  os: "os.ts",
  util: "util.ts",
  zlib: "zlib.ts",
  worker_threads: "worker_threads.ts",
  "@resvg/resvg-js": "resvg.ts",
};

function browserPlugin(): Plugin {
  return {
    name: "diffcell-browser",
    setup(b) {
      b.onResolve({ filter: /^(node:)?(fs|path|url|os|util|zlib|worker_threads)$|^@resvg\/resvg-js$/ }, (args) => ({
        path: join(shims, SHIMS[args.path.replace(/^node:/, "")]),
      }));
      b.onResolve({ filter: /^node:/ }, (args) => ({
        errors: [{ text: `${args.path} has no browser shim (imported by ${relative(repo, args.importer)})` }],
      }));
      // io imports h5wasm's Node build (host file system); the browser build has the in-memory one.
      b.onResolve({ filter: /^h5wasm\/node$/ }, (args) =>
        b.resolve("h5wasm", { kind: args.kind, resolveDir: args.resolveDir }),
      );
      b.onResolve({ filter: /^@diffcell\/core\/(errors|stats|matrices)$/ }, (args) => ({
        path: join(packages, "core", "src", `${args.path.split("/").pop()}.ts`),
      }));
      b.onResolve({ filter: /^@diffcell\/[a-z]+$/ }, (args) => ({
        path: join(packages, args.path.slice("@diffcell/".length), "src", "index.ts"),
      }));
    },
  };
}

function copyDir(from: string, to: string, keep: (name: string) => boolean = () => true): string[] {
  mkdirSync(to, { recursive: true });
  const names = readdirSync(from).filter((name) => statSync(join(from, name)).isFile() && keep(name));
  for (const name of names) copyFileSync(join(from, name), join(to, name));
  return names;
}

function sizeOf(path: string): number {
  const s = statSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0) : s.size;
}

export interface BuildResult {
  outdir: string;
  /** Bytes of everything but the example data. */
  appBytes: number;
  exampleBytes: number;
}

export async function buildWeb(
  options: { outdir?: string; minify?: boolean; quiet?: boolean } = {},
): Promise<BuildResult> {
  const outdir = options.outdir ?? join(webRoot, "dist");
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { main: join(webRoot, "src", "main.ts"), worker: join(webRoot, "src", "worker.ts") },
    outdir,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: options.minify ?? true,
    legalComments: "none",
    logLevel: options.quiet ? "error" : "warning",
    plugins: [browserPlugin()],
    inject: ["process.ts", "buffer-global.ts", "timers.ts"].map((f) => join(shims, f)),
    define: { global: "globalThis" },
  });
  copyDir(join(webRoot, "static"), outdir);
  const wasmDir = join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
  copyDir(wasmDir, join(outdir, "wasm"), (name) => name.endsWith(".wasm"));
  const fonts = copyDir(join(packages, "plot", "fonts"), join(outdir, "fonts"));
  const example = copyDir(join(packages, "datasets", "data", "pancreas"), join(outdir, "data", "pancreas"));
  writeFileSync(join(outdir, "assets.json"), `${JSON.stringify({ fonts, example }, null, 2)}\n`);
  const exampleBytes = sizeOf(join(outdir, "data"));
  const result = { outdir, appBytes: sizeOf(outdir) - exampleBytes, exampleBytes };
  if (!options.quiet)
    console.log(
      `built ${relative(process.cwd(), outdir) || "."}: ${(result.appBytes / 1e6).toFixed(1)} MB page + ${(exampleBytes / 1e6).toFixed(1)} MB example data`,
    );
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildWeb();
