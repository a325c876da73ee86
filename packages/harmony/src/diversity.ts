import { allocLike, customVjp, type HostArray } from "@diffcell/core";

export interface DiversityAttrs {
  /** Global batch level of cell i in variable v at codes[i·V + v] (see `BatchDesign`). */
  codes: Int32Array;
  nVariables: number;
  nLevels: number;
  /** Pr_b, the fraction of cells in each level. */
  proportions: Float64Array;
  /** θ per level. */
  theta: Float64Array;
  /** Cells in update order (a seeded permutation). */
  order: Int32Array;
  /** Block b updates order[blockStarts[b] .. blockStarts[b+1]−1]. */
  blockStarts: Int32Array;
}

/** Per-block state the backward pass replays (matrices level-major: [b·K + k]). */
interface Residuals {
  /** O and S = Σ_i R_i with the block's cells removed, and the penalty G, per block (B·K, K, B·K). */
  observed: Float64Array[];
  sizes: Float64Array[];
  penalty: Float64Array[];
  /** Entries where the ratio was clamped (no gradient), per block. */
  clamped: Uint8Array[];
  /** Σ_k u_ik before normalisation, per cell. */
  norms: Float64Array;
}

/** Floors of harmonypy's update (O + E and the ratio are clamped to ≥ 1e-8). */
const FLOOR = 1e-8;

/**
 * One pass of Harmony's diversity-penalised assignment update (Korsunsky et al. 2019, Supplementary
 * Algorithm 2; harmonypy / R harmony's `update_R`), fused. Cells are visited in blocks of a seeded random
 * order; for each block the cells' old assignments are removed from the batch-by-cluster statistics
 *
 *   O_kb = Σ_i R_ik φ_ib (observed),  E_kb = Pr_b Σ_i R_ik (expected under perfect mixing),
 *
 * then re-assigned with the penalty  R_ik ∝ R⁰_ik · Σ_b φ_ib (E_kb / (O_kb + E_kb))^θ_b  (R's
 * `harmony_pow(E / (O + E), theta) * Phi`: a sum over batch variables) and put back before the next block.
 *
 * Inputs: R⁰ [N, K] (distance softmax) and the previous R [N, K] (it seeds O and E). Output: the new R.
 * Reverse mode replays the blocks backwards with the saved per-block statistics.
 */
export const diversityKernel = customVjp<DiversityAttrs, Residuals>(
  ([r0, rPrev], attrs) => {
    const [n, k] = r0.shape;
    const out = allocLike(r0.data, n * k);
    const residuals: Residuals = { observed: [], sizes: [], penalty: [], clamped: [], norms: new Float64Array(n) };
    diversityPass(r0.data, rPrev.data, out, n, k, attrs, residuals);
    return { outputs: [{ data: out, shape: [n, k] }], residuals };
  },
  ({ inputs: [r0], outputs: [rOut], cotangents: [dOut], residuals, attrs }) => {
    const [n, k] = r0.shape;
    const res = residuals as Residuals;
    const { codes, nVariables: nv, nLevels: nb, proportions, theta, order, blockStarts } = attrs;
    const rNew = rOut.data;
    const dR0 = allocLike(r0.data, n * k);
    const dPrev = allocLike(r0.data, n * k);
    let dO = new Float64Array(nb * k);
    let dS = new Float64Array(k);
    const g = new Float64Array(k);
    const w = new Float64Array(k);
    for (let t = blockStarts.length - 2; t >= 0; t--) {
      const observed = res.observed[t];
      const sizes = res.sizes[t];
      const penalty = res.penalty[t];
      const clamped = res.clamped[t];
      const dG = new Float64Array(nb * k);
      for (let p = blockStarts[t]; p < blockStarts[t + 1]; p++) {
        const i = order[p];
        const row = i * k;
        // Adjoint of R_new: its own cotangent plus its use in O and S by later blocks.
        for (let c = 0; c < k; c++) g[c] = dOut.data[row + c] + dS[c];
        w.fill(0);
        for (let q = 0; q < nv; q++) {
          const lb = codes[i * nv + q] * k;
          for (let c = 0; c < k; c++) {
            g[c] += dO[lb + c];
            w[c] += penalty[lb + c];
          }
        }
        let inner = 0;
        for (let c = 0; c < k; c++) inner += g[c] * rNew[row + c];
        const invNorm = 1 / res.norms[i];
        for (let c = 0; c < k; c++) {
          const du = (g[c] - inner) * invNorm;
          dR0[row + c] += du * w[c];
          g[c] = du * r0.data[row + c]; // now ∂L/∂w_ik
        }
        for (let q = 0; q < nv; q++) {
          const lb = codes[i * nv + q] * k;
          for (let c = 0; c < k; c++) dG[lb + c] += g[c];
        }
      }
      // G = ratio^θ, ratio = E / (O' + E), E = Pr_b S'.
      const dOPrime = Float64Array.from(dO);
      const dSPrime = Float64Array.from(dS);
      for (let b = 0; b < nb; b++) {
        if (theta[b] === 0) continue;
        for (let c = 0; c < k; c++) {
          const idx = b * k + c;
          if (clamped[idx]) continue;
          const e = proportions[b] * sizes[c];
          const o = observed[idx];
          const denom = o + e;
          const ratio = e / denom;
          const dRatio = (dG[idx] * theta[b] * penalty[idx]) / ratio;
          dOPrime[idx] -= (dRatio * e) / (denom * denom);
          dSPrime[c] += ((dRatio * o) / (denom * denom)) * proportions[b];
        }
      }
      // Removal of the block's previous assignments: O' = O − Σ R_prev φ, S' = S − Σ R_prev.
      for (let p = blockStarts[t]; p < blockStarts[t + 1]; p++) {
        const i = order[p];
        const row = i * k;
        for (let c = 0; c < k; c++) dPrev[row + c] -= dSPrime[c];
        for (let q = 0; q < nv; q++) {
          const lb = codes[i * nv + q] * k;
          for (let c = 0; c < k; c++) dPrev[row + c] -= dOPrime[lb + c];
        }
      }
      dO = dOPrime;
      dS = dSPrime;
    }
    // The initial statistics are sums over every cell's previous assignment.
    for (let i = 0; i < n; i++) {
      const row = i * k;
      for (let c = 0; c < k; c++) dPrev[row + c] += dS[c];
      for (let q = 0; q < nv; q++) {
        const lb = codes[i * nv + q] * k;
        for (let c = 0; c < k; c++) dPrev[row + c] += dO[lb + c];
      }
    }
    return [dR0, dPrev];
  },
  "harmonyDiversity",
);

