import type { AnnData, Layer } from "@diffcell/io";
import { mapValues } from "./array.js";

/** Natural log(1 + x) of every value (zeros stay zero, so sparse stays sparse). */
export function log1pLayer<T extends Layer>(m: T): T {
  return mapValues(m, Math.log1p);
}

/**
 * `X ← log(1 + X)` in place (or a named layer), recording `uns.log1p = {}` as scanpy does (its `base`
 * entry is None, which anndata does not store).
 */
export function log1p(adata: AnnData, options: { layer?: string } = {}): AnnData {
  const layer = options.layer ?? "X";
  adata.setLayer(layer, log1pLayer(adata.layer(layer)));
  if (layer === "X") adata.uns.log1p = {};
  return adata;
}
