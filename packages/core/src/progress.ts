/** Progress of long work: the library calls this; the CLI draws a bar from it. */
export interface ProgressEvent {
  /** Short stage name, e.g. `"train"`, `"harmony"`, `"knn"`. */
  stage: string;
  done: number;
  total: number;
  message?: string;
}

export type ProgressCallback = (event: ProgressEvent) => void;

/** Calls `callback` if given; never throws out of a user callback silently swallowing our own errors. */
export function report(callback: ProgressCallback | undefined, event: ProgressEvent): void {
  if (callback) callback(event);
}
