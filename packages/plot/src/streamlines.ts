/**
 * Evenly spaced streamlines through a velocity grid, following the scheme of matplotlib's `streamplot`
 * (which scVelo's stream plot calls):
 * - positions live in "axes units" (the grid's bounding box is the unit square), so spacing does not depend
 *   on the embedding's units;
 * - a coarse occupancy mask (30 × density cells per side) keeps lines apart: a line stops when it enters a
 *   mask cell another line already passed through;
 * - seeds are tried at mask-cell centres from the boundary spiralling inward (boundary seeds give long lines);
 * - each line is integrated backward and forward from its seed along the normalised velocity (unit speed in
 *   axes units, so every line is drawn with the same resolution), and lines shorter than `minLength` are
 *   dropped and their mask cells released.
 * Integration is fixed-step RK4 (matplotlib uses adaptive RK12); a line also stops where the field is
 * masked, leaves the grid, stalls, or turns back on itself (a sink), instead of jittering there.
 */
import type { VelocityGrid } from "./grid.js";

export interface StreamlineOptions {
  /** Mask resolution is 30 × density cells per axis; scVelo's stream plot uses density 2 (the default). */
  density?: number;
  /** Longest line in axes units, both directions together (default 4, matplotlib's). */
  maxLength?: number;
  /** Shorter lines are dropped (default 0.1 axes units, matplotlib's). */
  minLength?: number;
  /** Integration step as a fraction of a mask cell (default 0.2). */
  step?: number;
}

export interface Streamline {
  /** Points in data coordinates, from the upstream end to the downstream end. */
  x: Float64Array;
  y: Float64Array;
  /** Interpolated speed |v| (data units) at each point. */
  speed: Float64Array;
  /** Length in axes units. */
  length: number;
}

interface Sample {
  u: number;
  v: number;
  speed: number;
}

