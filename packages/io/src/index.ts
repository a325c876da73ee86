/**
 * @diffcell/io — single-cell data in and out: an AnnData-like container and readers/writers for .h5ad
 * (AnnData), .loom (velocyto), 10x / MatrixMarket, CSV and numpy files.
 */
export { AnnData, type AnnDataInit } from "./anndata.js";
export {
  type BooleanColumn,
  booleanColumn,
  type CategoricalColumn,
  type Column,
  categoricalColumn,
  columnLength,
  DataFrame,
  makeUnique,
  type NumericColumn,
  numericColumn,
  type StringColumn,
  stringColumn,
} from "./dataframe.js";
export { describeErrorCode, fileError, freeBytes, isOsError } from "./files/errors.js";
export { canonicalPath, checkOutputPath, ensureParentDir, type OutputCheck, writeFileAtomic } from "./files/paths.js";
export { liveTemps, registerTemp, releaseTemp, removeAllTemps, removeTemp, tempPathFor } from "./files/temp.js";
export { COMPRESSIONS, type Compression, type Filter, resolveCompression } from "./h5/compression.js";
export { isLoomLayout, type ReadH5adOptions, readH5ad } from "./h5ad/read.js";
export { type WriteH5adOptions, writeH5ad } from "./h5ad/write.js";
export { type ReadLoomOptions, readLoom } from "./loom/read-loom.js";
export { type WriteLoomOptions, writeLoom } from "./loom/write-loom.js";
export {
  checkSparse,
  cloneLayer,
  colSums,
  csc,
  csr,
  csrFromTriplets,
  dense,
  getValue,
  rowSums,
  selectColumns,
  selectRows,
  shapeOf,
  toCsc,
  toCsr,
  toDense,
  toDenseFloat32,
  transpose,
} from "./matrix/ops.js";
export { isSpilled, readSpilled, spillLayer, storedLength, storedType } from "./matrix/spill.js";
export {
  type CscMatrix,
  type CsrMatrix,
  type DenseMatrix,
  type FloatArray,
  type IntArray,
  isDense,
  isSparse,
  type Layer,
  type NumericArray,
  type SparseMatrix,
} from "./matrix/types.js";
export { type Read10xOptions, read10x } from "./mtx/read-10x.js";
export { type ReadMtxOptions, readMtx } from "./mtx/read-mtx.js";
export { type NpyArray, parseNpy, readNpy, readNpz, readSparseNpz } from "./numpy/read-npy.js";
export { detectFormat, type InputFormat, type ReadOptions, read, readVelocityFolder } from "./read.js";
export { parseDelimited, type ReadCsvOptions, readCsv } from "./text/read-csv.js";
export { readLines, readMaybeGzip } from "./text/read-text.js";
export { isUnsDict, NdArray, type UnsDict, type UnsValue } from "./uns.js";
export { checkLayerCounts, checkLayerFinite } from "./validate.js";
