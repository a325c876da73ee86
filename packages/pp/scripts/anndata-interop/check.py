"""Manual interoperability check, step 2: open the .h5ad files diffcell wrote (write.mts) with Python
anndata and compare them with the originals and with the values diffcell computed.

    apt-get install -y python3-anndata      # Debian's anndata 0.8 (pip is not available here)
    /usr/bin/python3 packages/pp/scripts/anndata-interop/check.py [/tmp/diffcell-interop]
"""
import json, sys, warnings
import numpy as np, scipy.sparse as sp, anndata, pandas as pd
warnings.simplefilter("ignore")
OUT = sys.argv[1] if len(sys.argv) > 1 else "/tmp/diffcell-interop"
print("anndata", anndata.__version__, "pandas", pd.__version__)

def dense(m): return m.toarray() if sp.issparse(m) else np.asarray(m)

def compare(orig_path, ours_path):
    A, B = anndata.read_h5ad(orig_path), anndata.read_h5ad(ours_path)
    assert A.shape == B.shape, (A.shape, B.shape)
    assert (A.obs_names == B.obs_names).all() and (A.var_names == B.var_names).all()
    assert np.array_equal(dense(A.X), dense(B.X))
    for k in A.layers:
        assert type(A.layers[k]) is type(B.layers[k]) and A.layers[k].dtype == B.layers[k].dtype, k
        assert np.array_equal(dense(A.layers[k]), dense(B.layers[k]), equal_nan=True), k
    for df_a, df_b, name in [(A.obs, B.obs, "obs"), (A.var, B.var, "var")]:
        assert list(df_a.columns) == list(df_b.columns), name
        for c in df_a.columns:
            assert df_a[c].dtype == df_b[c].dtype, (name, c, df_a[c].dtype, df_b[c].dtype)
            pd.testing.assert_series_equal(df_a[c], df_b[c], check_names=False)
    for slot in ["obsm", "varm", "obsp"]:
        for k in getattr(A, slot):
            assert np.array_equal(dense(getattr(A, slot)[k]), dense(getattr(B, slot)[k]), equal_nan=True), (slot, k)
    print(f"OK {ours_path}: {B.shape}, layers {sorted(B.layers)}, obs {list(B.obs.columns)[:4]}…, equal to {orig_path}")

compare("/work/shared/data/scvelo-fixtures/dentategyrus_100obs.h5ad", OUT + "/dg100_ours.h5ad")
compare("/work/shared/data/dentategyrus-dynamical/adata_100.h5ad", OUT + "/dynamical100_ours.h5ad")

P = anndata.read_h5ad(OUT + "/pancreas_pp.h5ad")
S = json.load(open(OUT + "/pancreas_summary.json"))
print(P)
assert list(P.shape) == S["shape"]
assert list(P.obs_names[:3]) == S["obsNames"] and list(P.var_names[:3]) == S["varNames"]
assert list(P.obs.clusters[:5]) == S["clusters"]
assert list(P.obs.clusters.cat.categories) == ["Ductal", "Ngn3 low EP", "Ngn3 high EP", "Pre-endocrine", "Beta", "Alpha", "Delta", "Epsilon"]
assert P.var.highly_variable.dtype == bool and int(P.var.highly_variable.sum()) == S["hvgCount"]
assert np.allclose(P.layers["Ms"][0, :5], S["msFirstRow"]) and np.isclose(P.layers["Ms"].sum(dtype=np.float64), S["msSum"], rtol=1e-6)
assert np.allclose(np.asarray(P.X.sum(1)).ravel()[:5], S["xRowSums"], rtol=1e-6)
assert np.allclose(P.obsm["X_pca"].ravel()[:5], S["pca"]) and np.allclose(P.obsm["X_umap"].ravel()[:4], S["umap"])
assert sp.isspmatrix_csr(P.obsp["connectivities"]) and P.obsp["connectivities"].nnz == S["connNnz"]
assert (P.obsp["distances"].getnnz(axis=1) == 29).all()
C = P.obsp["connectivities"]; assert abs(C - C.T).max() == 0
assert P.uns["neighbors"]["params"]["n_neighbors"] == 30 and P.uns["neighbors"]["connectivities_key"] == "connectivities"
assert P.uns["pca"]["params"]["zero_center"] is True or P.uns["pca"]["params"]["zero_center"] == True
print("uns.pca.params", P.uns["pca"]["params"], type(P.uns["pca"]["params"]["zero_center"]))
print("OK pancreas_pp.h5ad matches the values diffcell computed")
# Subsetting by the boolean mask works as in scanpy.
print("HVG subset", P[:, P.var.highly_variable].shape)
