/** Cartesian axes: margins from real tick-label widths, frame, ticks, labels, optional grid lines. */
import { textWidth } from "./font.js";
import { type Domain, formatPower, formatTick, linearScale, logScale, logTicks, ticks } from "./scale.js";
import { el, num, text } from "./svg.js";
import { type Rect, THEME } from "./theme.js";

export interface AxisSpec {
  domain: Domain;
  label?: string;
  /** log10 axis (domain must be > 0). */
  log?: boolean;
  /** Draw ticks and tick labels (default true); embeddings have none, as in scanpy. */
  ticks?: boolean;
  tickCount?: number;
}

interface Tick {
  value: number;
  label: string;
  minor?: boolean;
}

function axisTicks(axis: AxisSpec): Tick[] {
  if (axis.ticks === false) return [];
  const [lo, hi] = axis.domain;
  if (axis.log) {
    const exponents = logTicks(axis.domain);
    const out: Tick[] = exponents
      .map((e) => ({ value: 10 ** e, label: formatPower(e) }))
      .filter((t) => t.value >= lo * (1 - 1e-9) && t.value <= hi * (1 + 1e-9));
    // Minor ticks at 2…9 × 10^e help read values when the axis spans few decades.
    if (Math.log10(hi / lo) <= 4) {
      for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
        for (let m = 2; m <= 9; m++) {
          const value = m * 10 ** e;
          if (value >= lo && value <= hi) out.push({ value, label: "", minor: true });
        }
      }
    }
    return out;
  }
  const { values, step } = ticks(axis.domain, axis.tickCount ?? 5);
  return values.map((value) => ({ value, label: formatTick(value, step) }));
}

/** Pixels needed left of the plot area for y tick labels and the y label. */
export function leftMargin(axis: AxisSpec): number {
  const labels = axisTicks(axis).filter((t) => !t.minor);
  const widest = labels.reduce((w, t) => Math.max(w, textWidth(t.label, THEME.tickSize)), 0);
  const tickPart = labels.length > 0 ? widest + THEME.tickLength + 5 : 0;
  return tickPart + (axis.label ? THEME.labelSize + 10 : 0) + 4;
}

/** Pixels needed below the plot area for x tick labels and the x label. */
export function bottomMargin(axis: AxisSpec): number {
  const tickPart = axisTicks(axis).length > 0 ? THEME.tickSize + THEME.tickLength + 6 : 0;
  return tickPart + (axis.label ? THEME.labelSize + 10 : 0) + 4;
}

/** Half the widest x tick label: the last label is centred on the right edge and must not be clipped. */
export function rightOverhang(axis: AxisSpec): number {
  const labels = axisTicks(axis);
  const last = labels[labels.length - 1];
  return last ? textWidth(last.label, THEME.tickSize) / 2 : 0;
}

export interface Axes {
  plot: Rect;
  x: (value: number) => number;
  y: (value: number) => number;
  /** Frame, ticks, tick labels and axis labels (draw after the data). */
  frame: string;
  /** Light grid lines at major ticks (draw before the data). */
  grid: string;
}

export function makeAxes(plot: Rect, xAxis: AxisSpec, yAxis: AxisSpec): Axes {
  const xRange: Domain = [plot.x, plot.x + plot.width];
  const yRange: Domain = [plot.y + plot.height, plot.y];
  const x = xAxis.log ? logScale(xAxis.domain, xRange) : linearScale(xAxis.domain, xRange);
  const y = yAxis.log ? logScale(yAxis.domain, yRange) : linearScale(yAxis.domain, yRange);
  const bottom = plot.y + plot.height;
  const right = plot.x + plot.width;

  let grid = "";
  let marks = "";
  let labels = "";
  for (const tick of axisTicks(xAxis)) {
    const px = x(tick.value);
    const length = tick.minor ? THEME.tickLength / 2 : THEME.tickLength;
    marks += `M${num(px)} ${num(bottom)}v${num(length)}`;
    if (tick.minor) continue;
    if (px > plot.x + 0.5 && px < right - 0.5) grid += `M${num(px)} ${num(plot.y)}V${num(bottom)}`;
    labels += text(px, bottom + THEME.tickLength + 3, tick.label, {
      size: THEME.tickSize,
      anchor: "middle",
      baseline: "hanging",
      fill: THEME.mutedText,
    });
  }
  for (const tick of axisTicks(yAxis)) {
    const py = y(tick.value);
    const length = tick.minor ? THEME.tickLength / 2 : THEME.tickLength;
    marks += `M${num(plot.x)} ${num(py)}h${num(-length)}`;
    if (tick.minor) continue;
    if (py > plot.y + 0.5 && py < bottom - 0.5) grid += `M${num(plot.x)} ${num(py)}H${num(right)}`;
    labels += text(plot.x - THEME.tickLength - 3, py, tick.label, {
      size: THEME.tickSize,
      anchor: "end",
      baseline: "middle",
      fill: THEME.mutedText,
    });
  }
  if (xAxis.label) {
    const below = axisTicks(xAxis).length > 0 ? THEME.tickSize + THEME.tickLength + 8 : 6;
    labels += text(plot.x + plot.width / 2, bottom + below, xAxis.label, {
      size: THEME.labelSize,
      anchor: "middle",
      baseline: "hanging",
    });
  }
  if (yAxis.label) {
    const ticksWidth = axisTicks(yAxis)
      .filter((t) => !t.minor)
      .reduce((w, t) => Math.max(w, textWidth(t.label, THEME.tickSize)), 0);
    const offset = (ticksWidth > 0 ? ticksWidth + THEME.tickLength + 5 : 0) + 6 + THEME.labelSize * 0.8;
    const cx = plot.x - offset;
    const cy = plot.y + plot.height / 2;
    labels += text(cx, cy, yAxis.label, { size: THEME.labelSize, anchor: "middle", rotate: -90 });
  }

  const frame =
    el("rect", {
      class: "frame",
      x: plot.x,
      y: plot.y,
      width: plot.width,
      height: plot.height,
      fill: "none",
      stroke: THEME.axis,
      strokeWidth: 0.8,
    }) +
    (marks ? el("path", { d: marks, stroke: THEME.axis, strokeWidth: 0.8, fill: "none" }) : "") +
    labels;
  return {
    plot,
    x,
    y,
    frame,
    grid: grid ? el("path", { d: grid, stroke: THEME.grid, strokeWidth: 0.8, fill: "none" }) : "",
  };
}

/** Title size, shrunk so a long title fits `available` px instead of being clipped. */
export function fitTitleSize(title: string, available: number): number {
  return THEME.titleSize * Math.min(1, available / Math.max(1, textWidth(title, THEME.titleSize, "bold")));
}

/** A bold title centred on `centreX`, top edge at `top`, shrunk to fit `available` px. */
export function titleText(title: string | undefined, centreX: number, top: number, available: number): string {
  if (!title) return "";
  return text(centreX, top, title, {
    size: fitTitleSize(title, available),
    weight: "bold",
    anchor: "middle",
    baseline: "hanging",
  });
}

/** Width a title centred over the plot area may take without leaving the figure. */
export function titleRoom(plot: Rect, figureWidth: number): number {
  const centre = plot.x + plot.width / 2;
  return 2 * Math.min(centre, figureWidth - centre) - 2 * THEME.outerMargin;
}
