import { afterEach, describe, expect, it } from "vitest";
import { DiffcellError } from "../errors.js";
import {
  chunkStart,
  defineKernel,
  pooledBytes,
  releaseWorkerMemory,
  runChunks,
  SLOT_KEEP_BYTES,
  setThreadCount,
  sharedFloat64,
  threadCount,
  toShared,
  useThreads,
} from "./pool.js";

interface RowArgs {
  n: number;
  d: number;
  x: Float64Array;
  rowNorm: Float64Array;
  totals: Float64Array;
  failAt: number;
}

/** Chunk 0 waits (up to 5 s) for another chunk to start; every other chunk flags that it started, then throws. */
function handoffChunk(a: { flag: Int32Array }, chunk: number): void {
  if (chunk === 0) {
    Atomics.wait(a.flag, 0, 0, 5000);
    return;
  }
  Atomics.store(a.flag, 0, 1);
  Atomics.notify(a.flag, 0);
  throw new Error(`chunk ${chunk} refused`);
}
const HANDOFF = defineKernel("test.handoff", handoffChunk);

function weight(v: number): number {
  return Math.sqrt(v * v + 1e-3);
}

/** Per-row Σ weight(x) in place; per-chunk sum of those into totals[chunk]. */
function rowChunk(a: RowArgs, chunk: number, nChunks: number): void {
  const lo = chunkStart(chunk, a.n, nChunks);
  const hi = chunkStart(chunk + 1, a.n, nChunks);
  let total = 0;
  for (let i = lo; i < hi; i++) {
    if (i === a.failAt) throw new Error(`row ${i} refused`);
    let s = 0;
    for (let f = 0; f < a.d; f++) s += weight(a.x[i * a.d + f]);
    a.rowNorm[i] = s;
    total += s;
  }
  a.totals[chunk] = total;
}

const KERNEL = defineKernel("test.rowChunk", rowChunk, [chunkStart, weight]);

function args(n: number, d: number, failAt = -1): RowArgs {
  const x = sharedFloat64(n * d);
  for (let k = 0; k < x.length; k++) x[k] = Math.sin(k * 0.37) * 3;
  return { n, d, x, rowNorm: sharedFloat64(n), totals: sharedFloat64(16), failAt };
}

describe("chunkStart", () => {
  it("cuts 10 rows into 4 chunks as ⌊c·10/4⌋: 0, 2, 5, 7, 10", () => {
    expect([0, 1, 2, 3, 4].map((c) => chunkStart(c, 10, 4))).toEqual([0, 2, 5, 7, 10]);
    expect([0, 1, 2, 3].map((c) => chunkStart(c, 2, 3))).toEqual([0, 0, 1, 2]);
  });
});

