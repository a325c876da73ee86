/// <reference lib="dom" />
/**
 * The page: picks the input (file input, drag and drop, or the bundled example), the cluster/batch key,
 * mode and seed, and runs `diffcell velocity` in a Web Worker (so the page stays responsive; Cancel
 * terminates the worker). Test hooks: `document.body.dataset.status` (idle, running, done, error), the
 * error in `#error`, the JSON summary in `#summary`.
 */
import type { Explore, FromWorker, ObsColumn, RunRequest } from "./protocol.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const fileInput = $<HTMLInputElement>("file");
const drop = $<HTMLLabelElement>("drop");
const clusterSelect = $<HTMLSelectElement>("cluster-key");
const batchSelect = $<HTMLSelectElement>("batch-key");
const modeSelect = $<HTMLSelectElement>("mode");
const seedInput = $<HTMLInputElement>("seed");
const runButton = $<HTMLButtonElement>("run");
const exampleButton = $<HTMLButtonElement>("run-example");
const cancelButton = $<HTMLButtonElement>("cancel");
const state = $<HTMLParagraphElement>("state");
const errorBox = $<HTMLParagraphElement>("error");
const stages = $<HTMLOListElement>("stages");
const log = $<HTMLPreElement>("log");
const results = $<HTMLElement>("results");
const summary = $<HTMLPreElement>("summary");
const report = $<HTMLIFrameElement>("report");
const downloadH5ad = $<HTMLAnchorElement>("download-h5ad");
const downloadReport = $<HTMLAnchorElement>("download-report");
const exploreBox = $<HTMLElement>("explore");
const canvas = $<HTMLCanvasElement>("umap");
const tooltip = $<HTMLDivElement>("tooltip");
const geneSelect = $<HTMLSelectElement>("gene");
const phase = $<HTMLDivElement>("phase");

type Status = "idle" | "running" | "done" | "error";

function setStatus(status: Status, text: string): void {
  document.body.dataset.status = status;
  state.textContent = text;
  const running = status === "running";
  cancelButton.disabled = !running;
  exampleButton.disabled = running;
  runButton.disabled = running || !currentFile;
  fileInput.disabled = running;
}

let worker: Worker | undefined;
let currentFile: File | undefined;
let lastInput: RunRequest["input"] | undefined;
let defaults = { mode: "dynamical", seed: 0 };
const urls: string[] = [];

function startWorker(): Worker {
  const w = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
  w.onmessage = (event: MessageEvent<FromWorker>) => handle(event.data);
  w.onerror = (event) => fail(event.message || "the worker failed to start");
  return w;
}

function fail(message: string): void {
  errorBox.textContent = message.split("\n")[0];
  setStatus("error", "Failed.");
}

function fillSelect(select: HTMLSelectElement, columns: ObsColumn[], keep: string): void {
  const first = select.options[0];
  select.replaceChildren(first);
  for (const c of columns.filter((c) => c.kind === "labels")) {
    const option = document.createElement("option");
    option.value = c.name;
    option.textContent = c.levels ? `${c.name} (${c.levels})` : c.name;
    select.append(option);
  }
  select.value = Array.from(select.options).some((o) => o.value === keep) ? keep : "";
}

const stageRows = new Map<string, { bar: HTMLProgressElement; detail: HTMLSpanElement }>();

function progress(stage: string, fraction: number, detail: string): void {
  let row = stageRows.get(stage);
  if (!row) {
    // A new stage: the ones before it are finished (a stage's last drawn bar can stop short of 100%).
    for (const earlier of stageRows.values()) earlier.bar.value = 1;
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.textContent = stage;
    const bar = document.createElement("progress");
    bar.max = 1;
    const text = document.createElement("span");
    li.append(name, bar, text);
    stages.append(li);
    row = { bar, detail: text };
    stageRows.set(stage, row);
  }
  row.bar.value = fraction;
  row.detail.textContent = `${Math.round(fraction * 100)}% ${detail}`;
  state.textContent = `Running: ${stage}…`;
}

function handle(message: FromWorker): void {
  switch (message.type) {
    case "hello":
      defaults = message.defaults;
      modeSelect.replaceChildren(
        ...message.modes.map((m) => Object.assign(document.createElement("option"), { value: m, textContent: m })),
      );
      modeSelect.value = defaults.mode;
      if (seedInput.value === "") seedInput.value = String(defaults.seed);
      break;
    case "columns":
      fillSelect(clusterSelect, message.columns, clusterSelect.value || message.clusterKey || "");
      fillSelect(batchSelect, message.columns, batchSelect.value);
      break;
    case "progress":
      progress(message.stage, message.fraction, message.detail);
      break;
    case "log":
      log.textContent += `${message.text}\n`;
      break;
    case "done":
      showResult(message.summary, message.h5ad, message.report, message.seconds);
      break;
    case "explore":
      showExplore(message.explore);
      break;
    case "gene":
      if (geneSelect.value === message.gene) phase.innerHTML = message.svg;
      break;
    case "error":
      fail(message.message);
      break;
  }
}

