import { DiffcellError } from "./errors.js";
import type { Module } from "./module.js";
import { tf } from "./tf.js";

/** On-disk form of a module's parameters: JSON with base64 float32 data (bit-exact round trip). */
export interface ParamsFile {
  format: "diffcell-params";
  version: 1;
  params: Record<string, { shape: number[]; data: string }>;
}

/** Snapshot of every parameter (trainable or not), keyed by field path. */
export function saveParams(module: Module): ParamsFile {
  const params: ParamsFile["params"] = {};
  for (const [path, p] of module.parameters()) {
    const data = p.variable.dataSync() as Float32Array;
    params[path] = {
      shape: [...p.shape],
      data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64"),
    };
  }
  return { format: "diffcell-params", version: 1, params };
}

/** Restores parameters saved by {@link saveParams}; paths and shapes must match exactly. */
export function loadParams(module: Module, file: ParamsFile | string): void {
  const parsed: ParamsFile = typeof file === "string" ? JSON.parse(file) : file;
  if (parsed?.format !== "diffcell-params" || parsed.version !== 1) {
    throw new DiffcellError("loadParams: not a diffcell-params version 1 file");
  }
  const entries = module.parameters();
  const known = new Set(entries.map(([path]) => path));
  for (const path of Object.keys(parsed.params)) {
    if (!known.has(path)) throw new DiffcellError(`loadParams: the module has no parameter "${path}"`);
  }
  for (const [path, p] of entries) {
    const saved = parsed.params[path];
    if (!saved) throw new DiffcellError(`loadParams: the file has no parameter "${path}"`);
    if (saved.shape.join(",") !== p.shape.join(",")) {
      throw new DiffcellError(
        `loadParams: "${path}" has shape [${saved.shape}] in the file, [${p.shape}] in the module`,
      );
    }
    const bytes = Buffer.from(saved.data, "base64");
    const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    tf.tidy(() => p.assign(tf.tensor(values, p.shape, "float32")));
  }
}
