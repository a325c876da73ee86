/**
 * `node:zlib` for the browser bundle: the synchronous inflate/deflate calls io makes, on fflate (Node's
 * names → fflate's: inflate/deflate = zlib-wrapped (fflate's unzlib/zlib), *Raw = bare DEFLATE).
 */
import { Buffer } from "buffer";
import {
  deflateSync as rawDeflate,
  inflateSync as rawInflate,
  gunzipSync as ungzip,
  unzlibSync,
  zlibSync,
} from "fflate";

const buf = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const u8 = (data: ArrayBufferView) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

export function gunzipSync(data: ArrayBufferView): Buffer {
  return buf(ungzip(u8(data)));
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
