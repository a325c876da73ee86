/**
 * Phase portrait of one gene (scVelo's `scv.pl.velocity` / `scatter(basis=gene)`): spliced (x) against
 * unspliced (y) per cell, with the steady-state line u = (γ/β)·s, an optional fitted trajectory (e.g. the
 * dynamical model's induction/repression curve) and optional per-cell velocity arrows (ds/dt, du/dt).
 */
import { InputError, stats } from "@diffcell/core";
import { arrowPath } from "./arrow.js";
import { type ColorMap, colorMapFunction } from "./colormap.js";
import { xyFigure } from "./figure.js";
import { type Block, categoricalLegend, colorBar, type LegendEntry } from "./legend.js";
import { categoriesOf, clusterColors, type Palette } from "./palette.js";
import { type Domain, extent, pad, widen } from "./scale.js";
import { el, escapeXml, num, pathData } from "./svg.js";
import { checkLabels, checkOption, checkVector, type Numeric } from "./validate.js";

export interface PhasePortraitOptions {
  /** Spliced abundance per cell (e.g. `layers.Ms[:, gene]`). */
  spliced: Numeric;
  /** Unspliced abundance per cell (e.g. `layers.Mu[:, gene]`). */
  unspliced: Numeric;
  gene: string;
  /** Default: the gene name. */
  title?: string;
  clusters?: readonly string[];
  categories?: readonly string[];
  palette?: Palette;
  /** Explicit colour per cell (overrides clusters). */
  colors?: readonly string[];
  /** Continuous colouring (e.g. latent time); overrides clusters. */
  values?: Numeric;
  colorMap?: ColorMap;
  /** Colour-bar label when colouring by `values` (e.g. "latent time"). */
  colorbarLabel?: string;
  /** A fitted trajectory in phase space, drawn as a line in the given order. */
  fitCurve?: { spliced: Numeric; unspliced: Numeric; label?: string };
  /** γ/β: the steady-state line u = slope · s. */
  steadyStateSlope?: number;
  /**
   * Per-cell velocity arrows: ds/dt alone (horizontal arrows, as the seed's velocity = β·u − γ·s) or both
   * components ({ spliced: ds/dt, unspliced: du/dt = α − β·u }).
   */
  velocity?: Numeric | { spliced: Numeric; unspliced: Numeric };
  /** Arrow length multiplier (default 1). */
  arrowLength?: number;
  /** At most this many arrows, strided over cells (default 400). */
  maxArrows?: number;
  legend?: "right" | "none";
  width?: number;
  height?: number;
  pointSize?: number;
  pointOpacity?: number;
}

const FIT_COLOR = "#7b2cbf";
const STEADY_COLOR = "#3a3a3a";

