/**
 * SVG → PNG through resvg (a Rust renderer; no browser, no system libraries). System fonts are never
 * loaded: text is set in the bundled DejaVu Sans, so a PNG looks the same on a bare server as on a laptop.
 */
import { InputError } from "@diffcell/core";
import { Resvg, type ResvgRenderOptions } from "@resvg/resvg-js";
import { BUNDLED_FONT_FAMILY, bundledFontFiles } from "./font.js";

export interface PngOptions {
  /** Output width in pixels; the height follows the SVG's aspect ratio. */
  width?: number;
  /** Scale factor used when `width` is not given. Default 2 (crisp on high-DPI screens and in print). */
  scale?: number;
}

export interface RasterImage {
  width: number;
  height: number;
  /** RGBA, row-major, 4 bytes per pixel. */
  pixels: Uint8Array;
}

function renderOptions(options: PngOptions): ResvgRenderOptions {
  const { width, scale } = options;
  if (width !== undefined && !(Number.isInteger(width) && width >= 1 && width <= 20000)) {
    throw new InputError("width", `must be an integer between 1 and 20000; got ${width}`);
  }
  if (scale !== undefined && !(Number.isFinite(scale) && scale > 0 && scale <= 20)) {
    throw new InputError("scale", `must be a number in (0, 20]; got ${scale}`);
  }
  return {
    fitTo: width !== undefined ? { mode: "width", value: width } : { mode: "zoom", value: scale ?? 2 },
    font: {
      loadSystemFonts: false,
      fontFiles: bundledFontFiles(),
      defaultFontFamily: BUNDLED_FONT_FAMILY,
      sansSerifFamily: BUNDLED_FONT_FAMILY,
    },
    shapeRendering: 2,
    textRendering: 1,
    logLevel: "off",
  };
}

/** Render an SVG document to PNG bytes. */
export function toPng(svg: string, options: PngOptions = {}): Buffer {
  return new Resvg(svg, renderOptions(options)).render().asPng();
}

/** Render an SVG document to RGBA pixels (for checks and for callers that encode images themselves). */
export function rasterize(svg: string, options: PngOptions = {}): RasterImage {
  const image = new Resvg(svg, renderOptions(options)).render();
  return { width: image.width, height: image.height, pixels: new Uint8Array(image.pixels) };
}
