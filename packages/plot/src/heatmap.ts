/**
 * Heatmap of a rows × cols matrix, e.g. scVelo's latent-time heatmap: genes as rows, cells ordered by latent
 * time as columns, each gene smoothed along the ordering and scaled to [0, 1] (scVelo's `n_convolve` and
 * `standard_scale`), genes optionally sorted by where they peak. Cells are drawn as one embedded raster
 * image (nearest-neighbour scaled) rather than rows × cols rectangles, which would be megabytes.
 */
import { InputError, ShapeError } from "@diffcell/core";
import { titleRoom, titleText } from "./axes.js";
import { type ColorMap, colorMapFunction } from "./colormap.js";
import { textWidth } from "./font.js";
import { categoricalLegend, colorBar } from "./legend.js";
import { categoriesOf, clusterColors, type Palette } from "./palette.js";
import { encodeIndexedPng, pngDataUri } from "./raster.js";
import { type Domain, extent, widen } from "./scale.js";
import { el, svgDocument, text } from "./svg.js";
import { THEME } from "./theme.js";
import { checkLabels, checkOption, checkVector, type Numeric } from "./validate.js";

export interface HeatmapAnnotation {
  /** Shown left of the strip. */
  label?: string;
  /** Per original column (before `colOrder`). */
  clusters?: readonly string[];
  categories?: readonly string[];
  palette?: Palette;
  /** Continuous annotation per original column (e.g. latent time). */
  values?: Numeric;
  colorMap?: ColorMap;
}

export interface HeatmapOptions {
  /** rows × cols, row-major (row = gene). */
  values: Numeric;
  rowLabels: readonly string[];
  /** Columns to show, in order (e.g. argsort of latent time); default all in input order. */
  colOrder?: ArrayLike<number>;
  /** Default "viridis". */
  colorMap?: ColorMap;
  /** "row": scale each row to [0, 1] after smoothing (default); "none": one colour scale for all. */
  normalize?: "row" | "none";
  /** Moving-average window along the ordered columns (default 0 = none; scVelo uses 30). */
  smooth?: number;
  /** Reorder rows by the position of their maximum (after smoothing), as scVelo's `sort=True`. */
  sortRows?: boolean;
  /** A coloured strip above the columns (clusters or a continuous value). */
  colAnnotation?: HeatmapAnnotation;
  title?: string;
  xLabel?: string;
  colorbarLabel?: string;
  width?: number;
  height?: number;
  /** Columns beyond this are averaged into bins (default: 2 per pixel of the plot width). */
  maxColumns?: number;
}

const LEVELS = 256;
/** Up to this many rows, the default height names every row. */
const NAMED_ROWS = 150;

