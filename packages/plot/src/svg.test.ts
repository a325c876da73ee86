import { describe, expect, it } from "vitest";
import { el, escapeXml, num, pathData, svgDocument, text } from "./svg.js";

describe("num", () => {
  it("rounds to fixed decimals without trailing zeros or negative zero", () => {
    expect(num(1.23456)).toBe("1.23");
    expect(num(2)).toBe("2");
    expect(num(2.5)).toBe("2.5");
    expect(num(-0.001)).toBe("0");
    expect(num(-0)).toBe("0");
    expect(num(1234567.891, 1)).toBe("1234567.9");
    expect(num(0.1 + 0.2)).toBe("0.3");
  });
  it("refuses NaN and infinities instead of writing them into a document", () => {
    expect(() => num(Number.NaN)).toThrow(/non-finite/);
    expect(() => num(Number.POSITIVE_INFINITY)).toThrow(/non-finite/);
  });
});

describe("markup", () => {
  it("escapes text and attribute values", () => {
    expect(escapeXml(`<a href="x">&'`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    expect(el("text", { x: 1, fill: 'a"b' }, escapeXml("1 < 2"))).toBe('<text x="1" fill="a&quot;b">1 &lt; 2</text>');
  });
  it("writes camelCase attributes in kebab-case and drops empty ones", () => {
    expect(el("path", { strokeWidth: 1.5, d: "M0 0", fill: undefined, opacity: false })).toBe(
      '<path stroke-width="1.5" d="M0 0"/>',
    );
  });
  it("draws a halo behind labels on data and rotates about the anchor", () => {
    const halo = text(10, 20, "Beta", { halo: true, size: 12 });
    expect(halo.match(/<text/g)).toHaveLength(2);
    expect(halo).toContain('stroke="#ffffff"');
    expect(text(5, 6, "y", { rotate: -90 })).toContain('transform="rotate(-90 5 6)"');
  });
  it("builds a complete SVG document with a background", () => {
    const doc = svgDocument({ width: 100, height: 50, title: "T & T" }, pathData([0, 1], [2, 3]));
    expect(doc.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" viewBox="0 0 100 50"')).toBe(
      true,
    );
    expect(doc).toContain("<title>T &amp; T</title>");
    expect(doc).toContain('<rect width="100" height="50" fill="#ffffff"/>');
    expect(doc).toContain("M0 2L1 3");
    expect(doc.trimEnd().endsWith("</svg>")).toBe(true);
  });
});
