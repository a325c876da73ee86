import type { KineticsModelSpec } from "./registry.js";

/**
 * scVelo's dynamical model: per-gene onset and switch time (induction, then repression), an unspliced
 * capture scale, velocity from the analytic solution at each cell's latent time.
 */
export const dynamical: KineticsModelSpec = {
  name: "dynamical",
  description: "scVelo's dynamical model: induction then repression, velocity at latent time",
  switching: true,
  unsplicedScale: true,
  velocitySource: "model",
};
