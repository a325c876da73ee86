/** A titled figure with Cartesian axes and an optional key on the right (phase portraits, loss curves). */
import {
  type Axes,
  type AxisSpec,
  bottomMargin,
  leftMargin,
  makeAxes,
  rightOverhang,
  titleRoom,
  titleText,
} from "./axes.js";
import type { Block } from "./legend.js";
import { clipToRect, svgDocument } from "./svg.js";
import { type Rect, THEME } from "./theme.js";
import { checkOption } from "./validate.js";

export interface XYFigureSpec {
  title?: string;
  /** Total size in px; defaults fit the default plot area plus margins and key. */
  width?: number;
  height?: number;
  plotWidth: number;
  plotHeight: number;
  xAxis: AxisSpec;
  yAxis: AxisSpec;
  /** Light grid lines at major ticks. */
  grid?: boolean;
  key?: (maxHeight: number) => Block | undefined;
  /** Data layer, drawn between grid and frame. */
  draw: (axes: Axes) => string;
  /** Clip the data layer to the plot area (lines that leave the axes). */
  clip?: boolean;
}

export function xyFigure(spec: XYFigureSpec): string {
  checkOption("width", spec.width, 120, 10000);
  checkOption("height", spec.height, 120, 10000);
  const outer = THEME.outerMargin;
  const top = outer + (spec.title ? THEME.titleSize + THEME.gap : 0) + 4;
  const left = outer + leftMargin(spec.yAxis);
  const bottom = bottomMargin(spec.xAxis) + outer;
  const height = spec.height ?? top + spec.plotHeight + bottom;
  const plotHeight = Math.max(40, height - top - bottom);
  // The key may run down beside the x-axis labels before it needs a second column.
  const key = spec.key?.(plotHeight + bottom - outer);
  const overhang = Math.max(4, rightOverhang(spec.xAxis));
  const keySpace = key ? 1.5 * THEME.gap + key.width : overhang;
  const width = spec.width ?? left + spec.plotWidth + keySpace + outer;
  const plotWidth = Math.max(40, width - left - keySpace - outer);
  const plot: Rect = { x: left, y: top, width: plotWidth, height: plotHeight };
  const axes = makeAxes(plot, spec.xAxis, spec.yAxis);
  let data = spec.draw(axes);
  let defs = "";
  if (spec.clip && data) {
    const clip = clipToRect(plot, data);
    defs = clip.defs;
    data = clip.body;
  }
  const keyMarkup = key ? key.render(plot.x + plot.width + 1.5 * THEME.gap, plot.y) : "";
  const title = titleText(spec.title, plot.x + plot.width / 2, outer, titleRoom(plot, width));
  return svgDocument(
    { width, height, title: spec.title },
    defs + (spec.grid ? axes.grid : "") + data + axes.frame + keyMarkup + title,
  );
}
