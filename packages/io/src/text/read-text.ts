import { existsSync, readFileSync, statSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { InputError } from "@diffcell/core";
import { fileError } from "../files/errors.js";

/** File contents as bytes, transparently gunzipped when the file starts with the gzip magic bytes. */
export function readMaybeGzip(path: string): Buffer {
  if (!existsSync(path)) throw new InputError(path, "file not found");
  if (statSync(path).isDirectory()) throw new InputError(path, "is a folder; expected a file");
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    throw fileError(e, path, "cannot read");
  }
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return gunzipSync(raw);
    } catch (e) {
      throw new InputError(path, `corrupt or truncated gzip data (${(e as Error).message})`);
    }
  }
  return raw;
}

/** Text lines of a (possibly gzipped) file, without the trailing empty line. */
export function readLines(path: string): string[] {
  const lines = readMaybeGzip(path).toString("utf8").split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}
