import type { File } from "../h5/h5file.js";

/** What every element reader needs: the open file, its name for errors, and where to send warnings. */
export interface ReadContext {
  file: File;
  /** The path as the user gave it; error names are `${fileName}:/${key}`. */
  fileName: string;
  warn: (message: string) => void;
}

export function keyName(ctx: ReadContext, key: string): string {
  return `${ctx.fileName}:/${key}`;
}
