import { InputError, ShapeError } from "@diffcell/core";
import { describe, expect, it } from "vitest";
import { velocityGrid } from "./grid.js";

/** Cells on a regular lattice over [x0, x1] × [y0, y1] with spacing h. */
function lattice(x0: number, x1: number, y0: number, y1: number, h: number): Float64Array {
  const points: number[] = [];
  for (let y = y0; y <= y1 + 1e-9; y += h) for (let x = x0; x <= x1 + 1e-9; x += h) points.push(x, y);
  return Float64Array.from(points);
}

function field(embedding: Float64Array, f: (x: number, y: number) => [number, number]): Float64Array {
  const v = new Float64Array(embedding.length);
  for (let i = 0; i < embedding.length; i += 2) v.set(f(embedding[i], embedding[i + 1]), i);
  return v;
}

describe("velocityGrid", () => {
  const cells = lattice(0, 10, 0, 10, 0.1);

  it("spans the data plus 1% and uses σ = smooth × spacing", () => {
    const grid = velocityGrid(
      cells,
      field(cells, () => [1, 0]),
      { gridSize: 51, smooth: 0.5 },
    );
    expect(grid.xs[0]).toBeCloseTo(-0.1, 12);
    expect(grid.xs[50]).toBeCloseTo(10.1, 12);
    expect(grid.sigma).toBeCloseTo(0.5 * (10.2 / 50), 12);
  });

  it("reproduces a uniform field exactly where cells are dense", () => {
    const grid = velocityGrid(
      cells,
      field(cells, () => [1, 0.5]),
    );
    let interior = 0;
    for (let k = 0; k < grid.u.length; k++) {
      if (grid.mass[k] < 1) continue;
      interior++;
      expect(grid.valid[k]).toBe(1);
      expect(grid.u[k]).toBeCloseTo(1, 12);
      expect(grid.v[k]).toBeCloseTo(0.5, 12);
    }
    expect(interior).toBeGreaterThan(2000);
  });

  it("reproduces a linear field at interior grid points (symmetric kernel)", () => {
    const grid = velocityGrid(
      cells,
      field(cells, (x, y) => [x, -2 * y]),
    );
    let checked = 0;
    for (let j = 0; j < grid.ny; j++) {
      for (let i = 0; i < grid.nx; i++) {
        const x = grid.xs[i];
        const y = grid.ys[j];
        // Away from the edges the kernel sees a full neighbourhood.
        if (x < 1 || x > 9 || y < 1 || y > 9) continue;
        const k = j * grid.nx + i;
        expect(Math.abs(grid.u[k] - x)).toBeLessThan(1e-3);
        expect(Math.abs(grid.v[k] + 2 * y)).toBeLessThan(2e-3);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it("masks grid points far from every cell", () => {
    // Two blocks with an empty band between x = 4 and x = 6.
    const left = lattice(0, 4, 0, 10, 0.2);
    const right = lattice(6, 10, 0, 10, 0.2);
    const both = Float64Array.from([...left, ...right]);
    const grid = velocityGrid(
      both,
      field(both, () => [0, 1]),
    );
    for (let j = 0; j < grid.ny; j++) {
      for (let i = 0; i < grid.nx; i++) {
        const x = grid.xs[i];
        const k = j * grid.nx + i;
        if (x > 4.6 && x < 5.4) expect(grid.valid[k], `x = ${x}`).toBe(0);
        if (x > 0.5 && x < 3.5 && grid.ys[j] > 0.5 && grid.ys[j] < 9.5) expect(grid.valid[k]).toBe(1);
        if (!grid.valid[k]) expect([grid.u[k], grid.v[k]]).toEqual([0, 0]);
      }
    }
  });

  it("masks the slowest grid points with cutoffPercentile", () => {
    const grid = velocityGrid(
      cells,
      field(cells, (x) => [x, 0]),
      { cutoffPercentile: 30 },
    );
    for (let j = 0; j < grid.ny; j++) {
      for (let i = 0; i < grid.nx; i++) {
        // Speed grows with x, so the slowest 30% are the left part of the domain.
        if (grid.xs[i] > 1 && grid.xs[i] < 2.5) expect(grid.valid[j * grid.nx + i]).toBe(0);
        if (grid.xs[i] > 5 && grid.xs[i] < 9 && grid.ys[j] > 1 && grid.ys[j] < 9) {
          expect(grid.valid[j * grid.nx + i]).toBe(1);
        }
      }
    }
  });

  it("names the bad array", () => {
    expect(() => velocityGrid([0, 0, 1, 1], [1, 1])).toThrow(ShapeError);
    expect(() => velocityGrid([0, 0, 1, 1], [1, 1])).toThrow(/velocity/);
    expect(() => velocityGrid([0, Number.NaN, 1, 1], [1, 1, 1, 1])).toThrow(InputError);
    expect(() => velocityGrid([0, Number.NaN, 1, 1], [1, 1, 1, 1])).toThrow(/embedding/);
    expect(() => velocityGrid([0, 0, 1, 1, 2], [1, 1, 1, 1])).toThrow(/embedding/);
  });
});
