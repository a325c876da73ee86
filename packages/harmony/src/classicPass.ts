import type { DiversityAttrs } from "./diversity.js";

/** O [B × K, level-major] and S [K] of the current assignments, updated in place. */
export interface BatchClusterStatistics {
  observed: Float64Array;
  sizes: Float64Array;
}

const FLOOR = 1e-8;

/**
 * One soft k-means step of the classic (tape-free) path, fused: for each block of the seeded cell order,
 * remove the block's assignments from O and S, compute the penalty G = (E/(O+E))^θ once, then for every cell
 * of the block the softmax of −d/σ (d = 2(1 − ẑ·y) from the precomputed dot products `dots`, N × K) and the
 * penalised, renormalised assignment, and put it back — the same arithmetic as `softAssign` followed by
 * `diversityPass` (the differentiable path's two kernels) in one sweep over each cell's row. Returns the soft k-means error plus the
 * entropy term of the objective (unscaled), from log R_ik = logit_ik − max_i + log G_{b_i k} − log norm_i:
 * no N·K logarithms with one batch variable.
 *
 * `r` holds the previous assignments on entry and the new ones on exit; `stats` must describe `r` on entry.
 */
export function assignDiversityPass(
  dots: Float64Array,
  sigma: Float64Array,
  k: number,
  r: Float64Array,
  attrs: DiversityAttrs,
  stats: BatchClusterStatistics,
): number {
  const { codes, nVariables: nv, nLevels: nb, proportions, theta, order, blockStarts } = attrs;
  const { observed, sizes } = stats;
  const invS = Float64Array.from(sigma, (v) => 1 / v);
  const penalty = new Float64Array(nb * k);
  const logPenalty = new Float64Array(nb * k);
  const u = new Float64Array(k);
  const logits = new Float64Array(k);
  const weights = new Float64Array(k);
  let objective = 0;
  for (let t = 0; t + 1 < blockStarts.length; t++) {
    const start = blockStarts[t];
    const end = blockStarts[t + 1];
    if (start === end) continue;
    const cells = order.subarray(start, end);
    for (let p = 0; p < cells.length; p++) {
      const row = cells[p] * k;
      for (let q = 0; q < nv; q++) {
        const lb = codes[cells[p] * nv + q] * k;
        for (let c = 0; c < k; c++) observed[lb + c] -= r[row + c];
      }
      for (let c = 0; c < k; c++) sizes[c] -= r[row + c];
    }
    for (let b = 0; b < nb; b++) {
      const pb = proportions[b];
      const th = theta[b];
      for (let c = 0; c < k; c++) {
        const idx = b * k + c;
        const e = pb * sizes[c];
        const ratio = Math.min(1, Math.max(FLOOR, e / Math.max(observed[idx] + e, FLOOR)));
        const logRatio = Math.log(ratio);
        penalty[idx] = th === 0 ? 1 : th === 2 ? ratio * ratio : ratio ** th;
        logPenalty[idx] = th * logRatio;
      }
    }
    for (let p = 0; p < cells.length; p++) {
      const i = cells[p];
      const row = i * k;
      const dRow = row;
      let max = Number.NEGATIVE_INFINITY;
      for (let c = 0; c < k; c++) {
        const logit = -2 * (1 - dots[dRow + c]) * invS[c];
        logits[c] = logit;
        if (logit > max) max = logit;
      }
      // The objective needs only kmeansError + entropy = Σ_k s_k R_ik (log w_ik − shift_i): with d = −s·logit
      // the distance terms cancel (log R = logit − max + log w − log norm, shift = max + log norm).
      let weighted = 0;
      let logTerm = 0;
      if (nv === 1) {
        const lb = codes[i] * k;
        let total = 0;
        for (let c = 0; c < k; c++) {
          const v = Math.exp(logits[c] - max) * penalty[lb + c];
          u[c] = v;
          total += v;
        }
        const norm = total > 0 ? total : 1;
        const inv = 1 / norm;
        for (let c = 0; c < k; c++) {
          const v = u[c] * inv;
          r[row + c] = v;
          sizes[c] += v;
          observed[lb + c] += v;
          const sv = sigma[c] * v;
          weighted += sv;
          logTerm += sv * logPenalty[lb + c];
        }
        objective += logTerm - (max + Math.log(norm)) * weighted;
        continue;
      }
      // Several batch variables: w_ik = Σ_v G_{b_iv k} (R's matrix product with Φ).
      let total = 0;
      for (let c = 0; c < k; c++) {
        let w = 0;
        for (let q = 0; q < nv; q++) w += penalty[codes[i * nv + q] * k + c];
        weights[c] = w;
        const v = Math.exp(logits[c] - max) * w;
        u[c] = v;
        total += v;
      }
      const norm = total > 0 ? total : 1;
      const inv = 1 / norm;
      for (let c = 0; c < k; c++) {
        const v = u[c] * inv;
        r[row + c] = v;
        sizes[c] += v;
        const sv = sigma[c] * v;
        weighted += sv;
        logTerm += sv * Math.log(weights[c]);
      }
      for (let q = 0; q < nv; q++) {
        const lb = codes[i * nv + q] * k;
        for (let c = 0; c < k; c++) observed[lb + c] += r[row + c];
      }
      objective += logTerm - (max + Math.log(norm)) * weighted;
    }
  }
  return objective;
}
