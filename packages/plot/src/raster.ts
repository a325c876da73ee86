/**
 * A tiny PNG encoder for images embedded in SVGs (heatmap cells): 8-bit indexed colour, zlib "stored"
 * (uncompressed) deflate blocks. Stored blocks make the bytes independent of the zlib version, which keeps
 * SVGs byte-identical across Node versions; indexed colour keeps them small (1 byte per pixel).
 */
import { hexToRgb } from "./palette.js";

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array, start: number, end: number): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length; i++) {
    a = (a + bytes[i]) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}

/** zlib stream of stored blocks (RFC 1950/1951). */
function zlibStored(raw: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const out = new Uint8Array(2 + raw.length + 5 * blocks + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let p = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535;
    const length = Math.min(65535, raw.length - start);
    out[p++] = b === blocks - 1 ? 1 : 0;
    out[p++] = length & 0xff;
    out[p++] = length >>> 8;
    out[p++] = ~length & 0xff;
    out[p++] = (~length >>> 8) & 0xff;
    out.set(raw.subarray(start, start + length), p);
    p += length;
  }
  new DataView(out.buffer).setUint32(p, adler32(raw));
  return out;
}

/**
 * PNG bytes for a width × height image whose pixel (x, y) has colour `palette[indices[y · width + x]]`.
 * At most 256 palette entries (#rrggbb).
 */
export function encodeIndexedPng(
  width: number,
  height: number,
  indices: ArrayLike<number>,
  palette: readonly string[],
): Uint8Array {
  if (palette.length < 1 || palette.length > 256) throw new Error("raster: palette must have 1–256 colours");
  if (indices.length !== width * height) throw new Error("raster: indices length must be width × height");
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header[8] = 8; // bit depth
  header[9] = 3; // indexed colour
  const plte = new Uint8Array(3 * palette.length);
  palette.forEach((hex, i) => {
    plte.set(hexToRgb(hex), 3 * i);
  });
  // Each scanline starts with filter type 0 (none).
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = indices[y * width + x];
  }
  const parts = [
    Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a),
    chunk("IHDR", header),
    chunk("PLTE", plte),
    chunk("IDAT", zlibStored(raw)),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
}
