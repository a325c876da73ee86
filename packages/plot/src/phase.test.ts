import { InputError, ShapeError } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { phasePortrait } from "./phase.js";
import { elements, pathSegments } from "./testutil/decodePng.js";

function frameOf(svg: string) {
  const f = elements(svg, "rect").find((r) => r.class === "frame")!;
  return { x: Number(f.x), y: Number(f.y), width: Number(f.width), height: Number(f.height) };
}

describe("phasePortrait", () => {
  // Spliced in [0, 10], unspliced in [0, 5]: the domains are padded by 4% → [-0.4, 10.4] and [-0.2, 5.2].
  const spliced = [0, 10, 5, 2, 8];
  const unspliced = [0, 5, 2.5, 4, 1];
  const toPixel = (svg: string) => {
    const f = frameOf(svg);
    return (s: number, u: number) => [
      f.x + ((s + 0.4) / 10.8) * f.width,
      f.y + f.height - ((u + 0.2) / 5.4) * f.height,
    ];
  };

  it("plots spliced on x and unspliced on y", () => {
    const svg = phasePortrait({ spliced, unspliced, gene: "Cpe" });
    const at = toPixel(svg);
    const circles = elements(svg, "circle").map((c) => [Number(c.cx), Number(c.cy)]);
    for (let i = 0; i < spliced.length; i++) {
      const [x, y] = at(spliced[i], unspliced[i]);
      expect(circles[i][0]).toBeCloseTo(x, 0);
      expect(circles[i][1]).toBeCloseTo(y, 0);
    }
    expect(svg).toContain(">Cpe</text>");
    expect(svg).toContain(">spliced</text>");
    expect(svg).toContain(">unspliced</text>");
  });

  it("draws the steady-state line u = (γ/β)·s and labels its slope", () => {
    const svg = phasePortrait({ spliced, unspliced, gene: "Cpe", steadyStateSlope: 0.4 });
    const d = elements(svg, "path").find((p) => p.class === "steady-state")!.d;
    const [a, b] = pathSegments(d).map((s) => s.values);
    const f = frameOf(svg);
    const data = ([x, y]: number[]) => [
      ((x - f.x) / f.width) * 10.8 - 0.4,
      ((f.y + f.height - y) / f.height) * 5.4 - 0.2,
    ];
    for (const point of [a, b]) {
      const [s, u] = data(point);
      expect(u).toBeCloseTo(0.4 * s, 1);
    }
    expect(svg).toContain("steady state (γ/β = 0.40)");
    expect(svg).toContain('clip-path="url(#dc-clip-');
  });

  it("draws velocity arrows along (ds/dt, du/dt), horizontal when only ds/dt is given", () => {
    const ds = [1, -1, 1, -1, 1];
    const both = phasePortrait({
      spliced,
      unspliced,
      gene: "g",
      velocity: { spliced: ds, unspliced: [1, 1, -1, -1, 0] },
    });
    const onlyS = phasePortrait({ spliced, unspliced, gene: "g", velocity: ds });
    const arrows = (svg: string) =>
      elements(svg, "path")
        .find((p) => p.class === "velocity-arrows")!
        .d.split("Z")
        .filter((t) => t.trim() !== "")
        .map((t) => {
          const p = pathSegments(t).map((s) => s.values);
          return [p[3][0] - (p[0][0] + p[6][0]) / 2, p[3][1] - (p[0][1] + p[6][1]) / 2];
        });
    const a = arrows(both);
    expect(a).toHaveLength(5);
    expect(Math.sign(a[0][0])).toBe(1);
    expect(Math.sign(a[0][1])).toBe(-1); // du > 0 → up on screen
    expect(Math.sign(a[2][1])).toBe(1);
    for (const [dx, dy] of arrows(onlyS)) {
      expect(Math.abs(dy)).toBeLessThan(0.02);
      expect(Math.abs(dx)).toBeGreaterThan(1);
    }
  });

  it("adds the fitted curve and a key with clusters and lines", () => {
    const svg = phasePortrait({
      spliced,
      unspliced,
      gene: "Cpe",
      clusters: ["a", "b", "a", "b", "a"],
      fitCurve: { spliced: [0, 5, 10], unspliced: [0, 4, 5], label: "dynamical fit" },
      steadyStateSlope: 0.5,
    });
    expect(elements(svg, "path").some((p) => p.class === "fit-curve")).toBe(true);
    for (const label of [">a</text>", ">b</text>", ">dynamical fit</text>"]) expect(svg).toContain(label);
    expect(
      phasePortrait({ spliced, unspliced, gene: "Cpe", legend: "none", clusters: ["a", "b", "a", "b", "a"] }),
    ).not.toContain('class="legend"');
  });

  it("colours by a continuous value with a colour bar", () => {
    const svg = phasePortrait({
      spliced,
      unspliced,
      gene: "g",
      values: [0, 1, 2, 3, 4],
      colorMap: "viridis",
      colorbarLabel: "latent time",
    });
    expect(svg).toContain('class="colorbar"');
    expect(svg).toContain(">latent time</text>");
    // Highest value drawn last, in the map's top colour.
    const cells = svg.slice(svg.indexOf('<g class="cells">'));
    const fills = [...cells.matchAll(/<g fill="(#[0-9a-f]{6})"/g)].map((m) => m[1]);
    expect(fills[fills.length - 1]).toBe("#fde725");
  });

  it("names the bad array", () => {
    expect(() => phasePortrait({ spliced, unspliced: [1, 2], gene: "g" })).toThrow(ShapeError);
    expect(() => phasePortrait({ spliced, unspliced: [1, 2], gene: "g" })).toThrow(/^unspliced/);
    expect(() => phasePortrait({ spliced: [0, Number.NaN, 1, 1, 1], unspliced, gene: "g" })).toThrow(InputError);
    expect(() => phasePortrait({ spliced, unspliced, gene: "g", velocity: [1] })).toThrow(/velocity/);
    expect(() =>
      phasePortrait({ spliced, unspliced, gene: "g", fitCurve: { spliced: [1, 2], unspliced: [1] } }),
    ).toThrow(/fitCurve.unspliced/);
  });
});
