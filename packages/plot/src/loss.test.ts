import { InputError } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { lossCurve } from "./loss.js";
import { elements, pathSegments } from "./testutil/decodePng.js";

describe("lossCurve", () => {
  const values = [2, 1.5, 1.1, 0.9, 0.8, 0.75];

  it("draws one point per epoch, decreasing loss going down the screen", () => {
    const svg = lossCurve(values, { title: "Training loss" });
    const d = elements(svg, "path").find((p) => p.class === "loss-line")!.d;
    const points = pathSegments(d).map((s) => s.values);
    expect(points).toHaveLength(values.length);
    for (let i = 1; i < points.length; i++) {
      expect(points[i][0]).toBeGreaterThan(points[i - 1][0]);
      expect(points[i][1]).toBeGreaterThan(points[i - 1][1]);
    }
    expect(svg).toBe(lossCurve(values, { title: "Training loss" }));
    expect(svg).toContain(">epoch</text>");
  });

  it("spaces decades evenly on a log scale", () => {
    const svg = lossCurve([1000, 100, 10, 1], { logScale: true, x: [0, 1, 2, 3] });
    const ys = pathSegments(elements(svg, "path").find((p) => p.class === "loss-line")!.d).map((s) => s.values[1]);
    const gaps = ys.slice(1).map((y, i) => y - ys[i]);
    for (const gap of gaps) expect(gap).toBeCloseTo(gaps[0], 1);
    expect(svg).toContain(">10³</text>");
    expect(() => lossCurve([1, 0, 2], { logScale: true })).toThrow(InputError);
  });

  it("keys several series", () => {
    const svg = lossCurve([
      { name: "consistency", values },
      { name: "reconstruction", values: values.map((v) => v / 10) },
    ]);
    expect(elements(svg, "path").filter((p) => p.class === "loss-line")).toHaveLength(2);
    expect(svg).toContain(">reconstruction</text>");
    expect(() => lossCurve([1, Number.NaN])).toThrow(/values: value NaN at index 1/);
  });
});
