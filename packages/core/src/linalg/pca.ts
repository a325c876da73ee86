import { ConfigError, InputError } from "../errors.js";
import { ensureTensorMemory } from "../memory.js";
import type { Rngs } from "../rng.js";
import { tf, tidyHost } from "../tf.js";
import { fromTensor, type Matrix, orthonormalColumns, symmetricEigen, toTensor } from "./dense.js";
import { RowBlockProducts, transposeBlocked } from "./rowBlocks.js";

export interface PcaOptions {
  /** Seeded source for the random projection (results are deterministic given it). */
  rngs: Rngs;
  /** Subtract the column means first (scanpy's `zero_center=True`). Default true. */
  center?: boolean;
  /** Extra random directions beyond `nComponents` (Halko et al. 2011). Default 10. */
  oversamples?: number;
  /** Power iterations; default 7 as scikit-learn's randomized solver for few components. */
  powerIterations?: number;
  /** Matrices of at least this many elements are multiplied in two row blocks (see `RowBlockProducts`). */
  rowBlockMinElements?: number;
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

  const omega = Float32Array.from(options.rngs.normal(g * l));
  const { products, mean, totalVariance } = centredProducts(x, center, l, options.rowBlockMinElements);
  const basis = (y: Float32Array, rows: number) =>
    tidyHost(() => orthonormalBasis(tf.tensor2d(y, [rows, l])).dataSync() as Float32Array);
  let components: Matrix;
  let singular: Float64Array;
  let scores: Matrix;
  try {
    let q = basis(products.right(omega, l), n);
    for (let it = 0; it < iterations; it++) q = basis(products.right(basis(products.left(q, l), g), l), n);
    // B = Qᵀ Xc (l × g), formed as (Xcᵀ Q)ᵀ; its SVD through the small Gram matrix B Bᵀ.
    const bt = products.left(q, l);
    ({ components, singular } = tidyHost(() => {
      const b = tf.transpose(tf.tensor2d(bt, [g, l]));
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
      return { components: { data: out, rows: nComponents, cols: g }, singular: sv };
    }));
    const axesT = transposeBlocked(components.data, nComponents, g);
    scores = { data: products.right(axesT, nComponents), rows: n, cols: nComponents };
  } finally {
    products.dispose();
  }
  const explainedVariance = Float64Array.from(singular, (s) => (s * s) / Math.max(1, n - 1));
  const explainedVarianceRatio = Float64Array.from(explainedVariance, (v) =>
    totalVariance > 0 ? v / totalVariance : 0,
  );
  return { scores, components, explainedVariance, explainedVarianceRatio, mean };
}

/**
 * The centred matrix in {@link RowBlockProducts} (in tensors; the host copy is let go when this returns), with
 * the column means (float64 sums) and the total variance (each column's sum of squares in the centring pass).
 */
function centredProducts(
  x: Matrix,
  center: boolean,
  l: number,
  rowBlockMinElements: number | undefined,
): { products: RowBlockProducts; mean: Float32Array; totalVariance: number } {
  const { rows: n, cols: g } = x;
  const mean = new Float32Array(g);
  const centered = new Float32Array(x.data);
  const sums = new Float64Array(g);
  const squares = new Float64Array(g);
  if (center) {
    for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) sums[j] += x.data[i * g + j];
    for (let j = 0; j < g; j++) mean[j] = sums[j] / n;
    sums.fill(0);
  }
  for (let i = 0; i < n; i++) {
    const base = i * g;
    for (let j = 0; j < g; j++) {
      const v = centered[base + j] - mean[j];
      centered[base + j] = v;
      sums[j] += v;
      squares[j] += v * v;
    }
  }
  let totalVariance = 0;
  for (let j = 0; j < g; j++) totalVariance += squares[j] - (sums[j] * sums[j]) / n;
  totalVariance /= Math.max(1, n - 1);
  // The centred matrix and its transpose live in tensors at once (in two row blocks for large matrices, the
  // second on a worker thread: see `RowBlockProducts`); the n × l blocks between products come to the host.
  ensureTensorMemory(`PCA of ${n} × ${g}`, 4 * 2 * n * g);
  return { products: new RowBlockProducts(centered, n, g, l, rowBlockMinElements), mean, totalVariance };
}

