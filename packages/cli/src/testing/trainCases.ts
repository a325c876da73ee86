/** Corpus cases for trainVelocity and DifferentiableVelocity (see corpus.ts). */
import { tf } from "@diffcell/core";
import { DifferentiableVelocity, trainVelocity, VelocityConfig } from "@diffcell/velocity";
import { BAD_VALUES, type CorpusCase, capture, shown, spell } from "./corpus.js";
import { N_CELLS, N_GENES, withValue } from "./fixtures.js";

function trainCase(
  name: string,
  make: () => { spliced: tf.Tensor2D; unspliced: tf.Tensor2D },
  options: Parameters<typeof trainVelocity>[2],
  error: string,
  message: RegExp[],
  nGenes = N_GENES,
): CorpusCase {
  return {
    name: `trainVelocity: ${name}`,
    kind: "library",
    inputs: () => [],
    run: async () => {
      const data = make();
      const model = new DifferentiableVelocity(new VelocityConfig({ nGenes }));
      try {
        return await capture(() => trainVelocity(model, data, options));
      } finally {
        model.dispose();
        tf.dispose([data.spliced, data.unspliced]);
      }
    },
    expect: { error, message },
  };
}

const f32 = (x: Float64Array, rows = N_CELLS, cols = N_GENES) => tf.tensor2d(Float32Array.from(x), [rows, cols]);
const goodTensors = () => ({
  spliced: f32(withValue("spliced", 0, 0, 1)),
  unspliced: f32(withValue("unspliced", 0, 0, 1)),
});

/** trainVelocity and the operator: values × arrays × positions, dtypes, shapes, options. */
export function trainCases(): CorpusCase[] {
  const cases: CorpusCase[] = [];
  const positions: Array<[number, number]> = [
    [0, 0],
    [2, 7],
    [N_CELLS - 1, N_GENES - 1],
  ];
  // trainVelocity: every bad value, in either array, at three positions, named at its row and column.
  for (const layer of ["spliced", "unspliced"] as const)
    for (const value of BAD_VALUES)
      for (const [row, column] of positions)
        cases.push(
          trainCase(
            `${spell(value)} in ${layer} at (${row}, ${column})`,
            () => {
              const t = goodTensors();
              tf.dispose(t[layer]);
              t[layer] = f32(withValue(layer, row, column, value));
              return t;
            },
            { epochs: 1 },
            "ValueError",
            [new RegExp(`^${layer}: value ${shown(value, true)} at row ${row}, column ${column}; expected finite`)],
          ),
        );
  const int32 = () => tf.tensor2d(Int32Array.from(withValue("spliced", 0, 0, 1)), [N_CELLS, N_GENES], "int32");
  cases.push(
    trainCase("int32 spliced", () => ({ ...goodTensors(), spliced: int32() }), {}, "InputError", [
      /spliced: a tensor of dtype int32; expected float32/,
    ]),
    trainCase("int32 unspliced", () => ({ ...goodTensors(), unspliced: int32() }), {}, "InputError", [
      /unspliced: a tensor of dtype int32; expected float32.*tf\.cast/,
    ]),
    trainCase(
      "model for 5 genes, data with 12",
      goodTensors,
      {},
      "ShapeError",
      [/spliced: expected shape \[N, 5\]/],
      5,
    ),
    trainCase(
      "unspliced with fewer cells",
      () => ({ spliced: f32(withValue("spliced", 0, 0, 1)), unspliced: f32(new Float64Array(10 * N_GENES), 10) }),
      {},
      "ShapeError",
      [/unspliced: expected shape \[40, 12\], got \[10, 12\]/],
    ),
    trainCase("epochs -1", goodTensors, { epochs: -1 }, "ConfigError", [
      /trainVelocity\.epochs must be an integer ≥ 0; got -1/,
    ]),
    trainCase("epochs 1.5", goodTensors, { epochs: 1.5 }, "ConfigError", [/epochs must be an integer ≥ 0; got 1\.5/]),
    trainCase("batchSize 0", goodTensors, { batchSize: 0 }, "ConfigError", [/batchSize must be an integer ≥ 1; got 0/]),
    trainCase("learningRate 0", goodTensors, { learningRate: 0 }, "ConfigError", [
      /learningRate must be a finite number > 0; got 0/,
    ]),
    trainCase("learningRate NaN", goodTensors, { learningRate: Number.NaN }, "ConfigError", [/learningRate .*got NaN/]),
    trainCase("seed -3", goodTensors, { seed: -3 }, "ConfigError", [/seed must be an integer ≥ 0; got -3/]),
    trainCase(
      "neighbour index out of range",
      goodTensors,
      { neighbors: Int32Array.from({ length: N_CELLS * 2 }, (_, p) => (p === 9 ? N_CELLS : 0)) },
      "InputError",
      [/neighbors: value 40 at row 4, column 1; expected a cell index in \[0, 40\)/],
    ),
    trainCase("neighbours not N × k", goodTensors, { neighbors: new Int32Array(N_CELLS * 2 + 1) }, "InputError", [
      /neighbors: has 81 entries; expected N × k/,
    ]),
    trainCase("initial time of the wrong length", goodTensors, { initialTime: new Float64Array(3) }, "InputError", [
      /initialTime: has 3 values; expected one per cell \(40\)/,
    ]),
    trainCase(
      "NaN initial time",
      goodTensors,
      { initialTime: Float64Array.from({ length: N_CELLS }, (_, i) => (i === 6 ? Number.NaN : i)) },
      "ValueError",
      [/initialTime: value NaN at index 6; expected finite/],
    ),
  );
  cases.push({
    name: "DifferentiableVelocity.forward: int32 unspliced",
    kind: "library",
    inputs: () => [],
    run: async () => {
      const model = new DifferentiableVelocity(new VelocityConfig({ nGenes: N_GENES }));
      const data = { ...goodTensors(), unspliced: int32() };
      try {
        return await capture(() => model.forward(data));
      } finally {
        model.dispose();
        tf.dispose([data.spliced, data.unspliced]);
      }
    },
    expect: { error: "InputError", message: [/^unspliced: a tensor of dtype int32; expected float32/] },
  });
  cases.push({
    name: "trainVelocity: not a model",
    kind: "library",
    inputs: () => [],
    run: () => capture(() => trainVelocity({} as DifferentiableVelocity, goodTensors())),
    expect: { error: "InputError", message: [/op: expected a DifferentiableVelocity/] },
  });

  return cases;
}
