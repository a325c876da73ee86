/**
 * Velocity arrows on the embedding: smoothed grid arrows (scVelo's `velocity_embedding_grid`) or one arrow
 * per cell (scVelo's `velocity_embedding`). Lengths are scaled in pixel space so the 95th-percentile arrow
 * has a fixed on-screen length (about one grid spacing, or 4% of the plot for cells) whatever the units.
 */
import { InputError, stats } from "@diffcell/core";
import { arrowPath } from "./arrow.js";
import { type EmbeddingFrame, type EmbeddingPlotOptions, embeddingFigure } from "./embedding.js";
import { velocityGrid } from "./grid.js";
import { el } from "./svg.js";
import { checkVelocityField, type Numeric } from "./validate.js";

export interface VelocityArrowOptions extends EmbeddingPlotOptions {
  /** Velocity projected on the embedding, N×2 row-major. */
  velocity: Numeric;
  /**
   * "grid": kernel-smoothed arrows on a regular grid (default); "cells": one arrow per cell; "both": faint
   * per-cell arrows under the grid arrows.
   */
  mode?: "grid" | "cells" | "both";
  /** Grid arrows per side are 30 × density (default 1). */
  density?: number;
  /** Kernel width as a fraction of the grid spacing (default 0.5). */
  smooth?: number;
  /** Mask grid points with less kernel mass (effective cells) than this (default 0.3). */
  minMass?: number;
  /** Arrow length multiplier (default 1). */
  arrowLength?: number;
  arrowColor?: string;
  /** Cells mode: draw at most this many arrows, evenly strided over the cells (default 800). */
  maxArrows?: number;
}

export function velocityArrowPlot(options: VelocityArrowOptions): string {
  checkVelocityField(options, { arrowLength: [options.arrowLength, 0, 100], maxArrows: [options.maxArrows, 1, 1e7] });
  const mode = options.mode ?? "grid";
  if (mode !== "grid" && mode !== "cells" && mode !== "both") {
    throw new InputError("mode", `must be "grid", "cells" or "both"; got ${JSON.stringify(mode)}`);
  }
  return embeddingFigure(options, undefined, { pointOpacity: mode === "grid" ? 0.45 : 0.35 }, (frame) => {
    if (mode === "cells") return cellArrows(options, frame, "#1a1a1a");
    if (mode === "grid") return gridArrows(options, frame);
    return cellArrows(options, frame, "#8a8a8a") + gridArrows(options, frame);
  });
}

interface PixelArrow {
  x: number;
  y: number;
  dx: number;
  dy: number;
  /** At the faded edge of the data: dropped when shorter than `minFraction` of the target length. */
  edge?: boolean;
}

function gridArrows(options: VelocityArrowOptions, frame: EmbeddingFrame): string {
  const grid = velocityGrid(options.embedding, options.velocity, {
    gridSize: Math.max(4, Math.round(30 * (options.density ?? 1))),
    smooth: options.smooth,
    minMass: options.minMass ?? 0.3,
  });
  const arrows: PixelArrow[] = [];
  for (let j = 0; j < grid.ny; j++) {
    for (let i = 0; i < grid.nx; i++) {
      const k = j * grid.nx + i;
      if (!grid.valid[k]) continue;
      // Where the kernel mass is under one cell the velocity fades towards the data's edge (the mean is
      // divided by max(mass, 1), as scVelo's); only those stubs may be dropped. Inside the data a short arrow
      // is information (slow or incoherent projected velocity) and is always drawn, at its true length.
      arrows.push({ ...toPixels(frame, grid.xs[i], grid.ys[j], grid.u[k], grid.v[k]), edge: grid.mass[k] < 1 });
    }
  }
  const spacing = Math.min(
    Math.abs(frame.x(grid.xs[1]) - frame.x(grid.xs[0])),
    Math.abs(frame.y(grid.ys[1]) - frame.y(grid.ys[0])),
  );
  // Grid arrows are centred on their grid point so neighbouring arrows do not run into each other.
  return drawArrows(
    arrows,
    spacing * (options.arrowLength ?? 1),
    "middle",
    { color: options.arrowColor ?? "#1a1a1a", shaftWidth: 1.1, headLength: 5.5 },
    // Stubs at the faded edge of the field read as dots, not arrows: leave them out there.
    0.12,
  );
}

function cellArrows(options: VelocityArrowOptions, frame: EmbeddingFrame, defaultColor: string): string {
  const n = frame.nCells;
  const stride = Math.max(1, Math.ceil(n / (options.maxArrows ?? 800)));
  const arrows: PixelArrow[] = [];
  const { embedding, velocity } = options;
  for (let c = 0; c < n; c += stride) {
    arrows.push(toPixels(frame, embedding[2 * c], embedding[2 * c + 1], velocity[2 * c], velocity[2 * c + 1]));
  }
  const target = 0.04 * Math.min(frame.plot.width, frame.plot.height) * (options.arrowLength ?? 1);
  return drawArrows(arrows, target, "tail", {
    color: options.mode === "both" ? defaultColor : (options.arrowColor ?? defaultColor),
    shaftWidth: 0.7,
    headLength: 4,
  });
}

/** Arrow from a data point along a data-space velocity, in pixels (y flips: screen y grows downward). */
function toPixels(frame: EmbeddingFrame, x: number, y: number, u: number, v: number): PixelArrow {
  const px = frame.x(x);
  const py = frame.y(y);
  return { x: px, y: py, dx: frame.x(x + u) - px, dy: frame.y(y + v) - py };
}

function drawArrows(
  arrows: PixelArrow[],
  targetLength: number,
  pivot: "tail" | "middle",
  style: { color: string; shaftWidth: number; headLength: number },
  minFraction = 0,
): string {
  if (arrows.length === 0) return "";
  const lengths = arrows.map((a) => Math.hypot(a.dx, a.dy));
  const reference = stats.quantile(lengths, 0.95);
  if (!(reference > 0)) return "";
  const k = targetLength / reference;
  let d = "";
  for (const a of arrows) {
    const dx = a.dx * k;
    const dy = a.dy * k;
    if (a.edge && Math.hypot(dx, dy) < minFraction * targetLength) continue;
    const x0 = pivot === "middle" ? a.x - dx / 2 : a.x;
    const y0 = pivot === "middle" ? a.y - dy / 2 : a.y;
    d += arrowPath(x0, y0, x0 + dx, y0 + dy, style);
  }
  return d ? el("path", { class: "velocity-arrows", d, fill: style.color }) : "";
}
