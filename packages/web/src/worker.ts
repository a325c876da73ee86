/// <reference lib="dom" />
/**
 * The Web Worker: runs `diffcell velocity` — the CLI's own `main`, the same argument parsing, pipeline,
 * .h5ad writer and report — on h5wasm's in-memory file system (the `fs` shim), with tfjs on its wasm
 * backend. The page posts a file (or asks for the bundled example) and gets progress, the JSON summary,
 * the result .h5ad and the report back; the data never leaves the browser.
 */
import { type CliIo, main } from "@diffcell/cli";
import { tf, threadCount } from "@diffcell/core";
import { dataDir } from "@diffcell/datasets";
import { type AnnData, readH5ad, toDenseFloat32 } from "@diffcell/io";
import { VELOCITY_DEFAULTS } from "@diffcell/pipeline";
import { bundledFontFiles, categoriesOf, clusterColors, phasePortrait } from "@diffcell/plot";
import { kineticsModelNames } from "@diffcell/velocity";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import h5wasm from "h5wasm";
import type { Explore, FromWorker, ObsColumn, RunRequest, ToWorker } from "./protocol.js";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "./shims/fs.js";
import { basename, dirname } from "./shims/path.js";
import { prewarmWorkers } from "./shims/worker_threads.js";

const OUT = "/out";
const RESULT = `${OUT}/result.h5ad`;
const REPORT = `${OUT}/report.html`;

function post(message: FromWorker, transfer: Transferable[] = []): void {
  self.postMessage(message, { transfer });
}

const asset = (path: string) => new URL(path, import.meta.url);

async function fetchBytes(url: URL): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`cannot load ${url.pathname}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

interface Manifest {
  fonts: string[];
  example: string[];
}

let manifest: Promise<Manifest> | undefined;
let started: Promise<void> | undefined;

/** h5wasm's file system, the fonts the plots measure text with, and where tfjs finds its .wasm files. */
function start(): Promise<void> {
  started ??= (async () => {
    await h5wasm.ready;
    setWasmPaths(asset("wasm/").href);
    // tfjs's own wasm threads stay off, as in Node (the CLI's numbers); our kernels use core's pool,
    // whose workers must be running before the first kernel blocks on them.
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    await prewarmWorkers(threadCount() - 1);
    manifest ??= fetch(asset("assets.json")).then((r) => r.json() as Promise<Manifest>);
    const { fonts } = await manifest;
    // The same paths plot computes from its own import.meta.url (the worker's URL once bundled).
    for (const path of bundledFontFiles()) {
      const name = basename(path);
      if (!fonts.includes(name)) throw new Error(`font ${name} missing from the build`);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, await fetchBytes(asset(`fonts/${name}`)));
    }
  })();
  return started;
}

let exampleLoaded = false;

/** The bundled pancreas files, where @diffcell/datasets looks for them. */
async function loadExample(): Promise<void> {
  if (exampleLoaded) return;
  const { example } = await (manifest as Promise<Manifest>);
  const dir = `${dataDir()}pancreas/`;
  mkdirSync(dir, { recursive: true });
  await Promise.all(
    example.map(async (name) => writeFileSync(`${dir}${name}`, await fetchBytes(asset(`data/pancreas/${name}`)))),
  );
  exampleLoaded = true;
}

/** obs columns of an .h5ad (or a .loom's col_attrs), read from the file's structure without loading it. */
export function probeColumns(path: string): ObsColumn[] {
  const file = new h5wasm.File(path, "r");
  try {
    const loom = /\.loom$/i.test(path);
    const group = file.get(loom ? "col_attrs" : "obs");
    if (!(group instanceof h5wasm.Group)) return [];
    const index = loom ? "CellID" : String(group.attrs._index?.value ?? "_index");
    const columns: ObsColumn[] = [];
    for (const name of group.keys()) {
      if (name === index || name === "__categories" || name === "_index") continue;
      const entity = group.get(name);
      if (entity instanceof h5wasm.Group) {
        const categories = entity.get("categories");
        columns.push({
          name,
          kind: categories instanceof h5wasm.Dataset ? "labels" : "numeric",
          ...(categories instanceof h5wasm.Dataset ? { levels: categories.shape?.[0] ?? 0 } : {}),
        });
      } else if (entity instanceof h5wasm.Dataset) {
        const legacy = group.get(`__categories/${name}`);
        const isString = entity.dtype === "S" || String(entity.metadata.type) === "3";
        columns.push({ name, kind: legacy || isString ? "labels" : "numeric" });
      }
    }
    return columns;
  } finally {
    file.close();
  }
}

/** Progress lines as the CLI draws them on a terminal: "stage  ███░░ 42% 3/7 1.2s message". */
const BAR = /^(.+?)\s+[█░]+\s+(\d+)%(?:\s+(\d+)\/(\d+))?\s+([\d.]+)s(.*)$/;

function pageIo(errors: string[]): CliIo & { out: string } {
  const io = {
    out: "",
    isTty: true,
    env: {},
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      for (const piece of text.split(/\r|\n/)) {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's erase-line sequence
        const line = piece.replace(/\x1b\[2K/g, "").trimEnd();
        if (!line) continue;
        const m = BAR.exec(line);
        if (m) {
          const count = m[3] ? `${m[3]}/${m[4]} ` : "";
          post({
            type: "progress",
            stage: m[1].trim(),
            fraction: Number(m[2]) / 100,
            detail: `${count}${m[5]} s${m[6]}`,
          });
        } else {
          if (/^diffcell [a-z]+: /.test(line) && !/: warning: /.test(line)) errors.push(line);
          post({ type: "log", text: line });
        }
      }
    },
  };
  return io;
}

let result: { adata: AnnData; clusters?: string[]; categories?: string[] } | undefined;

async function run(request: RunRequest): Promise<void> {
  await start();
  result = undefined;
  if (existsSync(OUT)) rmSync(OUT, { recursive: true });
  mkdirSync(OUT, { recursive: true });
  const argv = ["velocity", "--json", "--no-png", "-o", RESULT, "--report", REPORT];
  let clusterKey = request.clusterKey;
  if (request.input === "example") {
    await loadExample();
    clusterKey ??= "clusters";
  } else {
    if (existsSync("/in")) rmSync("/in", { recursive: true });
    mkdirSync("/in", { recursive: true });
    const path = `/in/${request.input.name.replace(/[/\\]/g, "_") || "input"}`;
    writeFileSync(path, new Uint8Array(request.input.bytes));
    argv.push("--input", path);
    let columns: ObsColumn[] = [];
    try {
      columns = probeColumns(path);
    } catch {
      // Not readable as HDF5: the CLI's reader names the problem below.
    }
    clusterKey ??= columns.some((c) => c.name === "clusters") ? "clusters" : undefined;
    post({ type: "columns", columns, ...(clusterKey ? { clusterKey } : {}) });
  }
  if (request.clusterKey) argv.push("--cluster-key", request.clusterKey);
  if (request.batchKey) argv.push("--batch-key", request.batchKey);
  if (request.mode) argv.push("--mode", request.mode);
  if (request.seed !== undefined) argv.push("--seed", String(request.seed));
  const errors: string[] = [];
  const io = pageIo(errors);
  const t0 = performance.now();
  const code = await main(argv, io);
  const seconds = (performance.now() - t0) / 1000;
  post({
    type: "log",
    text: `${threadCount()} thread(s)${crossOriginIsolated ? "" : " (page not cross-origin isolated)"}`,
  });
  if (code !== 0) {
    post({ type: "error", message: errors[errors.length - 1] ?? `diffcell velocity exited with code ${code}` });
    return;
  }
  const h5ad = readFileSync(RESULT);
  const bytes = new Uint8Array(h5ad.byteLength);
  bytes.set(h5ad);
  const report = readFileSync(REPORT, "utf8");
  post({ type: "done", summary: io.out.trim(), h5ad: bytes, report, seconds }, [bytes.buffer]);
  try {
    await explore(clusterKey);
  } catch (error) {
    post({
      type: "log",
      text: `interactive view unavailable: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
}