export function heatmap(options: HeatmapOptions): string {
  const rows = options.rowLabels?.length ?? 0;
  if (!Array.isArray(options.rowLabels) || rows === 0) {
    throw new ShapeError("rowLabels", "[rows] array of strings (one per row)", "nothing (missing)");
  }
  checkLabels("rowLabels", options.rowLabels, rows);
  checkVector("values", options.values);
  if (options.values.length % rows !== 0 || options.values.length === 0) {
    throw new ShapeError("values", `[${rows}, cols] row-major (length a multiple of ${rows})`, [options.values.length]);
  }
  const cols = options.values.length / rows;
  checkOption("smooth", options.smooth, 0, 1e7);
  checkOption("maxColumns", options.maxColumns, 1, 1e6);
  checkOption("width", options.width, 120, 10000);
  checkOption("height", options.height, 80, 10000);
  const order = options.colOrder ? Array.from(options.colOrder) : Array.from({ length: cols }, (_, i) => i);
  order.forEach((c, k) => {
    if (!(Number.isInteger(c) && c >= 0 && c < cols)) {
      throw new InputError("colOrder", `entry ${c} is not a column index in [0, ${cols})`, k);
    }
  });
  if (order.length === 0) throw new InputError("colOrder", "selects no columns");
  const annotation = options.colAnnotation;
  if (annotation?.clusters) checkLabels("colAnnotation.clusters", annotation.clusters, cols);
  if (annotation?.values) checkVector("colAnnotation.values", annotation.values, cols);

  // Layout first: the number of displayed columns depends on the plot width.
  const outer = THEME.outerMargin;
  const stripHeight = annotation && (annotation.clusters || annotation.values) ? 12 : 0;
  const titleHeight = options.title ? THEME.titleSize + THEME.gap : 0;
  const top = outer + titleHeight + (stripHeight ? stripHeight + 4 : 0);
  const bottom = THEME.labelSize + 14 + outer;
  // Rows get 10–22 px each up to NAMED_ROWS rows, so every row is named (as scVelo's heatmap names every
  // gene); beyond that 3–22 px. The plot is at least 140 px tall so the colour bar stays readable.
  const minPitch = rows <= NAMED_ROWS ? 10 : 3;
  const height = options.height ?? top + Math.max(140, rows * Math.min(22, Math.max(minPitch, 380 / rows))) + bottom;
  const plotHeight = Math.max(10, height - top - bottom);
  const rowPitch = plotHeight / rows;
  // Rows too small for a label (many rows, or an explicit small height): label every k-th row so labels never
  // overlap.
  const labelEvery = rowPitch < 8 ? Math.ceil(8 / rowPitch) : 1;
  const labelSize = Math.min(11, Math.max(7, rowPitch * labelEvery * 0.8));
  let labelWidth = options.rowLabels.reduce((w, l) => Math.max(w, textWidth(l, labelSize)), 0);
  if (stripHeight && annotation?.label) labelWidth = Math.max(labelWidth, textWidth(annotation.label, 10));
  const left = outer + labelWidth + 6;
  const bar = colorBar(
    options.normalize === "none" ? widen(extent(options.values)) : [0, 1],
    options.colorMap ?? "viridis",
    Math.min(Math.max(plotHeight, 100), 180),
    options.colorbarLabel ?? (options.normalize === "none" ? undefined : "scaled expression"),
  );
  // Cluster key under the colour bar when the strip shows clusters.
  let categories: string[] = [];
  let stripColors: Map<string, string> | undefined;
  if (annotation?.clusters) {
    categories = annotation.categories ? [...annotation.categories] : categoriesOf(annotation.clusters);
    stripColors = clusterColors(categories, annotation.palette);
  }
  const present = new Set(annotation?.clusters ?? []);
  const key = stripColors
    ? categoricalLegend(
        categories.filter((label) => present.has(label)).map((label) => ({ label, color: stripColors!.get(label)! })),
        Math.max(60, plotHeight + (stripHeight ? stripHeight + 4 : 0) - bar.height - 16),
      )
    : undefined;
  const keyWidth = Math.max(bar.width, key?.width ?? 0);
  const width = options.width ?? left + 520 + 1.5 * THEME.gap + keyWidth + outer;
  const plotWidth = Math.max(20, width - left - 1.5 * THEME.gap - keyWidth - outer);
  const plot = { x: left, y: top, width: plotWidth, height: plotHeight };

  // Data: reorder, smooth, bin, normalise, sort rows, quantise.
  const shown = order.length;
  const bins = Math.max(1, Math.min(shown, Math.round(options.maxColumns ?? 2 * plotWidth)));
  const binStart = (b: number) => Math.floor((b * shown) / bins);
  const window = Math.max(1, Math.round(options.smooth ?? 0));
  const matrix = new Float64Array(rows * bins);
  const ordered = new Float64Array(shown);
  const smoothed = new Float64Array(shown);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < shown; k++) ordered[k] = options.values[r * cols + order[k]];
    movingAverage(ordered, window, smoothed);
    for (let b = 0; b < bins; b++) {
      const s = binStart(b);
      const e = binStart(b + 1);
      let sum = 0;
      for (let k = s; k < e; k++) sum += smoothed[k];
      matrix[r * bins + b] = sum / (e - s);
    }
  }
  let range: Domain = [0, 1];
  if (options.normalize === "none") range = widen(extent(options.values));
  else {
    for (let r = 0; r < rows; r++) {
      const [lo, hi] = extent(matrix.subarray(r * bins, (r + 1) * bins));
      const span = hi - lo;
      for (let b = 0; b < bins; b++) matrix[r * bins + b] = span > 0 ? (matrix[r * bins + b] - lo) / span : 0;
    }
  }
  const rowOrder = Array.from({ length: rows }, (_, i) => i);
  if (options.sortRows) {
    const peak = rowOrder.map((r) => {
      let best = 0;
      for (let b = 1; b < bins; b++) if (matrix[r * bins + b] > matrix[r * bins + best]) best = b;
      return best;
    });
    rowOrder.sort((a, b) => peak[a] - peak[b] || a - b);
  }
  const colour = colorMapFunction(options.colorMap);
  const palette = Array.from({ length: LEVELS }, (_, i) => colour(i / (LEVELS - 1)));
  const indices = new Uint8Array(rows * bins);
  rowOrder.forEach((r, y) => {
    for (let b = 0; b < bins; b++) {
      const t = (matrix[r * bins + b] - range[0]) / (range[1] - range[0]);
      indices[y * bins + b] = Math.round(Math.min(1, Math.max(0, t)) * (LEVELS - 1));
    }
  });

  let body = rasterImage(plot, bins, rows, indices, palette);
  body += el("rect", { class: "frame", ...plot, fill: "none", stroke: THEME.axis, strokeWidth: 0.6 });
  rowOrder.forEach((r, y) => {
    if (y % labelEvery !== 0) return;
    body += text(left - 5, top + (y + 0.5) * rowPitch, options.rowLabels[r], {
      size: labelSize,
      anchor: "end",
      baseline: "middle",
    });
  });

  if (stripHeight && annotation) {
    const strip = { x: left, y: top - stripHeight - 4, width: plotWidth, height: stripHeight };
    const stripIndices = new Uint8Array(bins);
    let stripPalette: string[];
    if (stripColors) {
      stripPalette = categories.map((c) => stripColors!.get(c)!);
      const indexOf = new Map(categories.map((c, i) => [c, i]));
      for (let b = 0; b < bins; b++) {
        // Majority label in the bin (ties → first category), so narrow clusters are not smeared.
        const counts = new Map<string, number>();
        for (let k = binStart(b); k < binStart(b + 1); k++) {
          const label = annotation.clusters![order[k]];
          counts.set(label, (counts.get(label) ?? 0) + 1);
        }
        let best = "";
        let bestCount = -1;
        for (const c of categories) {
          const count = counts.get(c) ?? 0;
          if (count > bestCount) {
            best = c;
            bestCount = count;
          }
        }
        const index = indexOf.get(best);
        if (index === undefined) throw new InputError("colAnnotation.clusters", `label "${best}" is not in categories`);
        stripIndices[b] = index;
      }
      if (stripPalette.length > 256) throw new InputError("colAnnotation.clusters", "more than 256 categories");
    } else {
      const values = annotation.values!;
      const [lo, hi] = widen(extent(values));
      const map = colorMapFunction(annotation.colorMap ?? "gnuplot");
      stripPalette = Array.from({ length: LEVELS }, (_, i) => map(i / (LEVELS - 1)));
      for (let b = 0; b < bins; b++) {
        let sum = 0;
        for (let k = binStart(b); k < binStart(b + 1); k++) sum += values[order[k]];
        const mean = sum / (binStart(b + 1) - binStart(b));
        stripIndices[b] = Math.round(((mean - lo) / (hi - lo)) * (LEVELS - 1));
      }
    }
    body += rasterImage(strip, bins, 1, stripIndices, stripPalette);
    if (annotation.label) {
      body += text(left - 5, strip.y + stripHeight / 2, annotation.label, {
        size: 10,
        anchor: "end",
        baseline: "middle",
        fill: THEME.mutedText,
      });
    }
  }

  const xLabel = options.xLabel ?? (options.colOrder ? "cells (ordered)" : "cells");
  body += text(left + plotWidth / 2, top + plotHeight + 8, xLabel, {
    size: THEME.labelSize,
    anchor: "middle",
    baseline: "hanging",
  });
  const keyX = left + plotWidth + 1.5 * THEME.gap;
  body += bar.render(keyX, top);
  if (key) body += key.render(keyX, top + bar.height + 16);
  body += titleText(options.title, left + plotWidth / 2, outer, titleRoom(plot, width));
  return svgDocument({ width, height, title: options.title }, body);
}

