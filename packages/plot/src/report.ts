/**
 * A self-contained HTML report: plots inlined as SVG, no scripts, no external URLs (a Content-Security-Policy
 * meta tag makes the browser refuse any that slip in), readable on screen and printable.
 */
import { InputError } from "@diffcell/core";
import { formatValue } from "./scale.js";
import { escapeXml } from "./svg.js";

export type Cell = string | number | boolean | null | undefined;

export interface ReportTable {
  columns: readonly string[];
  rows: readonly (readonly Cell[])[];
  caption?: string;
}

export interface ReportSection {
  heading: string;
  /** Plain text; a list is rendered as paragraphs. */
  text?: string | readonly string[];
  /** One SVG document, or several shown as a gallery (e.g. phase portraits of top genes). */
  svg?: string | readonly string[];
  /** Caption under the figure(s). */
  caption?: string;
  table?: ReportTable;
}

export interface HtmlReportOptions {
  title: string;
  subtitle?: string;
  sections: readonly ReportSection[];
  /** Run parameters, shown as a key/value table. */
  parameters?: Readonly<Record<string, Cell>>;
  /** Wall-clock seconds per step (the steps only: the total is computed, or given as `totalSeconds`). */
  timings?: Readonly<Record<string, number>>;
  /**
   * Wall-clock seconds of the whole run. When it exceeds the sum of the steps, the difference is shown as an
   * "other" row (start-up, untimed work), so the bars add up to the total shown under them.
   */
  totalSeconds?: number;
  /** Footer line (e.g. versions). Nothing time-dependent is added automatically, so output is reproducible. */
  footer?: string;
}

