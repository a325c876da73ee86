import { Resvg } from "@resvg/resvg-js";
import { describe, expect, it } from "vitest";
import { lossCurve } from "./loss.js";
import { rasterize, toPng } from "./png.js";
import { svgDocument, text } from "./svg.js";
import { decodePng } from "./testutil/decodePng.js";

function darkPixels(image: { width: number; rgba: Uint8Array }, x0: number, y0: number, x1: number, y1: number) {
  let count = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = 4 * (y * image.width + x);
      if (image.rgba[i] + image.rgba[i + 1] + image.rgba[i + 2] < 200) count++;
    }
  }
  return count;
}

const hello = svgDocument(
  { width: 200, height: 80 },
  text(100, 40, "Hello", { size: 40, anchor: "middle", baseline: "middle", fill: "#000000" }),
);

describe("PNG rendering", () => {
  it("writes a valid PNG of the requested width, keeping the aspect ratio", () => {
    const png = toPng(hello, { width: 500 });
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(png.readUInt32BE(16)).toBe(500);
    expect(png.readUInt32BE(20)).toBe(200);
    const image = decodePng(png);
    expect([image.width, image.height]).toEqual([500, 200]);
    expect(decodePng(toPng(hello)).width).toBe(400); // default: twice the SVG size
    expect(() => toPng(hello, { width: 0 })).toThrow(/width/);
  });

  it("renders text with the bundled font even when no system font is available", () => {
    const image = decodePng(toPng(hello, { width: 200 }));
    const ink = darkPixels(image, 40, 15, 160, 65);
    expect(ink).toBeGreaterThan(400);
    expect(darkPixels(image, 0, 0, 200, 10)).toBe(0); // nothing outside the text
    // Control: the same SVG without our fonts (and without system fonts) renders no glyphs at all.
    const bare = new Resvg(hello, { font: { loadSystemFonts: false } }).render();
    expect(darkPixels({ width: bare.width, rgba: new Uint8Array(bare.pixels) }, 0, 0, 200, 80)).toBe(0);
  });

  it("shows a plot's title in the PNG", () => {
    const svg = lossCurve([3, 2, 1], { title: "Training loss" });
    const width = Number(/width="([\d.]+)"/.exec(svg)![1]);
    const image = rasterize(svg, { scale: 1 });
    expect(image.width).toBe(Math.round(width));
    const band = darkPixels({ width: image.width, rgba: image.pixels }, 0, 10, image.width, 28);
    expect(band).toBeGreaterThan(100);
  });
});
