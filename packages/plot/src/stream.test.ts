import { InputError, ShapeError } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { velocityStreamPlot } from "./stream.js";
import { elements, pathSegments } from "./testutil/decodePng.js";

/** A 60 × 60 lattice on [0, 10]² (dyadic steps, so Float32 and Float64 hold the same values). */
function square(): Float64Array {
  const points: number[] = [];
  for (let j = 0; j < 60; j++) for (let i = 0; i < 60; i++) points.push(i * 0.171875, j * 0.171875);
  return Float64Array.from(points);
}

function uniform(n: number, vx: number, vy: number): Float64Array {
  const v = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) v.set([vx, vy], 2 * i);
  return v;
}

function arrowDirections(svg: string): [number, number][] {
  const d = elements(svg, "path").find((p) => p.class === "stream-arrows")?.d ?? "";
  return d
    .split("Z")
    .filter((t) => t.trim() !== "")
    .map((triangle) => {
      const [tip, b1, b2] = pathSegments(triangle).map((s) => s.values);
      return [tip[0] - (b1[0] + b2[0]) / 2, tip[1] - (b1[1] + b2[1]) / 2];
    });
}

describe("velocityStreamPlot", () => {
  const embedding = square();
  const n = embedding.length / 2;
  const clusters = Array.from({ length: n }, (_, i) => (embedding[2 * i] < 5 ? "early" : "late"));

  it("is deterministic and identical for Float32Array, Float64Array and number[] input", () => {
    const velocity = uniform(n, 1, 0.5);
    const a = velocityStreamPlot({ embedding, velocity, clusters, title: "stream" });
    const b = velocityStreamPlot({
      embedding: Float32Array.from(embedding),
      velocity: Float32Array.from(velocity),
      clusters,
      title: "stream",
    });
    const c = velocityStreamPlot({
      embedding: Array.from(embedding),
      velocity: Array.from(velocity),
      clusters,
      title: "stream",
    });
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(a).not.toMatch(/NaN|Infinity|undefined/);
  });

  it("points every arrowhead along a uniform field, and reverses with it", () => {
    const forward = arrowDirections(
      velocityStreamPlot({ embedding, velocity: uniform(n, 1, 0.5), width: 500, height: 500 }),
    );
    expect(forward.length).toBeGreaterThan(10);
    // The plot area is not square, so the on-screen direction is (1 · sx, −0.5 · sy): compute it from the frame.
    const svg = velocityStreamPlot({ embedding, velocity: uniform(n, 1, 0.5), width: 500, height: 500 });
    const frame = elements(svg, "rect").find((r) => r.class === "frame")!;
    const sx = Number(frame.width);
    const sy = Number(frame.height);
    const expected = Math.atan2(-0.5 * sy, 1 * sx);
    for (const [dx, dy] of forward) expect(Math.abs(Math.atan2(dy, dx) - expected)).toBeLessThan(0.02);

    const backward = arrowDirections(
      velocityStreamPlot({ embedding, velocity: uniform(n, -1, -0.5), width: 500, height: 500 }),
    );
    expect(backward.length).toBeGreaterThan(10);
    for (const [dx, dy] of backward) {
      expect(dx).toBeLessThan(0);
      expect(dy).toBeGreaterThan(0); // screen y grows downward
    }
  });

  it("draws wider lines where cells move faster", () => {
    // Speed grows with x: the widest stroke must be several times the narrowest.
    const velocity = new Float64Array(2 * n);
    for (let i = 0; i < n; i++) velocity.set([0, 0.2 + embedding[2 * i]], 2 * i);
    const svg = velocityStreamPlot({ embedding, velocity });
    const group = svg.slice(svg.indexOf('<g class="streamlines"'));
    const widths = elements(group.slice(0, group.indexOf("</g>")), "path").map((p) => Number(p["stroke-width"]));
    expect(Math.max(...widths)).toBeGreaterThan(4 * Math.min(...widths));
  });

  it("shows a legend entry per cluster present", () => {
    const svg = velocityStreamPlot({
      embedding,
      velocity: uniform(n, 1, 0),
      clusters,
      categories: ["early", "mid", "late"],
    });
    expect(svg).toContain(">early</text>");
    expect(svg).toContain(">late</text>");
    expect(svg).not.toContain(">mid</text>");
    // Colours follow the full category order: "late" is the third category.
    expect(svg).toContain('fill="#279e68"');
  });

  it("copes with degenerate input: zero velocity, a single cell, all cells on a line", () => {
    const still = velocityStreamPlot({ embedding, velocity: new Float64Array(2 * n), clusters });
    expect(elements(still, "path").some((p) => p.class === "stream-arrows")).toBe(false);
    expect(still).not.toMatch(/NaN|Infinity/);
    const single = velocityStreamPlot({ embedding: [1, 2], velocity: [1, 0] });
    expect(elements(single, "circle")).toHaveLength(1);
    expect(single).not.toMatch(/NaN|Infinity/);
    const line = Float64Array.from({ length: 200 }, (_, k) => (k % 2 === 0 ? k : 3));
    expect(velocityStreamPlot({ embedding: line, velocity: uniform(100, 1, 0) })).not.toMatch(/NaN|Infinity/);
  });

  it("names the bad array", () => {
    expect(() => velocityStreamPlot({ embedding, velocity: uniform(n - 1, 1, 0) })).toThrow(ShapeError);
    expect(() => velocityStreamPlot({ embedding, velocity: uniform(n - 1, 1, 0) })).toThrow(/^velocity/);
    const bad = Float64Array.from(embedding);
    bad[7] = Number.NaN;
    expect(() => velocityStreamPlot({ embedding: bad, velocity: uniform(n, 1, 0) })).toThrow(InputError);
    expect(() => velocityStreamPlot({ embedding: bad, velocity: uniform(n, 1, 0) })).toThrow(
      /embedding: value NaN at row 3, column 1/,
    );
    expect(() => velocityStreamPlot({ embedding, velocity: uniform(n, 1, 0), clusters: ["a"] })).toThrow(/clusters/);
  });
});
