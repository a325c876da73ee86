import { ShapeError } from "@diffcell/core";
import { finiteColumns } from "./columns.js";

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
  const v = new Float64Array(n * m);
  const norms = new Float64Array(n);
  const length = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let mean = 0;
    for (let c = 0; c < m; c++) mean += (velocity[i * g + keep[c]] * f[c]) / m;
    let s = 0;
    for (let c = 0; c < m; c++) {
      const x = velocity[i * g + keep[c]] * f[c] - mean;
      v[i * m + c] = x;
      s += x * x;
    }
    norms[i] = Math.sqrt(s);
    length[i] = norms[i];
  }
  const confidence = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let count = 0;
    for (let r = 0; r < k; r++) {
      const j = neighbors[i * k + r];
      if (j === i) continue;
      let dot = 0;
      for (let c = 0; c < m; c++) dot += v[i * m + c] * v[j * m + c];
      sum += norms[i] > 0 && norms[j] > 0 ? dot / (norms[i] * norms[j]) : 0;
      count++;
    }
    confidence[i] = count > 0 ? Math.max(sum / count, 0) : 0;
  }
  return { confidence, length };
}
