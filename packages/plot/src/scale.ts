/** Data → pixel mappings and "nice" axis ticks (1, 2, 2.5, 5 × 10^k steps, as most plotting libraries). */

export type Domain = [number, number];

/** Linear map from [d0, d1] to [r0, r1]; a degenerate domain maps to the middle of the range. */
export function linearScale(domain: Domain, range: Domain): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0;
  if (span === 0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / span;
  return (value) => r0 + (value - d0) * k;
}

/** log10 map; values must be > 0 (callers validate). */
export function logScale(domain: Domain, range: Domain): (value: number) => number {
  const linear = linearScale([Math.log10(domain[0]), Math.log10(domain[1])], range);
  return (value) => linear(Math.log10(value));
}

/** Min and max of finite values; [0, 1] for an empty array. */
export function extent(values: ArrayLike<number>, stride = 1, offset = 0): Domain {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = offset; i < values.length; i += stride) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

/** Widen a zero-width domain so scales and ticks stay defined. */
export function widen([lo, hi]: Domain): Domain {
  if (hi > lo) return [lo, hi];
  const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
  return [lo - pad, hi + pad];
}

/** Pad a domain by a fraction of its width on each side. */
export function pad([lo, hi]: Domain, fraction: number): Domain {
  const w = hi - lo;
  return [lo - w * fraction, hi + w * fraction];
}

/** A step of 1, 2, 2.5 or 5 × 10^k giving about `count` intervals over the domain. */
export function niceStep(lo: number, hi: number, count = 5): number {
  const raw = (hi - lo) / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** The domain extended outward to whole steps, so the axis ends on a labelled tick. */
export function niceDomain(domain: Domain, count = 5): Domain {
  const [lo, hi] = widen(domain);
  const step = niceStep(lo, hi, count);
  return [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
}

/** Tick values at multiples of a nice step inside the domain. */
export function ticks([lo, hi]: Domain, count = 5): { values: number[]; step: number } {
  const step = niceStep(lo, hi, count);
  const values: number[] = [];
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  // An integer times the step, rounded to 12 significant digits: 3 × 0.2 is 0.6, not 0.6000000000000001.
  for (let k = first; k <= last; k++) values.push(cleanZero(Number((k * step).toPrecision(12))));
  return { values, step };
}

/** Powers of ten covering [lo, hi] (lo > 0), thinned to at most ~6 labels. */
export function logTicks([lo, hi]: Domain): number[] {
  const first = Math.floor(Math.log10(lo) + 1e-9);
  const last = Math.ceil(Math.log10(hi) - 1e-9);
  const every = Math.max(1, Math.ceil((last - first + 1) / 6));
  const values: number[] = [];
  for (let e = first; e <= last; e += every) values.push(e);
  return values;
}

/** Tick label with as many decimals as the step needs ("0.25", "10", "1.5e-5"). */
export function formatTick(value: number, step: number): string {
  const magnitude = Math.max(Math.abs(value), step);
  if (magnitude >= 1e6 || (step < 1e-4 && value !== 0)) {
    return value.toExponential(Math.max(0, significantDecimals(step / 10 ** Math.floor(Math.log10(magnitude)))));
  }
  return cleanZero(value).toFixed(significantDecimals(step));
}

function significantDecimals(step: number): number {
  // Enough decimals that every multiple of the step prints exactly (2.5e-k needs one more than 1e-k).
  for (let d = 0; d <= 12; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6) return d;
  return 12;
}

/** "10³", "10⁻²": powers of ten with Unicode superscripts (present in the bundled font). */
export function formatPower(exponent: number): string {
  if (exponent === 0) return "1";
  if (exponent === 1) return "10";
  const superscripts = "⁰¹²³⁴⁵⁶⁷⁸⁹";
  const digits = [...String(Math.abs(exponent))].map((d) => superscripts[Number(d)]).join("");
  return `10${exponent < 0 ? "⁻" : ""}${digits}`;
}

/** A short human label for a value ("0.0123", "1.2e+6"), used in legends and tables. */
export function formatValue(value: number, digits = 3): string {
  if (!Number.isFinite(value)) return String(value);
  if (value === 0) return "0";
  const magnitude = Math.abs(value);
  if (magnitude >= 1e5 || magnitude < 1e-3) return value.toExponential(digits - 1);
  return String(Number(value.toPrecision(digits)));
}

function cleanZero(v: number): number {
  return Object.is(v, -0) || Math.abs(v) < 1e-12 ? 0 : v;
}