/** Centred moving average; near the ends the window shrinks to the available columns. */
function movingAverage(values: Float64Array, window: number, out: Float64Array): void {
  const n = values.length;
  if (window <= 1) {
    out.set(values);
    return;
  }
  const half = Math.floor(window / 2);
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i] + values[i];
  for (let i = 0; i < n; i++) {
    const lo = Math.max(0, i - half);
    const hi = Math.min(n, i - half + window);
    out[i] = (prefix[hi] - prefix[lo]) / (hi - lo);
  }
}

function rasterImage(
  box: { x: number; y: number; width: number; height: number },
  width: number,
  height: number,
  indices: Uint8Array,
  palette: readonly string[],
): string {
  return el("image", {
    x: box.x,
    y: box.y,
    width: box.width,
    height: box.height,
    preserveAspectRatio: "none",
    // Nearest-neighbour scaling: bilinear filtering would blend neighbouring genes' rows. Chromium needs
    // "pixelated" (it smooths under the SVG attribute alone); resvg knows only "optimizeSpeed" and drops
    // the whole property on "pixelated" — so both, in this order (the last one understood wins).
    imageRendering: "optimizeSpeed",
    style: "image-rendering:pixelated;image-rendering:optimizeSpeed",
    href: pngDataUri(encodeIndexedPng(width, height, indices, palette)),
  });
}
