/**
 * The canvas shared by every plot on an embedding (UMAP, PCA, …): layout, cells coloured by cluster or by a
 * continuous value, legend or colour bar, title. Stream, arrow and scatter plots add their overlay on top.
 */
import { InputError, stats } from "@diffcell/core";
import { bottomMargin, leftMargin, makeAxes, titleRoom, titleText } from "./axes.js";
import { type ColorMap, colorMapFunction } from "./colormap.js";
import { type Block, categoricalLegend, colorBar, dataLabels } from "./legend.js";
import { categoriesOf, clusterColors, type Palette } from "./palette.js";
import { type Domain, extent, pad, widen } from "./scale.js";
import { clipToRect, el, escapeXml, num, svgDocument } from "./svg.js";
import { type Rect, THEME } from "./theme.js";
import { checkLabels, checkOption, checkPoints, checkVector, type Numeric } from "./validate.js";

export type LegendLocation = "right" | "on data" | "none";

export interface EmbeddingPlotOptions {
  /** Cell coordinates, N×2 row-major (e.g. `obsm.X_umap`). */
  embedding: Numeric;
  /** Cluster label per cell (categorical colouring). */
  clusters?: readonly string[];
  /** Category order (default: sorted distinct labels, as pandas). Fixes colours across plots. */
  categories?: readonly string[];
  /** Colours in category order (e.g. `uns.clusters_colors`) or a category → colour map. */
  palette?: Palette;
  title?: string;
  /** Axis labels are `${basis}1`, `${basis}2` (default "UMAP"). */
  basis?: string;
  /** Total size in px. Defaults fit a 440 × 400 plot area plus legend. */
  width?: number;
  height?: number;
  /** Cell radius in px (default from the number of cells). */
  pointSize?: number;
  pointOpacity?: number;
  /** Cluster legend placement (default "right"). */
  legend?: LegendLocation;
}

export interface ContinuousColoring {
  values: Numeric;
  colorMap?: ColorMap;
  /** Colour range (default: the values' min and max). */
  range?: Domain;
  /** Colour-bar label. */
  label?: string;
}

/** What an overlay needs to draw in data coordinates. */
export interface EmbeddingFrame {
  plot: Rect;
  x: (value: number) => number;
  y: (value: number) => number;
  /** Data extent shown (after padding). */
  xDomain: Domain;
  yDomain: Domain;
  nCells: number;
}

const DEFAULT_PLOT_WIDTH = 440;
const DEFAULT_PLOT_HEIGHT = 400;
const NO_COLOR = "#9a9a9a";

