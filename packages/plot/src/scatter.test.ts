import { InputError } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { velocityArrowPlot } from "./arrows.js";
import { scatterPlot } from "./scatter.js";
import { elements, pathSegments } from "./testutil/decodePng.js";

const corners = [0, 0, 10, 0, 0, 10, 10, 10, 5, 5, 2.5, 7.5];

function frameOf(svg: string) {
  const f = elements(svg, "rect").find((r) => r.class === "frame")!;
  return { x: Number(f.x), y: Number(f.y), width: Number(f.width), height: Number(f.height) };
}

describe("embedding geometry", () => {
  it("puts a cell at known data coordinates on the expected pixel", () => {
    const svg = scatterPlot({ embedding: corners, width: 500, height: 400 });
    const frame = frameOf(svg);
    const circles = elements(svg, "circle").map((c) => [Number(c.cx), Number(c.cy)]);
    expect(circles).toHaveLength(6);
    // The domain is the data extent [0, 10] padded by 4% on each side: [-0.4, 10.4].
    const px = (x: number) => frame.x + ((x + 0.4) / 10.8) * frame.width;
    const py = (y: number) => frame.y + frame.height - ((y + 0.4) / 10.8) * frame.height;
    for (let i = 0; i < 6; i++) {
      expect(circles[i][0]).toBeCloseTo(px(corners[2 * i]), 0);
      expect(circles[i][1]).toBeCloseTo(py(corners[2 * i + 1]), 0);
    }
    // The centre cell sits in the centre of the plot area; y = 7.5 is above it on screen.
    expect(circles[4][0]).toBeCloseTo(frame.x + frame.width / 2, 1);
    expect(circles[4][1]).toBeCloseTo(frame.y + frame.height / 2, 1);
    expect(circles[5][1]).toBeLessThan(circles[4][1]);
    expect(svg).toMatch(/width="500" height="400"/);
  });

  it("colours continuous values and draws the highest last", () => {
    const values = [3, 1, 2, 0, 5, 4];
    const svg = scatterPlot({ embedding: corners, values, colorMap: "viridis", colorbarLabel: "latent time" });
    const cells = svg.slice(svg.indexOf('<g class="cells">'), svg.indexOf('<rect class="frame"'));
    const fills = [...cells.matchAll(/<g fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    expect(fills[0]).toBe("#440154"); // lowest value, drawn first
    expect(fills[fills.length - 1]).toBe("#fde725"); // highest value, drawn last (on top)
    expect(svg).toContain('class="colorbar"');
    expect(svg).toContain(">latent time</text>");
  });

  it("labels both ends of the colour bar with the data's range", () => {
    // Velocity length on pancreas runs from about 52 to 280: the ends are labelled, not only 100 and 200.
    const svg = scatterPlot({ embedding: corners, values: [52.13, 100, 150, 200, 250, 279.6] });
    const labels = colorbarLabels(svg);
    expect(labels[0]).toBe("52.1");
    expect(labels[labels.length - 1]).toBe("280");
    expect(labels).toContain("100");
    expect(labels).toContain("200");
    // An inner tick next to an end would overlap its label: [0.791, 0.999] keeps 0.9 but not 0.8.
    const narrow = scatterPlot({ embedding: corners, values: [0.791, 0.85, 0.9, 0.95, 0.97, 0.999] });
    expect(colorbarLabels(narrow)).toEqual(["0.791", "0.9", "0.999"]);
  });

  it("places cluster names on the data without overlaps", () => {
    const embedding: number[] = [];
    const clusters: string[] = [];
    // Three clusters with nearly the same centre: their labels must be pushed apart.
    for (let i = 0; i < 30; i++) {
      embedding.push(5 + (i % 3) * 0.01, 5 + (i % 5) * 0.01);
      clusters.push(["Ngn3 high EP", "Pre-endocrine", "Ductal"][i % 3]);
    }
    embedding.push(0, 0, 10, 10);
    clusters.push("Ductal", "Ductal");
    const svg = scatterPlot({ embedding, clusters, legend: "on data" });
    const group = svg.slice(svg.indexOf('<g class="data-labels">'));
    const labels = elements(group, "text").filter((t) => t.fill !== "#ffffff");
    expect(labels).toHaveLength(3);
    const ys = labels.map((t) => Number(t.y)).sort((a, b) => a - b);
    for (let i = 1; i < ys.length; i++) expect(ys[i] - ys[i - 1]).toBeGreaterThanOrEqual(11.5 * 1.2 - 0.01);
  });

  it("rejects labels outside the given categories", () => {
    expect(() => scatterPlot({ embedding: [0, 0, 1, 1], clusters: ["a", "b"], categories: ["a"] })).toThrow(InputError);
    expect(() => scatterPlot({ embedding: [0, 0, 1, 1], values: [1] })).toThrow(/values/);
  });
});

describe("velocityArrowPlot", () => {
  const embedding: number[] = [];
  for (let j = 0; j < 40; j++) for (let i = 0; i < 40; i++) embedding.push(i / 4, j / 4);
  const n = embedding.length / 2;
  const velocity = Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? 0 : -1)); // straight down

  for (const mode of ["grid", "cells"] as const) {
    it(`${mode} arrows point the way the cells move`, () => {
      const svg = velocityArrowPlot({ embedding, velocity, mode, maxArrows: 200 });
      const d = elements(svg, "path").find((p) => p.class === "velocity-arrows")!.d;
      const arrows = d.split("Z").filter((a) => a.trim() !== "");
      expect(arrows.length).toBeGreaterThan(mode === "grid" ? 300 : 150);
      for (const arrow of arrows) {
        const points = pathSegments(arrow).map((s) => s.values);
        const tail = [(points[0][0] + points[6][0]) / 2, (points[0][1] + points[6][1]) / 2];
        const tip = points[3];
        expect(tip[1] - tail[1]).toBeGreaterThan(1); // downward on screen
        expect(Math.abs(tip[0] - tail[0])).toBeLessThan(0.05);
      }
      expect(velocityArrowPlot({ embedding, velocity, mode, maxArrows: 200 })).toBe(svg);
    });
  }

  it("grid: slow regions inside the data keep their (short) arrows; only faded edge stubs are dropped", () => {
    // Left half moves 20× slower than the right half: its arrows are short but drawn, at their true length.
    const slow = Array.from({ length: 2 * n }, (_, k) => (k % 2 === 0 ? 0 : embedding[k - 1] < 5 ? -0.05 : -1));
    const svg = velocityArrowPlot({ embedding, velocity: slow, title: "t" });
    const frame = elements(svg, "rect").find((r) => r.class === "frame")!;
    const middle = Number(frame.x) + Number(frame.width) / 2;
    const arrows = elements(svg, "path")
      .find((p) => p.class === "velocity-arrows")!
      .d.split("Z")
      .filter((a) => a.trim() !== "")
      .map((a) => pathSegments(a).map((seg) => seg.values));
    const length = (p: number[][]) => p[3][1] - (p[0][1] + p[6][1]) / 2;
    const left = arrows.filter((p) => p[3][0] < middle - 20);
    const right = arrows.filter((p) => p[3][0] > middle + 20);
    expect(left.length).toBeGreaterThan(100);
    expect(right.length).toBeGreaterThan(100);
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
    const ratio = median(left.map(length)) / median(right.map(length));
    expect(ratio).toBeGreaterThan(0.03);
    expect(ratio).toBeLessThan(0.08);
  });
});

function colorbarLabels(svg: string): string[] {
  const bar = svg.slice(svg.indexOf('<g class="colorbar">'));
  return [...bar.slice(0, bar.indexOf("</g>")).matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}
