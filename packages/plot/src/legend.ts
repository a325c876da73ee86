/** Legends: a categorical key (columns when long), a colour bar, and cluster labels placed on the data. */
import { type ColorMap, colorMapFunction } from "./colormap.js";
import { textWidth } from "./font.js";
import { type Domain, formatTick, formatValue, linearScale, ticks } from "./scale.js";
import { el, num, text } from "./svg.js";
import { type Rect, THEME } from "./theme.js";

export interface LegendEntry {
  label: string;
  color: string;
  /** Marker shape: a dot (cells), a solid or dashed line (fits). */
  kind?: "dot" | "line" | "dashed";
}

export interface Block {
  width: number;
  height: number;
  /** Markup with the block's top-left corner at (x, y). */
  render: (x: number, y: number) => string;
}

const ROW = 19;
const MARKER = 11;

/** A key laid out in as many columns as needed to fit `maxHeight`. */
export function categoricalLegend(entries: readonly LegendEntry[], maxHeight: number, heading?: string): Block {
  const headingHeight = heading ? ROW + 2 : 0;
  const rowsPerColumn = Math.max(1, Math.min(entries.length, Math.floor((maxHeight - headingHeight) / ROW)));
  const columns = Math.ceil(entries.length / rowsPerColumn);
  const columnWidths: number[] = [];
  for (let c = 0; c < columns; c++) {
    const slice = entries.slice(c * rowsPerColumn, (c + 1) * rowsPerColumn);
    const widest = slice.reduce((w, e) => Math.max(w, textWidth(e.label, THEME.legendSize)), 0);
    columnWidths.push(MARKER + 7 + widest + (c < columns - 1 ? 16 : 0));
  }
  const bodyWidth = columnWidths.reduce((a, b) => a + b, 0);
  const headingWidth = heading ? textWidth(heading, THEME.legendSize, "bold") : 0;
  const width = Math.max(bodyWidth, headingWidth);
  const height = headingHeight + Math.min(entries.length, rowsPerColumn) * ROW;
  return {
    width,
    height,
    render(x, y) {
      let out = heading
        ? text(x, y + ROW / 2, heading, { size: THEME.legendSize, weight: "bold", baseline: "middle" })
        : "";
      let cx = x;
      entries.forEach((entry, i) => {
        const c = Math.floor(i / rowsPerColumn);
        if (i % rowsPerColumn === 0 && c > 0) cx += columnWidths[c - 1];
        const cy = y + headingHeight + (i % rowsPerColumn) * ROW + ROW / 2;
        out += legendMarker(entry, cx, cy);
        out += text(cx + MARKER + 7, cy, entry.label, { size: THEME.legendSize, baseline: "middle" });
      });
      return el("g", { class: "legend" }, out);
    },
  };
}

function legendMarker(entry: LegendEntry, x: number, cy: number): string {
  if (entry.kind === "line" || entry.kind === "dashed") {
    return el("path", {
      d: `M${num(x)} ${num(cy)}h${MARKER}`,
      stroke: entry.color,
      strokeWidth: 2,
      strokeDasharray: entry.kind === "dashed" ? "4 2" : undefined,
      fill: "none",
    });
  }
  return el("circle", { cx: x + MARKER / 2, cy, r: MARKER / 2 - 0.5, fill: entry.color });
}

/**
 * A vertical colour bar with ticks on its right and an optional rotated label. Both ends are labelled with
 * the domain's values (what the extreme colours mean), and inner "nice" ticks too close to an end to keep
 * their labels apart are left out.
 */
