import { InputError, ShapeError, tf } from "@diffcell/core";

/** A host matrix in any of the forms users hold embeddings in. */
export type EmbeddingsLike =
  | tf.Tensor2D
  | { data: ArrayLike<number>; rows: number; cols: number }
  | ReadonlyArray<ArrayLike<number>>;

/**
 * Reads embeddings into float64 (row-major) and checks them: 2-D, the expected width, finite, and (unless
 * allowed, as for metrics) no all-zero row: cosine normalisation would divide by zero. Errors name the row.
 */
export function readEmbeddings(
  x: EmbeddingsLike,
  expectedCols?: number,
  options: { allowZeroRows?: boolean } = {},
): { data: Float64Array; rows: number; cols: number } {
  let rows: number;
  let cols: number;
  let data: Float64Array;
  const expected = `[N, ${expectedCols ?? "F"}]`;
  if (x instanceof tf.Tensor) {
    if (x.rank !== 2) throw new ShapeError("embeddings", expected, x.shape);
    [rows, cols] = x.shape;
    data = Float64Array.from(x.dataSync() as Float32Array);
  } else if (Array.isArray(x)) {
    rows = x.length;
    cols = rows > 0 ? (x[0] as ArrayLike<number>).length : 0;
    data = new Float64Array(rows * cols);
    (x as ReadonlyArray<ArrayLike<number>>).forEach((row, i) => {
      if (row.length !== cols)
        throw new ShapeError(`embeddings[${i}]`, `${cols} values (as row 0)`, `${row.length} values`);
      for (let j = 0; j < cols; j++) data[i * cols + j] = row[j];
    });
  } else if (x && typeof x === "object" && "data" in x && "rows" in x && "cols" in x) {
    ({ rows, cols } = x);
    if (x.data.length !== rows * cols) {
      throw new ShapeError("embeddings", `${rows} × ${cols} = ${rows * cols} values`, `${x.data.length} values`);
    }
    data = Float64Array.from(x.data);
  } else {
    throw new ShapeError(
      "embeddings",
      `${expected} tensor or matrix`,
      x === undefined ? "nothing (missing)" : typeof x,
    );
  }
  if (expectedCols !== undefined && cols !== expectedCols) throw new ShapeError("embeddings", expected, [rows, cols]);
  if (rows < 2) throw new ShapeError("embeddings", "at least 2 cells (rows)", [rows, cols]);
  if (cols < 1) throw new ShapeError("embeddings", "at least 1 feature (column)", [rows, cols]);
  checkRows(data, rows, cols, options.allowZeroRows ?? false);
  return { data, rows, cols };
}

function checkRows(data: Float64Array, rows: number, cols: number, allowZeroRows: boolean): void {
  for (let i = 0; i < rows; i++) {
    let norm = 0;
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j];
      if (!Number.isFinite(v)) {
        throw new InputError("embeddings", `row ${i} (cell ${i}) has a non-finite value ${v} at column ${j}`, i);
      }
      norm += v * v;
    }
    if (norm === 0 && !allowZeroRows) {
      throw new InputError(
        "embeddings",
        `row ${i} (cell ${i}) is all zeros; cosine normalisation needs a non-zero row`,
        i,
      );
    }
  }
}
