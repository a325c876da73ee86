import { allocLike, customVjp } from "@diffcell/core";

/**
 * Squared distance between the sorted latent times and the uniform quantiles (i + ½)/N: a Cramér-style
 * penalty, 0 when the times are spread evenly over (0, 1). It keeps the time encoder from collapsing
 * cells onto the sigmoid's ends, where the kinetic loss no longer sees them move (the kinetic model is
 * flat before the onset and at steady state). Sorting is locally constant, so the gradient is the
 * residual routed back to each cell's rank.
 */
export const uniformTimePenalty = customVjp<null, Int32Array>(
  ([t]) => {
    const n = t.data.length;
    const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => t.data[a] - t.data[b] || a - b);
    let total = 0;
    for (let r = 0; r < n; r++) total += (t.data[order[r]] - (r + 0.5) / n) ** 2;
    const out = allocLike(t.data, 1);
    out[0] = total / n;
    return { outputs: [{ data: out, shape: [] }], residuals: order };
  },
  ({ inputs: [t], cotangents: [dy], residuals }) => {
    const n = t.data.length;
    const order =
      residuals ?? Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => t.data[a] - t.data[b] || a - b);
    const dt = allocLike(t.data, n);
    for (let r = 0; r < n; r++) dt[order[r]] = (2 * dy.data[0] * (t.data[order[r]] - (r + 0.5) / n)) / n;
    return [dt];
  },
  "uniformTimePenalty",
);
