import { ShapeError } from "@diffcell/core";

/**
 * Velocities of a shared-latent-time model in each gene's own time units. The model's ds/dt is per unit
 * of one latent time shared by all genes, so a gene that sweeps its whole range in a short stretch of
 * latent time gets a huge velocity and dominates every cosine in the velocity graph, whatever the other
 * genes say. scVelo's dynamical model fits a separate time per gene, which puts each gene's velocity in
 * that gene's own units. Here the same effect, per gene g over the cells:
 *
 *   τ_g = std(s_g) / std(v_g)        (the time gene g needs to move by one spread of its expression)
 *   v'_ig = τ_g · v_ig
 *
 * A positive factor per gene: signs (and every per-gene statement about induction or repression) are
 * unchanged, only the weighting of genes against each other. Genes outside `genes` (NaN velocity) are left
 * as they are; a gene whose velocity does not vary keeps τ = 1. Returns the rescaled copy and τ (NaN for
 * the genes not rescaled).
 */
export function geneTimeUnits(
  velocity: Float32Array,
  spliced: ArrayLike<number>,
  n: number,
  g: number,
  genes: Uint8Array,
): { velocity: Float32Array; timeScale: Float64Array } {
  if (velocity.length !== n * g) throw new ShapeError("velocity", `[${n}, ${g}]`, `${velocity.length} values`);
  if (spliced.length !== n * g) throw new ShapeError("spliced", `[${n}, ${g}]`, `${spliced.length} values`);
  if (genes.length !== g) throw new ShapeError("genes", `[${g}]`, [genes.length]);
  const out = Float32Array.from(velocity);
  const timeScale = new Float64Array(g).fill(Number.NaN);
  const spread = (x: ArrayLike<number>, j: number) => {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += x[i * g + j];
    mean /= n;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (x[i * g + j] - mean) ** 2;
    return Math.sqrt(sum / n);
  };
  for (let j = 0; j < g; j++) {
    if (!genes[j]) continue;
    const sv = spread(velocity, j);
    const ss = spread(spliced, j);
    const tau = sv > 0 && Number.isFinite(sv) && ss > 0 ? ss / sv : 1;
    timeScale[j] = tau;
    for (let i = 0; i < n; i++) out[i * g + j] *= tau;
  }
  return { velocity: out, timeScale };
}
