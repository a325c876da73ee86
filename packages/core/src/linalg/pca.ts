import { ConfigError, InputError } from "../errors.js";
import { ensureTensorMemory } from "../memory.js";
import type { Rngs } from "../rng.js";
import { tf, tidyHost } from "../tf.js";
import { fromTensor, type Matrix, orthonormalColumns, symmetricEigen, toTensor } from "./dense.js";

export interface PcaOptions {
  /** Seeded source for the random projection (results are deterministic given it). */
  rngs: Rngs;
  /** Subtract the column means first (scanpy's `zero_center=True`). Default true. */
  center?: boolean;
  /** Extra random directions beyond `nComponents` (Halko et al. 2011). Default 10. */
  oversamples?: number;
  /** Power iterations; default 7 as scikit-learn's randomized solver for few components. */
  powerIterations?: number;
}

export interface PcaResult {
  /** Cell coordinates, rows × nComponents (`obsm.X_pca`). */
  scores: Matrix;
  /** Principal axes, nComponents × cols (`varm.PCs` transposed). */
  components: Matrix;
  /** Variance along each axis (ddof = 1), and as a fraction of the total. */
  explainedVariance: Float64Array;
  explainedVarianceRatio: Float64Array;
  /** Column means that were subtracted (zeros when `center` is false). */
  mean: Float32Array;
}

/**
 * Principal components by randomized SVD (Halko, Martinsson & Tropp 2011) with power iterations and
 * re-orthonormalisation; the large products run on the backend's GEMM. Component signs are fixed so that
 * each axis's largest-magnitude loading is positive (scikit-learn's `svd_flip` on V), so results do not
 * depend on the random projection's sign.
 */
export function pca(x: Matrix, nComponents: number, options: PcaOptions): PcaResult {
  const { rows: n, cols: g } = x;
  const maxRank = Math.min(n, g);
  if (!Number.isInteger(nComponents) || nComponents < 1 || nComponents > maxRank) {
    throw new ConfigError("pca", "nComponents", `an integer in [1, ${maxRank}] for a ${n}×${g} matrix`, nComponents);
  }
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i])) {
      throw new InputError(
        "pca input",
        `value ${x.data[i]} at row ${Math.floor(i / g)}, column ${i % g}; expected finite`,
        i,
      );
    }
  }
  const center = options.center ?? true;
  const l = Math.min(maxRank, nComponents + (options.oversamples ?? 10));
  const iterations = options.powerIterations ?? 7;

  const mean = new Float32Array(g);
  const centered = new Float32Array(x.data);
  if (center) {
    const sums = new Float64Array(g);
    for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) sums[j] += x.data[i * g + j];
    for (let j = 0; j < g; j++) mean[j] = sums[j] / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) centered[i * g + j] -= mean[j];
  }
  let totalVariance = 0;
  {
    const colMean = new Float64Array(g);
    for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) colMean[j] += centered[i * g + j] / n;
    for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) totalVariance += (centered[i * g + j] - colMean[j]) ** 2;
    totalVariance /= Math.max(1, n - 1);
  }

  // The centred matrix and its transpose live in tensors at once.
  ensureTensorMemory(`PCA of ${n} × ${g}`, 4 * 2 * n * g);
  const omega: Matrix = { data: Float32Array.from(options.rngs.normal(g * l)), rows: g, cols: l };
  const { components, singular } = tidyHost(() => {
    const xc = tf.tensor2d(centered, [n, g]);
    const xcT = tf.transpose(xc);
    const project = (basis: Matrix, m: tf.Tensor2D) => fromTensor(tf.matMul(m, toTensor(basis)));
    let q = orthonormalColumns(project(omega, xc));
    for (let it = 0; it < iterations; it++) {
      const z = orthonormalColumns(project(q, xcT));
      q = orthonormalColumns(project(z, xc));
    }
    // B = Qᵀ Xc (l × g); its SVD through the small Gram matrix B Bᵀ.
    const b = tf.matMul(tf.transpose(toTensor(q)), xc);
    const gram = tf.matMul(b, tf.transpose(b)).dataSync();
    const { values, vectors } = symmetricEigen(gram, l);
    const ub = tf.tensor2d(Float32Array.from(vectors), [l, l]);
    const vt = fromTensor(tf.matMul(tf.transpose(ub), b)); // rows: U_bᵀ B = S Vᵀ
    const out = new Float32Array(nComponents * g);
    const sv = new Float64Array(nComponents);
    for (let c = 0; c < nComponents; c++) {
      const s = Math.sqrt(Math.max(values[c], 0));
      sv[c] = s;
      let pivot = 0;
      for (let j = 0; j < g; j++) if (Math.abs(vt.data[c * g + j]) > Math.abs(vt.data[c * g + pivot])) pivot = j;
      const sign = vt.data[c * g + pivot] < 0 ? -1 : 1;
      const inv = s > 0 ? sign / s : 0;
      for (let j = 0; j < g; j++) out[c * g + j] = vt.data[c * g + j] * inv;
    }
    return { components: { data: out, rows: nComponents, cols: g } as Matrix, singular: sv };
  });
  const scores = tidyHost(() =>
    fromTensor(tf.matMul(tf.tensor2d(centered, [n, g]), tf.transpose(toTensor(components)))),
  );
  const explainedVariance = Float64Array.from(singular, (s) => (s * s) / Math.max(1, n - 1));
  const explainedVarianceRatio = Float64Array.from(explainedVariance, (v) =>
    totalVariance > 0 ? v / totalVariance : 0,
  );
  return { scores, components, explainedVariance, explainedVarianceRatio, mean };
}
