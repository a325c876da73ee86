"""Print every key of an .h5ad (or .loom) as anndata reads it: JSON {"layers/Ms": {"shape": [n, g],
"dtype": "float32", "type": "ndarray"}, ...}. Used by scvelo-keys.test.ts with Debian's python3-anndata."""
import json
import sys
import warnings

warnings.simplefilter("ignore")
import anndata  # noqa: E402


def describe(value):
    dtype = getattr(value, "dtype", None)
    shape = getattr(value, "shape", None)
    return {
        "shape": list(shape) if shape is not None else None,
        "dtype": str(dtype) if dtype is not None else type(value).__name__,
        "type": type(value).__name__,
    }


def main(path):
    a = anndata.read_loom(path) if path.endswith(".loom") else anndata.read_h5ad(path)
    out = {"shape": list(a.shape)}
    if a.X is not None:
        out["X"] = describe(a.X)
    for slot in ("layers", "obsm", "varm", "obsp", "varp"):
        for key, value in getattr(a, slot).items():
            out[f"{slot}/{key}"] = describe(value)
    for slot in ("obs", "var"):
        frame = getattr(a, slot)
        for key in frame.columns:
            entry = describe(frame[key])
            entry["dtype"] = str(frame[key].dtype)
            out[f"{slot}/{key}"] = entry

    def walk(prefix, mapping):
        for key, value in mapping.items():
            if isinstance(value, dict):
                out[f"{prefix}/{key}"] = {"shape": None, "dtype": "dict", "type": "dict"}
                walk(f"{prefix}/{key}", value)
            else:
                out[f"{prefix}/{key}"] = describe(value)

    walk("uns", dict(a.uns))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
