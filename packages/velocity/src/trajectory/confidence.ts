import { ShapeError } from "@diffcell/core";
import { finiteColumns } from "./columns.js";
import { neighborCosines } from "./neighborCosineKernel.js";

/**
 * scVelo's `velocity_confidence`: velocities centred per cell over the genes used; `length` is the norm
 * of the centred velocity and `confidence` the mean cosine between a cell's velocity and those of its kNN
 * (itself excluded), floored at 0. Genes with a non-finite velocity anywhere are dropped. `geneScale`
 * (length G) multiplies each gene's velocity as it is read (the standardised metric without a copy).
 */
export function velocityConfidence(
  velocity: ArrayLike<number>,
  n: number,
  g: number,
  neighbors: Int32Array,
  genes?: ArrayLike<boolean | number>,
  geneScale?: ArrayLike<number>,
): { confidence: Float32Array; length: Float32Array } {
  if (velocity.length !== n * g) throw new ShapeError("velocity", `[${n}, ${g}]`, `${velocity.length} values`);
  if (geneScale && geneScale.length !== g) throw new ShapeError("geneScale", `[${g}]`, [geneScale.length]);
  const k = neighbors.length / n;
  if (!Number.isInteger(k)) throw new ShapeError("neighbors", `${n} × k indices`, `${neighbors.length} values`);
  const finite = finiteColumns(velocity, n, g, genes);
  const keep: number[] = [];
  for (let j = 0; j < g; j++) if (finite[j]) keep.push(j);
  const m = keep.length;
  const f = Float64Array.from(keep, (j) => (geneScale ? geneScale[j] : 1));
  const length = new Float32Array(n);
  // Centred velocities as float32 rows (one N × m copy; the cosines on the worker pool).
  const { sum, count } = neighborCosines(
    n,
    m,
    (v) => {
      for (let i = 0; i < n; i++) {
        let mean = 0;
        for (let c = 0; c < m; c++) mean += (velocity[i * g + keep[c]] * f[c]) / m;
        let s = 0;
        for (let c = 0; c < m; c++) {
          const x = velocity[i * g + keep[c]] * f[c] - mean;
          v[i * m + c] = x;
          s += x * x;
        }
        length[i] = Math.sqrt(s);
      }
    },
    neighbors,
    { skipSelf: true },
  );
  const confidence = Float32Array.from(sum, (s, i) => (count[i] > 0 ? Math.max(s / count[i], 0) : 0));
  return { confidence, length };
}
