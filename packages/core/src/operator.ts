/**
 * The interface every diffcell step shares (DiffBio's operator convention):
 * `op.apply(data, state, metadata) → [data, state, metadata]`.
 *
 * `data` is a plain object of named arrays (tensors, and for labels plain arrays); an operator returns its
 * outputs merged with the inputs it was given, so operators chain. `state` carries per-call mutable
 * information (e.g. running statistics, convergence traces); `metadata` is free-form and passed through.
 */
export type Data = Record<string, unknown>;
export type State = Record<string, unknown>;
export type Metadata = Record<string, unknown> | null;

export interface Operator<In extends Data = Data, Out extends Data = Data> {
  apply(data: In, state?: State, metadata?: Metadata): [In & Out, State, Metadata];
}