function showResult(text: string, h5ad: Uint8Array, html: string, seconds: number): void {
  for (const url of urls.splice(0)) URL.revokeObjectURL(url);
  const h5adUrl = URL.createObjectURL(new Blob([h5ad as BlobPart], { type: "application/x-hdf5" }));
  const reportUrl = URL.createObjectURL(new Blob([html], { type: "text/html" }));
  urls.push(h5adUrl, reportUrl);
  const stem = lastInput === "example" || !lastInput ? "pancreas" : lastInput.name.replace(/\.(h5ad|loom)$/i, "");
  downloadH5ad.href = h5adUrl;
  downloadH5ad.download = `${stem}-velocity.h5ad`;
  downloadReport.href = reportUrl;
  downloadReport.download = `${stem}-report.html`;
  summary.textContent = text;
  report.srcdoc = html;
  results.hidden = false;
  setStatus("done", `Done in ${seconds.toFixed(1)} s.`);
}

let view: Explore | undefined;
let pixels: Float32Array | undefined;

function showExplore(explore: Explore): void {
  view = explore;
  const ctx = canvas.getContext("2d");
  if (!ctx) return;
  const n = explore.umap.length / 2;
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, explore.umap[2 * i]);
    x1 = Math.max(x1, explore.umap[2 * i]);
    y0 = Math.min(y0, explore.umap[2 * i + 1]);
    y1 = Math.max(y1, explore.umap[2 * i + 1]);
  }
  const pad = 12;
  const sx = (canvas.width - 2 * pad) / (x1 - x0 || 1);
  const sy = (canvas.height - 2 * pad) / (y1 - y0 || 1);
  pixels = new Float32Array(2 * n);
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < n; i++) {
    const px = pad + (explore.umap[2 * i] - x0) * sx;
    const py = canvas.height - pad - (explore.umap[2 * i + 1] - y0) * sy;
    pixels[2 * i] = px;
    pixels[2 * i + 1] = py;
    ctx.fillStyle = explore.clusters ? (explore.colors?.[explore.clusters[i]] ?? "#888") : "#456";
    ctx.beginPath();
    ctx.arc(px, py, 2.2, 0, 2 * Math.PI);
    ctx.fill();
  }
  geneSelect.replaceChildren(
    ...explore.genes
      .slice(0, 300)
      .map((g) => Object.assign(document.createElement("option"), { value: g, textContent: g })),
  );
  exploreBox.hidden = false;
  if (explore.genes.length) showGene(explore.genes[0]);
}

function showGene(gene: string): void {
  geneSelect.value = gene;
  phase.textContent = "…";
  worker?.postMessage({ type: "gene", gene });
}

canvas.addEventListener("mousemove", (event) => {
  if (!view || !pixels) return;
  const rect = canvas.getBoundingClientRect();
  const x = ((event.clientX - rect.left) * canvas.width) / rect.width;
  const y = ((event.clientY - rect.top) * canvas.height) / rect.height;
  let best = -1;
  let bestD = 36;
  for (let i = 0; i < pixels.length / 2; i++) {
    const d = (pixels[2 * i] - x) ** 2 + (pixels[2 * i + 1] - y) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  }
  if (best < 0) {
    tooltip.hidden = true;
    return;
  }
  const parts = [view.cells[best] ?? `cell ${best}`];
  if (view.clusters) parts.push(view.clusters[best]);
  if (view.latentTime) parts.push(`latent time ${view.latentTime[best].toFixed(3)}`);
  tooltip.textContent = parts.join(" · ");
  tooltip.style.left = `${event.clientX - rect.left + 12}px`;
  tooltip.style.top = `${event.clientY - rect.top + 12}px`;
  tooltip.hidden = false;
});
canvas.addEventListener("mouseleave", () => {
  tooltip.hidden = true;
});
geneSelect.addEventListener("change", () => showGene(geneSelect.value));

function run(input: RunRequest["input"]): void {
  worker ??= startWorker();
  lastInput = input;
  errorBox.textContent = "";
  summary.textContent = "";
  log.textContent = "";
  stages.replaceChildren();
  stageRows.clear();
  results.hidden = true;
  exploreBox.hidden = true;
  view = undefined;
  const seed = Number(seedInput.value);
  const request: RunRequest = {
    type: "run",
    input,
    ...(clusterSelect.value ? { clusterKey: clusterSelect.value } : {}),
    ...(batchSelect.value ? { batchKey: batchSelect.value } : {}),
    ...(modeSelect.value ? { mode: modeSelect.value } : {}),
    ...(seedInput.value !== "" && Number.isInteger(seed) && seed >= 0 ? { seed } : {}),
  };
  setStatus("running", "Starting…");
  worker.postMessage(request, input === "example" ? [] : [input.bytes]);
}

async function runFile(file: File): Promise<void> {
  currentFile = file;
  if (lastInput !== "example" && lastInput?.name !== file.name) {
    // A new file: its own columns (the worker reports them) rather than the last file's choices.
    clusterSelect.value = "";
    batchSelect.value = "";
  }
  run({ name: file.name, bytes: await file.arrayBuffer() });
}

fileInput.addEventListener("change", () => {
  const file = fileInput.files?.[0];
  if (file) void runFile(file);
});
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  const file = event.dataTransfer?.files[0];
  if (file && document.body.dataset.status !== "running") void runFile(file);
});
runButton.addEventListener("click", () => {
  if (currentFile) void runFile(currentFile);
});
exampleButton.addEventListener("click", () => {
  for (const select of [clusterSelect, batchSelect]) select.replaceChildren(select.options[0]);
  fillSelect(
    clusterSelect,
    ["clusters", "clusters_coarse"].map((name) => ({ name, kind: "labels" as const })),
    "clusters",
  );
  run("example");
});
cancelButton.addEventListener("click", () => {
  worker?.terminate();
  worker = startWorker();
  setStatus("idle", "Cancelled.");
});

worker = startWorker();
setStatus("idle", "Ready.");
