import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundledFontFiles, textWidth } from "./font.js";

describe("bundled font", () => {
  it("ships DejaVu Sans regular and bold with its licence", () => {
    const files = bundledFontFiles();
    expect(files.map((f) => f.split("/").pop())).toEqual(["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"]);
    for (const file of files) {
      expect(existsSync(file)).toBe(true);
      // TrueType files start with the sfnt version 0x00010000.
      expect([...readFileSync(file).subarray(0, 4)]).toEqual([0, 1, 0, 0]);
    }
    expect(readFileSync(join(dirname(files[0]), "LICENSE"), "utf8")).toMatch(/Bitstream Vera Fonts Copyright/);
  });

  it("measures text from the font's real advance widths", () => {
    // DejaVu Sans: unitsPerEm 2048, advance of "M" 1767, of space 651, of "i" 569.
    expect(textWidth("M", 2048)).toBeCloseTo(1767, 6);
    expect(textWidth(" ", 2048)).toBeCloseTo(651, 6);
    expect(textWidth("i", 2048)).toBeCloseTo(569, 6);
    expect(textWidth("Mi M", 12)).toBeCloseTo(((2 * 1767 + 569 + 651) * 12) / 2048, 9);
    // Bold is wider; Greek letters (γ/β in phase-portrait legends) have real glyphs, not a fallback box.
    expect(textWidth("Ductal", 12, "bold")).toBeGreaterThan(textWidth("Ductal", 12));
    expect(textWidth("γ", 12)).not.toBeCloseTo(textWidth("\uFFFF", 12), 3);
  });
});
