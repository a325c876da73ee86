/**
 * `node:zlib` for the browser bundle: the synchronous inflate/deflate calls io makes, on fflate (Node's
 * names → fflate's: inflate/deflate = zlib-wrapped (fflate's unzlib/zlib), *Raw = bare DEFLATE).
 */
import { Buffer } from "buffer";
import { Gunzip, deflateSync as rawDeflate, inflateSync as rawInflate, unzlibSync, zlibSync } from "fflate";

const buf = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const u8 = (data: ArrayBufferView) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** Every member of a multi-member gzip stream (as Node: `.gz` files written in parts), in order. */
export function gunzipSync(data: ArrayBufferView): Buffer {
  const chunks: Uint8Array[] = [];
  const stream = new Gunzip((chunk) => {
    chunks.push(chunk);
  });
  stream.push(u8(data), true);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return buf(out);
}

export function inflateRawSync(data: ArrayBufferView): Buffer {
  return buf(rawInflate(u8(data)));
}

export function deflateRawSync(data: ArrayBufferView): Buffer {
  return buf(rawDeflate(u8(data)));
}

export function inflateSync(data: ArrayBufferView): Buffer {
  return buf(unzlibSync(u8(data)));
}

export function deflateSync(data: ArrayBufferView): Buffer {
  return buf(zlibSync(u8(data)));
}

export default { gunzipSync, inflateRawSync, deflateRawSync, inflateSync, deflateSync };
