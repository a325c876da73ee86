/**
 * h5py stores numpy booleans as an HDF5 enum `{FALSE: 0, TRUE: 1}` over int8, and pandas insists on real
 * booleans (a categorical's `ordered` attribute must be `True`/`False`, `var.highly_variable` must be a
 * bool mask). h5wasm 0.10 cannot create enum types, so we write booleans with a placeholder type — a
 * one-member compound `{__diffcell_bool__: int8}`, which has the same 1-byte element layout — and, after
 * the file is closed, rewrite each placeholder's datatype message in place as the h5py bool enum.
 *
 * This relies on the file using version-1 object headers (no checksums), which is what libhdf5 writes
 * with library bounds (earliest, latest) — h5py's default as well. Every placeholder is verified byte by
 * byte before it is replaced; a mismatch fails the write instead of corrupting the file.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";

export const BOOL_MEMBER = "__diffcell_bool__";

/** Data and dtype arguments that make h5wasm write `values` (0/1) with the placeholder type. */
export function boolPlaceholder(values: ArrayLike<number>): {
  data: Map<string, Int8Array>;
  dtype: [[string, string]];
} {
  return { data: new Map([[BOOL_MEMBER, Int8Array.from(values, (v) => (v ? 1 : 0))]]), dtype: [[BOOL_MEMBER, "<b"]] };
}

const MARKER = Buffer.from(BOOL_MEMBER, "latin1");
// Datatype message, version 1, class 6 (compound), 1 member, element size 1.
const COMPOUND_HEADER = [0x16, 1, 0, 0, 1, 0, 0, 0];
// int8, little-endian, signed: version 1, class 0, flags 0x08, size 1, bit offset 0, precision 8.
const INT8_TYPE = [0x10, 0x08, 0, 0, 1, 0, 0, 0, 0, 0, 8, 0];
const NAME_FIELD = Math.ceil((MARKER.length + 1) / 8) * 8; // null-terminated, padded to 8 (version 1)
const MEMBER_FIELDS = 4 + 1 + 3 + 4 + 4 + 16; // offset, dimensionality, reserved, permutation, reserved, dims
const PLACEHOLDER_SIZE = COMPOUND_HEADER.length + NAME_FIELD + MEMBER_FIELDS + INT8_TYPE.length;

// Enum message, version 1, class 8, 2 members, size 1; base type int8; names padded to 8; values 0, 1.
const BOOL_ENUM = Buffer.from([
  0x18,
  2,
  0,
  0,
  1,
  0,
  0,
  0,
  ...INT8_TYPE,
  ...Buffer.from("FALSE\0\0\0", "latin1"),
  ...Buffer.from("TRUE\0\0\0\0", "latin1"),
  0,
  1,
]);

function isPlaceholder(window: Buffer): boolean {
  if (window.length < PLACEHOLDER_SIZE) return false;
  for (let i = 0; i < COMPOUND_HEADER.length; i++) if (window[i] !== COMPOUND_HEADER[i]) return false;
  if (!window.subarray(8, 8 + MARKER.length).equals(MARKER)) return false;
  for (let i = 8 + MARKER.length; i < 8 + NAME_FIELD + MEMBER_FIELDS; i++) if (window[i] !== 0) return false;
  const type = 8 + NAME_FIELD + MEMBER_FIELDS;
  for (let i = 0; i < INT8_TYPE.length; i++) if (window[type + i] !== INT8_TYPE[i]) return false;
  return true;
}

/** Rewrites every placeholder datatype in the file as the h5py bool enum; returns how many. */
export function patchBoolPlaceholders(path: string): number {
  const fd = openSync(path, "r+");
  try {
    const size = fstatSync(fd).size;
    const chunk = 1 << 24;
    const overlap = PLACEHOLDER_SIZE + 8;
    const buf = Buffer.alloc(chunk + overlap);
    const replacement = Buffer.alloc(PLACEHOLDER_SIZE);
    BOOL_ENUM.copy(replacement);
    const found: number[] = [];
    for (let start = 0; start < size; start += chunk) {
      const n = readSync(fd, buf, 0, Math.min(chunk + overlap, size - start), start);
      const view = buf.subarray(0, n);
      let at = view.indexOf(MARKER);
      while (at >= 0) {
        const messageStart = start + at - 8;
        // Each message is counted once: in the chunk where it begins (chunks overlap by a message).
        if (at - 8 >= 0 && at - 8 < chunk && isPlaceholder(view.subarray(at - 8, at - 8 + PLACEHOLDER_SIZE))) {
          found.push(messageStart);
        }
        at = view.indexOf(MARKER, at + 1);
      }
    }
    for (const pos of found) writeSync(fd, replacement, 0, PLACEHOLDER_SIZE, pos);
    return found.length;
  } finally {
    closeSync(fd);
  }
}
