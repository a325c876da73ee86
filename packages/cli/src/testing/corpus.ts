/**
 * The bad-input corpus: every case a new user could plausibly hit, each with the typed error (library) or
 * exit code (CLI) and the words its message must contain. `corpus.test.ts` runs them all and also checks
 * that no input file changed and no temporary file was left behind. The cases live in trainCases.ts
 * (trainVelocity, the operator), pipelineCases.ts (whole analyses, pp, Harmony), fileCases.ts (reading,
 * output paths, OS errors) and cliCases.ts (flags, CLI runs).
 */
import { cliCases, flagCases } from "./cliCases.js";
import { fileCases } from "./fileCases.js";
import type { Fixtures } from "./fixtures.js";
import { pipelineCases } from "./pipelineCases.js";
import { trainCases } from "./trainCases.js";

export interface Outcome {
  /** Library: the error thrown (undefined: none). */
  error?: unknown;
  /** CLI: exit code and stderr. */
  code?: number;
  stderr?: string;
  /** Library: warnings reported through onWarning. */
  warnings?: string[];
}

export interface CorpusCase {
  name: string;
  kind: "library" | "cli";
  /** Files the case reads: they must be byte-identical afterwards. */
  inputs: (fx: Fixtures) => string[];
  run: (fx: Fixtures) => Promise<Outcome>;
  /** Library: the error class (by name) — or "none" for a case that must succeed; CLI: the exit code. */
  expect: { error?: string; code?: number; message: RegExp[]; warning?: RegExp };
}

export const BAD_VALUES = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 1e30, 1e13];
export const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
/** How each bad value must be spelled in a message (written out by hand, not by the code under test). */
export const SPELLED = new Map<number, string>([
  [Number.NaN, "NaN"],
  [Number.POSITIVE_INFINITY, "Inf"],
  [Number.NEGATIVE_INFINITY, "-Inf"],
  [-1, "-1"],
  [-2, "-2"],
  [-3, "-3"],
  [1e30, "1e30"],
  [1e13, "1e13"],
  [1e300, "1e300"],
]);
/** A value as a message must spell it. */
export const spell = (v: number) => SPELLED.get(v) ?? String(v);
/** As stored in float32 (tensors) 1e300 becomes Inf; everything else is spelled as written. */
export const shown = (v: number, f32: boolean) => escapeRe(f32 && v === 1e300 ? "Inf" : spell(v));

export async function capture(fn: () => unknown): Promise<Outcome> {
  try {
    await fn();
    return {};
  } catch (error) {
    return { error };
  }
}

export function allCases(): CorpusCase[] {
  return [...trainCases(), ...pipelineCases(), ...fileCases(), ...flagCases(), ...cliCases()];
}
