/**
 * Continuous colour maps. Sampled maps are interpolated linearly in RGB between evenly spaced stops; at ten
 * stops viridis/magma are visually indistinguishable from matplotlib's 256-entry tables.
 */
import { InputError } from "@diffcell/core";
import { hexToRgb, rgbToHex } from "./palette.js";

export type ColorMapName = "viridis" | "magma" | "gnuplot" | "coolwarm" | "greys";
/** A named map or a function from t ∈ [0, 1] to a colour. */
export type ColorMap = ColorMapName | ((t: number) => string);

const STOPS: Record<Exclude<ColorMapName, "gnuplot">, readonly string[]> = {
  // Perceptually uniform (van der Walt & Smith); scanpy's default for continuous values.
  viridis: [
    "#440154",
    "#482878",
    "#3e4a89",
    "#31688e",
    "#26828e",
    "#1f9e89",
    "#35b779",
    "#6dcd59",
    "#b4de2c",
    "#fde725",
  ],
  magma: ["#000004", "#180f3e", "#451077", "#721f81", "#9f2f7f", "#cd4071", "#f1605d", "#fd9567", "#fec98d", "#fcfdbf"],
  // Diverging (Moreland 2009), for signed values such as velocities.
  coolwarm: ["#3b4cc0", "#6788ee", "#9abbff", "#c9d7f0", "#edd1c2", "#f7a889", "#e26952", "#b40426"],
  greys: ["#f7f7f7", "#bdbdbd", "#636363", "#111111"],
};

const RGB_STOPS = Object.fromEntries(Object.entries(STOPS).map(([name, hexes]) => [name, hexes.map(hexToRgb)]));

/** gnuplot's "7,5,15" scheme, scVelo's default for latent time: r = √t, g = t³, b = sin 2πt. */
function gnuplot(t: number): string {
  return rgbToHex(255 * Math.sqrt(t), 255 * t ** 3, 255 * Math.max(0, Math.sin(2 * Math.PI * t)));
}

export const COLOR_MAPS: readonly ColorMapName[] = ["viridis", "magma", "gnuplot", "coolwarm", "greys"];

/** Resolve a map to a function on [0, 1] (inputs outside are clamped). */
export function colorMapFunction(map: ColorMap = "viridis"): (t: number) => string {
  if (typeof map === "function") return (t) => map(clamp01(t));
  if (map === "gnuplot") return (t) => gnuplot(clamp01(t));
  const stops = RGB_STOPS[map] as [number, number, number][] | undefined;
  if (!stops) throw new InputError("colorMap", `unknown colour map "${map}"; use one of ${COLOR_MAPS.join(", ")}`);
  return (t) => {
    const x = clamp01(t) * (stops.length - 1);
    const i = Math.min(stops.length - 2, Math.floor(x));
    const f = x - i;
    const a = stops[i];
    const b = stops[i + 1];
    return rgbToHex(a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f);
  };
}

function clamp01(t: number): number {
  return Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
}
