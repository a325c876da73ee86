/**
 * Delimited text tables (`.csv`, `.tsv`, optionally gzipped) into a {@link DataFrame}: RFC 4180 quoting,
 * a header row, one column as the index; columns whose every non-empty value parses as a number become
 * float64 (empty → NaN), the rest strings.
 */
import { InputError } from "@diffcell/core";
import { type Column, DataFrame } from "../dataframe.js";
import { readMaybeGzip } from "./read-text.js";

export interface ReadCsvOptions {
  /** Field separator; default "," for .csv, tab for .tsv/.txt. */
  separator?: string;
  /** Column used as the row index (name or position); default the first column. `null`: rows "0", "1", …. */
  index?: string | number | null;
}

export function readCsv(path: string, options: ReadCsvOptions = {}): DataFrame {
  const text = readMaybeGzip(path).toString("utf8");
  const sep = options.separator ?? (/\.(tsv|txt)(\.gz)?$/i.test(path) ? "\t" : ",");
  const rows = parseDelimited(text, sep, path);
  if (rows.length === 0) throw new InputError(path, "empty file");
  const header = rows[0];
  const body = rows.slice(1);
  body.forEach((r, i) => {
    if (r.length !== header.length) {
      throw new InputError(`${path}:line ${i + 2}`, `has ${r.length} fields; the header has ${header.length}`);
    }
  });
  const indexOpt = options.index === undefined ? 0 : options.index;
  let indexCol = -1;
  if (typeof indexOpt === "number") indexCol = indexOpt;
  else if (typeof indexOpt === "string") indexCol = header.indexOf(indexOpt);
  if (indexOpt !== null && (indexCol < 0 || indexCol >= header.length)) {
    throw new InputError(path, `index column ${JSON.stringify(indexOpt)} not found in header`);
  }
  const index = indexCol >= 0 ? body.map((r) => r[indexCol]) : body.map((_, i) => String(i));
  const columns = new Map<string, Column>();
  header.forEach((name, j) => {
    if (j === indexCol) return;
    const values = body.map((r) => r[j]);
    columns.set(name, inferColumn(values));
  });
  return new DataFrame(index, columns);
}

function inferColumn(values: string[]): Column {
  const nums = new Float64Array(values.length);
  let numeric = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i].trim();
    if (v === "" || v === "NA" || v === "NaN" || v === "nan") {
      nums[i] = Number.NaN;
      continue;
    }
    const x = Number(v);
    if (Number.isNaN(x)) {
      numeric = false;
      break;
    }
    nums[i] = x;
  }
  return numeric ? { kind: "numeric", values: nums } : { kind: "string", values };
}

/** Splits text into rows of fields, honouring double quotes ("" escapes a quote inside quotes). */
export function parseDelimited(text: string, sep: string, name = "text"): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === sep) {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      line++;
    } else field += ch;
  }
  if (quoted) throw new InputError(`${name}:line ${line}`, "unterminated quoted field");
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