describe("worker pool", () => {
  const initial = threadCount();
  afterEach(() => setThreadCount(initial));

  it("gives bit-identical results on one and on two threads, equal to a plain loop", () => {
    const one = args(501, 40);
    setThreadCount(1);
    runChunks(KERNEL, one as never, 16, true);
    const two = args(501, 40);
    setThreadCount(2);
    expect(useThreads(16, 501 * 40, 1000)).toBe(true);
    runChunks(KERNEL, two as never, 16, true);
    expect(Array.from(two.rowNorm)).toEqual(Array.from(one.rowNorm));
    expect(Array.from(two.totals)).toEqual(Array.from(one.totals));
    for (let i = 0; i < 501; i++) {
      let s = 0;
      for (let f = 0; f < 40; f++) s += Math.sqrt(one.x[i * 40 + f] ** 2 + 1e-3);
      expect(one.rowNorm[i]).toBe(s);
    }
  });

  it("releaseWorkerMemory lets a worker collect its garbage, and the pool works on after it", () => {
    setThreadCount(2);
    const before = args(501, 40);
    runChunks(KERNEL, before as never, 16, true);
    releaseWorkerMemory();
    releaseWorkerMemory(); // again: the worker's gc is set up once
    const after = args(501, 40);
    runChunks(KERNEL, after as never, 16, true);
    expect(Array.from(after.rowNorm)).toEqual(Array.from(before.rowNorm));
    setThreadCount(1);
    releaseWorkerMemory(); // no workers: nothing to do
  });

  it("reports an error thrown in a worker as a DiffcellError naming the kernel, and keeps working", () => {
    setThreadCount(2);
    // The caller takes chunk 0 (the worker starts only once the task reaches it) and waits there until chunk 1
    // has started: chunk 1 runs on the worker, and throws.
    const handoff = () => ({ flag: toShared(new Int32Array(1)) });
    expect(() => runChunks(HANDOFF, handoff() as never, 2, true)).toThrow(DiffcellError);
    expect(() => runChunks(HANDOFF, handoff() as never, 2, true)).toThrow(/test\.handoff.*chunk 1 refused/s);
    // A failing row chunk, wherever it runs, fails the call with its message.
    expect(() => runChunks(KERNEL, args(501, 4, 40) as never, 16, true)).toThrow(/row 40 refused/);
    const ok = args(501, 4);
    runChunks(KERNEL, ok as never, 16, true);
    expect(ok.rowNorm.every((v) => v > 0)).toBe(true);
  });

  it("runs ordinary arrays through pooled shared buffers: outputs come back, repeated calls allocate none", () => {
    setThreadCount(2);
    const plain = () => {
      const a = args(301, 8);
      return { ...a, x: Float64Array.from(a.x), rowNorm: new Float64Array(301), totals: new Float64Array(16) };
    };
    const reference = args(301, 8);
    runChunks(KERNEL, reference as never, 16, true);
    const first = plain();
    runChunks(KERNEL, first as never, 16, true, ["rowNorm", "totals"]);
    expect(Array.from(first.rowNorm)).toEqual(Array.from(reference.rowNorm));
    expect(Array.from(first.totals)).toEqual(Array.from(reference.totals));
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 50; i++) runChunks(KERNEL, plain() as never, 16, true, ["rowNorm", "totals"]);
    // 50 calls' fresh inputs (≈ 22 kB each) are ordinary garbage; no shared copy per call stays behind.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(4 * 1024 * 1024);
    const shared = toShared(new Float64Array([1, 2]));
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(shared)).toEqual([1, 2]);
  });

  it("lets go of pooled buffers above SLOT_KEEP_BYTES after the call (full-data passes), keeps smaller ones", () => {
    setThreadCount(2);
    const d = 8;
    const n = Math.ceil(SLOT_KEEP_BYTES / (8 * d)) + 1000; // x just above the limit
    const big = args(n, d);
    const reference = { ...big, rowNorm: sharedFloat64(n), totals: sharedFloat64(16) };
    runChunks(KERNEL, reference as never, 16, true);
    const small = () => {
      const a = args(301, d);
      return { ...a, x: Float64Array.from(a.x), rowNorm: new Float64Array(301), totals: new Float64Array(16) };
    };
    runChunks(KERNEL, small() as never, 16, true, ["rowNorm", "totals"]);
    const kept = pooledBytes();
    expect(kept).toBeGreaterThan(0);
    // x (above the limit) goes through the pool; rowNorm is shared already (4 MB, it would stay pooled).
    const plain = { ...big, x: Float64Array.from(big.x), rowNorm: sharedFloat64(n), totals: new Float64Array(16) };
    runChunks(KERNEL, plain as never, 16, true, ["rowNorm", "totals"]);
    // The outputs came back, and the pool holds no more than before the large call: x's slot, grown past the
    // limit, went (with the small call's x it replaced).
    expect(Array.from(plain.totals)).toEqual(Array.from(reference.totals));
    expect(plain.rowNorm[n - 1]).toBe(reference.rowNorm[n - 1]);
    expect(pooledBytes()).toBeLessThanOrEqual(kept);
    runChunks(KERNEL, small() as never, 16, true, ["rowNorm", "totals"]);
    expect(pooledBytes()).toBe(kept);
  });
});
