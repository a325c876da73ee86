/**
 * The products X·Q and Xᵀ·P of a tall matrix X (n × g) held in two fixed row blocks, for the randomized
 * PCA's power iterations (docs/engine.md rule 6: tfjs turns wasm threads off in Node, so the backend's GEMM
 * uses one core). The second block lives on a worker thread with a wasm backend of its own when the calling
 * thread runs on wasm and the pool has a second thread; otherwise on the calling thread. Either way each block
 * runs the same wasm GEMM on the same rows, and Xᵀ·P adds the blocks' products in the same order, so results do
 * not depend on the thread count. Large matrices only ({@link SPLIT_MIN_ELEMENTS}): smaller ones keep one
 * block and the single-GEMM results they always had.
 */
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";
import { DiffcellError } from "../errors.js";
import { threadCount } from "../parallel/pool.js";
import { tf } from "../tf.js";

/** X of at least this many elements is split (33k cells × 2000 genes is 66 M; pancreas 7.4 M is not). */
export const SPLIT_MIN_ELEMENTS = 32_000_000;

/** Rows × cols row-major → its transpose, in tiles that stay in cache (self-contained: also shipped to the worker). */
export function transposeBlocked(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const tile = 64;
  for (let i0 = 0; i0 < rows; i0 += tile) {
    const i1 = Math.min(rows, i0 + tile);
    for (let j0 = 0; j0 < cols; j0 += tile) {
      const j1 = Math.min(cols, j0 + tile);
      for (let i = i0; i < i1; i++) for (let j = j0; j < j1; j++) out[j * rows + i] = a[i * cols + j];
    }
  }
  return out;
}

interface Block {
  readonly rows: number;
  /** Starts `X_b·q` (rows × l) or `X_bᵀ·p_b` (g × l); {@link finish} returns it. */
  start(op: "right" | "left", input: Float32Array, l: number): void;
  finish(): Float32Array;
  dispose(): void;
}

/** A block in this thread's tensors. */
class LocalBlock implements Block {
  private readonly x: tf.Tensor2D;
  private readonly xT: tf.Tensor2D;
  private result: Float32Array = new Float32Array(0);
  constructor(
    data: Float32Array,
    readonly rows: number,
    private readonly cols: number,
  ) {
    this.x = tf.tensor2d(data, [rows, cols]);
    // The transpose made on the host: the backend's transpose of 100k × 2000 took 4.8 s.
    this.xT = tf.tensor2d(transposeBlocked(data, rows, cols), [cols, rows]);
  }
  start(op: "right" | "left", input: Float32Array, l: number): void {
    const y = tf.tidy(() =>
      op === "right"
        ? tf.matMul(this.x, tf.tensor2d(input, [this.cols, l]))
        : tf.matMul(this.xT, tf.tensor2d(input, [this.rows, l])),
    );
    this.result = y.dataSync() as Float32Array;
    y.dispose();
  }
  finish(): Float32Array {
    return this.result;
  }
  dispose(): void {
    tf.dispose([this.x, this.xT]);
  }
}

const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { corePath, wasmPath, status, port } = workerData;
let tf = null;
let ready;
try {
  tf = require(corePath);
  require(wasmPath);
  ready = tf.setBackend("wasm").then((ok) => {
    if (!ok) throw new Error("the wasm backend failed to initialise");
    return tf.ready();
  });
} catch (error) {
  ready = Promise.reject(error);
}
ready.catch(() => {});
const transposeBlocked = ${transposeBlocked.toString()};
let x = null;
let xT = null;
let out = null;
port.on("message", async (task) => {
  try {
    await ready;
    if (task.op === "load") {
      x = tf.tensor2d(task.data, [task.rows, task.cols]);
      xT = tf.tensor2d(transposeBlocked(task.data, task.rows, task.cols), [task.cols, task.rows]);
      out = task.out;
    } else {
      const y = tf.tidy(() =>
        task.op === "right"
          ? tf.matMul(x, tf.tensor2d(task.input, [task.cols, task.l]))
          : tf.matMul(xT, tf.tensor2d(task.input, [task.rows, task.l])),
      );
      out.set(y.dataSync());
      y.dispose();
    }
    Atomics.store(status, 0, 1);
  } catch (error) {
    port.postMessage(error && error.stack ? error.stack : String(error));
    Atomics.store(status, 0, 2);
  }
  Atomics.notify(status, 0);
});
`;

/**
 * A block on a worker thread with its own wasm backend. Tasks run one at a time: each waits for the previous
 * one (the rows' upload included) before it is posted, and the caller blocks only there and in {@link finish}.
 */
class WorkerBlock implements Block {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly status = new Int32Array(new SharedArrayBuffer(4));
  private readonly out: Float32Array;
  private size = 0;
  private busy = false;
  constructor(
    data: Float32Array,
    readonly rows: number,
    private readonly cols: number,
    paths: { corePath: string; wasmPath: string },
    maxL: number,
  ) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { ...paths, status: this.status, port: port2 },
      transferList: [port2],
    });
    this.worker.unref();
    this.port.unref();
    this.out = new Float32Array(new SharedArrayBuffer(4 * Math.max(rows, cols) * maxL));
    // The rows move to the worker (transferred, not copied); it makes its tensors while this thread goes on.
    this.post({ op: "load", data, rows, cols, out: this.out }, [data.buffer as ArrayBuffer]);
  }
  private post(task: Record<string, unknown>, transfer: ArrayBuffer[] = []): void {
    if (this.busy) this.wait();
    Atomics.store(this.status, 0, 0);
    this.busy = true;
    this.port.postMessage(task, transfer);
  }
  private wait(): void {
    while (Atomics.load(this.status, 0) === 0) Atomics.wait(this.status, 0, 0, 1000);
    this.busy = false;
    if (Atomics.load(this.status, 0) === 2) {
      const reply = receiveMessageOnPort(this.port);
      throw new DiffcellError(
        `PCA's GEMM worker failed (DIFFCELL_THREADS=1 runs it on one thread): ${String(reply?.message ?? "unknown error")}`,
      );
    }
  }
  start(op: "right" | "left", input: Float32Array, l: number): void {
    this.post({ op, input, l, rows: this.rows, cols: this.cols });
    this.size = (op === "right" ? this.rows : this.cols) * l;
  }
  finish(): Float32Array {
    this.wait();
    return this.out.slice(0, this.size);
  }
  dispose(): void {
    this.port.close();
    void this.worker.terminate();
  }
}

