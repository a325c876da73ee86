/** The options of `diffcell velocity`: names, kinds, ranges (checked up front) and help text. */
import { JOINT_DEFAULTS, NEIGHBOR_DEFAULTS, PREPROCESS_DEFAULTS, VELOCITY_DEFAULTS } from "@diffcell/pipeline";
import { kineticsModelNames } from "@diffcell/velocity";
import type { CommandSpec } from "./args.js";

export const velocitySpec: CommandSpec = {
  name: "velocity",
  summary:
    "RNA velocity on spliced/unspliced counts: scVelo's preprocessing, the differentiable velocity model, velocity graph, UMAP projection, confidence, latent time and pseudotime.",
  usage:
    "diffcell velocity [--input FILE|DIR] [--output out.h5ad|out.loom] [--compression gzip|none] [--report report.html] [--cluster-key clusters] [--batch-key KEY] [--mode dynamical|standard|stochastic] [--seed N] [--epochs N]",
  flags: {
    input: {
      kind: "string",
      value: "FILE|DIR",
      short: "i",
      description: ".h5ad, .loom, or a folder with spliced/ and unspliced/ 10x output (default: bundled pancreas)",
    },
    output: {
      kind: "string",
      value: "FILE",
      short: "o",
      description: "write the result as .h5ad (scVelo's keys) or .loom (layers, attributes, graphs; no uns)",
    },
    compression: {
      kind: "string",
      choices: ["gzip", "none"],
      description: "compression of the output's numeric datasets (default none, as anndata)",
    },
    report: { kind: "string", value: "FILE", description: "write an HTML report (figures also as SVG/PNG beside it)" },
    "cluster-key": {
      kind: "string",
      value: "KEY",
      description: 'obs column with cluster labels (default "clusters" if present)',
    },
    "batch-key": {
      kind: "string",
      value: "KEY",
      description: "obs column with batches: Harmony and velocity in one optimisation",
    },
    mode: {
      kind: "string",
      value: "MODE",
      choices: ["stochastic", ...kineticsModelNames()].sort(),
      description: "velocity model (default dynamical; stochastic = scVelo's steady-state baseline)",
    },
    seed: { kind: "integer", min: 0, max: 2 ** 31 - 1, description: "random seed (default 0)" },
    epochs: {
      kind: "integer",
      min: 1,
      max: 100000,
      description: `training epochs (default ${VELOCITY_DEFAULTS.epochs}; above ${VELOCITY_DEFAULTS.epochCells} cells ${VELOCITY_DEFAULTS.epochs}·${VELOCITY_DEFAULTS.epochCells}/cells, at least ${VELOCITY_DEFAULTS.minEpochs})`,
    },
    edges: {
      kind: "string",
      value: "'A>B;B>C'",
      description:
        "known transitions for CBDir/ICCoh and time-order checks (default for bundled pancreas: its lineage)",
    },
    restarts: {
      kind: "integer",
      min: 1,
      max: 20,
      description: `model fits from different starts, lowest loss kept (default ${VELOCITY_DEFAULTS.restarts})`,
    },
    "joint-steps": {
      kind: "integer",
      min: 0,
      max: 10000,
      description: `with --batch-key: joint Harmony + velocity steps after the two-stage fit; 0 = Harmony, then velocity (default ${JOINT_DEFAULTS.jointSteps})`,
    },
    "initial-time": {
      kind: "string",
      choices: ["pseudotime", "random"],
      description: `where latent time starts: the steady-state velocity pseudotime, oriented once, or a random start (default ${VELOCITY_DEFAULTS.initialTime})`,
    },
    "velocity-units": {
      kind: "string",
      choices: ["gene", "latent"],
      description: `model velocity per shared latent time or rescaled per gene (default ${VELOCITY_DEFAULTS.velocityUnits})`,
    },
    "graph-metric": {
      kind: "string",
      choices: ["standardized", "expression"],
      description: `velocity graph on per-gene standardised or on linear expression, as scVelo (default ${VELOCITY_DEFAULTS.graphMetric})`,
    },
    "min-shared-counts": {
      kind: "integer",
      min: 0,
      description: `gene filter (default ${PREPROCESS_DEFAULTS.minSharedCounts})`,
    },
    "n-top-genes": {
      kind: "integer",
      min: 2,
      description: `highly variable genes (default ${PREPROCESS_DEFAULTS.nTopGenes})`,
    },
    "n-pcs": {
      kind: "integer",
      min: 2,
      max: 200,
      description: `principal components (default ${PREPROCESS_DEFAULTS.nPcs})`,
    },
    "n-neighbors": {
      kind: "integer",
      min: 2,
      max: 200,
      description: `neighbours incl. the cell itself (default ${NEIGHBOR_DEFAULTS.nNeighbors})`,
    },
    genes: {
      kind: "string",
      value: "A,B,…",
      description: "genes for the report's phase portraits (default: the top 6 by fit likelihood)",
    },
    "no-umap": { kind: "boolean", description: "skip UMAP and the embedding projection" },
    "no-png": { kind: "boolean", description: "report figures as SVG only" },
    json: { kind: "boolean", description: "print the summary as JSON instead of one line" },
    quiet: { kind: "boolean", short: "q", description: "no progress output" },
  },
  notes: [
    "Metrics (with --edges and clusters): CBDir (cross-boundary direction correctness, PCA and UMAP neighbours),",
    "ICCoh (in-cluster coherence), Spearman of latent time / velocity pseudotime with the order implied by the edges.",
  ],
};
