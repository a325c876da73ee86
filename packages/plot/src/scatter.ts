/**
 * Cells on the embedding coloured by a continuous value (velocity magnitude, confidence, latent time: colour
 * bar) or by cluster (legend). Continuous values are drawn in ascending order so high values stay on top.
 */
import { InputError } from "@diffcell/core";
import type { ColorMap } from "./colormap.js";
import { type EmbeddingPlotOptions, embeddingFigure } from "./embedding.js";
import type { Domain } from "./scale.js";
import { checkVector, type Numeric } from "./validate.js";

export interface ScatterPlotOptions extends EmbeddingPlotOptions {
  /** One value per cell; takes precedence over `clusters`. */
  values?: Numeric;
  /** Default "viridis" (scVelo uses "gnuplot" for latent time). */
  colorMap?: ColorMap;
  /** Colour range (default: min and max of `values`); values outside are clamped. */
  range?: Domain;
  /** Colour-bar label, e.g. "latent time". */
  colorbarLabel?: string;
}

export function scatterPlot(options: ScatterPlotOptions): string {
  if (options.range !== undefined) {
    checkVector("range", options.range, 2);
    if (!(options.range[1] >= options.range[0])) throw new InputError("range", "expected [min, max] with min ≤ max");
  }
  const coloring = options.values
    ? { values: options.values, colorMap: options.colorMap, range: options.range, label: options.colorbarLabel }
    : undefined;
  return embeddingFigure(options, coloring, { pointOpacity: 0.9 }, undefined);
}
