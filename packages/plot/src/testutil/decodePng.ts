/**
 * Test-only PNG decoder (8-bit greyscale, RGB, RGBA or indexed; no interlace): an implementation independent
 * of resvg, so tests can check the pixels of PNGs that resvg, Chromium or our own encoder wrote.
 */
import { inflateSync } from "node:zlib";

export interface DecodedPng {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  rgba: Uint8Array;
}

export function decodePng(bytes: Uint8Array): DecodedPng {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  signature.forEach((b, i) => {
    if (bytes[i] !== b) throw new Error("not a PNG");
  });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  let palette: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  while (offset < bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const data = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      if (data[8] !== 8) throw new Error(`unsupported bit depth ${data[8]}`);
      colorType = data[9];
      if (data[12] !== 0) throw new Error("interlaced PNGs are not supported");
    } else if (type === "PLTE") palette = data;
    else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    offset += 12 + length;
  }
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (!channels) throw new Error(`unsupported colour type ${colorType}`);
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = (line[x] + predictor) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const p = pixels.subarray(i * channels, (i + 1) * channels);
    let rgb: number[];
    let alpha = 255;
    if (colorType === 3) {
      if (!palette) throw new Error("indexed PNG without PLTE");
      rgb = [palette[3 * p[0]], palette[3 * p[0] + 1], palette[3 * p[0] + 2]];
    } else if (colorType === 0 || colorType === 4) {
      rgb = [p[0], p[0], p[0]];
      if (colorType === 4) alpha = p[1];
    } else {
      rgb = [p[0], p[1], p[2]];
      if (colorType === 6) alpha = p[3];
    }
    rgba.set([...rgb, alpha], 4 * i);
  }
  return { width, height, rgba };
}

/** [r, g, b, a] of pixel (x, y). */
export function pixelAt(image: { width: number; rgba?: Uint8Array; pixels?: Uint8Array }, x: number, y: number) {
  const data = image.rgba ?? image.pixels!;
  const i = 4 * (Math.round(y) * image.width + Math.round(x));
  return [data[i], data[i + 1], data[i + 2], data[i + 3]];
}

/** Parse numbers from an SVG path's d attribute into [command, ...numbers] segments. */
export function pathSegments(d: string): { command: string; values: number[] }[] {
  return [...d.matchAll(/([MLHVZ])([^MLHVZ]*)/gi)].map((m) => ({
    command: m[1],
    values:
      m[2].trim() === ""
        ? []
        : m[2]
            .trim()
            .split(/[\s,]+/)
            .map(Number),
  }));
}

/** Attribute values of every element with the given tag (simple regex parse of our own SVGs). */
export function elements(svg: string, tag: string): Record<string, string>[] {
  return [...svg.matchAll(new RegExp(`<${tag}\\s([^>]*?)/?>`, "g"))].map((m) =>
    Object.fromEntries([...m[1].matchAll(/([\w:-]+)="([^"]*)"/g)].map((a) => [a[1], a[2]])),
  );
}
