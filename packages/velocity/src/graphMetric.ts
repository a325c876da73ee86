import { ShapeError } from "@diffcell/core";

/**
 * Velocity and expression in the per-gene standardised metric the velocity graph is computed in by default:
 * both divided, gene by gene, by the standard deviation of the expression over the cells (genes outside
 * `genes` are left as they are; a constant gene keeps scale 1).
 *
 * Why: the velocity graph compares each cell's velocity with its displacements to neighbours by a
 * correlation over genes. In linear expression units a handful of highly expressed genes (insulin,
 * glucagon, ghrelin on pancreas) carry almost all of the variance of both vectors and decide every cosine.
 * Rescaling velocity and displacement by the same factor per gene is a change of coordinates, so the model's
 * statement "x moves along v" is unchanged; only how much each gene counts in the comparison changes — every
 * gene counts in units of its own spread. (Multiplying the velocity alone, as `geneTimeUnits` does, changes
 * its direction relative to the displacements; on pancreas that made CBDir swing between 0.36 and 0.53 with
 * the seed, since a few genes with near-flat fitted velocity were multiplied up to decide it.)
 */
export function standardizedGeneSpace(
  velocity: Float32Array,
  expression: ArrayLike<number>,
  n: number,
  g: number,
  genes: Uint8Array,
): { velocity: Float32Array; expression: Float32Array; scale: Float64Array } {
  if (velocity.length !== n * g) throw new ShapeError("velocity", `[${n}, ${g}]`, `${velocity.length} values`);
  if (expression.length !== n * g) throw new ShapeError("expression", `[${n}, ${g}]`, `${expression.length} values`);
  if (genes.length !== g) throw new ShapeError("genes", `[${g}]`, [genes.length]);
  const scale = standardizedGeneScale(expression, n, g, genes);
  const v = new Float32Array(n * g);
  const x = new Float32Array(n * g);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < g; j++) {
      v[i * g + j] = velocity[i * g + j] * scale[j];
      x[i * g + j] = expression[i * g + j] * scale[j];
    }
  }
  return { velocity: v, expression: x, scale };
}

/**
 * The per-gene factors of {@link standardizedGeneSpace} alone (1 / sd of the expression over the cells for
 * genes in `genes`, else 1): `velocityGraph` and `velocityConfidence` take them as `geneScale` and apply them
 * as they read, so the standardised space is never stored (2 × N × G float32: 1.6 GB at 100k × 2000).
 */
export function standardizedGeneScale(
  expression: ArrayLike<number>,
  n: number,
  g: number,
  genes: Uint8Array,
): Float64Array {
  if (expression.length !== n * g) throw new ShapeError("expression", `[${n}, ${g}]`, `${expression.length} values`);
  if (genes.length !== g) throw new ShapeError("genes", `[${g}]`, [genes.length]);
  const sum = new Float64Array(g);
  const sumSq = new Float64Array(g);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < g; j++) {
      const x = expression[i * g + j];
      sum[j] += x;
      sumSq[j] += x * x;
    }
  }
  const scale = new Float64Array(g).fill(1);
  for (let j = 0; j < g; j++) {
    if (!genes[j]) continue;
    const variance = sumSq[j] / n - (sum[j] / n) ** 2;
    if (variance > 0) scale[j] = 1 / Math.sqrt(variance);
  }
  return scale;
}
