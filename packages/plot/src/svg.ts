/**
 * A minimal SVG writer. Every number goes through `num` and every string through `escapeXml`, so the same
 * input gives a byte-identical document on every run and machine: coordinates are rounded to a fixed number
 * of decimals (`toFixed` is exactly specified by ECMAScript, and rounding hides last-bit differences in
 * Math.exp/sin between platforms), and no NaN or "Infinity" can reach the output.
 */

/** Font stack for every plot. DejaVu Sans is bundled for PNG rendering; Verdana is a similarly wide fallback. */
export const FONT_FAMILY = "DejaVu Sans, Verdana, Bitstream Vera Sans, sans-serif";

export type AttrValue = string | number | undefined | null | false;
export type Attrs = Record<string, AttrValue>;

/**
 * Format a coordinate with at most `digits` decimals, no trailing zeros and no "-0".
 * Throws on a non-finite value: that is a bug upstream (inputs are validated before drawing).
 */
export function num(value: number, digits = 2): string {
  if (!Number.isFinite(value)) throw new Error(`plot: non-finite number ${value} reached the SVG writer`);
  let text = value.toFixed(digits);
  if (text.includes(".")) text = text.replace(/\.?0+$/, "");
  return text === "-0" ? "0" : text;
}

/** Escape text for element content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => XML_ENTITIES[c] ?? c);
}

const XML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Attribute names in camelCase are written kebab-case (`strokeWidth` → `stroke-width`); `viewBox` stays. */
function attrName(name: string): string {
  if (name === "viewBox" || name === "preserveAspectRatio") return name;
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

export function attrs(values: Attrs): string {
  let out = "";
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === false) continue;
    const text = typeof value === "number" ? num(value) : escapeXml(value);
    out += ` ${attrName(key)}="${text}"`;
  }
  return out;
}

/** One element. `children` is already-serialised markup (use `escapeXml` or `text` for strings). */
export function el(tag: string, values: Attrs = {}, children?: string): string {
  if (children === undefined || children === "") return `<${tag}${attrs(values)}/>`;
  return `<${tag}${attrs(values)}>${children}</${tag}>`;
}

export type TextAnchor = "start" | "middle" | "end";

export interface TextOptions {
  size?: number;
  anchor?: TextAnchor;
  weight?: "normal" | "bold";
  fill?: string;
  /** Rotation in degrees about (x, y). */
  rotate?: number;
  /** "middle" centres the text vertically on y (approximately, via the font's cap height). */
  baseline?: "alphabetic" | "middle" | "hanging";
  italic?: boolean;
  opacity?: number;
  /** A white outline behind the glyphs, for labels drawn on top of data. */
  halo?: boolean;
}

/**
 * A text element. Vertical centring is done by shifting y, not with `dominant-baseline`, because resvg and
 * browsers disagree on that property.
 */
export function text(x: number, y: number, content: string, options: TextOptions = {}): string {
  const size = options.size ?? 12;
  let dy = 0;
  if (options.baseline === "middle") dy = 0.36 * size;
  else if (options.baseline === "hanging") dy = 0.76 * size;
  const base: Attrs = {
    x,
    y: y + dy,
    fontSize: size,
    textAnchor: options.anchor && options.anchor !== "start" ? options.anchor : undefined,
    fontWeight: options.weight === "bold" ? "bold" : undefined,
    fontStyle: options.italic ? "italic" : undefined,
    opacity: options.opacity,
    transform: options.rotate ? `rotate(${num(options.rotate)} ${num(x)} ${num(y)})` : undefined,
  };
  const body = escapeXml(content);
  // Drawn twice rather than with paint-order, which older renderers ignore.
  const halo = options.halo
    ? el(
        "text",
        { ...base, fill: "#ffffff", stroke: "#ffffff", strokeWidth: Math.max(2, size / 4), strokeLinejoin: "round" },
        body,
      )
    : "";
  return halo + el("text", { ...base, fill: options.fill ?? "#222222" }, body);
}

/** A polyline path through the points; `close` closes it. */
export function pathData(xs: ArrayLike<number>, ys: ArrayLike<number>, close = false, digits = 2): string {
  let d = "";
  for (let i = 0; i < xs.length; i++) d += `${i === 0 ? "M" : "L"}${num(xs[i], digits)} ${num(ys[i], digits)}`;
  return close && xs.length > 0 ? `${d}Z` : d;
}

export interface SvgDocumentOptions {
  width: number;
  height: number;
  /** Accessible title (`<title>`), shown as a tooltip by browsers. */
  title?: string;
  background?: string;
}

/** The root element with a white background so PNGs are opaque and dark-mode pages still show the plot. */
export function svgDocument(options: SvgDocumentOptions, body: string): string {
  const { width, height } = options;
  const head = el(
    "svg",
    {
      xmlns: "http://www.w3.org/2000/svg",
      width,
      height,
      viewBox: `0 0 ${num(width)} ${num(height)}`,
      fontFamily: FONT_FAMILY,
    },
    "",
  ).replace(/\/>$/, ">");
  const title = options.title ? el("title", {}, escapeXml(options.title)) : "";
  const background = el("rect", { width, height, fill: options.background ?? "#ffffff" });
  return `${head}${title}${background}${body}</svg>\n`;
}

/** A group, omitted when empty. */
export function group(values: Attrs, children: string): string {
  return children === "" ? "" : el("g", values, children);
}

/**
 * Clip markup to a rectangle. The clipPath id is derived from the rectangle itself, so two SVGs inlined in
 * one HTML page can only share an id when their clip rectangles are identical — a harmless collision.
 */
export function clipToRect(
  rect: { x: number; y: number; width: number; height: number },
  body: string,
): { defs: string; body: string } {
  const id = `dc-clip-${[rect.x, rect.y, rect.width, rect.height].map((v) => num(v, 1).replace(".", "_").replace("-", "m")).join("-")}`;
  return {
    defs: el(
      "defs",
      {},
      el("clipPath", { id }, el("rect", { x: rect.x, y: rect.y, width: rect.width, height: rect.height })),
    ),
    body: el("g", { clipPath: `url(#${id})` }, body),
  };
}
