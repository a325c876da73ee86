import { InputError, tf } from "@diffcell/core";

/**
 * One named, weighted term of a joint objective. A new loss is one object like this (a name, a weight and a
 * function of the composition's data) added to the pipeline's `lossTerms`.
 */
export interface LossTerm<D> {
  name: string;
  weight: number;
  /** The term's value on the composition's output (inside the caller's tape and tidy). */
  value: (data: D) => tf.Scalar;
}

/** Σ weight·value over the terms with a non-zero weight, and every term's value (for logging) by name. */
export function jointObjective<D>(terms: ReadonlyArray<LossTerm<D>>, data: D): [tf.Scalar, Record<string, tf.Scalar>] {
  const values: Record<string, tf.Scalar> = {};
  const weighted: tf.Scalar[] = [];
  for (const term of terms) {
    if (term.weight === 0) continue;
    const v = term.value(data);
    values[term.name] = v;
    weighted.push(term.weight === 1 ? v : (tf.mul(v, term.weight) as tf.Scalar));
  }
  if (weighted.length === 0) throw new InputError("lossTerms", "every term has weight 0; nothing to optimise");
  const total = (weighted.length === 1 ? tf.clone(weighted[0]) : tf.addN(weighted)) as tf.Scalar;
  return [total, values];
}
