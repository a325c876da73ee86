/** Training loss against epoch (or step), one or several named series, linear or log10 y axis. */
import { InputError } from "@diffcell/core";
import { xyFigure } from "./figure.js";
import { categoricalLegend } from "./legend.js";
import { defaultColor } from "./palette.js";
import { type Domain, extent, niceDomain, widen } from "./scale.js";
import { el, num } from "./svg.js";
import { checkVector, type Numeric } from "./validate.js";

export interface LossSeries {
  name: string;
  values: Numeric;
  color?: string;
}

export interface LossCurveOptions {
  title?: string;
  /** log10 y axis (all values must be > 0). */
  logScale?: boolean;
  /** x value of each point (default 1, 2, … — epochs). Shared by all series. */
  x?: Numeric;
  xLabel?: string;
  yLabel?: string;
  width?: number;
  height?: number;
}

export function lossCurve(values: Numeric | readonly LossSeries[], options: LossCurveOptions = {}): string {
  const series: LossSeries[] = isSeriesList(values)
    ? values.map((s, i) => ({ ...s, color: s.color ?? defaultColor(i) }))
    : [{ name: "loss", values: values as Numeric, color: defaultColor(0) }];
  if (series.length === 0) throw new InputError("values", "no series given");
  let longest = 0;
  series.forEach((s, i) => {
    const name = series.length > 1 ? `values[${i}] (${s.name})` : "values";
    longest = Math.max(longest, checkVector(name, s.values));
    if (s.values.length === 0) throw new InputError(name, "is empty");
    if (options.logScale) {
      for (let k = 0; k < s.values.length; k++) {
        if (!(s.values[k] > 0)) throw new InputError(name, `value ${s.values[k]} cannot be shown on a log scale`, k);
      }
    }
  });
  const xs = options.x ?? Float64Array.from({ length: longest }, (_, i) => i + 1);
  checkVector("x", xs, longest);

  const xDomain = widen(extent(xs));
  const all = series.flatMap((s) => Array.from(s.values));
  let yDomain: Domain;
  if (options.logScale) {
    const [lo, hi] = extent(all);
    const margin = hi > lo ? (hi / lo) ** 0.05 : 2;
    yDomain = [lo / margin, hi * margin];
  } else {
    yDomain = niceDomain(extent(all));
  }
  const showMarkers = longest <= 60;

  return xyFigure({
    title: options.title,
    width: options.width,
    height: options.height,
    plotWidth: 460,
    plotHeight: 260,
    grid: true,
    xAxis: { domain: xDomain, label: options.xLabel ?? "epoch" },
    yAxis: {
      domain: yDomain,
      label: options.yLabel ?? (options.logScale ? "loss (log scale)" : "loss"),
      log: options.logScale,
    },
    key: (maxHeight) =>
      series.length > 1
        ? categoricalLegend(
            series.map((s) => ({ label: s.name, color: s.color!, kind: "line" as const })),
            maxHeight,
          )
        : undefined,
    draw: (axes) => {
      let out = "";
      for (const s of series) {
        let d = "";
        let dots = "";
        for (let i = 0; i < s.values.length; i++) {
          const px = axes.x(xs[i]);
          const py = axes.y(s.values[i]);
          d += `${i === 0 ? "M" : "L"}${num(px)} ${num(py)}`;
          if (showMarkers) dots += `<circle cx="${num(px)}" cy="${num(py)}" r="2.6"/>`;
        }
        out += el("path", {
          class: "loss-line",
          d,
          stroke: s.color,
          strokeWidth: 2,
          fill: "none",
          strokeLinejoin: "round",
        });
        if (dots) out += el("g", { fill: s.color }, dots);
      }
      return out;
    },
  });
}

function isSeriesList(values: Numeric | readonly LossSeries[]): values is readonly LossSeries[] {
  return Array.isArray(values) && values.length > 0 && typeof values[0] === "object" && values[0] !== null;
}
