import h5wasm from "h5wasm/node";
const Module = await h5wasm.ready;
const n = 100000, g = 2000;
const rss = () => (process.memoryUsage().rss / 2 ** 30).toFixed(2);
const heap = () => (Module.HEAPU8.length / 2 ** 30).toFixed(2);
const data = new Float32Array(n * g).fill(1.5);
console.log("start rss", rss(), "heap", heap());
const mode = process.argv[2];
const f = new h5wasm.File("/tmp/w2.h5", "w");
const t0 = performance.now();
if (mode === "full") {
  f.create_dataset({ name: "x", data, shape: [n, g], dtype: "<f" });
} else {
  const rows = Math.max(1, Math.floor((16 * 2 ** 20) / (g * 4)));
  const first = data.subarray(0, rows * g);
  const ds = f.create_dataset({ name: "x", data: first, shape: [rows, g], maxshape: [n, g], chunks: [rows, g], dtype: "<f" });
  ds.resize([n, g]);
  for (let r = rows; r < n; r += rows) {
    const e = Math.min(n, r + rows);
    ds.write_slice([[r, e], [0, g]], data.subarray(r * g, e * g));
  }
}
f.close();
console.log(mode, "rss", rss(), "heap", heap(), "s", ((performance.now() - t0) / 1000).toFixed(1));
