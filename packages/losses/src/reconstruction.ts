import { ShapeError, tf } from "@diffcell/core";

/** Mean squared error between projected (or predicted) and observed values: mean((projected − observed)²). */
export function reconstructionLoss(projected: tf.Tensor, observed: tf.Tensor): tf.Scalar {
  if (projected.shape.join(",") !== observed.shape.join(",")) {
    throw new ShapeError("projected", `the shape of observed [${observed.shape}]`, projected.shape);
  }
  return tf.tidy(() => tf.mean(tf.squaredDifference(projected, observed)) as tf.Scalar);
}
