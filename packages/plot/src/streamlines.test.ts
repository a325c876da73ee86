import { describe, expect, it } from "vitest";
import { velocityGrid } from "./grid.js";
import { spiralOrder, streamlines } from "./streamlines.js";

function disc(cx: number, cy: number, radius: number, h: number): Float64Array {
  const points: number[] = [];
  for (let y = cy - radius; y <= cy + radius; y += h) {
    for (let x = cx - radius; x <= cx + radius; x += h) if (Math.hypot(x - cx, y - cy) <= radius) points.push(x, y);
  }
  return Float64Array.from(points);
}

function field(embedding: Float64Array, f: (x: number, y: number) => [number, number]): Float64Array {
  const v = new Float64Array(embedding.length);
  for (let i = 0; i < embedding.length; i += 2) v.set(f(embedding[i], embedding[i + 1]), i);
  return v;
}

const square: number[] = [];
for (let y = 0; y <= 10; y += 0.1) for (let x = 0; x <= 10; x += 0.1) square.push(x, y);
const squareCells = Float64Array.from(square);

describe("streamlines", () => {
  it("visits every mask cell once, boundary first", () => {
    for (const size of [1, 2, 5, 60]) {
      const order = spiralOrder(size);
      expect(new Set(order).size).toBe(size * size);
      expect(order).toHaveLength(size * size);
    }
    expect(
      spiralOrder(4)
        .slice(0, 12)
        .every((k) => k % 4 === 0 || k % 4 === 3 || k < 4 || k >= 12),
    ).toBe(true);
  });

  it("follows a uniform field: every step points along the velocity, upstream to downstream", () => {
    const grid = velocityGrid(
      squareCells,
      field(squareCells, () => [1, 0.5]),
    );
    const lines = streamlines(grid);
    expect(lines.length).toBeGreaterThan(20);
    const expected = [1 / Math.hypot(1, 0.5), 0.5 / Math.hypot(1, 0.5)];
    for (const line of lines) {
      expect(line.length).toBeGreaterThanOrEqual(0.1);
      for (let i = 1; i < line.x.length; i++) {
        const dx = line.x[i] - line.x[i - 1];
        const dy = line.y[i] - line.y[i - 1];
        const cos = (dx * expected[0] + dy * expected[1]) / Math.hypot(dx, dy);
        expect(cos).toBeGreaterThan(0.99999);
      }
    }
  });

  it("draws circles in a rotation field, counter-clockwise for v = (−y, x)", () => {
    const cells = disc(5, 5, 5, 0.1);
    const grid = velocityGrid(
      cells,
      field(cells, (x, y) => [-(y - 5), x - 5]),
    );
    const lines = streamlines(grid);
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const radii = Array.from(line.x, (x, i) => Math.hypot(x - 5, line.y[i] - 5));
      const r = radii.reduce((a, b) => a + b, 0) / radii.length;
      if (r < 1) continue; // near the centre the grid resolution dominates
      for (const ri of radii) expect(Math.abs(ri - r) / r).toBeLessThan(0.03);
      for (let i = 1; i < line.x.length; i++) {
        const cross =
          (line.x[i - 1] - 5) * (line.y[i] - line.y[i - 1]) - (line.y[i - 1] - 5) * (line.x[i] - line.x[i - 1]);
        expect(cross).toBeGreaterThan(0);
      }
    }
  });

  it("stops at a sink instead of oscillating across it", () => {
    const cells = disc(5, 5, 5, 0.1);
    const grid = velocityGrid(
      cells,
      field(cells, (x, y) => [5 - x, 5 - y]),
    );
    for (const line of streamlines(grid)) {
      for (let i = 2; i < line.x.length; i++) {
        const ax = line.x[i - 1] - line.x[i - 2];
        const ay = line.y[i - 1] - line.y[i - 2];
        const bx = line.x[i] - line.x[i - 1];
        const by = line.y[i] - line.y[i - 1];
        expect(ax * bx + ay * by).toBeGreaterThan(0);
      }
    }
  });

  it("keeps lines out of masked regions", () => {
    const left: number[] = [];
    for (let y = 0; y <= 10; y += 0.2) for (let x = 0; x <= 3; x += 0.2) left.push(x, y);
    const cells = Float64Array.from([...left, 10, 0, 10, 10]);
    const grid = velocityGrid(
      cells,
      field(cells, () => [0, 1]),
    );
    const lines = streamlines(grid);
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) for (const x of line.x) expect(x).toBeLessThan(4);
  });
});