/** Rows per column from which `orthonormalBasis` tries CholeskyQR2 (below it MGS on the host is cheap). */
const CHOLESKY_QR_MIN_ROWS_PER_COLUMN = 8;
/**
 * Largest ratio of the Cholesky factor's diagonal entries (a lower bound on the condition number of the
 * block) for which CholeskyQR2 in float32 is used: its first pass loses orthogonality as u·κ², so with κ below
 * 10³ the second pass restores it to rounding level. Worse-conditioned blocks go to Gram–Schmidt.
 */
const CHOLESKY_QR_MAX_CONDITION = 1e3;

/**
 * Orthonormal columns spanning the columns of `a` (n × l): the Q of a QR factorisation with a positive
 * diagonal in R, the same Q Gram–Schmidt gives up to rounding. For tall blocks, CholeskyQR2 (Fukaya et al.
 * 2014): R from the Cholesky factor of the Gram matrix AᵀA (formed by the backend's GEMM, factored in float64
 * on the host), Q = A R⁻¹, done twice. That is two GEMMs over the n × l block instead of l²/2 host sweeps over
 * its columns: 33k cells × 60 columns, 21 orthonormalisations per PCA, 14 s → 7 s. Blocks that are short,
 * rank-deficient or ill-conditioned go to the host's Gram–Schmidt (`orthonormalColumns`).
 */
export function orthonormalBasis(a: tf.Tensor2D): tf.Tensor2D {
  const [rows, cols] = a.shape;
  return tf.tidy((): tf.Tensor2D => {
    if (rows >= CHOLESKY_QR_MIN_ROWS_PER_COLUMN * cols) {
      let q: tf.Tensor2D | undefined = a;
      for (let pass = 0; pass < 2 && q; pass++) {
        const rInverse = inverseCholeskyFactor(tf.matMul(tf.transpose(q), q).dataSync(), cols);
        q = rInverse ? (tf.matMul(q, tf.tensor2d(rInverse, [cols, cols])) as tf.Tensor2D) : undefined;
      }
      if (q) return q;
    }
    return toTensor(orthonormalColumns(fromTensor(a)));
  });
}

/**
 * R⁻¹ (upper triangular, l × l, row-major float32) for the Gram matrix G = RᵀR, R upper triangular with a
 * positive diagonal; undefined when G is not numerically positive definite or R's diagonal spreads over more
 * than CHOLESKY_QR_MAX_CONDITION.
 */
function inverseCholeskyFactor(gram: ArrayLike<number>, l: number): Float32Array | undefined {
  // L lower triangular with G = L Lᵀ, so R = Lᵀ.
  const lower = new Float64Array(l * l);
  let maxPivot = 0;
  let minPivot = Number.POSITIVE_INFINITY;
  for (let i = 0; i < l; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = (gram[i * l + j] + gram[j * l + i]) / 2;
      for (let p = 0; p < j; p++) sum -= lower[i * l + p] * lower[j * l + p];
      if (i === j) {
        if (!(sum > 0)) return undefined;
        lower[i * l + i] = Math.sqrt(sum);
        maxPivot = Math.max(maxPivot, lower[i * l + i]);
        minPivot = Math.min(minPivot, lower[i * l + i]);
      } else lower[i * l + j] = sum / lower[j * l + j];
    }
  }
  if (maxPivot > CHOLESKY_QR_MAX_CONDITION * minPivot) return undefined;
  // X = R⁻¹ = (Lᵀ)⁻¹: solve Lᵀ X = I column by column, bottom row first.
  const out = new Float32Array(l * l);
  const column = new Float64Array(l);
  for (let c = 0; c < l; c++) {
    for (let r = l - 1; r >= 0; r--) {
      let sum = r === c ? 1 : 0;
      for (let p = r + 1; p < l; p++) sum -= lower[p * l + r] * column[p];
      column[r] = sum / lower[r * l + r];
    }
    for (let r = 0; r < l; r++) out[r * l + c] = column[r];
  }
  return out;
}