export function phasePortrait(options: PhasePortraitOptions): string {
  const n = checkVector("spliced", options.spliced);
  checkVector("unspliced", options.unspliced, n);
  if (typeof options.gene !== "string") throw new InputError("gene", "must be a string");
  checkOption("steadyStateSlope", options.steadyStateSlope, -1e12, 1e12);
  checkOption("arrowLength", options.arrowLength, 0, 100);
  checkOption("maxArrows", options.maxArrows, 1, 1e7);
  checkOption("pointSize", options.pointSize, 0.1, 50);
  checkOption("pointOpacity", options.pointOpacity, 0, 1);
  const fit = options.fitCurve;
  if (fit) {
    const m = checkVector("fitCurve.spliced", fit.spliced);
    checkVector("fitCurve.unspliced", fit.unspliced, m);
  }
  let ds: Numeric | undefined;
  let du: Numeric | undefined;
  if (options.velocity !== undefined) {
    if ("spliced" in options.velocity && !ArrayBuffer.isView(options.velocity) && !Array.isArray(options.velocity)) {
      ds = options.velocity.spliced;
      du = options.velocity.unspliced;
      checkVector("velocity.spliced", ds, n);
      checkVector("velocity.unspliced", du, n);
    } else {
      ds = options.velocity as Numeric;
      checkVector("velocity", ds, n);
    }
  }

  // Cell colours and key entries.
  const colors: string[] = new Array(n).fill("#8c8c8c");
  const entries: LegendEntry[] = [];
  let valueRange: Domain | undefined;
  if (options.colors) {
    checkLabels("colors", options.colors, n);
    for (let i = 0; i < n; i++) colors[i] = options.colors[i];
  } else if (options.values) {
    checkVector("values", options.values, n);
    const [lo, hi] = widen(extent(options.values));
    valueRange = [lo, hi];
    const map = colorMapFunction(options.colorMap);
    for (let i = 0; i < n; i++) colors[i] = map((options.values[i] - lo) / (hi - lo));
  } else if (options.clusters) {
    checkLabels("clusters", options.clusters, n);
    const categories = options.categories ? [...options.categories] : categoriesOf(options.clusters);
    const palette = clusterColors(categories, options.palette);
    for (let i = 0; i < n; i++) {
      const c = palette.get(options.clusters[i]);
      if (c === undefined) throw new InputError("clusters", `label "${options.clusters[i]}" is not in categories`, i);
      colors[i] = c;
    }
    // The key lists only categories present, but colours follow the full category order.
    const present = new Set(options.clusters);
    for (const label of categories) if (present.has(label)) entries.push({ label, color: palette.get(label)! });
  }
  if (fit) entries.push({ label: fit.label ?? "fitted trajectory", color: FIT_COLOR, kind: "line" });
  if (options.steadyStateSlope !== undefined) {
    entries.push({
      label: `steady state (γ/β = ${formatSlope(options.steadyStateSlope)})`,
      color: STEADY_COLOR,
      kind: "dashed",
    });
  }

  // Axes include 0 (abundances) and the fitted curve, so the whole trajectory is visible.
  const xDomain = dataDomain(options.spliced, fit?.spliced);
  const yDomain = dataDomain(options.unspliced, fit?.unspliced);

  return xyFigure({
    title: options.title ?? options.gene,
    width: options.width,
    height: options.height,
    plotWidth: 300,
    plotHeight: 260,
    xAxis: { domain: xDomain, label: "spliced" },
    yAxis: { domain: yDomain, label: "unspliced" },
    clip: true,
    key: (maxHeight) => {
      if ((options.legend ?? "right") === "none") return undefined;
      const lines = entries.length > 0 ? categoricalLegend(entries, maxHeight) : undefined;
      if (!valueRange) return lines;
      // Continuous colouring: a colour bar, with the line key (fit, steady state) below it.
      const bar = colorBar(valueRange, options.colorMap ?? "viridis", Math.min(maxHeight, 160), options.colorbarLabel);
      return stackBlocks(bar, lines);
    },
    draw: (axes) => {
      const radius =
        options.pointSize ??
        Math.min(3.5, Math.max(1, 0.35 * Math.sqrt((axes.plot.width * axes.plot.height) / Math.max(1, n))));
      const opacity = options.pointOpacity ?? 0.7;
      let cells = "";
      let runColor = "";
      let run = "";
      const flush = () => {
        if (run) cells += `<g fill="${escapeXml(runColor)}" fill-opacity="${num(opacity)}">${run}</g>`;
        run = "";
      };
      const order = options.values ? stats.argsort(options.values) : undefined;
      for (let k = 0; k < n; k++) {
        const i = order ? order[k] : k;
        if (colors[i] !== runColor) {
          flush();
          runColor = colors[i];
        }
        run += `<circle cx="${num(axes.x(options.spliced[i]), 1)}" cy="${num(axes.y(options.unspliced[i]), 1)}" r="${num(radius)}"/>`;
      }
      flush();
      let out = el("g", { class: "cells" }, cells);

      if (ds) out += velocityArrows(axes, options, ds, du, n);
      if (options.steadyStateSlope !== undefined) {
        const slope = options.steadyStateSlope;
        // The clip path trims the line at the plot edge.
        const s0 = Math.min(0, xDomain[0]);
        const s1 = xDomain[1];
        out += el("path", {
          class: "steady-state",
          d: pathData([axes.x(s0), axes.x(s1)], [axes.y(slope * s0), axes.y(slope * s1)]),
          stroke: STEADY_COLOR,
          strokeWidth: 1.6,
          strokeDasharray: "6 4",
          fill: "none",
        });
      }
      if (fit) {
        out += el("path", {
          class: "fit-curve",
          d: pathData(Array.from(fit.spliced, axes.x), Array.from(fit.unspliced, axes.y)),
          stroke: FIT_COLOR,
          strokeWidth: 2.2,
          strokeLinejoin: "round",
          strokeLinecap: "round",
          fill: "none",
        });
      }
      return out;
    },
  });
}

function velocityArrows(
  axes: { x: (v: number) => number; y: (v: number) => number; plot: { width: number; height: number } },
  options: PhasePortraitOptions,
  ds: Numeric,
  du: Numeric | undefined,
  n: number,
): string {
  const stride = Math.max(1, Math.ceil(n / (options.maxArrows ?? 400)));
  const arrows: [number, number, number, number][] = [];
  for (let i = 0; i < n; i += stride) {
    const s = options.spliced[i];
    const u = options.unspliced[i];
    const x0 = axes.x(s);
    const y0 = axes.y(u);
    arrows.push([x0, y0, axes.x(s + ds[i]) - x0, axes.y(u + (du ? du[i] : 0)) - y0]);
  }
  const lengths = arrows.map(([, , dx, dy]) => Math.hypot(dx, dy));
  const reference = stats.quantile(lengths, 0.95);
  if (!(reference > 0)) return "";
  const k = (0.07 * Math.min(axes.plot.width, axes.plot.height) * (options.arrowLength ?? 1)) / reference;
  let d = "";
  for (const [x0, y0, dx, dy] of arrows) {
    d += arrowPath(x0, y0, x0 + dx * k, y0 + dy * k, { shaftWidth: 0.8, headLength: 4.5 });
  }
  return d ? el("path", { class: "velocity-arrows", d, fill: "#1a1a1a", fillOpacity: 0.75 }) : "";
}

function dataDomain(values: Numeric, extra?: Numeric): Domain {
  let [lo, hi] = extent(values);
  if (extra && extra.length > 0) {
    const [a, b] = extent(extra);
    lo = Math.min(lo, a);
    hi = Math.max(hi, b);
  }
  lo = Math.min(lo, 0);
  return pad(widen([lo, hi]), 0.04);
}

function formatSlope(slope: number): string {
  return Math.abs(slope) >= 100 || (Math.abs(slope) < 0.01 && slope !== 0)
    ? slope.toExponential(2)
    : slope.toFixed(Math.abs(slope) >= 10 ? 1 : 2);
}

function stackBlocks(top: Block, bottom: Block | undefined): Block {
  if (!bottom) return top;
  const gap = 14;
  return {
    width: Math.max(top.width, bottom.width),
    height: top.height + gap + bottom.height,
    render: (x, y) => top.render(x, y) + bottom.render(x, y + top.height + gap),
  };
}
