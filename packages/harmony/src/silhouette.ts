import { InputError, stats } from "@diffcell/core";
import { gemmNT } from "./hostLinalg.js";
import { encodeLabels, type LabelVector } from "./labels.js";
import { type EmbeddingsLike, readEmbeddings } from "./validate.js";

/** Rows of the pairwise-distance block computed at once (bounds memory at BLOCK × N doubles). */
const BLOCK = 256;

/**
 * Silhouette width per cell (Rousseeuw 1987; scikit-learn's `silhouette_samples`, Euclidean):
 * s_i = (b_i − a_i) / max(a_i, b_i), a_i the mean distance to the other cells of its label, b_i the smallest
 * mean distance to another label's cells; 0 for a cell alone in its label. Exact, O(N²·F) in blocks.
 */
export function silhouetteSamples(embeddings: EmbeddingsLike, labels: LabelVector): Float64Array {
  const x = readEmbeddings(embeddings, undefined, { allowZeroRows: true });
  const { codes, names } = encodeLabels("labels", labels, x.rows);
  if (names.length < 2) throw new InputError("labels", "silhouette needs at least 2 distinct labels");
  return silhouetteOfRows(x.data, x.rows, x.cols, codes, names.length, null);
}

/** Mean silhouette width over cells (scikit-learn's `silhouette_score`), e.g. cell-type ASW. */
export function silhouetteScore(embeddings: EmbeddingsLike, labels: LabelVector): number {
  return stats.mean(silhouetteSamples(embeddings, labels));
}

/**
 * Batch ASW as in scIB (Luecken et al. 2022, `silhouette_batch`): within each cell type, the silhouette of
 * the batch labels, folded to 1 − |s_i| and averaged; then the mean over cell types (those with cells from
 * at least two batches). 1 = batches perfectly mixed, 0 = separated. Without `cellTypes` all cells form one
 * group.
 */
export function batchAsw(
  embeddings: EmbeddingsLike,
  batchLabels: LabelVector,
  options: { cellTypes?: LabelVector } = {},
): number {
  const x = readEmbeddings(embeddings, undefined, { allowZeroRows: true });
  const batches = encodeLabels("batchLabels", batchLabels, x.rows);
  const groups = options.cellTypes
    ? encodeLabels("cellTypes", options.cellTypes, x.rows)
    : { codes: new Int32Array(x.rows), names: ["all"] };
  const scores: number[] = [];
  for (let g = 0; g < groups.names.length; g++) {
    const members: number[] = [];
    for (let i = 0; i < x.rows; i++) if (groups.codes[i] === g) members.push(i);
    const present = new Set(members.map((i) => batches.codes[i]));
    if (present.size < 2) continue;
    const s = silhouetteOfRows(x.data, x.rows, x.cols, batches.codes, batches.names.length, Int32Array.from(members));
    let folded = 0;
    for (let i = 0; i < s.length; i++) folded += 1 - Math.abs(s[i]);
    scores.push(folded / s.length);
  }
  if (scores.length === 0) {
    throw new InputError(
      "batchLabels",
      "batch ASW needs a cell type (or the whole data) with cells from at least 2 batches",
    );
  }
  return stats.mean(scores);
}

/** Silhouettes of `subset` (or all rows) using only the subset's cells as neighbours. */
function silhouetteOfRows(
  data: Float64Array,
  n: number,
  f: number,
  codes: Int32Array,
  nLabels: number,
  subset: Int32Array | null,
): Float64Array {
  const rows = subset ?? Int32Array.from({ length: n }, (_, i) => i);
  const m = rows.length;
  const sub = new Float64Array(m * f);
  const norms = new Float64Array(m);
  const label = new Int32Array(m);
  const counts = new Float64Array(nLabels);
  for (let r = 0; r < m; r++) {
    const i = rows[r];
    let s = 0;
    for (let j = 0; j < f; j++) {
      const v = data[i * f + j];
      sub[r * f + j] = v;
      s += v * v;
    }
    norms[r] = s;
    label[r] = codes[i];
    counts[codes[i]]++;
  }
  const out = new Float64Array(m);
  const dots = new Float64Array(BLOCK * m);
  const sums = new Float64Array(nLabels);
  for (let start = 0; start < m; start += BLOCK) {
    const rowsInBlock = Math.min(BLOCK, m - start);
    gemmNT({
      a: sub,
      aOffset: start * f,
      aStride: f,
      b: sub,
      bStride: f,
      out: dots,
      outStride: m,
      n: rowsInBlock,
      k: m,
      len: f,
    });
    for (let r = 0; r < rowsInBlock; r++) {
      const i = start + r;
      sums.fill(0);
      for (let j = 0; j < m; j++) {
        if (j === i) continue;
        const d2 = norms[i] + norms[j] - 2 * dots[r * m + j];
        sums[label[j]] += d2 > 0 ? Math.sqrt(d2) : 0;
      }
      const own = label[i];
      if (counts[own] <= 1) continue; // scikit-learn: 0 for singletons
      const a = sums[own] / (counts[own] - 1);
      let b = Number.POSITIVE_INFINITY;
      for (let c = 0; c < nLabels; c++) if (c !== own && counts[c] > 0) b = Math.min(b, sums[c] / counts[c]);
      out[i] = Number.isFinite(b) && Math.max(a, b) > 0 ? (b - a) / Math.max(a, b) : 0;
    }
  }
  return out;
}
