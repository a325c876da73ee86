import { maskToIndex } from "@diffcell/core";

/**
 * Ramer–Douglas–Peucker polyline simplification: drop points closer than `tolerance` (px) to the chord of
 * their neighbours. Streamlines are integrated in tiny steps for accuracy; without this a stream plot
 * would be megabytes of collinear points.
 */
export function simplifyPolyline(xs: ArrayLike<number>, ys: ArrayLike<number>, tolerance: number): number[] {
  const n = xs.length;
  if (n <= 2) return Array.from({ length: n }, (_, i) => i);
  const keep = new Uint8Array(n);
  keep[0] = 1;
  keep[n - 1] = 1;
  // Explicit stack instead of recursion: long streamlines would otherwise risk deep call chains.
  const stack: [number, number][] = [[0, n - 1]];
  const tol2 = tolerance * tolerance;
  while (stack.length > 0) {
    const [first, last] = stack.pop()!;
    const ax = xs[first];
    const ay = ys[first];
    const dx = xs[last] - ax;
    const dy = ys[last] - ay;
    const len2 = dx * dx + dy * dy;
    let worst = -1;
    let worstDist = tol2;
    for (let i = first + 1; i < last; i++) {
      let px = xs[i] - ax;
      let py = ys[i] - ay;
      if (len2 > 0) {
        const t = Math.max(0, Math.min(1, (px * dx + py * dy) / len2));
        px -= t * dx;
        py -= t * dy;
      }
      const d2 = px * px + py * py;
      if (d2 > worstDist) {
        worstDist = d2;
        worst = i;
      }
    }
    if (worst >= 0) {
      keep[worst] = 1;
      stack.push([first, worst], [worst, last]);
    }
  }
  return Array.from(maskToIndex(keep));
}
