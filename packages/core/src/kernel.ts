import { DiffcellError } from "./errors.js";
import { ensureTensorMemory } from "./memory.js";
import { tf } from "./tf.js";

/** Host-side float data: Float32Array when called from tfjs, Float64Array in gradient checks. */
export type HostArray = Float32Array | Float64Array;

/** A dense row-major array on the host. */
export interface HostTensor {
  data: HostArray;
  shape: readonly number[];
}

/**
 * Forward pass of a fused kernel: pure function of host arrays and attributes (integers, indices,
 * constants). It must allocate its outputs with {@link allocLike} so the same code runs in float32 (tfjs)
 * and float64 (gradient checks). `residuals` carry whatever the backward pass needs.
 */
export type KernelForward<A, R> = (inputs: readonly HostTensor[], attrs: A) => { outputs: HostTensor[]; residuals?: R };

/**
 * Backward pass: given the cotangent of every output, returns the cotangent of every input
 * (same length as the input's data).
 */
export type KernelBackward<A, R> = (context: {
  inputs: readonly HostTensor[];
  outputs: readonly HostTensor[];
  cotangents: readonly HostTensor[];
  residuals: R | undefined;
  attrs: A;
}) => HostArray[];

/** A tfjs op built from a fused kernel; also exposes the host functions for gradient checks. */
export interface FusedOp<A, R = unknown> {
  (inputs: readonly tf.Tensor[], attrs: A): tf.Tensor[];
  readonly kernelName: string;
  readonly forward: KernelForward<A, R>;
  readonly backward: KernelBackward<A, R>;
}

/**
 * Wraps a fused TypeScript kernel (loops over typed arrays, hand-derived backward) as a differentiable
 * tfjs op with `tf.customGrad` — the engine decision: tfjs for matmuls and autodiff, fused loops for hot
 * element-wise N×G work. Multiple outputs are packed into one tensor inside the custom gradient and
 * sliced apart outside it, so autodiff sees one node.
 */
export function customVjp<A, R = unknown>(
  forward: KernelForward<A, R>,
  backward: KernelBackward<A, R>,
  kernelName = "fusedKernel",
): FusedOp<A, R> {
  const op = (inputs: readonly tf.Tensor[], attrs: A): tf.Tensor[] => {
    let outputShapes: Array<readonly number[]> = [];
    const run = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const tensors = args.slice(0, inputs.length) as tf.Tensor[];
      const host = tensors.map((t) => toHost(t));
      const { outputs, residuals } = forward(host, attrs);
      outputShapes = outputs.map((o) => o.shape);
      const packed = pack(outputs);
      ensureTensorMemory(
        `${kernelName} outputs (${outputShapes.map((sh) => `[${sh}]`).join(", ")})`,
        4 * packed.length,
      );
      return {
        value: tf.tensor1d(packed, "float32"),
        gradFunc: (dy: tf.Tensor) => {
          const dyData = dy.dataSync() as Float32Array;
          const cotangents = unpack(dyData, outputs);
          const grads = backward({ inputs: host, outputs, cotangents, residuals, attrs });
          if (grads.length !== host.length) {
            throw new DiffcellError(
              `${kernelName}: backward returned ${grads.length} gradients for ${host.length} inputs`,
            );
          }
          ensureTensorMemory(`${kernelName} gradients`, 4 * grads.reduce((total, g) => total + g.length, 0));
          return grads.map((g, i) => tf.tensor(asFloat32(g), tensors[i].shape, "float32"));
        },
      };
    });
    const packedOut = run(...inputs);
    if (outputShapes.length === 1) {
      const out = tf.reshape(packedOut, outputShapes[0] as number[]);
      packedOut.dispose();
      return [out];
    }
    const results: tf.Tensor[] = [];
    let offset = 0;
    for (const shape of outputShapes) {
      const size = shape.reduce((a, b) => a * b, 1);
      results.push(tf.reshape(tf.slice(packedOut, [offset], [size]), shape as number[]));
      offset += size;
    }
    packedOut.dispose();
    return results;
  };
  return Object.assign(op, { kernelName, forward, backward });
}

/** A zeroed array of the same float type as `like`. */
export function allocLike(like: HostArray, length: number): HostArray {
  return like instanceof Float64Array ? new Float64Array(length) : new Float32Array(length);
}

/** Reads a tensor into a host array (one copy). */
export function toHost(t: tf.Tensor): HostTensor {
  if (t.dtype !== "float32") throw new DiffcellError(`fused kernels take float32 tensors, got ${t.dtype}`);
  return { data: t.dataSync() as Float32Array, shape: t.shape };
}

function pack(outputs: readonly HostTensor[]): Float32Array {
  if (outputs.length === 1) return asFloat32(outputs[0].data);
  const total = outputs.reduce((n, o) => n + o.data.length, 0);
  const packed = new Float32Array(total);
  let offset = 0;
  for (const o of outputs) {
    packed.set(o.data, offset);
    offset += o.data.length;
  }
  return packed;
}

function unpack(flat: Float32Array, like: readonly HostTensor[]): HostTensor[] {
  const out: HostTensor[] = [];
  let offset = 0;
  for (const o of like) {
    out.push({ data: flat.subarray(offset, offset + o.data.length), shape: o.shape });
    offset += o.data.length;
  }
  return out;
}

function asFloat32(a: HostArray): Float32Array {
  return a instanceof Float32Array ? a : Float32Array.from(a);
}