/** The result's UMAP, clusters and latent time for the page's interactive view. */
async function explore(clusterKey: string | undefined): Promise<void> {
  const adata = await readH5ad(RESULT);
  if (!adata.obsm.X_umap) return;
  const clusters = clusterKey && adata.obs.has(clusterKey) ? adata.obs.strings(clusterKey) : undefined;
  // Category order as the report's legends: the column's own order when it is categorical.
  const column = clusters && clusterKey ? adata.obs.get(clusterKey) : undefined;
  const present = new Set(clusters);
  const categories = !clusters
    ? undefined
    : column?.kind === "categorical"
      ? Array.from(column.categories as ArrayLike<string | number>, String).filter((c) => present.has(c))
      : categoriesOf(clusters);
  result = { adata, clusters, categories };
  const order = [...adata.varNames.keys()];
  const velocityGenes = adata.var.has("velocity_genes") ? adata.var.numbers("velocity_genes") : undefined;
  const likelihood = adata.var.has("fit_likelihood") ? adata.var.numbers("fit_likelihood") : undefined;
  const genes = order
    .filter((j) => !velocityGenes || velocityGenes[j])
    .sort((a, b) => (likelihood ? (likelihood[b] || -1) - (likelihood[a] || -1) : 0))
    .map((j) => adata.varNames[j]);
  const view: Explore = {
    umap: toDenseFloat32(adata.obsm.X_umap),
    cells: [...adata.obsNames],
    ...(clusters && categories ? { clusters, colors: Object.fromEntries(clusterColors(categories)) } : {}),
    ...(adata.obs.has("latent_time") ? { latentTime: Float32Array.from(adata.obs.numbers("latent_time")) } : {}),
    genes,
  };
  post({ type: "explore", explore: view });
}

function gene(name: string): void {
  if (!result) return;
  const { adata, clusters, categories } = result;
  const j = adata.varNames.indexOf(name);
  if (j < 0) return;
  const [n, g] = adata.shape;
  const column = (layer: string) => {
    const m = toDenseFloat32(adata.layer(layer));
    return Float32Array.from({ length: n }, (_, i) => m[i * g + j]);
  };
  const velocity = adata.hasLayer("velocity") ? column("velocity") : undefined;
  const gamma = adata.var.has("velocity_gamma") ? adata.var.numbers("velocity_gamma")[j] : undefined;
  const svg = phasePortrait({
    spliced: column("Ms"),
    unspliced: column("Mu"),
    gene: name,
    ...(clusters ? { clusters, categories } : {}),
    ...(velocity?.every(Number.isFinite) ? { velocity } : {}),
    ...(gamma !== undefined && Number.isFinite(gamma) ? { steadyStateSlope: gamma } : {}),
  });
  post({ type: "gene", gene: name, svg });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  const task = message.type === "run" ? run(message) : Promise.resolve(gene(message.gene));
  task.catch((error: unknown) => {
    const text = error instanceof Error ? error.message : String(error);
    post({ type: "error", message: text.replace(/\s*\n\s*/g, " ") });
  });
};

post({
  type: "hello",
  defaults: { mode: VELOCITY_DEFAULTS.mode, seed: VELOCITY_DEFAULTS.seed },
  modes: ["stochastic", ...kineticsModelNames()].sort(),
});
