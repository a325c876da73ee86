import { describe, expect, it } from "vitest";
import { cLisi, iLisi, lisi } from "./lisi.js";
import { batchAsw, silhouetteSamples } from "./silhouette.js";
import { readColumn, readMatrix, readTable } from "./testing/data.js";

describe("LISI", () => {
  it("matches harmonypy's reference values on lisi-toy within 1e-3 per cell", () => {
    const x = readMatrix("lisi-toy/lisi_x.tsv.gz");
    const reference = readTable("lisi-toy/lisi_lisi.tsv.gz");
    expect(x.rows).toBe(400);
    let worst = 0;
    for (const [col, name] of [
      [1, "label1"],
      [2, "label2"],
    ] as const) {
      expect(reference.header[col]).toBe(name);
      const labels = readColumn("lisi-toy/lisi_metadata.tsv.gz", name);
      const ours = lisi(x, labels, { perplexity: 30 });
      for (let i = 0; i < x.rows; i++) worst = Math.max(worst, Math.abs(ours[i] - Number(reference.rows[i][col])));
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it("is 1 for a single label in a neighbourhood and the number of labels for perfect mixing", () => {
    // Two far-apart groups of 100 points; labels alternate inside group 1, constant inside group 2.
    const rows = 200;
    const data = new Float64Array(rows * 2);
    const labels: string[] = [];
    for (let i = 0; i < rows; i++) {
      const angle = (2 * Math.PI * i) / 100;
      data[i * 2] = (i < 100 ? 0 : 100) + Math.cos(angle);
      data[i * 2 + 1] = Math.sin(angle);
      labels.push(i < 100 ? (i % 2 ? "a" : "b") : "c");
    }
    const summary = iLisi({ data, rows, cols: 2 }, labels, { perplexity: 10 });
    expect(summary.nLabels).toBe(3);
    for (let i = 100; i < rows; i++) expect(summary.perCell[i]).toBeCloseTo(1, 12);
    for (let i = 0; i < 100; i++) expect(summary.perCell[i]).toBeGreaterThan(1.8);
    expect(
      cLisi(
        { data, rows, cols: 2 },
        labels.map((l) => (l === "c" ? "x" : "y")),
        { perplexity: 10 },
      ).median,
    ).toBeCloseTo(1, 12);
  });

  it("refuses too few cells for the perplexity", () => {
    const data = new Float64Array(20).map((_, i) => i);
    expect(() => lisi({ data, rows: 10, cols: 2 }, Array(10).fill("a"))).toThrow(/needs at least 90 cells/);
  });
});

describe("silhouette and batch ASW", () => {
  it("matches a hand computation on four points", () => {
    // Points 0, 1 (label a) and 4, 6 (label b) on a line.
    const s = silhouetteSamples({ data: [0, 1, 4, 6], rows: 4, cols: 1 }, ["a", "a", "b", "b"]);
    // Point 0: a = 1, b = (4 + 6)/2 = 5 → 0.8; point 2: a = 2, b = (4 + 3)/2 = 3.5 → 1.5/3.5
    expect(s[0]).toBeCloseTo(0.8, 12);
    expect(s[2]).toBeCloseTo(1.5 / 3.5, 12);
  });

  it("is near 1 for mixed batches and near 0 for separated ones", () => {
    const rows = 120;
    const mixed = new Float64Array(rows * 2);
    const separated = new Float64Array(rows * 2);
    const batch: number[] = [];
    for (let i = 0; i < rows; i++) {
      const b = i % 2;
      batch.push(b);
      mixed[i * 2] = Math.cos(i);
      mixed[i * 2 + 1] = Math.sin(i * 1.7);
      separated[i * 2] = Math.cos(i) + 20 * b;
      separated[i * 2 + 1] = Math.sin(i * 1.7);
    }
    expect(batchAsw({ data: mixed, rows, cols: 2 }, batch)).toBeGreaterThan(0.9);
    expect(batchAsw({ data: separated, rows, cols: 2 }, batch)).toBeLessThan(0.1);
  });
});
