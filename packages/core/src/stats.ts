/** Small statistics on plain arrays, used by metrics, examples and tests. */

export function mean(x: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i];
  return s / x.length;
}

/** Population standard deviation (numpy's default, ddof = 0). */
export function std(x: ArrayLike<number>): number {
  const m = mean(x);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += (x[i] - m) ** 2;
  return Math.sqrt(s / x.length);
}

export function min(x: ArrayLike<number>): number {
  let m = Number.POSITIVE_INFINITY;
  for (let i = 0; i < x.length; i++) if (x[i] < m) m = x[i];
  return m;
}

export function max(x: ArrayLike<number>): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < x.length; i++) if (x[i] > m) m = x[i];
  return m;
}

export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : 0;
}

/** Ranks starting at 1, ties averaged (scipy's `rankdata`, method "average"). */
export function rankdata(x: ArrayLike<number>): Float64Array {
  const order = argsort(x);
  const ranks = new Float64Array(x.length);
  let i = 0;
  while (i < order.length) {
    let j = i;
    while (j + 1 < order.length && x[order[j + 1]] === x[order[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]] = r;
    i = j + 1;
  }
  return ranks;
}

export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(rankdata(x), rankdata(y));
}

/** Indices that sort `x` ascending (stable). */
export function argsort(x: ArrayLike<number>): Int32Array {
  const idx = Array.from({ length: x.length }, (_, i) => i);
  idx.sort((a, b) => x[a] - x[b] || a - b);
  return Int32Array.from(idx);
}

/**
 * Linear-interpolated quantile (numpy's default), q in [0, 1]; NaN sort last, as in a typed-array sort.
 * The two order statistics it needs come from a selection (expected O(n)) rather than a full sort: the
 * same values as sorting, at a tenth of the cost on 33k cells (scVelo's per-gene percentiles call it per gene).
 */
export function quantile(x: ArrayLike<number>, q: number): number {
  const n = x.length;
  if (n === 0) return Number.NaN;
  const values = new Float64Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) if (!Number.isNaN(x[i])) values[m++] = x[i];
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (hi >= m) return Number.NaN; // an order statistic among the NaN (the interpolation gives NaN too)
  const a = select(values, m, lo);
  // The next order statistic is the smallest value right of the selected one.
  let b = a;
  if (hi > lo) {
    b = Number.POSITIVE_INFINITY;
    for (let i = lo + 1; i < m; i++) if (values[i] < b) b = values[i];
  }
  return a + (b - a) * (pos - lo);
}

/**
 * Rearranges values[0, m) so that values[k] is the k-th smallest, everything left of it ≤ and right of it ≥
 * (Hoare partitioning around a median-of-three pivot; no NaN in the range), and returns values[k].
 */
export function select(values: Float64Array, m: number, k: number): number {
  let left = 0;
  let right = m - 1;
  while (right > left) {
    const mid = (left + right) >>> 1;
    // Median of three as the pivot (guards sorted and reversed input against quadratic time).
    const a = values[left];
    const b = values[mid];
    const c = values[right];
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i] < pivot) i++;
      while (values[j] > pivot) j--;
      if (i <= j) {
        const t = values[i];
        values[i] = values[j];
        values[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return values[k];
}

export function median(x: ArrayLike<number>): number {
  return quantile(x, 0.5);
}
