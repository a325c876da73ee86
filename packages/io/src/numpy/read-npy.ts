/**
 * numpy's `.npy` (one array) and `.npz` (a zip of `.npy` files, e.g. scipy's `save_npz` sparse matrices):
 * enough to read reference results that scVelo/scanpy tests store (little-endian numeric arrays, bools,
 * short byte strings; C or Fortran order).
 */
import { inflateRawSync } from "node:zlib";
import { InputError } from "@diffcell/core";
import { checkSparse } from "../matrix/ops.js";
import type { FloatArray, NumericArray, SparseMatrix } from "../matrix/types.js";
import { readMaybeGzip } from "../text/read-text.js";

export interface NpyArray {
  /** Values in C (row-major) order. Strings arrays come back in `strings` instead. */
  data: NumericArray;
  strings?: string[];
  shape: number[];
  /** numpy dtype string, e.g. "<f4". */
  dtype: string;
}

export function readNpy(path: string): NpyArray {
  return parseNpy(readMaybeGzip(path), path);
}

export function parseNpy(buf: Buffer, name: string): NpyArray {
  if (buf.length < 10 || buf[0] !== 0x93 || buf.toString("latin1", 1, 6) !== "NUMPY") {
    throw new InputError(name, "not a .npy file (missing \\x93NUMPY magic)");
  }
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString("latin1", start, start + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw new InputError(name, `unreadable .npy header ${header}`);
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  const body = buf.subarray(start + headerLen);
  const strMatch = /^[|<>]?S(\d+)$/.exec(descr);
  if (strMatch) {
    const width = Number(strMatch[1]);
    const strings = Array.from({ length: count }, (_, i) =>
      body.toString("latin1", i * width, (i + 1) * width).replace(/\0+$/, ""),
    );
    return { data: new Float64Array(0), strings, shape, dtype: descr };
  }
  if (descr.startsWith(">")) throw new InputError(name, `big-endian dtype ${descr} is not supported`);
  const kind = descr.replace(/^[<|=]/, "");
  const ctor: Record<string, { bytes: number; make: (b: ArrayBuffer, n: number) => NumericArray }> = {
    f4: { bytes: 4, make: (b, n) => new Float32Array(b, 0, n) },
    f8: { bytes: 8, make: (b, n) => new Float64Array(b, 0, n) },
    i1: { bytes: 1, make: (b, n) => new Int8Array(b, 0, n) },
    u1: { bytes: 1, make: (b, n) => new Uint8Array(b, 0, n) },
    b1: { bytes: 1, make: (b, n) => new Uint8Array(b, 0, n) },
    i2: { bytes: 2, make: (b, n) => new Int16Array(b, 0, n) },
    u2: { bytes: 2, make: (b, n) => new Uint16Array(b, 0, n) },
    i4: { bytes: 4, make: (b, n) => new Int32Array(b, 0, n) },
    u4: { bytes: 4, make: (b, n) => new Uint32Array(b, 0, n) },
    i8: { bytes: 8, make: (b, n) => Float64Array.from(new BigInt64Array(b, 0, n), Number) },
    u8: { bytes: 8, make: (b, n) => Float64Array.from(new BigUint64Array(b, 0, n), Number) },
  };
  const t = ctor[kind];
  if (!t) throw new InputError(name, `unsupported dtype ${descr}`);
  if (body.length < count * t.bytes) {
    throw new InputError(
      name,
      `truncated: ${body.length} data bytes, shape [${shape.join(", ")}] needs ${count * t.bytes}`,
    );
  }
  // Copy into an aligned buffer (the header length leaves the data at an arbitrary offset).
  const aligned = new ArrayBuffer(count * t.bytes);
  new Uint8Array(aligned).set(body.subarray(0, count * t.bytes));
  let data = t.make(aligned, count);
  if (fortran && shape.length > 1) data = fortranToC(data, shape);
  return { data, shape, dtype: descr };
}

function fortranToC(data: NumericArray, shape: number[]): NumericArray {
  const out = new (data.constructor as new (n: number) => NumericArray)(data.length);
  const nd = shape.length;
  const strideF = new Array(nd).fill(1);
  for (let k = 1; k < nd; k++) strideF[k] = strideF[k - 1] * shape[k - 1];
  const idx = new Array(nd).fill(0);
  for (let c = 0; c < data.length; c++) {
    let f = 0;
    for (let k = 0; k < nd; k++) f += idx[k] * strideF[k];
    out[c] = data[f];
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Every member of an `.npz` archive, keyed by name without the `.npy` suffix. */
export function readNpz(path: string): Record<string, NpyArray> {
  const buf = readMaybeGzip(path);
  const out: Record<string, NpyArray> = {};
  for (const [member, bytes] of unzip(buf, path)) {
    out[member.replace(/\.npy$/, "")] = parseNpy(bytes, `${path}:${member}`);
  }
  return out;
}

/** A scipy sparse matrix saved with `scipy.sparse.save_npz` (csr or csc). */
export function readSparseNpz(path: string): SparseMatrix {
  const z = readNpz(path);
  const format = z.format?.strings?.[0];
  if (format !== "csr" && format !== "csc") throw new InputError(path, `unsupported sparse format ${format}`);
  for (const k of ["data", "indices", "indptr", "shape"]) if (!z[k]) throw new InputError(`${path}:${k}`, "missing");
  const data: FloatArray =
    z.data.data instanceof Float32Array || z.data.data instanceof Float64Array
      ? z.data.data
      : Float64Array.from(z.data.data);
  const m: SparseMatrix = {
    format,
    data,
    indices: Int32Array.from(z.indices.data),
    indptr: Int32Array.from(z.indptr.data),
    rows: z.shape.data[0],
    cols: z.shape.data[1],
  };
  checkSparse(m, path);
  return m;
}

/** Minimal zip reader (stored and deflated members), via the central directory. */
function unzip(buf: Buffer, name: string): [string, Buffer][] {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new InputError(name, "not a zip/npz file (no end-of-central-directory record)");
  const entries = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: [string, Buffer][] = [];
  for (let e = 0; e < entries; e++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new InputError(name, "corrupt zip central directory");
    const method = buf.readUInt16LE(p + 10);
    let compSize = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    let local = buf.readUInt32LE(p + 42);
    const member = buf.toString("utf8", p + 46, p + 46 + nameLen);
    // zip64: sizes/offsets of 0xffffffff live in the extra field.
    if (compSize === 0xffffffff || local === 0xffffffff) {
      let q = p + 46 + nameLen;
      const end = q + extraLen;
      while (q < end) {
        const id = buf.readUInt16LE(q);
        const size = buf.readUInt16LE(q + 2);
        if (id === 1) {
          let r = q + 4;
          if (buf.readUInt32LE(p + 24) === 0xffffffff) r += 8;
          if (compSize === 0xffffffff) {
            compSize = Number(buf.readBigUInt64LE(r));
            r += 8;
          }
          if (local === 0xffffffff) local = Number(buf.readBigUInt64LE(r));
        }
        q += 4 + size;
      }
    }
    const lName = buf.readUInt16LE(local + 26);
    const lExtra = buf.readUInt16LE(local + 28);
    const start = local + 30 + lName + lExtra;
    const raw = buf.subarray(start, start + compSize);
    if (method === 0) out.push([member, raw]);
    else if (method === 8) out.push([member, inflateRawSync(raw)]);
    else throw new InputError(`${name}:${member}`, `unsupported zip compression method ${method}`);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
