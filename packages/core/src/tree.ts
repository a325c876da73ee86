import { tf } from "./tf.js";

/** A nested object (or array) whose leaves are tensors, e.g. gradients mirroring a module. */
export type TensorTree = tf.Tensor | TensorTree[] | { [key: string]: TensorTree };

/** Leaves of a tree with their dotted paths (`"timeEncoder.linear1.kernel"`), in insertion order. */
export function flattenTree(tree: TensorTree, prefix = ""): Array<[string, tf.Tensor]> {
  if (tree instanceof tf.Tensor) return [[prefix, tree]];
  const out: Array<[string, tf.Tensor]> = [];
  const entries = Array.isArray(tree) ? tree.map((v, i) => [String(i), v] as const) : Object.entries(tree);
  for (const [key, value] of entries) {
    if (value == null) continue;
    out.push(...flattenTree(value, prefix ? `${prefix}.${key}` : key));
  }
  return out;
}

/** Builds a nested tree from dotted paths. Numeric path parts become object keys (not arrays). */
export function unflattenTree(entries: Iterable<[string, tf.Tensor]>): { [key: string]: TensorTree } {
  const root: { [key: string]: TensorTree } = {};
  for (const [path, tensor] of entries) {
    const parts = path.split(".");
    let node = root as Record<string, TensorTree>;
    for (let i = 0; i < parts.length - 1; i++) {
      node[parts[i]] ??= {};
      node = node[parts[i]] as Record<string, TensorTree>;
    }
    node[parts[parts.length - 1]] = tensor;
  }
  return root;
}

/** Same structure, each leaf mapped (inside the caller's tidy scope, if any). */
export function mapTree<T extends TensorTree>(tree: T, fn: (leaf: tf.Tensor, path: string) => tf.Tensor): T {
  const walk = (node: TensorTree, path: string): TensorTree => {
    if (node instanceof tf.Tensor) return fn(node, path);
    if (Array.isArray(node)) return node.map((v, i) => walk(v, path ? `${path}.${i}` : String(i)));
    const out: Record<string, TensorTree> = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v, path ? `${path}.${k}` : k);
    return out;
  };
  return walk(tree, "") as T;
}

/** Disposes every tensor leaf. */
export function disposeTree(tree: TensorTree | null | undefined): void {
  if (tree == null) return;
  for (const [, t] of flattenTree(tree)) t.dispose();
}

/** √(Σ‖leaf‖²) over all leaves, as a number. */
export function globalNorm(tree: TensorTree): number {
  return tf.tidy(() => {
    const leaves = flattenTree(tree).map(([, t]) => tf.sum(tf.square(t)));
    if (leaves.length === 0) return 0;
    return Math.sqrt(tf.addN(leaves).dataSync()[0]);
  });
}

/** L2 norm of each leaf, keyed by path (useful for printing gradient trees). */
export function leafNorms(tree: TensorTree): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [path, t] of flattenTree(tree)) {
    out[path] = tf.tidy(() => Math.sqrt(tf.sum(tf.square(t)).dataSync()[0]));
  }
  return out;
}
