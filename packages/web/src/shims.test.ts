/**
 * The browser shims against Node's own modules as the reference: the same inputs through `node:path`
 * (posix), `node:util`'s parseArgs and `node:zlib` must give the same outputs; the fs shim round-trips
 * through h5wasm's in-memory file system (h5wasm's ESM build also runs in Node).
 */
import { posix } from "node:path";
import { parseArgs as nodeParseArgs } from "node:util";
import { deflateSync as nodeDeflate, deflateRawSync as nodeDeflateRaw, gzipSync as nodeGzip } from "node:zlib";
import h5wasm from "h5wasm";
import { describe, expect, it } from "vitest";
import * as fs from "./shims/fs.js";
import * as path from "./shims/path.js";
import { parseArgs } from "./shims/util.js";
import * as zlib from "./shims/zlib.js";

describe("path shim", () => {
  const paths = [
    "",
    ".",
    "/",
    "a",
    "a/",
    "/a/b/c.h5ad",
    "a//b/../c/./d",
    "../x/y",
    "/../a",
    "/out/r.html",
    "x.tar.gz",
    ".hidden",
    "a/b/",
  ];
  it("normalize, dirname, basename, extname, isAbsolute as node:path.posix", () => {
    for (const p of paths) {
      expect(path.normalize(p), p).toBe(posix.normalize(p));
      expect(path.dirname(p), p).toBe(posix.dirname(p));
      expect(path.basename(p), p).toBe(posix.basename(p));
      expect(path.extname(p), p).toBe(posix.extname(p));
      expect(path.isAbsolute(p), p).toBe(posix.isAbsolute(p));
    }
    expect(path.basename("/a/report.html", ".html")).toBe(posix.basename("/a/report.html", ".html"));
  });
  it("join, resolve (cwd /), relative as node:path.posix", () => {
    const pairs: Array<[string, string]> = [
      ["a", "b"],
      ["/a", "../b"],
      ["/out", "x.h5ad"],
      ["a/", "/b"],
      ["", ""],
      ["/", "a/./b/"],
    ];
    for (const [a, b] of pairs) {
      expect(path.join(a, b), `${a} + ${b}`).toBe(posix.join(a, b));
      expect(path.resolve("/", a, b), `${a} + ${b}`).toBe(posix.resolve("/", a, b));
    }
    expect(path.resolve("/out/result.h5ad")).toBe("/out/result.h5ad");
    expect(path.resolve("in/x.h5ad")).toBe("/in/x.h5ad");
    expect(path.relative("/a/b/c", "/a/d")).toBe(posix.relative("/a/b/c", "/a/d"));
  });
});

describe("parseArgs shim", () => {
  const options = {
    help: { type: "boolean" as const, short: "h" },
    input: { type: "string" as const, short: "i" },
    json: { type: "boolean" as const },
    seed: { type: "string" as const },
  };
  it("parses as node:util parseArgs", () => {
    for (const args of [
      ["-i", "/in/x.h5ad", "--json", "--seed", "3"],
      ["--input=/in/a b.loom", "-h"],
      ["-i/in/y.h5ad"],
      [],
    ]) {
      const ours = parseArgs({ args, options, strict: true, allowPositionals: false });
      const node = nodeParseArgs({ args, options, strict: true, allowPositionals: false });
      expect({ ...ours.values }, args.join(" ")).toEqual({ ...node.values });
      expect(ours.positionals).toEqual(node.positionals);
    }
  });
  it("rejects what node:util rejects", () => {
    for (const args of [["--nope"], ["--seed"], ["positional"], ["-x"], ["--json=1"]]) {
      expect(() => nodeParseArgs({ args, options, strict: true, allowPositionals: false }), args.join(" ")).toThrow();
      expect(() => parseArgs({ args, options, strict: true, allowPositionals: false }), args.join(" ")).toThrow(
        TypeError,
      );
    }
    expect(() => parseArgs({ args: ["--nope"], options })).toThrow("Unknown option '--nope'");
  });
});

describe("zlib shim", () => {
  const text = new TextEncoder().encode("%%MatrixMarket matrix coordinate integer general\n".repeat(500));
  it("inflates what node:zlib deflates (gzip with two members, zlib, raw)", () => {
    const twoMembers = Buffer.concat([nodeGzip(text.subarray(0, 1000)), nodeGzip(text.subarray(1000))]);
    expect(Buffer.from(zlib.gunzipSync(twoMembers)).equals(Buffer.from(text))).toBe(true);
    expect(Buffer.from(zlib.inflateSync(nodeDeflate(text))).equals(Buffer.from(text))).toBe(true);
    expect(Buffer.from(zlib.inflateRawSync(nodeDeflateRaw(text))).equals(Buffer.from(text))).toBe(true);
  });
});

describe("fs shim on h5wasm's in-memory file system", () => {
  it("writes, reads, seeks, renames and removes", async () => {
    await h5wasm.ready;
    fs.mkdirSync("/t/sub", { recursive: true });
    fs.writeFileSync("/t/sub/a.txt", "hello world");
    expect(fs.existsSync("/t/sub/a.txt")).toBe(true);
    expect(fs.statSync("/t/sub/a.txt").size).toBe(11);
    expect(fs.statSync("/t/sub").isDirectory()).toBe(true);
    expect(fs.readFileSync(new URL("http://host/t/sub/a.txt"), "utf8")).toBe("hello world");
    const fd = fs.openSync("/t/sub/a.txt", "r+");
    fs.writeSync(fd, Buffer.from("W"), 0, 1, 6);
    const buf = Buffer.alloc(5);
    expect(fs.readSync(fd, buf, 0, 5, 6)).toBe(5);
    expect(buf.toString()).toBe("World");
    expect(fs.fstatSync(fd).size).toBe(11);
    fs.closeSync(fd);
    fs.renameSync("/t/sub/a.txt", "/t/sub/b.txt");
    expect(fs.readdirSync("/t/sub")).toEqual(["b.txt"]);
    expect(() => fs.statSync("/t/sub/a.txt")).toThrow(expect.objectContaining({ code: "ENOENT" }));
    fs.rmSync("/t", { recursive: true });
    expect(fs.existsSync("/t")).toBe(false);
  });
});
