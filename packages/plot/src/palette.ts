/**
 * Categorical colours. A category keeps its colour in every plot as long as the category order is the same,
 * which is how scanpy/scVelo keep `uns["<key>_colors"]` aligned with the categorical's categories.
 */
import { encodeLabels, InputError } from "@diffcell/core";

/**
 * scanpy's default 20-colour palette (`scanpy.plotting.palettes.default_20`): matplotlib's tab20 dark
 * shades then light shades without the greys, with scanpy's greener green, purple and khaki, and two extra
 * shades at the end.
 */
export const DEFAULT_PALETTE: readonly string[] = [
  "#1f77b4",
  "#ff7f0e",
  "#279e68",
  "#d62728",
  "#aa40fc",
  "#8c564b",
  "#e377c2",
  "#b5bd61",
  "#17becf",
  "#aec7e8",
  "#ffbb78",
  "#98df8a",
  "#ff9896",
  "#c5b0d5",
  "#c49c94",
  "#f7b6d2",
  "#dbdb8d",
  "#9edae5",
  "#ad494a",
  "#8c6d31",
];

const COLOR_PATTERN = /^(#[0-9a-fA-F]{3}|#[0-9a-fA-F]{6}|#[0-9a-fA-F]{8}|[a-zA-Z]+)$/;

/** A user palette: colours in category order (like `uns.clusters_colors`) or an explicit category → colour map. */
export type Palette = readonly string[] | Readonly<Record<string, string>>;

/**
 * Distinct categories sorted by code unit, as pandas orders a new Categorical (and so scanpy's colours): the
 * levels of core's `encodeLabels`, so a cluster's position is the same in plots and in label codes.
 */
export function categoriesOf(labels: readonly string[]): string[] {
  return encodeLabels("clusters", labels, labels.length).names;
}

/**
 * Colour for each category, in category order. Categories beyond the palette get extra hues spaced by the
 * golden angle (deterministic, well separated) rather than repeating colours.
 */
export function clusterColors(categories: readonly string[], palette?: Palette): Map<string, string> {
  if (new Set(categories).size !== categories.length) {
    throw new InputError("categories", "contains duplicates; pass each category once, in display order");
  }
  const colors = new Map<string, string>();
  categories.forEach((category, i) => {
    let color: string | undefined;
    if (Array.isArray(palette)) color = palette[i];
    else if (palette) color = (palette as Record<string, string>)[category];
    if (color !== undefined && !COLOR_PATTERN.test(color)) {
      throw new InputError("palette", `"${color}" for category "${category}" is not a #hex or named colour`);
    }
    colors.set(category, color ?? defaultColor(i));
  });
  return colors;
}

/** The i-th default categorical colour. */
export function defaultColor(index: number): string {
  if (index < DEFAULT_PALETTE.length) return DEFAULT_PALETTE[index];
  const k = index - DEFAULT_PALETTE.length;
  const hue = (k * 137.508 + 20) % 360;
  const lightness = [45, 62, 35][k % 3];
  return hslToHex(hue, 65, lightness);
}

export function hslToHex(hue: number, saturation: number, lightness: number): string {
  const s = saturation / 100;
  const l = lightness / 100;
  const a = s * Math.min(l, 1 - l);
  const channel = (n: number) => {
    const k = (n + hue / 30) % 12;
    const value = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(255 * value);
  };
  return rgbToHex(channel(0), channel(8), channel(4));
}

export function rgbToHex(r: number, g: number, b: number): string {
  return `#${[r, g, b]
    .map((v) =>
      Math.max(0, Math.min(255, Math.round(v)))
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}

/** Parse #rgb / #rrggbb (alpha ignored) into 0–255 channels. */
export function hexToRgb(hex: string): [number, number, number] {
  let h = hex.replace(/^#/, "");
  if (h.length === 3) h = [...h].map((c) => c + c).join("");
  const value = Number.parseInt(h.slice(0, 6), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}
