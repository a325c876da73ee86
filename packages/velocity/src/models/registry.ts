import { ConfigError } from "@diffcell/core";

/**
 * A kinetics model: what the velocity model learns per gene and how its analytic trajectory runs. The
 * fused kernels evaluate the ODE du/dt = α − βu, ds/dt = βu − γs from each gene's onset; the flags below
 * select which parts a model uses, so a new model is one file with one of these plus one registration line
 * (see models/index.ts and docs/architecture.md).
 */
export interface KineticsModelSpec {
  /** The name `VelocityConfig.kineticsModel` (and `diffcell velocity --mode`) selects it by. */
  readonly name: string;
  readonly description: string;
  /** Transcription stops at onset + duration (induction, then repression); else it never stops. */
  readonly switching: boolean;
  /** Learns a per-gene unspliced capture scale c (observed unspliced ≈ c·u); else c = 1. */
  readonly unsplicedScale: boolean;
  /** Default `VelocityConfig.velocitySource`: the observed state, or the model's state at latent time. */
  readonly velocitySource: "observed" | "model";
}

const registry = new Map<string, KineticsModelSpec>();

/** Makes a model selectable by name. A second model with the same name is an error. */
export function registerKineticsModel(spec: KineticsModelSpec): void {
  if (registry.has(spec.name)) throw new ConfigError("registerKineticsModel", "name", "a new name", spec.name);
  registry.set(spec.name, spec);
}

/** The registered model called `name`; a `ConfigError` lists the names otherwise. */
export function kineticsModel(name: string): KineticsModelSpec {
  const spec = registry.get(name);
  if (!spec) {
    const known = [...registry.keys()].map((k) => JSON.stringify(k)).join(", ");
    throw new ConfigError("VelocityConfig", "kineticsModel", `one of ${known}`, name);
  }
  return spec;
}

/** Names of the registered models, in registration order. */
export function kineticsModelNames(): string[] {
  return [...registry.keys()];
}
