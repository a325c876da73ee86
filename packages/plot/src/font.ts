/**
 * The bundled font (DejaVu Sans, see fonts/LICENSE) and text measurement from its real glyph advances.
 * Layout (margins, legend columns, label collision) needs text widths before anything is rendered; reading
 * the advance widths from the same TrueType file resvg renders with makes those widths exact for PNGs and
 * close for browsers (Verdana, the fallback, is similarly wide).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Family name resvg is told to use when a requested family is missing. */
export const BUNDLED_FONT_FAMILY = "DejaVu Sans";

// Both src/ and dist/ sit one level below the package root, next to fonts/.
const fontUrl = (file: string) => new URL(`../fonts/${file}`, import.meta.url);

/** Absolute paths of the bundled font files (regular and bold), for resvg's `font.fontFiles`. */
export function bundledFontFiles(): string[] {
  return ["DejaVuSans.ttf", "DejaVuSans-Bold.ttf"].map((file) => fileURLToPath(fontUrl(file)));
}

interface FontMetrics {
  unitsPerEm: number;
  advance: (codePoint: number) => number;
}

const metricsCache = new Map<string, FontMetrics>();

function loadMetrics(file: string): FontMetrics {
  const cached = metricsCache.get(file);
  if (cached) return cached;
  const metrics = parseTrueTypeMetrics(readFileSync(fontUrl(file)));
  metricsCache.set(file, metrics);
  return metrics;
}

/** Width in pixels of `content` set in the bundled font at `size` px (kerning ignored: a few % at most). */
export function textWidth(content: string, size: number, weight: "normal" | "bold" = "normal"): number {
  const metrics = loadMetrics(weight === "bold" ? "DejaVuSans-Bold.ttf" : "DejaVuSans.ttf");
  let units = 0;
  for (const char of content) units += metrics.advance(char.codePointAt(0)!);
  return (units * size) / metrics.unitsPerEm;
}

/**
 * Reads unitsPerEm (head), advance widths (hhea + hmtx) and the Unicode BMP character map (cmap format 4)
 * — all the OpenType spec's fixed big-endian layouts; nothing else in the file is needed.
 */
export function parseTrueTypeMetrics(bytes: Uint8Array): FontMetrics {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tables = new Map<string, number>();
  const numTables = view.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const record = 12 + 16 * i;
    const tag = String.fromCharCode(...bytes.subarray(record, record + 4));
    tables.set(tag, view.getUint32(record + 8));
  }
  const table = (tag: string) => {
    const offset = tables.get(tag);
    if (offset === undefined) throw new Error(`font: missing '${tag}' table`);
    return offset;
  };
  const unitsPerEm = view.getUint16(table("head") + 18);
  const numberOfHMetrics = view.getUint16(table("hhea") + 34);
  const hmtx = table("hmtx");
  const glyphAdvance = (glyph: number) => view.getUint16(hmtx + 4 * Math.min(glyph, numberOfHMetrics - 1));

  const cmap = table("cmap");
  let subtable = -1;
  for (let i = 0; i < view.getUint16(cmap + 2); i++) {
    const record = cmap + 4 + 8 * i;
    const platform = view.getUint16(record);
    const encoding = view.getUint16(record + 2);
    const offset = cmap + view.getUint32(record + 4);
    if (platform === 3 && encoding === 1 && view.getUint16(offset) === 4) subtable = offset;
  }
  if (subtable < 0) throw new Error("font: no Unicode BMP (format 4) cmap");
  const segCount = view.getUint16(subtable + 6) / 2;
  const endCodes = subtable + 14;
  const startCodes = endCodes + 2 * segCount + 2;
  const idDeltas = startCodes + 2 * segCount;
  const idRangeOffsets = idDeltas + 2 * segCount;

  const glyphOf = (codePoint: number): number => {
    if (codePoint > 0xffff) return 0;
    for (let s = 0; s < segCount; s++) {
      if (view.getUint16(endCodes + 2 * s) < codePoint) continue;
      const start = view.getUint16(startCodes + 2 * s);
      if (start > codePoint) return 0;
      const delta = view.getUint16(idDeltas + 2 * s);
      const rangeOffsetAt = idRangeOffsets + 2 * s;
      const rangeOffset = view.getUint16(rangeOffsetAt);
      if (rangeOffset === 0) return (codePoint + delta) & 0xffff;
      const glyph = view.getUint16(rangeOffsetAt + rangeOffset + 2 * (codePoint - start));
      return glyph === 0 ? 0 : (glyph + delta) & 0xffff;
    }
    return 0;
  };

  const advances = new Map<number, number>();
  return {
    unitsPerEm,
    advance(codePoint) {
      let width = advances.get(codePoint);
      if (width === undefined) {
        width = glyphAdvance(glyphOf(codePoint));
        advances.set(codePoint, width);
      }
      return width;
    },
  };
}
