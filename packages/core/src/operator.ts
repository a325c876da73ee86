/**
 * The interface every diffcell step shares (DiffBio's operator convention):
 * `op.apply(data, state, metadata) → [data, state, metadata]`.
 *
 * `data` is a plain object of named arrays (tensors, and for labels plain arrays); an operator returns its
 * outputs merged with the inputs it was given, so operators chain. `state` carries per-call mutable
 * information (e.g. running statistics, convergence traces); `metadata` is free-form and passed through.
 *
 * Inputs and outputs are declared as exact object types (no index signature), so a chain built with
 * `Sequential.from(a).then(b)` is type-checked: `b` may only ask for what `a` received or produced.
 */
export type Data = Record<string, unknown>;
export type State = Record<string, unknown>;
export type Metadata = Record<string, unknown> | null;

export interface Operator<In extends object = Data, Out extends object = Data> {
  apply(data: In, state?: State, metadata?: Metadata): [In & Out, State, Metadata];
}
