import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { InputError } from "@diffcell/core";

/**
 * The package's `data/` folder, resolved from this module's own location (`src/` when run from source,
 * `dist/` when installed), so datasets load offline from wherever the package sits.
 */
export function dataDir(): string {
  return fileURLToPath(new URL("../data/", import.meta.url));
}

/** Absolute path of a bundled data file; an {@link InputError} if the package was installed without it. */
export function dataFile(relative: string): string {
  const path = `${dataDir()}${relative}`;
  if (!existsSync(path)) {
    throw new InputError(path, "bundled data file missing (is the package's data/ folder installed?)");
  }
  return path;
}
