import type { KineticsModelSpec } from "./registry.js";

/**
 * The walk-through's model: velocity β·u − γ·s on each cell's observed state, latent time learned through
 * the induction solution (transcription never stops), no unspliced scale.
 */
export const standard: KineticsModelSpec = {
  name: "standard",
  description: "the walk-through's model: velocity on the observed state, induction only",
  switching: false,
  unsplicedScale: false,
  velocitySource: "observed",
};
