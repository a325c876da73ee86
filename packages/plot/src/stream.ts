/**
 * Velocity stream plot (scVelo's `velocity_embedding_stream`): cell velocities smoothed on a 50 × 50 grid,
 * evenly spaced streamlines through it, line width proportional to local speed (scVelo: 2 · lw · |v|/max|v|),
 * one arrowhead per line at its middle, all over the cells coloured by cluster.
 */
import { arrowHeadPath } from "./arrow.js";
import { type EmbeddingFrame, type EmbeddingPlotOptions, embeddingFigure } from "./embedding.js";
import { velocityGrid } from "./grid.js";
import { simplifyPolyline } from "./simplify.js";
import { streamlines } from "./streamlines.js";
import { el, num } from "./svg.js";
import { checkVelocityField, type Numeric } from "./validate.js";

export interface VelocityStreamOptions extends EmbeddingPlotOptions {
  /** Velocity projected on the embedding, N×2 row-major (e.g. `obsm.velocity_umap`). */
  velocity: Numeric;
  /** Streamline density (default 1; the occupancy mask has 60 × density cells per side, as scVelo's). */
  density?: number;
  /** Kernel width as a fraction of the grid spacing (default 0.5). */
  smooth?: number;
  /** Grid points per side (default 50). */
  gridSize?: number;
  /** Mask grid points with less kernel mass than this (effective cells, default 0.1). */
  minMass?: number;
  /** Mask the slowest grid points, in % (default 5, as scVelo). */
  cutoffPercentile?: number;
  /** Line width scale (default 1: the fastest line is 2.6 px wide). */
  lineWidth?: number;
  /** Streamline and arrow colour (default near-black). */
  streamColor?: string;
  /** Arrowhead scale (default 1). */
  arrowSize?: number;
}

const WIDTH_STEP = 0.2;

export function velocityStreamPlot(options: VelocityStreamOptions): string {
  checkVelocityField(options, { lineWidth: [options.lineWidth, 0, 20], arrowSize: [options.arrowSize, 0, 20] });
  return embeddingFigure(options, undefined, { pointOpacity: 0.45 }, (frame) => streamOverlay(options, frame));
}

function streamOverlay(options: VelocityStreamOptions, frame: EmbeddingFrame): string {
  const density = options.density ?? 1;
  const grid = velocityGrid(options.embedding, options.velocity, {
    gridSize: options.gridSize ?? 50,
    smooth: options.smooth,
    minMass: options.minMass,
    cutoffPercentile: options.cutoffPercentile ?? 5,
  });
  const lines = streamlines(grid, { density: 2 * density });
  let maxSpeed = 0;
  for (const line of lines) for (const s of line.speed) maxSpeed = Math.max(maxSpeed, s);
  const color = options.streamColor ?? "#262626";
  const widthScale = 2.6 * (options.lineWidth ?? 1);
  const arrowScale = options.arrowSize ?? 1;

  // Paths are pooled by (quantised) width so the document has one element per width, not per segment.
  const byWidth = new Map<number, string>();
  let heads = "";
  for (const line of lines) {
    const px = Array.from(line.x, frame.x);
    const py = Array.from(line.y, frame.y);
    const widths = Array.from(line.speed, (s) =>
      Math.max(1, Math.round((maxSpeed > 0 ? (widthScale * s) / maxSpeed : widthScale) / WIDTH_STEP)),
    );
    let start = 0;
    for (let i = 1; i <= px.length; i++) {
      if (i < px.length && widths[i] === widths[start]) continue;
      // Each run ends on the first point of the next so pieces join without gaps.
      const end = Math.min(i, px.length - 1);
      const runX = px.slice(start, end + 1);
      const runY = py.slice(start, end + 1);
      if (runX.length >= 2) {
        const keep = simplifyPolyline(runX, runY, 0.15);
        let d = "";
        keep.forEach((k, j) => {
          d += `${j === 0 ? "M" : "L"}${num(runX[k], 1)} ${num(runY[k], 1)}`;
        });
        byWidth.set(widths[start], (byWidth.get(widths[start]) ?? "") + d);
      }
      start = i;
    }
    if (arrowScale > 0) heads += midArrow(px, py, arrowScale);
  }
  let paths = "";
  for (const w of [...byWidth.keys()].sort((a, b) => a - b)) {
    paths += el("path", { d: byWidth.get(w)!, strokeWidth: w * WIDTH_STEP });
  }
  return (
    el(
      "g",
      { class: "streamlines", stroke: color, fill: "none", strokeLinecap: "round", strokeLinejoin: "round" },
      paths,
    ) + (heads ? el("path", { class: "stream-arrows", d: heads, fill: color }) : "")
  );
}

/** Arrowhead centred at the line's arc-length midpoint, pointing downstream (matplotlib places it there too). */
function midArrow(px: number[], py: number[], scale: number): string {
  const cumulative = [0];
  for (let i = 1; i < px.length; i++)
    cumulative.push(cumulative[i - 1] + Math.hypot(px[i] - px[i - 1], py[i] - py[i - 1]));
  const total = cumulative[cumulative.length - 1];
  const length = 8 * scale;
  if (total < 1.5 * length) return "";
  let mid = 0;
  while (mid < px.length - 1 && cumulative[mid] < total / 2) mid++;
  const a = Math.max(0, mid - 3);
  const b = Math.min(px.length - 1, mid + 3);
  const dx = px[b] - px[a];
  const dy = py[b] - py[a];
  const norm = Math.hypot(dx, dy);
  if (!(norm > 0)) return "";
  const tipX = px[mid] + (dx / norm) * (length / 2);
  const tipY = py[mid] + (dy / norm) * (length / 2);
  return arrowHeadPath(tipX, tipY, dx, dy, length, 6.5 * scale);
}