export function streamlines(grid: VelocityGrid, options: StreamlineOptions = {}): Streamline[] {
  const { nx, ny, xs, ys, u, v, valid } = grid;
  const width = xs[nx - 1] - xs[0];
  const height = ys[ny - 1] - ys[0];
  const maskSize = Math.max(2, Math.round(30 * (options.density ?? 2)));
  const maxLength = (options.maxLength ?? 4) / 2; // per direction
  const minLength = options.minLength ?? 0.1;
  const h = (options.step ?? 0.2) / maskSize;
  const occupied = new Uint8Array(maskSize * maskSize);

  // Bilinear interpolation in axes units; null where outside the grid or next to a masked grid point.
  const sample = (ax: number, ay: number): Sample | null => {
    if (!(ax >= 0 && ax <= 1 && ay >= 0 && ay <= 1)) return null;
    const gx = ax * (nx - 1);
    const gy = ay * (ny - 1);
    const i = Math.min(nx - 2, Math.floor(gx));
    const j = Math.min(ny - 2, Math.floor(gy));
    const k00 = j * nx + i;
    const k10 = k00 + 1;
    const k01 = k00 + nx;
    const k11 = k01 + 1;
    if (!(valid[k00] && valid[k10] && valid[k01] && valid[k11])) return null;
    const fx = gx - i;
    const fy = gy - j;
    const w00 = (1 - fx) * (1 - fy);
    const w10 = fx * (1 - fy);
    const w01 = (1 - fx) * fy;
    const w11 = fx * fy;
    const du = w00 * u[k00] + w10 * u[k10] + w01 * u[k01] + w11 * u[k11];
    const dv = w00 * v[k00] + w10 * v[k10] + w01 * v[k01] + w11 * v[k11];
    return { u: du / width, v: dv / height, speed: Math.hypot(du, dv) };
  };

  let maxSpeed = 0;
  for (let k = 0; k < nx * ny; k++) if (valid[k]) maxSpeed = Math.max(maxSpeed, Math.hypot(u[k], v[k]));
  const stall = maxSpeed * 1e-6;

  // Unit direction in axes units, or null where the field is masked or stalls.
  const direction = (ax: number, ay: number, sign: number): [number, number] | null => {
    const s = sample(ax, ay);
    if (!s || s.speed <= stall) return null;
    const norm = Math.hypot(s.u, s.v);
    if (!(norm > 0)) return null;
    return [(sign * s.u) / norm, (sign * s.v) / norm];
  };

  const maskIndex = (ax: number, ay: number) => {
    const mi = Math.min(maskSize - 1, Math.floor(ax * maskSize));
    const mj = Math.min(maskSize - 1, Math.floor(ay * maskSize));
    return mj * maskSize + mi;
  };

  const integrate = (ax0: number, ay0: number, sign: number, claimed: number[]) => {
    const px = [ax0];
    const py = [ay0];
    let ax = ax0;
    let ay = ay0;
    let cell = maskIndex(ax, ay);
    let length = 0;
    let previous: [number, number] | null = null;
    while (length < maxLength) {
      const k1 = direction(ax, ay, sign);
      if (!k1) break;
      const k2 = direction(ax + 0.5 * h * k1[0], ay + 0.5 * h * k1[1], sign);
      if (!k2) break;
      const k3 = direction(ax + 0.5 * h * k2[0], ay + 0.5 * h * k2[1], sign);
      if (!k3) break;
      const k4 = direction(ax + h * k3[0], ay + h * k3[1], sign);
      if (!k4) break;
      let sx = (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]) / 6;
      let sy = (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]) / 6;
      const norm = Math.hypot(sx, sy);
      if (!(norm > 0.5)) break; // the stages disagree: the line is crossing a sink or a fold
      sx /= norm;
      sy /= norm;
      if (previous && sx * previous[0] + sy * previous[1] < 0) break;
      previous = [sx, sy];
      const nextX = ax + h * sx;
      const nextY = ay + h * sy;
      if (!(nextX >= 0 && nextX <= 1 && nextY >= 0 && nextY <= 1)) break;
      const nextCell = maskIndex(nextX, nextY);
      if (nextCell !== cell) {
        if (occupied[nextCell]) break;
        occupied[nextCell] = 1;
        claimed.push(nextCell);
        cell = nextCell;
      }
      ax = nextX;
      ay = nextY;
      px.push(ax);
      py.push(ay);
      length += h;
    }
    return { px, py, length };
  };

  const lines: Streamline[] = [];
  for (const seed of spiralOrder(maskSize)) {
    if (occupied[seed]) continue;
    const ax = ((seed % maskSize) + 0.5) / maskSize;
    const ay = (Math.floor(seed / maskSize) + 0.5) / maskSize;
    if (!direction(ax, ay, 1)) continue;
    occupied[seed] = 1;
    const claimed = [seed];
    const backward = integrate(ax, ay, -1, claimed);
    const forward = integrate(ax, ay, 1, claimed);
    const length = backward.length + forward.length;
    if (length < minLength) {
      for (const c of claimed) occupied[c] = 0;
      // The seed cell stays claimed so it is not retried; matplotlib releases it, but it would fail again.
      occupied[seed] = 1;
      continue;
    }
    const count = backward.px.length + forward.px.length - 1;
    const x = new Float64Array(count);
    const y = new Float64Array(count);
    const speed = new Float64Array(count);
    let p = 0;
    for (let i = backward.px.length - 1; i >= 0; i--, p++) {
      x[p] = backward.px[i];
      y[p] = backward.py[i];
    }
    for (let i = 1; i < forward.px.length; i++, p++) {
      x[p] = forward.px[i];
      y[p] = forward.py[i];
    }
    for (let i = 0; i < count; i++) {
      // The last point may sit next to a masked grid point; it keeps its neighbour's speed.
      speed[i] = sample(x[i], y[i])?.speed ?? (i > 0 ? speed[i - 1] : 0);
      x[i] = xs[0] + x[i] * width;
      y[i] = ys[0] + y[i] * height;
    }
    lines.push({ x, y, speed, length });
  }
  return lines;
}

/** Mask cells ring by ring from the boundary inward, each ring walked clockwise from its corner. */
export function spiralOrder(size: number): number[] {
  const order: number[] = [];
  for (let ring = 0; ring < Math.ceil(size / 2); ring++) {
    const lo = ring;
    const hi = size - 1 - ring;
    if (lo === hi) {
      order.push(lo * size + lo);
      break;
    }
    for (let i = lo; i < hi; i++) order.push(lo * size + i); // bottom edge, left → right
    for (let j = lo; j < hi; j++) order.push(j * size + hi); // right edge, upward
    for (let i = hi; i > lo; i--) order.push(hi * size + i); // top edge, right → left
    for (let j = hi; j > lo; j--) order.push(j * size + lo); // left edge, downward
  }
  return order;
}
