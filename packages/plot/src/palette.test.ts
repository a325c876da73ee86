import { InputError } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { COLOR_MAPS, colorMapFunction } from "./colormap.js";
import { categoriesOf, clusterColors, DEFAULT_PALETTE } from "./palette.js";

describe("clusterColors", () => {
  it("uses scanpy's default_20 palette in category order", () => {
    expect(DEFAULT_PALETTE).toHaveLength(20);
    expect(DEFAULT_PALETTE.slice(0, 5)).toEqual(["#1f77b4", "#ff7f0e", "#279e68", "#d62728", "#aa40fc"]);
    const colors = clusterColors(["Ductal", "Alpha", "Beta"]);
    expect([...colors.entries()]).toEqual([
      ["Ductal", "#1f77b4"],
      ["Alpha", "#ff7f0e"],
      ["Beta", "#279e68"],
    ]);
  });

  it("is deterministic and follows the category order, not the label order in the data", () => {
    const labels = ["b", "a", "c", "a"];
    const categories = categoriesOf(labels);
    expect(categories).toEqual(["a", "b", "c"]);
    expect(clusterColors(categories)).toEqual(clusterColors(categoriesOf([...labels].reverse())));
  });

  it("accepts a user palette as a list (uns.clusters_colors) or a map", () => {
    expect(clusterColors(["x", "y"], ["#000000", "#ffffff"]).get("y")).toBe("#ffffff");
    const mixed = clusterColors(["x", "y"], { y: "red" });
    expect(mixed.get("y")).toBe("red");
    expect(mixed.get("x")).toBe("#1f77b4");
  });

  it("gives distinct colours beyond 20 categories", () => {
    const categories = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const colors = new Set(clusterColors(categories).values());
    expect(colors.size).toBe(40);
    for (const c of colors) expect(c).toMatch(/^#[0-9a-f]{6}$/);
  });

  it("rejects duplicates and values that are not colours", () => {
    expect(() => clusterColors(["a", "a"])).toThrow(InputError);
    expect(() => clusterColors(["a"], ['#000" onload="x'])).toThrow(/palette/);
  });
});

describe("colour maps", () => {
  it("hits the published end points and clamps outside [0, 1]", () => {
    const viridis = colorMapFunction("viridis");
    expect(viridis(0)).toBe("#440154");
    expect(viridis(1)).toBe("#fde725");
    expect(viridis(-3)).toBe("#440154");
    expect(viridis(Number.NaN)).toBe("#440154");
    // gnuplot: (√t, t³, sin 2πt) → at t = 1/4: (0.5, 1/64, 1).
    expect(colorMapFunction("gnuplot")(0.25)).toBe("#8004ff");
    for (const name of COLOR_MAPS) expect(colorMapFunction(name)(0.5)).toMatch(/^#[0-9a-f]{6}$/);
    expect(() => colorMapFunction("jet" as never)).toThrow(InputError);
  });
});
