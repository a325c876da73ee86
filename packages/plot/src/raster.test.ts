import { describe, expect, it } from "vitest";
import { encodeIndexedPng } from "./raster.js";
import { decodePng } from "./testutil/decodePng.js";

describe("encodeIndexedPng", () => {
  it("round-trips through an independent decoder (zlib inflate)", () => {
    const palette = ["#000000", "#ff0000", "#00ff80"];
    const indices = [0, 1, 2, 2, 1, 0];
    const image = decodePng(encodeIndexedPng(3, 2, indices, palette));
    expect([image.width, image.height]).toEqual([3, 2]);
    expect(Array.from(image.rgba.subarray(4, 8))).toEqual([255, 0, 0, 255]);
    expect(Array.from(image.rgba.subarray(8, 12))).toEqual([0, 255, 128, 255]);
    expect(Array.from(image.rgba.subarray(20, 24))).toEqual([0, 0, 0, 255]);
  });

  it("splits data over several stored blocks and stays byte-identical", () => {
    const width = 400;
    const height = 300; // 120 300 raw bytes: two 64 KiB blocks
    const indices = Uint8Array.from({ length: width * height }, (_, i) => (i * 7) % 256);
    const palette = Array.from({ length: 256 }, (_, i) => `#${i.toString(16).padStart(2, "0")}0000`);
    const png = encodeIndexedPng(width, height, indices, palette);
    const image = decodePng(png);
    for (const i of [0, 65534, 65535, 65536, width * height - 1]) expect(image.rgba[4 * i]).toBe(indices[i]);
    expect(Buffer.from(encodeIndexedPng(width, height, indices, palette)).equals(Buffer.from(png))).toBe(true);
  });
});
