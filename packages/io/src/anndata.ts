import { InputError } from "@diffcell/core";
import { DataFrame } from "./dataframe.js";
import { cloneLayer, selectColumns, selectRows } from "./matrix/ops.js";
import { storedLength } from "./matrix/spill.js";
import type { DenseMatrix, Layer } from "./matrix/types.js";
import { isUnsDict, NdArray, type UnsDict, type UnsValue } from "./uns.js";

export interface AnnDataInit {
  X?: Layer | null;
  layers?: Record<string, Layer>;
  obs?: DataFrame;
  var?: DataFrame;
  obsm?: Record<string, DenseMatrix>;
  varm?: Record<string, DenseMatrix>;
  obsp?: Record<string, Layer>;
  varp?: Record<string, Layer>;
  uns?: UnsDict;
  /** Number of cells / genes when neither X, a layer nor obs/var says. */
  nObs?: number;
  nVars?: number;
  /** File this object came from; errors name it. */
  source?: string;
}

/**
 * Annotated data matrix with anndata's slots and key conventions: `X` and `layers` are cells × genes
 * (`layers.spliced`, `layers.unspliced`, `layers.Ms`, …), `obs`/`var` are per-cell / per-gene tables,
 * `obsm`/`varm` per-cell / per-gene matrices (`obsm.X_pca`, `obsm.X_umap`, `varm.PCs`), `obsp`/`varp`
 * cell × cell / gene × gene matrices (`obsp.connectivities`, `obsp.distances`), `uns` anything else.
 *
 * Slots are plain objects so `adata.layers.spliced` reads like Python; {@link AnnData.validate} checks every
 * shape (readers and writers call it), and {@link AnnData.layer} gives a typed error for a missing key.
 */
export class AnnData {
  X: Layer | null;
  layers: Record<string, Layer>;
  obs: DataFrame;
  var: DataFrame;
  obsm: Record<string, DenseMatrix>;
  varm: Record<string, DenseMatrix>;
  obsp: Record<string, Layer>;
  varp: Record<string, Layer>;
  uns: UnsDict;
  source?: string;

  constructor(init: AnnDataInit = {}) {
    this.X = init.X ?? null;
    this.layers = { ...init.layers };
    const firstLayer = this.X ?? Object.values(this.layers)[0];
    const nObs = init.obs?.nRows ?? firstLayer?.rows ?? init.nObs ?? 0;
    const nVars = init.var?.nRows ?? firstLayer?.cols ?? init.nVars ?? 0;
    this.obs = init.obs ?? DataFrame.range(nObs);
    this.var = init.var ?? DataFrame.range(nVars);
    this.obsm = { ...init.obsm };
    this.varm = { ...init.varm };
    this.obsp = { ...init.obsp };
    this.varp = { ...init.varp };
    this.uns = init.uns ?? {};
    this.source = init.source;
    this.validate();
  }

  get nObs(): number {
    return this.obs.nRows;
  }

  get nVars(): number {
    return this.var.nRows;
  }

  get shape(): [number, number] {
    return [this.nObs, this.nVars];
  }

  get obsNames(): string[] {
    return this.obs.index;
  }

  get varNames(): string[] {
    return this.var.index;
  }

  /** `"file.h5ad:/layers/spliced"`-style name for errors. */
  keyName(key: string): string {
    return this.source ? `${this.source}:/${key}` : key;
  }

  /** A layer by name (`"X"` for `X`), or an {@link InputError} naming the file and the key. */
  layer(name: string): Layer {
    const m = name === "X" ? this.X : this.layers[name];
    if (!m) {
      const have = ["X", ...Object.keys(this.layers)].filter((k) => k !== "X" || this.X).join(", ");
      throw new InputError(
        this.keyName(name === "X" ? "X" : `layers/${name}`),
        `missing (available: ${have || "none"})`,
      );
    }
    return m;
  }

  hasLayer(name: string): boolean {
    return name === "X" ? this.X !== null : name in this.layers;
  }

  /** `obsm[key]`, or an {@link InputError} naming the file and key. */
  obsmKey(key: string): DenseMatrix {
    const m = this.obsm[key];
    if (!m)
      throw new InputError(
        this.keyName(`obsm/${key}`),
        `missing (available: ${Object.keys(this.obsm).join(", ") || "none"})`,
      );
    return m;
  }

  /** `obsp[key]`, or an {@link InputError} naming the file and key. */
  obspKey(key: string): Layer {
    const m = this.obsp[key];
    if (!m)
      throw new InputError(
        this.keyName(`obsp/${key}`),
        `missing (available: ${Object.keys(this.obsp).join(", ") || "none"})`,
      );
    return m;
  }

  /** Sets `X` (name `"X"`) or a layer after checking its shape. */
  setLayer(name: string, m: Layer): this {
    this.checkShape(name === "X" ? "X" : `layers/${name}`, m, this.nObs, this.nVars);
    if (name === "X") this.X = m;
    else this.layers[name] = m;
    return this;
  }

  /**
   * Checks that every slot agrees with `obs` × `var`; throws an {@link InputError} naming the file and the
   * offending key (e.g. `"pancreas.h5ad:/layers/unspliced"`).
   */
  validate(): void {
    const n = this.nObs;
    const g = this.nVars;
    if (this.X) this.checkShape("X", this.X, n, g);
    for (const [k, m] of Object.entries(this.layers)) this.checkShape(`layers/${k}`, m, n, g);
    for (const [k, m] of Object.entries(this.obsm)) this.checkShape(`obsm/${k}`, m, n);
    for (const [k, m] of Object.entries(this.varm)) this.checkShape(`varm/${k}`, m, g);
    for (const [k, m] of Object.entries(this.obsp)) this.checkShape(`obsp/${k}`, m, n, n);
    for (const [k, m] of Object.entries(this.varp)) this.checkShape(`varp/${k}`, m, g, g);
  }