/** Where the worker finds TensorFlow.js (Node only; undefined in a browser or on an old Node). */
function tfjsPaths(): { corePath: string; wasmPath: string } | undefined {
  const getBuiltin = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
  ).process?.getBuiltinModule?.bind(globalThis.process);
  const moduleApi = getBuiltin?.("node:module") as
    | { createRequire(from: string): { resolve(id: string): string } }
    | undefined;
  if (!moduleApi) return undefined;
  try {
    const require = moduleApi.createRequire(import.meta.url);
    return {
      corePath: require.resolve("@tensorflow/tfjs-core"),
      wasmPath: require.resolve("@tensorflow/tfjs-backend-wasm"),
    };
  } catch {
    return undefined;
  }
}

/** X (n × g, row-major) in row blocks: see the module comment. */
export class RowBlockProducts {
  private readonly blocks: Block[];
  /** True when the second block runs on a worker thread. */
  readonly threaded: boolean;

  /**
   * `x` is not modified; with a worker, its second block is copied into a buffer that moves there. `maxL` bounds
   * the columns of later products; X is split when it has at least `splitMinElements` elements.
   */
  constructor(
    x: Float32Array,
    readonly n: number,
    readonly g: number,
    maxL: number,
    splitMinElements = SPLIT_MIN_ELEMENTS,
  ) {
    const split = n * g >= splitMinElements && n >= 2;
    const cut = split ? Math.floor(n / 2) : n;
    const paths = split && threadCount() > 1 && tf.getBackend() === "wasm" ? tfjsPaths() : undefined;
    const second = split ? x.slice(cut * g) : undefined;
    this.threaded = paths !== undefined;
    // The worker's block first: it sets up while this thread makes its own.
    const other = second && (paths ? new WorkerBlock(second, n - cut, g, paths, maxL) : undefined);
    this.blocks = [];
    try {
      this.blocks.push(new LocalBlock(split ? x.subarray(0, cut * g) : x, cut, g));
      if (second) this.blocks.push(other ?? new LocalBlock(second, n - cut, g));
    } catch (error) {
      other?.dispose();
      for (const b of this.blocks) b.dispose();
      throw error;
    }
  }

  /** X·Q for Q (g × l, row-major): n × l. */
  right(q: Float32Array, l: number): Float32Array {
    for (const b of this.later()) b.start("right", q, l);
    this.blocks[0].start("right", q, l);
    const out = new Float32Array(this.n * l);
    let offset = 0;
    for (const b of this.blocks) {
      out.set(b.finish(), offset);
      offset += b.rows * l;
    }
    return out;
  }

  /** Xᵀ·P for P (n × l, row-major): g × l, the blocks' products added in block order. */
  left(p: Float32Array, l: number): Float32Array {
    let offset = this.blocks[0].rows * l;
    for (const b of this.later()) {
      // A copy of the block's rows only (posting a view to a worker copies its whole buffer).
      b.start("left", p.slice(offset, offset + b.rows * l), l);
      offset += b.rows * l;
    }
    this.blocks[0].start("left", p.subarray(0, this.blocks[0].rows * l), l);
    const out = Float32Array.from(this.blocks[0].finish());
    for (const b of this.later()) {
      const part = b.finish();
      for (let i = 0; i < out.length; i++) out[i] += part[i];
    }
    return out;
  }

  dispose(): void {
    for (const b of this.blocks) b.dispose();
  }

  /** Blocks after the first, started before it so a worker's runs alongside. */
  private later(): Block[] {
    return this.blocks.slice(1);
  }
}