/**
 * Host forward of {@link diversityKernel}: writes the new assignments into `out` (may alias `rPrev`) and
 * returns the final O [B × K, level-major] and S [K], consistent with `out`. Saves per-block state when
 * `residuals` is given. (The fast path runs the same update fused with the softmax: `classicPass.ts`.)
 */
export function diversityPass(
  r0: HostArray,
  rPrev: HostArray,
  out: HostArray,
  n: number,
  k: number,
  attrs: DiversityAttrs,
  residuals?: Residuals,
): { observed: Float64Array; sizes: Float64Array } {
  const { codes, nVariables: nv, nLevels: nb, proportions, theta, order, blockStarts } = attrs;
  const observed = new Float64Array(nb * k);
  const sizes = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const row = i * k;
    for (let c = 0; c < k; c++) sizes[c] += rPrev[row + c];
    for (let q = 0; q < nv; q++) {
      const lb = codes[i * nv + q] * k;
      for (let c = 0; c < k; c++) observed[lb + c] += rPrev[row + c];
    }
  }
  const penalty = new Float64Array(nb * k);
  const u = new Float64Array(k);
  for (let t = 0; t + 1 < blockStarts.length; t++) {
    const start = blockStarts[t];
    const end = blockStarts[t + 1];
    for (let p = start; p < end; p++) {
      const i = order[p];
      const row = i * k;
      if (nv === 1) {
        const lb = codes[i] * k;
        for (let c = 0; c < k; c++) {
          const v = rPrev[row + c];
          sizes[c] -= v;
          observed[lb + c] -= v;
        }
        continue;
      }
      for (let c = 0; c < k; c++) sizes[c] -= rPrev[row + c];
      for (let q = 0; q < nv; q++) {
        const lb = codes[i * nv + q] * k;
        for (let c = 0; c < k; c++) observed[lb + c] -= rPrev[row + c];
      }
    }
    const clamped = residuals ? new Uint8Array(nb * k) : undefined;
    for (let b = 0; b < nb; b++) {
      const pb = proportions[b];
      const th = theta[b];
      for (let c = 0; c < k; c++) {
        const idx = b * k + c;
        const e = pb * sizes[c];
        const denom = observed[idx] + e;
        let ratio = e / Math.max(denom, FLOOR);
        let wasClamped = denom < FLOOR;
        if (ratio < FLOOR || ratio > 1) {
          ratio = Math.min(1, Math.max(FLOOR, ratio));
          wasClamped = true;
        }
        penalty[idx] = th === 0 ? 1 : th === 2 ? ratio * ratio : ratio ** th;
        if (clamped && wasClamped) clamped[idx] = 1;
      }
    }
    if (residuals && clamped) {
      residuals.observed.push(Float64Array.from(observed));
      residuals.sizes.push(Float64Array.from(sizes));
      residuals.penalty.push(Float64Array.from(penalty));
      residuals.clamped.push(clamped);
    }
    for (let p = start; p < end; p++) {
      const i = order[p];
      const row = i * k;
      let total = 0;
      if (nv === 1) {
        const lb = codes[i] * k;
        for (let c = 0; c < k; c++) {
          const v = r0[row + c] * penalty[lb + c];
          u[c] = v;
          total += v;
        }
      } else {
        u.fill(0);
        for (let q = 0; q < nv; q++) {
          const lb = codes[i * nv + q] * k;
          for (let c = 0; c < k; c++) u[c] += penalty[lb + c];
        }
        for (let c = 0; c < k; c++) {
          const v = r0[row + c] * u[c];
          u[c] = v;
          total += v;
        }
      }
      const norm = total > 0 ? total : 1;
      if (residuals) residuals.norms[i] = norm;
      const inv = 1 / norm;
      for (let c = 0; c < k; c++) {
        const v = u[c] * inv;
        out[row + c] = v;
        sizes[c] += v;
      }
      for (let q = 0; q < nv; q++) {
        const lb = codes[i * nv + q] * k;
        for (let c = 0; c < k; c++) observed[lb + c] += out[row + c];
      }
    }
  }
  return { observed, sizes };
}

/**
 * Harmony's block partition: a fresh random order per pass, ceil(1/blockSize) blocks of
 * floor(N·blockSize) cells, the last block taking the remainder (R harmony 1.x / harmonypy).
 */
export function blockStartsFor(nCells: number, blockSize: number): Int32Array {
  const nBlocks = Math.ceil(1 / blockSize - 1e-9);
  const perBlock = Math.floor(nCells * blockSize);
  const starts = new Int32Array(nBlocks + 1);
  for (let b = 0; b < nBlocks; b++) starts[b] = Math.min(nCells, b * perBlock);
  starts[nBlocks] = nCells;
  return starts;
}