export function colorBar(domain: Domain, colorMap: ColorMap, height: number, label?: string): Block {
  const barWidth = 12;
  const [lo, hi] = domain;
  const inner = ticks(domain, Math.max(2, Math.round(height / 60)));
  const minGap = (THEME.tickSize * 1.25 * (hi - lo)) / Math.max(1, height);
  const kept = inner.values.filter((v) => v - lo > minGap && hi - v > minGap);
  const values = [lo, ...kept, hi];
  const labels = [formatValue(lo), ...kept.map((v) => formatTick(v, inner.step)), formatValue(hi)];
  const widest = labels.reduce((w, l) => Math.max(w, textWidth(l, THEME.tickSize)), 0);
  const width = barWidth + 4 + widest + (label ? THEME.labelSize + 12 : 0);
  const color = colorMapFunction(colorMap);
  return {
    width,
    height,
    render(x, y) {
      const bands = 64;
      let out = "";
      // Bands overlap by half a pixel so anti-aliasing leaves no seams between them.
      for (let b = 0; b < bands; b++) {
        const y0 = y + height - ((b + 1) * height) / bands;
        out += el("rect", {
          x,
          y: y0,
          width: barWidth,
          height: height / bands + (b < bands - 1 ? 0.5 : 0),
          fill: color((b + 0.5) / bands),
        });
      }
      out += el("rect", { x, y, width: barWidth, height, fill: "none", stroke: THEME.axis, strokeWidth: 0.6 });
      const scale = linearScale(domain, [y + height, y]);
      let marks = "";
      values.forEach((value, i) => {
        const py = scale(value);
        marks += `M${num(x + barWidth)} ${num(py)}h3`;
        out += text(x + barWidth + 5, py, labels[i], {
          size: THEME.tickSize,
          baseline: "middle",
          fill: THEME.mutedText,
        });
      });
      out += el("path", { d: marks, stroke: THEME.axis, strokeWidth: 0.6 });
      if (label) {
        const lx = x + barWidth + 5 + widest + 8 + THEME.labelSize * 0.8;
        out += text(lx, y + height / 2, label, { size: THEME.labelSize, anchor: "middle", rotate: -90 });
      }
      return el("g", { class: "colorbar" }, out);
    },
  };
}

export interface DataLabel {
  label: string;
  /** Anchor in pixels (e.g. the cluster's median position). */
  x: number;
  y: number;
}

/**
 * Cluster names drawn on the data (scVelo's `legend_loc="on data"`). Overlapping labels are pushed apart
 * along their axis of least overlap, a few sweeps at most, and kept inside the plot area.
 */
export function dataLabels(labels: readonly DataLabel[], plot: Rect, size = THEME.legendSize + 0.5): string {
  const height = size * 1.2;
  const boxes = labels.map((l) => {
    const width = textWidth(l.label, size, "bold") + 4;
    return { ...l, width, cx: l.x, cy: l.y };
  });
  const clampBox = (b: (typeof boxes)[number]) => {
    b.cx = Math.min(plot.x + plot.width - b.width / 2, Math.max(plot.x + b.width / 2, b.cx));
    b.cy = Math.min(plot.y + plot.height - height / 2, Math.max(plot.y + height / 2, b.cy));
  };
  boxes.forEach(clampBox);
  for (let sweep = 0; sweep < 60; sweep++) {
    let moved = false;
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        const overlapX = (a.width + b.width) / 2 - Math.abs(a.cx - b.cx);
        const overlapY = height - Math.abs(a.cy - b.cy);
        if (overlapX <= 0 || overlapY <= 0) continue;
        moved = true;
        // Ties (identical anchors) are broken by index so the result stays deterministic.
        if (overlapY <= overlapX) {
          const dir = a.cy < b.cy || (a.cy === b.cy && i < j) ? -1 : 1;
          a.cy += (dir * (overlapY + 1)) / 2;
          b.cy -= (dir * (overlapY + 1)) / 2;
        } else {
          const dir = a.cx < b.cx || (a.cx === b.cx && i < j) ? -1 : 1;
          a.cx += (dir * (overlapX + 1)) / 2;
          b.cx -= (dir * (overlapX + 1)) / 2;
        }
        clampBox(a);
        clampBox(b);
      }
    }
    if (!moved) break;
  }
  return el(
    "g",
    { class: "data-labels" },
    boxes
      .map((b) => text(b.cx, b.cy, b.label, { size, weight: "bold", anchor: "middle", baseline: "middle", halo: true }))
      .join(""),
  );
}
