import type { AnnData, FloatArray, Layer } from "@diffcell/io";

/**
 * Natural log(1 + x) of every value (zeros stay zero, so sparse stays sparse). Zeros are skipped and the call
 * is direct (`mapValues` calls a function value per entry): 100k × 2000 dense, 3.4 s before.
 */
export function log1pLayer<T extends Layer>(m: T, inPlace = false): T {
  const data = (inPlace ? m.data : m.data.slice()) as FloatArray;
  for (let p = 0; p < data.length; p++) {
    const v = data[p];
    if (v !== 0) data[p] = Math.log1p(v);
  }
  return { ...m, data };
}

/**
 * `X ← log(1 + X)` in place (or a named layer), recording `uns.log1p = {}` as scanpy does (its `base`
 * entry is None, which anndata does not store). The layer gets new values; the old array is left as it was
 * unless `inPlace` (for an array the caller owns and no other layer shares).
 */
export function log1p(adata: AnnData, options: { layer?: string; inPlace?: boolean } = {}): AnnData {
  const layer = options.layer ?? "X";
  adata.setLayer(layer, log1pLayer(adata.layer(layer), options.inPlace ?? false));
  if (layer === "X") adata.uns.log1p = {};
  return adata;
}
