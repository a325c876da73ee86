/**
 * `node:path` for the browser bundle: the POSIX functions diffcell uses, on the in-memory file system
 * whose working directory is "/".
 */
export const sep = "/";
export const delimiter = ":";

/** Resolves `.` and `..` segments and repeated slashes; keeps a leading "/" and a trailing one. */
export function normalize(path: string): string {
  if (path === "") return ".";
  const absolute = path.startsWith("/");
  const trailing = path.endsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else out.push(part);
  }
  let result = out.join("/");
  if (absolute) result = `/${result}`;
  if (trailing && result !== "/" && result !== "") result += "/";
  return result || (absolute ? "/" : trailing ? "./" : ".");
}

export function isAbsolute(path: string): boolean {
  return path.startsWith("/");
}

export function join(...parts: string[]): string {
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

/** The working directory is the root of the in-memory file system. */
export function resolve(...parts: string[]): string {
  let path = "";
  for (let i = parts.length - 1; i >= 0 && !path.startsWith("/"); i--) {
    if (parts[i] !== "") path = path ? `${parts[i]}/${path}` : parts[i];
  }
  const result = normalize(`/${path}`);
  return result.length > 1 && result.endsWith("/") ? result.slice(0, -1) : result;
}

function trimTrailing(path: string): string {
  let end = path.length;
  while (end > 1 && path[end - 1] === "/") end--;
  return path.slice(0, end);
}

export function dirname(path: string): string {
  if (path === "") return ".";
  const p = trimTrailing(path);
  const i = p.lastIndexOf("/");
  if (i < 0) return ".";
  if (i === 0) return "/";
  return trimTrailing(p.slice(0, i));
}

export function basename(path: string, ext?: string): string {
  const p = trimTrailing(path);
  const base = p === "/" ? "" : p.slice(p.lastIndexOf("/") + 1);
  return ext && base.endsWith(ext) && base !== ext ? base.slice(0, -ext.length) : base;
}

export function extname(path: string): string {
  const base = basename(path);
  const dot = base.lastIndexOf(".");
  return dot <= 0 ? "" : base.slice(dot);
}

export function relative(from: string, to: string): string {
  const a = resolve(from).split("/").filter(Boolean);
  const b = resolve(to).split("/").filter(Boolean);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return [...a.slice(i).map(() => ".."), ...b.slice(i)].join("/");
}

const path = { sep, delimiter, normalize, isAbsolute, join, resolve, dirname, basename, extname, relative };
export const posix = path;
export default path;
