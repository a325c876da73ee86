/**
 * @diffcell/plot — deterministic SVG plots for RNA velocity, PNG rendering with a bundled font, and a
 * self-contained HTML report. Plots take plain arrays (Float32Array, Float64Array, number[]), never tensors.
 */

export { type VelocityArrowOptions, velocityArrowPlot } from "./arrows.js";
export { COLOR_MAPS, type ColorMap, type ColorMapName, colorMapFunction } from "./colormap.js";
export type { EmbeddingPlotOptions, LegendLocation } from "./embedding.js";
export { BUNDLED_FONT_FAMILY, bundledFontFiles, textWidth } from "./font.js";
export { type VelocityGrid, type VelocityGridOptions, velocityGrid } from "./grid.js";
export { type HeatmapAnnotation, type HeatmapOptions, heatmap } from "./heatmap.js";
export { type LossCurveOptions, type LossSeries, lossCurve } from "./loss.js";
export { categoriesOf, clusterColors, DEFAULT_PALETTE, type Palette } from "./palette.js";
export { type PhasePortraitOptions, phasePortrait } from "./phase.js";
export { type PngOptions, type RasterImage, rasterize, toPng } from "./png.js";
export { type Cell, type HtmlReportOptions, htmlReport, type ReportSection, type ReportTable } from "./report.js";
export type { Domain } from "./scale.js";
export { type ScatterPlotOptions, scatterPlot } from "./scatter.js";
export { type VelocityStreamOptions, velocityStreamPlot } from "./stream.js";
export { type Streamline, type StreamlineOptions, streamlines } from "./streamlines.js";
export { escapeXml, FONT_FAMILY, num } from "./svg.js";
export type { Numeric } from "./validate.js";
