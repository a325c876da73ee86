import { InputError, ShapeError } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { colorMapFunction } from "./colormap.js";
import { heatmap } from "./heatmap.js";
import { hexToRgb } from "./palette.js";
import { rasterize } from "./png.js";
import { elements, pixelAt } from "./testutil/decodePng.js";

/** Rendered colour at the centre of cell (row, col) of a rows × cols heatmap. */
function cellColors(svg: string, rows: number, cols: number): number[][][] {
  const frame = elements(svg, "rect").find((r) => r.class === "frame")!;
  const [x, y, w, h] = [frame.x, frame.y, frame.width, frame.height].map(Number);
  const image = rasterize(svg, { scale: 1 });
  return Array.from({ length: rows }, (_, r) =>
    Array.from({ length: cols }, (_, c) =>
      pixelAt(image, x + ((c + 0.5) * w) / cols, y + ((r + 0.5) * h) / rows).slice(0, 3),
    ),
  );
}

function expectColor(actual: number[], t: number, map: "greys" | "viridis" = "greys") {
  const expected = hexToRgb(colorMapFunction(map)(t));
  for (let k = 0; k < 3; k++) expect(Math.abs(actual[k] - expected[k]), `channel ${k}`).toBeLessThanOrEqual(3);
}

function expectRow(actual: number[][], ts: number[]) {
  ts.forEach((t, c) => {
    expectColor(actual[c], t);
  });
}

describe("heatmap", () => {
  it("colours each cell by its value, rows top to bottom, columns in the given order", () => {
    const values = [0, 1, 2, 2, 1, 0];
    const svg = heatmap({ values, rowLabels: ["GeneA", "GeneB"], normalize: "none", colorMap: "greys" });
    const colors = cellColors(svg, 2, 3);
    expectRow(colors[0], [0, 0.5, 1]);
    expectRow(colors[1], [1, 0.5, 0]);
    expect(svg).toContain(">GeneA</text>");

    const reversed = cellColors(
      heatmap({ values, rowLabels: ["GeneA", "GeneB"], normalize: "none", colorMap: "greys", colOrder: [2, 1, 0] }),
      2,
      3,
    );
    expectRow(reversed[0], [1, 0.5, 0]);
  });

  it("scales rows to [0, 1], smooths along the ordering and sorts genes by their peak", () => {
    const values = [10, 20, 30, 40, 5, 5, 5, 9];
    const scaled = cellColors(heatmap({ values, rowLabels: ["a", "b"], colorMap: "greys" }), 2, 4);
    expectRow(scaled[0], [0, 1 / 3, 2 / 3, 1]);
    expectColor(scaled[1][0], 0);
    expectColor(scaled[1][3], 1);

    // Window 3 (shrinking at the ends) turns [0, 0, 9, 0, 0] into [0, 3, 3, 3, 0] before scaling.
    const smooth = cellColors(
      heatmap({ values: [0, 0, 9, 0, 0], rowLabels: ["a"], colorMap: "greys", smooth: 3 }),
      1,
      5,
    );
    expectRow(smooth[0], [0, 1, 1, 1, 0]);

    const late = [0, 0, 1];
    const early = [1, 0, 0];
    const sorted = heatmap({ values: [...late, ...early], rowLabels: ["late", "early"], sortRows: true });
    expect(sorted.indexOf(">early</text>")).toBeLessThan(sorted.indexOf(">late</text>"));
  });

  it("bins many columns and stays deterministic", () => {
    const cols = 5000;
    const values = Float64Array.from({ length: 3 * cols }, (_, i) => Math.sin(i / 50));
    const clusters = Array.from({ length: cols }, (_, i) => (i < 2500 ? "early" : "late"));
    const options = {
      values,
      rowLabels: ["a", "b", "c"],
      maxColumns: 100,
      colAnnotation: { label: "clusters", clusters },
    };
    const svg = heatmap(options);
    expect(heatmap(options)).toBe(svg);
    expect(svg.length).toBeLessThan(20000);
    expect(svg).toContain(">late</text>");
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it("names every row of a 50-gene heatmap, without overlapping labels", () => {
    const rowLabels = Array.from({ length: 50 }, (_, r) => `Gene${r}`);
    const values = Float64Array.from({ length: 50 * 40 }, (_, i) => Math.sin(i));
    const svg = heatmap({ values, rowLabels, sortRows: true });
    const labels = [...svg.matchAll(/<text([^>]*)>(Gene\d+)<\/text>/g)];
    expect(new Set(labels.map((m) => m[2]))).toEqual(new Set(rowLabels));
    const ys = labels.map((m) => Number(/\sy="([^"]+)"/.exec(m[1])![1])).sort((a, b) => a - b);
    const size = Number(/font-size="([^"]+)"/.exec(labels[0][1])![1]);
    expect(size).toBeGreaterThanOrEqual(7.5);
    for (let i = 1; i < ys.length; i++) expect(ys[i] - ys[i - 1]).toBeGreaterThanOrEqual(size);
  });

  it("names the bad input", () => {
    expect(() => heatmap({ values: [1, 2, 3], rowLabels: ["a", "b"] })).toThrow(ShapeError);
    expect(() => heatmap({ values: [1, 2, 3, 4], rowLabels: ["a", "b"], colOrder: [0, 2] })).toThrow(InputError);
    expect(() => heatmap({ values: [1, Number.NaN], rowLabels: ["a"] })).toThrow(/values/);
  });
});
