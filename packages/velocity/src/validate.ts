/**
 * The public `trainVelocity`: every argument checked before any work (the model, float32 matrices of the
 * model's width, counts finite, ≥ 0 and ≤ 1e12 — a 1e30 entry would overflow float32 training into an
 * all-NaN model —, the options' ranges), then the training itself (training.ts).
 */
import { ConfigError, checkMatrix, checkTensorValues, checkValues, InputError, MAX_COUNT } from "@diffcell/core";
import {
  type TrainingHistory,
  trainVelocity as train,
  trainVelocityAsync as trainAsync,
  type VelocityTrainingOptions,
} from "./training.js";
import { DifferentiableVelocity, type VelocityInput } from "./velocity.js";

/**
 * Trains `op` on `data` (see training.ts for the schedule). Throws a typed error naming the argument,
 * the row and column and the expectation when an input is unusable.
 */
export function trainVelocity(
  op: DifferentiableVelocity,
  data: VelocityInput,
  options: VelocityTrainingOptions = {},
): TrainingHistory {
  validateTraining(op, data, options);
  return train(op, data, options);
}

/** {@link trainVelocity} yielding to the event loop after every epoch, stopped by `signal` (training.ts). */
export function trainVelocityAsync(
  op: DifferentiableVelocity,
  data: VelocityInput,
  options: VelocityTrainingOptions & { signal?: AbortSignal } = {},
): Promise<TrainingHistory> {
  validateTraining(op, data, options);
  return trainAsync(op, data, options);
}

export function validateTraining(op: unknown, data: VelocityInput, options: VelocityTrainingOptions): void {
  if (!(op instanceof DifferentiableVelocity))
    throw new InputError("op", "expected a DifferentiableVelocity (new DifferentiableVelocity(config))");
  const g = op.config.nGenes;
  if (!data || typeof data !== "object") throw new InputError("data", "expected { spliced, unspliced } tensors");
  checkMatrix("spliced", data.spliced, { cols: g });
  const n = data.spliced.shape[0];
  checkMatrix("unspliced", data.unspliced, { rows: n, cols: g });
  if (n < 2) throw new InputError("spliced", `has ${n} cell(s); training needs at least 2`);
  for (const [name, x] of [
    ["spliced", data.spliced],
    ["unspliced", data.unspliced],
  ] as const)
    checkTensorValues(name, x, { nonNegative: true, maxAbs: MAX_COUNT });
  const o = options;
  const int = (field: string, value: number | undefined, min: number) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min))
      throw new ConfigError("trainVelocity", field, `an integer ≥ ${min}`, value);
  };
  int("epochs", o.epochs, 0);
  int("batchSize", o.batchSize, 1);
  int("seed", o.seed, 0);
  if (o.learningRate !== undefined && !(Number.isFinite(o.learningRate) && o.learningRate > 0))
    throw new ConfigError("trainVelocity", "learningRate", "a finite number > 0", o.learningRate);
  if (o.neighbors !== undefined) {
    if (o.neighbors.length === 0 || o.neighbors.length % n !== 0)
      throw new InputError("neighbors", `has ${o.neighbors.length} entries; expected N × k with N = ${n} cells`);
    const k = o.neighbors.length / n;
    for (let p = 0; p < o.neighbors.length; p++) {
      const j = o.neighbors[p];
      if (!(Number.isInteger(j) && j >= 0 && j < n))
        throw new InputError(
          "neighbors",
          `value ${j} at row ${Math.floor(p / k)}, column ${p % k}; expected a cell index in [0, ${n})`,
          p,
        );
    }
  }
  if (o.initialTime !== undefined) {
    if (o.initialTime.length !== n)
      throw new InputError("initialTime", `has ${o.initialTime.length} values; expected one per cell (${n})`);
    checkValues("initialTime", o.initialTime);
  }
}
