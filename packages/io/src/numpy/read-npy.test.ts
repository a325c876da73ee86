import { describe, expect, it } from "vitest";
import { parseNpy } from "../index.js";

/** A version-1 .npy buffer with the given header dict and raw little-endian payload. */
function npy(header: string, payload: Buffer): Buffer {
  let h = header;
  while ((10 + h.length + 1) % 64 !== 0) h += " ";
  h += "\n";
  const pre = Buffer.alloc(10);
  pre[0] = 0x93;
  pre.write("NUMPY", 1, "latin1");
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(h.length, 8);
  return Buffer.concat([pre, Buffer.from(h, "latin1"), payload]);
}

describe("parseNpy", () => {
  it("reads C-order float32 and Fortran-order float64 arrays", () => {
    const c = npy(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      Buffer.from(Float32Array.of(1, 2, 3, 4, 5, 6).buffer),
    );
    const a = parseNpy(c, "c.npy");
    expect(a.shape).toEqual([2, 3]);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6]);
    // Fortran order: columns stored first; the result is row-major.
    const f = npy(
      "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
      Buffer.from(Float64Array.of(1, 4, 2, 5, 3, 6).buffer),
    );
    expect(Array.from(parseNpy(f, "f.npy").data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("reads int64 and byte strings, rejects truncated data", () => {
    const i = npy(
      "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
      Buffer.from(BigInt64Array.of(7n, -1n).buffer),
    );
    expect(Array.from(parseNpy(i, "i.npy").data)).toEqual([7, -1]);
    const s = npy("{'descr': '|S3', 'fortran_order': False, 'shape': (), }", Buffer.from("csr", "latin1"));
    expect(parseNpy(s, "s.npy").strings).toEqual(["csr"]);
    const t = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", Buffer.alloc(8));
    expect(() => parseNpy(t, "t.npy")).toThrow(/t\.npy: truncated/);
    expect(() => parseNpy(Buffer.from("nope"), "x.npy")).toThrow(/not a \.npy file/);
  });
});