  private checkShape(key: string, m: Layer, rows: number, cols?: number): void {
    if (!m || typeof m !== "object" || !("rows" in m)) throw new InputError(this.keyName(key), "not a matrix");
    if (m.rows !== rows || (cols !== undefined && m.cols !== cols)) {
      throw new InputError(
        this.keyName(key),
        `shape [${m.rows}, ${m.cols}] does not match [${rows}, ${cols ?? "any"}] (${this.nObs} cells × ${this.nVars} genes)`,
      );
    }
    const expected = m.rows * m.cols;
    // storedLength: a layer spilled to disk (matrix/spill.ts) is not read back to check its length.
    if (m.format === "dense" && storedLength(m) !== expected) {
      throw new InputError(
        this.keyName(key),
        `holds ${storedLength(m)} values; shape [${m.rows}, ${m.cols}] needs ${expected}`,
      );
    }
  }

  /** Keeps the genes selected by a boolean mask or an index list, in place (as anndata's `_inplace_subset_var`). */
  subsetVars(selection: ArrayLike<boolean | number>): this {
    const idx = toIndex(selection, this.nVars, this.keyName("var"));
    if (isIdentity(idx, this.nVars)) return this; // every gene kept in order: no copies of every layer
    if (this.X) this.X = selectColumns(this.X, idx);
    for (const k of Object.keys(this.layers)) this.layers[k] = selectColumns(this.layers[k], idx);
    for (const k of Object.keys(this.varm)) this.varm[k] = selectRows(this.varm[k], idx) as DenseMatrix;
    for (const k of Object.keys(this.varp)) this.varp[k] = selectColumns(selectRows(this.varp[k], idx), idx);
    this.var = this.var.selectRows(idx);
    return this;
  }

  /** Keeps the cells selected by a boolean mask or an index list, in place. */
  subsetObs(selection: ArrayLike<boolean | number>): this {
    const idx = toIndex(selection, this.nObs, this.keyName("obs"));
    if (isIdentity(idx, this.nObs)) return this;
    if (this.X) this.X = selectRows(this.X, idx);
    for (const k of Object.keys(this.layers)) this.layers[k] = selectRows(this.layers[k], idx);
    for (const k of Object.keys(this.obsm)) this.obsm[k] = selectRows(this.obsm[k], idx) as DenseMatrix;
    for (const k of Object.keys(this.obsp)) this.obsp[k] = selectColumns(selectRows(this.obsp[k], idx), idx);
    this.obs = this.obs.selectRows(idx);
    return this;
  }

  /** Deep copy (fresh typed arrays everywhere). */
  copy(): AnnData {
    const mapLayers = <T extends Layer>(r: Record<string, T>) =>
      Object.fromEntries(Object.entries(r).map(([k, m]) => [k, cloneLayer(m)])) as Record<string, T>;
    return new AnnData({
      X: this.X ? cloneLayer(this.X) : null,
      layers: mapLayers(this.layers),
      obs: this.obs.copy(),
      var: this.var.copy(),
      obsm: mapLayers(this.obsm),
      varm: mapLayers(this.varm),
      obsp: mapLayers(this.obsp),
      varp: mapLayers(this.varp),
      uns: cloneUns(this.uns) as UnsDict,
      source: this.source,
    });
  }

  toString(): string {
    const keys = (r: object) => Object.keys(r).join(", ");
    const lines = [`AnnData object with n_obs × n_vars = ${this.nObs} × ${this.nVars}`];
    if (this.obs.columnNames.length) lines.push(`    obs: ${this.obs.columnNames.join(", ")}`);
    if (this.var.columnNames.length) lines.push(`    var: ${this.var.columnNames.join(", ")}`);
    if (Object.keys(this.uns).length) lines.push(`    uns: ${keys(this.uns)}`);
    if (Object.keys(this.obsm).length) lines.push(`    obsm: ${keys(this.obsm)}`);
    if (Object.keys(this.varm).length) lines.push(`    varm: ${keys(this.varm)}`);
    if (Object.keys(this.layers).length) lines.push(`    layers: ${keys(this.layers)}`);
    if (Object.keys(this.obsp).length) lines.push(`    obsp: ${keys(this.obsp)}`);
    return lines.join("\n");
  }
}

function isIdentity(idx: Int32Array, n: number): boolean {
  if (idx.length !== n) return false;
  for (let i = 0; i < n; i++) if (idx[i] !== i) return false;
  return true;
}

function toIndex(selection: ArrayLike<boolean | number>, n: number, name: string): Int32Array {
  if (selection.length > 0 && typeof selection[0] === "boolean") {
    if (selection.length !== n)
      throw new InputError(name, `boolean mask has ${selection.length} entries; expected ${n}`);
    const out: number[] = [];
    for (let i = 0; i < n; i++) if (selection[i]) out.push(i);
    return Int32Array.from(out);
  }
  const idx = Int32Array.from(selection as ArrayLike<number>);
  for (let i = 0; i < idx.length; i++) {
    if (!(idx[i] >= 0 && idx[i] < n)) throw new InputError(name, `index ${idx[i]} out of range [0, ${n})`, i);
  }
  return idx;
}

function cloneUns(v: UnsValue): UnsValue {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.slice();
  if (ArrayBuffer.isView(v)) return v.slice();
  if (v instanceof NdArray) return new NdArray(v.data.slice(), v.shape.slice());
  if (isUnsDict(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, cloneUns(x)]));
  return cloneLayer(v as Layer);
}
