/**
 * A tiny static file server for dist/ (no dependencies): `tsx scripts/serve.ts [dir] [port]`, or
 * `serveStatic(dir, port)` from a test (port 0 = a free one). Only files under `dir` are served.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".ttf": "font/ttf",
  ".svg": "image/svg+xml",
  ".gz": "application/gzip",
  ".txt": "text/plain; charset=utf-8",
};

export async function serveStatic(dir: string, port = 0, host = "127.0.0.1"): Promise<{ url: string; server: Server }> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": statSync(file).size,
      "cache-control": "no-cache",
      // Cross-origin isolation: SharedArrayBuffer, hence core's kernels on several threads in the page.
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
    });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((done) => server.listen(port, host, done));
  const address = server.address() as AddressInfo;
  return { url: `http://${host}:${address.port}/`, server };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const here = fileURLToPath(new URL("..", import.meta.url));
  const dir = process.argv[2] ?? join(here, "dist");
  const port = Number(process.argv[3] ?? process.env.PORT ?? 8080);
  if (!existsSync(join(dir, "index.html"))) {
    console.error(`no ${join(dir, "index.html")}: build first (npm run build -w @diffcell/web)`);
    process.exit(1);
  }
  const { url } = await serveStatic(dir, port);
  console.log(`diffcell web: serving ${dir} at ${url} (Ctrl-C stops)`);
}
