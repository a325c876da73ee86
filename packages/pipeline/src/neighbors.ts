import type { CsrMatrix } from "@diffcell/io";

/**
 * kNN index matrix N × k from the distance graph (scanpy stores k − 1 neighbours per row, self excluded,
 * fewer when some are at distance 0):
 * the cell itself first, then its neighbours by increasing distance — scVelo's
 * `uns['neighbors']['indices']`, which the evaluation metrics use.
 */
export function knnIndices(distances: CsrMatrix, k: number): Int32Array {
  const n = distances.rows;
  const out = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    const start = distances.indptr[i];
    const end = distances.indptr[i + 1];
    const order = Array.from({ length: end - start }, (_, r) => start + r).sort(
      (a, b) => distances.data[a] - distances.data[b] || distances.indices[a] - distances.indices[b],
    );
    out[i * k] = i;
    // Neighbours at distance 0 (duplicate cells) are not stored (scanpy drops explicit zeros): their slots
    // hold the cell itself, which every consumer skips.
    for (let r = 0; r < k - 1; r++) out[i * k + 1 + r] = r < order.length ? distances.indices[order[r]] : i;
  }
  return out;
}
