/** Arrow glyphs as filled polygons (not SVG markers: marker sizing differs between renderers). */
import { num } from "./svg.js";

/** Triangle head with its tip at (tipX, tipY), pointing along (dirX, dirY) in pixel space. */
export function arrowHeadPath(tipX: number, tipY: number, dirX: number, dirY: number, length: number, width: number) {
  const norm = Math.hypot(dirX, dirY);
  if (!(norm > 0)) return "";
  const ux = dirX / norm;
  const uy = dirY / norm;
  const bx = tipX - ux * length;
  const by = tipY - uy * length;
  const half = width / 2;
  return (
    `M${num(tipX)} ${num(tipY)}L${num(bx - uy * half)} ${num(by + ux * half)}` +
    `L${num(bx + uy * half)} ${num(by - ux * half)}Z`
  );
}

export interface ArrowStyle {
  /** Shaft thickness, px. */
  shaftWidth: number;
  /** Longest head, px; shorter arrows get proportionally smaller heads. */
  headLength: number;
  /** Head width as a multiple of its length. */
  headAspect?: number;
}

/**
 * One closed outline for shaft and head (as matplotlib's quiver draws), from (x0, y0) to the tip (x1, y1).
 * Short arrows shrink their head so the glyph never extends behind its origin.
 */
export function arrowPath(x0: number, y0: number, x1: number, y1: number, style: ArrowStyle): string {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const length = Math.hypot(dx, dy);
  if (!(length > 0.05)) return "";
  const ux = dx / length;
  const uy = dy / length;
  const head = Math.min(style.headLength, 0.45 * length);
  const headHalf = (head * (style.headAspect ?? 0.75)) / 2;
  const shaftHalf = Math.min(style.shaftWidth / 2, headHalf * 0.5);
  const bx = x1 - ux * head;
  const by = y1 - uy * head;
  const px = -uy;
  const py = ux;
  const points = [
    [x0 + px * shaftHalf, y0 + py * shaftHalf],
    [bx + px * shaftHalf, by + py * shaftHalf],
    [bx + px * headHalf, by + py * headHalf],
    [x1, y1],
    [bx - px * headHalf, by - py * headHalf],
    [bx - px * shaftHalf, by - py * shaftHalf],
    [x0 - px * shaftHalf, y0 - py * shaftHalf],
  ];
  return `${points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${num(x)} ${num(y)}`).join("")}Z`;
}