export function htmlReport(options: HtmlReportOptions): string {
  if (typeof options.title !== "string" || options.title === "")
    throw new InputError("title", "must be a non-empty string");
  if (!Array.isArray(options.sections)) throw new InputError("sections", "must be an array");

  const used = new Set<string>();
  const anchors = options.sections.map((s, i) => uniqueSlug(s.heading, i, used));
  const extra: { heading: string; id: string; html: string }[] = [];
  if (options.parameters && Object.keys(options.parameters).length > 0) {
    extra.push({
      heading: "Parameters",
      id: uniqueSlug("parameters", 0, used),
      html: parametersTable(options.parameters),
    });
  }
  if (options.timings && Object.keys(options.timings).length > 0) {
    extra.push({
      heading: "Timings",
      id: uniqueSlug("timings", 0, used),
      html: timingsTable(options.timings, options.totalSeconds),
    });
  }

  const toc = [
    ...options.sections.map((s, i) => `<li><a href="#${anchors[i]}">${escapeXml(s.heading)}</a></li>`),
    ...extra.map((e) => `<li><a href="#${e.id}">${escapeXml(e.heading)}</a></li>`),
  ].join("");

  const body = options.sections
    .map((section, i) => {
      if (typeof section.heading !== "string") throw new InputError(`sections[${i}].heading`, "must be a string");
      let html = `<section id="${anchors[i]}"><h2>${escapeXml(section.heading)}</h2>`;
      const paragraphs: readonly string[] =
        section.text === undefined ? [] : typeof section.text === "string" ? [section.text] : section.text;
      for (const p of paragraphs) html += `<p>${escapeXml(p)}</p>`;
      const svgs: readonly string[] =
        section.svg === undefined ? [] : typeof section.svg === "string" ? [section.svg] : section.svg;
      if (svgs.length > 0) {
        const figures = svgs
          .map((svg, k) => `<div class="plot">${inlineSvg(svg, `s${i}-${k}-`, `sections[${i}].svg`)}</div>`)
          .join("");
        const caption = section.caption ? `<figcaption>${escapeXml(section.caption)}</figcaption>` : "";
        html += `<figure class="${svgs.length > 1 ? "gallery" : "single"}">${figures}${caption}</figure>`;
      }
      if (section.table) html += dataTable(section.table, `sections[${i}].table`);
      return `${html}</section>`;
    })
    .join("\n");

  const extraHtml = extra
    .map((e) => `<section id="${e.id}"><h2>${escapeXml(e.heading)}</h2>${e.html}</section>`)
    .join("\n");

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="generator" content="@diffcell/plot">
<title>${escapeXml(options.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeXml(options.title)}</h1>${options.subtitle ? `<p class="subtitle">${escapeXml(options.subtitle)}</p>` : ""}</header>
<nav aria-label="Contents"><ol>${toc}</ol></nav>
<main>
${body}
${extraHtml}
</main>
${options.footer ? `<footer>${escapeXml(options.footer)}</footer>` : ""}
</body>
</html>
`;
}

/**
 * Prepare an SVG document for inlining: drop the XML prolog, refuse scripts and external references, and
 * prefix every id (and its url(#…)/href="#…" uses) so several plots on one page cannot collide.
 */
function inlineSvg(svg: string, prefix: string, name: string): string {
  if (typeof svg !== "string") throw new InputError(name, "must be an SVG string");
  const body = svg.replace(/^\uFEFF?\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?/i, "").trim();
  if (!/^<svg[\s>]/.test(body)) throw new InputError(name, "is not an SVG document (must start with <svg)");
  if (/<script|<foreignObject|<[^>]*\son[a-z]+\s*=/i.test(body))
    throw new InputError(name, "contains scripts or event handlers");
  if (/<[^>]*\s(href|src)\s*=\s*["']\s*(?!#|data:)|url\(\s*["']?\s*(?!#|data:)/i.test(body)) {
    throw new InputError(name, "references an external resource; the report must be self-contained");
  }
  const ids = new Set<string>();
  for (const match of body.matchAll(/\sid="([^"]+)"/g)) ids.add(match[1]);
  if (ids.size === 0) return body;
  return body
    .replace(/(\sid=")([^"]+)(")/g, (_, a, id, b) => `${a}${prefix}${id}${b}`)
    .replace(/url\(#([^)]+)\)/g, (whole, id) => (ids.has(id) ? `url(#${prefix}${id})` : whole))
    .replace(/(href=")#([^"]+)(")/g, (whole, a, id, b) => (ids.has(id) ? `${a}#${prefix}${id}${b}` : whole));
}

function formatCell(value: Cell): { html: string; numeric: boolean } {
  if (value === null || value === undefined) return { html: "—", numeric: false };
  if (typeof value === "number") {
    const text = Number.isInteger(value) && Math.abs(value) < 1e9 ? String(value) : formatValue(value, 4);
    return { html: escapeXml(text), numeric: true };
  }
  return { html: escapeXml(String(value)), numeric: false };
}

function dataTable(table: ReportTable, name: string): string {
  if (!Array.isArray(table.columns) || !Array.isArray(table.rows)) {
    throw new InputError(name, "needs `columns` and `rows` arrays");
  }
  const head = table.columns.map((c) => `<th scope="col">${escapeXml(String(c))}</th>`).join("");
  const rows = table.rows
    .map((row, r) => {
      if (!Array.isArray(row) || row.length !== table.columns.length) {
        throw new InputError(
          `${name}.rows`,
          `row ${r} has ${Array.isArray(row) ? row.length : 0} cells; expected ${table.columns.length}`,
          r,
        );
      }
      return `<tr>${row
        .map((v) => {
          const cell = formatCell(v);
          return `<td${cell.numeric ? ' class="num"' : ""}>${cell.html}</td>`;
        })
        .join("")}</tr>`;
    })
    .join("");
  const caption = table.caption ? `<caption>${escapeXml(table.caption)}</caption>` : "";
  return `<div class="table-wrap"><table>${caption}<thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

function parametersTable(parameters: Readonly<Record<string, Cell>>): string {
  const rows = Object.entries(parameters)
    .map(
      ([key, value]) =>
        `<tr><th scope="row"><code>${escapeXml(key)}</code></th><td>${formatCell(value).html}</td></tr>`,
    )
    .join("");
  return `<div class="table-wrap"><table class="params"><tbody>${rows}</tbody></table></div>`;
}

function timingsTable(timings: Readonly<Record<string, number>>, totalSeconds?: number): string {
  const entries = Object.entries(timings);
  entries.forEach(([step, seconds]) => {
    if (!(Number.isFinite(seconds) && seconds >= 0))
      throw new InputError(`timings.${step}`, `must be seconds ≥ 0; got ${seconds}`);
    // A "total" step would be summed with the steps it already contains (the table would show twice the time).
    if (step.trim().toLowerCase() === "total")
      throw new InputError(`timings.${step}`, "is not a step; pass the run's wall-clock time as totalSeconds");
  });
  if (totalSeconds !== undefined && !(Number.isFinite(totalSeconds) && totalSeconds >= 0))
    throw new InputError("totalSeconds", `must be seconds ≥ 0; got ${totalSeconds}`);
  const sum = entries.reduce((acc, [, s]) => acc + s, 0);
  // Untimed work shorter than 50 ms (or rounding) is not worth a row.
  if (totalSeconds !== undefined && totalSeconds - sum > 0.05)
    entries.push(["other (start-up, untimed)", totalSeconds - sum]);
  const total = Math.max(sum, totalSeconds ?? 0);
  const rows = entries
    .map(([step, seconds]) => {
      const share = total > 0 ? (100 * seconds) / total : 0;
      return (
        `<tr><th scope="row">${escapeXml(step)}</th><td class="num">${formatSeconds(seconds)}</td>` +
        `<td class="num share">${share.toFixed(0)}%</td>` +
        `<td class="bar-cell"><span class="bar" style="width:${share.toFixed(1)}%"></span></td></tr>`
      );
    })
    .join("");
  return (
    `<div class="table-wrap"><table class="timings"><thead><tr><th scope="col">step</th><th scope="col">time</th>` +
    `<th scope="col" colspan="2">share of the total</th></tr></thead><tbody>${rows}</tbody><tfoot><tr><th scope="row">total</th>` +
    `<td class="num">${formatSeconds(total)}</td><td class="num share">100%</td><td></td></tr></tfoot></table></div>`
  );
}

function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${(seconds * 1000).toFixed(0)} ms`;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 2 : 1)} s`;
  return `${Math.floor(seconds / 60)} min ${(seconds % 60).toFixed(0)} s`;
}

function uniqueSlug(heading: string, index: number, used: Set<string>): string {
  let base = String(heading ?? "")
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (base === "") base = `section-${index + 1}`;
  let slug = base;
  for (let k = 2; used.has(slug); k++) slug = `${base}-${k}`;
  used.add(slug);
  return slug;
}

const STYLE = `
:root { color-scheme: light; --text: #1f2328; --muted: #59636e; --rule: #d8dee4; --accent: #1f6feb; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1120px; padding: 32px 28px 48px; color: var(--text); background: #fff;
  font: 15px/1.55 -apple-system, "Segoe UI", "DejaVu Sans", Verdana, Roboto, "Helvetica Neue", Arial, sans-serif; }
header { border-bottom: 2px solid var(--text); padding-bottom: 12px; margin-bottom: 18px; }
h1 { font-size: 28px; margin: 0 0 4px; letter-spacing: -0.01em; }
.subtitle { margin: 0; color: var(--muted); font-size: 16px; }
nav ol { display: flex; flex-wrap: wrap; gap: 6px 18px; list-style: none; padding: 0; margin: 0 0 8px; font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
section { padding-top: 18px; margin-top: 18px; border-top: 1px solid var(--rule); }
h2 { font-size: 20px; margin: 0 0 10px; }
p { margin: 0 0 10px; max-width: 80ch; }
figure { margin: 12px 0; }
figure.gallery { display: flex; flex-wrap: wrap; gap: 14px 18px; align-items: flex-start; }
figure.gallery figcaption { flex-basis: 100%; }
/* Two wide plots share a row (each shrinks a little) instead of leaving half the page empty. */
figure.gallery .plot { flex: 1 1 440px; min-width: 0; }
.plot { max-width: 100%; }
.plot svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { color: var(--muted); font-size: 13.5px; margin-top: 6px; }
.table-wrap { overflow-x: auto; margin: 10px 0; }
table { border-collapse: collapse; font-size: 14px; min-width: 40%; }
caption { text-align: left; color: var(--muted); font-size: 13.5px; padding-bottom: 6px; }
th, td { padding: 6px 12px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
thead th { background: var(--soft); border-bottom: 2px solid var(--rule); font-weight: 600; }
tbody tr:nth-child(even) { background: #fbfcfd; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.params th { font-weight: normal; }
code { font: 13px/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; background: var(--soft); padding: 1px 5px; border-radius: 4px; }
.bar-cell { width: 40%; min-width: 120px; }
td.share { color: var(--muted); }
.bar { display: inline-block; height: 10px; background: var(--accent); border-radius: 2px; vertical-align: middle; }
tfoot th, tfoot td { font-weight: 600; border-bottom: none; }
footer { margin-top: 32px; padding-top: 12px; border-top: 1px solid var(--rule); color: var(--muted); font-size: 13px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  nav { display: none; }
  section { break-inside: avoid-page; }
  figure, .plot, table { break-inside: avoid; }
  .bar { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
@page { margin: 14mm; }
`;
