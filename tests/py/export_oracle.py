"""The exporter's oracle, shared by the export tests: NumPy's pyramid.

Level 0 is the view computed by NumPy; level k+1 is NumPy's block means of
level k as stored (sums over 2x2 windows with np.add.reduceat, partial
windows at the far edges, rounded half to even into the dtype; complex
numbers part by part), or its every-other element.
"""
import os

import numpy as np


def read_levels(path):
    import zarr
    g = zarr.open_group(str(path), mode="r")
    ms = g.attrs["ome"]["multiscales"][0]
    return [g[d["path"]][...] for d in ms["datasets"]], ms


def block_mean(a, factors):
    """NumPy's reference: window means of a (2 on the halved axes), partial
    windows at the far edges, rounded into a's dtype."""
    if a.dtype.kind == "c":
        return block_mean(a.real, factors) + 1j * block_mean(a.imag, factors)
    sums = a.astype(np.float64)
    counts = np.ones(a.shape)
    for ax, f in enumerate(factors):
        if f > 1:
            starts = np.arange(0, a.shape[ax], f)
            sums = np.add.reduceat(sums, starts, axis=ax)
            counts = np.add.reduceat(counts, starts, axis=ax)
    mean = sums / counts
    if a.dtype.kind in "iub":
        mean = np.rint(mean)
        return (mean != 0) if a.dtype.kind == "b" else mean.astype(a.dtype)
    return mean.astype(a.dtype)


def reference_levels(a, factors, nlevels, method):
    levels = [a]
    for _ in range(1, nlevels):
        prev = levels[-1]
        if method == "mean":
            levels.append(block_mean(prev, factors).astype(a.dtype))
        else:
            levels.append(prev[tuple(slice(None, None, f) for f in factors)])
    return levels


def assert_levels(got, want):
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, (k, g.shape, w.shape)
        if w.dtype.kind in "fc":
            tol = {2: 1e-3, 4: 1e-6, 8: 1e-12, 16: 1e-12}[w.dtype.itemsize]
            np.testing.assert_allclose(g, w, rtol=tol, atol=0, err_msg=f"level {k}")
        else:
            np.testing.assert_array_equal(g, w, err_msg=f"level {k}")


def store_files(path):
    """Every file of a store, relative path -> bytes (the bit-for-bit
    comparison of two stores)."""
    out = {}
    for folder, _, files in os.walk(path):
        for f in files:
            full = os.path.join(folder, f)
            with open(full, "rb") as fh:
                out[os.path.relpath(full, path)] = fh.read()
    return out