export function embeddingFigure(
  options: EmbeddingPlotOptions,
  coloring: ContinuousColoring | undefined,
  defaults: { pointOpacity: number },
  overlay?: (frame: EmbeddingFrame) => string,
): string {
  const n = checkPoints("embedding", options.embedding);
  if (n === 0) throw new InputError("embedding", "has no cells");
  checkOption("width", options.width, 120, 10000);
  checkOption("height", options.height, 120, 10000);
  checkOption("pointSize", options.pointSize, 0.1, 50);
  checkOption("pointOpacity", options.pointOpacity, 0, 1);
  const embedding = options.embedding;

  // Colours per cell and the matching key.
  const cellColors: string[] = new Array(n).fill(NO_COLOR);
  let order: ArrayLike<number> | undefined;
  let makeKey: ((maxHeight: number) => Block) | undefined;
  let categories: string[] = [];
  if (coloring) {
    checkVector("values", coloring.values, n);
    const range = widen(coloring.range ?? extent(coloring.values));
    const color = colorMapFunction(coloring.colorMap);
    for (let i = 0; i < n; i++) cellColors[i] = color((coloring.values[i] - range[0]) / (range[1] - range[0]));
    // High values on top, as scanpy's sort_order: the interesting cells stay visible.
    order = stats.argsort(coloring.values);
    makeKey = (maxHeight) => colorBar(range, coloring.colorMap ?? "viridis", Math.min(maxHeight, 240), coloring.label);
  } else if (options.clusters) {
    checkLabels("clusters", options.clusters, n);
    categories = options.categories ? [...options.categories] : categoriesOf(options.clusters);
    const colors = clusterColors(categories, options.palette);
    for (let i = 0; i < n; i++) {
      const c = colors.get(options.clusters[i]);
      if (c === undefined) throw new InputError("clusters", `label "${options.clusters[i]}" is not in categories`, i);
      cellColors[i] = c;
    }
    if ((options.legend ?? "right") === "right") {
      // The key lists only categories present, but colours follow the full category order.
      const present = new Set(options.clusters);
      makeKey = (maxHeight) =>
        categoricalLegend(
          categories.filter((label) => present.has(label)).map((label) => ({ label, color: colors.get(label)! })),
          maxHeight,
        );
    }
  }

  // Layout: title on top, axis labels left and below, key on the right.
  const basis = options.basis ?? "UMAP";
  const [x0, x1] = pad(widen(extent(embedding, 2, 0)), 0.04);
  const [y0, y1] = pad(widen(extent(embedding, 2, 1)), 0.04);
  const xAxis = { domain: [x0, x1] as Domain, label: `${basis}1`, ticks: false };
  const yAxis = { domain: [y0, y1] as Domain, label: `${basis}2`, ticks: false };
  const outer = THEME.outerMargin;
  const titleHeight = options.title ? THEME.titleSize + THEME.gap : 0;
  const top = outer + titleHeight;
  const left = outer + leftMargin(yAxis);
  const bottom = bottomMargin(xAxis) + outer;
  const height = options.height ?? top + DEFAULT_PLOT_HEIGHT + bottom;
  const plotHeight = Math.max(40, height - top - bottom);
  // The key may run down beside the x-axis label before it needs a second column.
  const key = makeKey?.(plotHeight + bottom - outer);
  const keySpace = key ? 1.5 * THEME.gap + key.width : 0;
  const width = options.width ?? left + DEFAULT_PLOT_WIDTH + keySpace + outer;
  const plotWidth = Math.max(40, width - left - keySpace - outer);
  const plot: Rect = { x: left, y: top, width: plotWidth, height: plotHeight };
  const axes = makeAxes(plot, xAxis, yAxis);
  const frame: EmbeddingFrame = {
    plot,
    x: axes.x,
    y: axes.y,
    xDomain: [x0, x1],
    yDomain: [y0, y1],
    nCells: n,
  };

  const radius = options.pointSize ?? Math.min(4, Math.max(0.8, 0.3 * Math.sqrt((plotWidth * plotHeight) / n)));
  const cells = cellMarks(embedding, cellColors, order, radius, options.pointOpacity ?? defaults.pointOpacity, axes);
  // Overlays (arrows near the edge) are clipped to the plot area.
  const overlayMarkup = overlay ? overlay(frame) : "";
  const drawn = overlayMarkup ? clipToRect(plot, overlayMarkup) : { defs: "", body: "" };

  let labels = "";
  if (!coloring && options.clusters && options.legend === "on data") {
    labels = dataLabels(
      categories
        .map((label) => {
          const xsOf: number[] = [];
          const ysOf: number[] = [];
          for (let i = 0; i < n; i++) {
            if (options.clusters![i] !== label) continue;
            xsOf.push(embedding[2 * i]);
            ysOf.push(embedding[2 * i + 1]);
          }
          return xsOf.length === 0 ? null : { label, x: axes.x(stats.median(xsOf)), y: axes.y(stats.median(ysOf)) };
        })
        .filter((l): l is { label: string; x: number; y: number } => l !== null),
      plot,
    );
  }

  const keyMarkup = key ? key.render(plot.x + plot.width + 1.5 * THEME.gap, plot.y) : "";
  const title = titleText(options.title, plot.x + plot.width / 2, outer, titleRoom(plot, width));
  return svgDocument(
    { width, height, title: options.title },
    drawn.defs + el("g", { class: "cells" }, cells) + drawn.body + axes.frame + labels + keyMarkup + title,
  );
}

/**
 * One circle per cell, in drawing order; consecutive cells of the same colour share a group so the
 * document stays small when cells are sorted by cluster.
 */
function cellMarks(
  embedding: Numeric,
  colors: readonly string[],
  order: ArrayLike<number> | undefined,
  radius: number,
  opacity: number,
  axes: { x: (v: number) => number; y: (v: number) => number },
): string {
  let out = "";
  let run = "";
  let runColor = "";
  const r = num(radius);
  const flush = () => {
    if (run) out += `<g fill="${escapeXml(runColor)}" fill-opacity="${num(opacity)}">${run}</g>`;
    run = "";
  };
  for (let k = 0; k < colors.length; k++) {
    const i = order ? order[k] : k;
    const color = colors[i];
    if (color !== runColor) {
      flush();
      runColor = color;
    }
    run += `<circle cx="${num(axes.x(embedding[2 * i]), 1)}" cy="${num(axes.y(embedding[2 * i + 1]), 1)}" r="${r}"/>`;
  }
  flush();
  return out;
}
