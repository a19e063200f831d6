"""Multiscale pyramids for napari: a list of arrays, largest first.

``stride`` levels are views ``v[..., ::2**k, ::2**k]``: zero-copy ndarrays
when the view is strided, lazy dask arrays otherwise; either way a coarse
tile reads only the elements it shows.  ``mean`` levels are dask arrays
whose blocks are averaged in C straight from the source
(``View._block_mean``), one pass over each block's window, never through a
chain of coarsened levels.
"""
import math

import numpy as np

from . import _core, _lazy, _portable
from ._view import asarray

MAX_LEVEL_EDGE = 2048  # the coarsest level fits a screen tile along each axis


def level_count(shape, axes, max_edge=MAX_LEVEL_EDGE):
    """How many levels halving `axes` of `shape` until each is <= max_edge."""
    edge = max((shape[a] for a in axes), default=0)
    return 1 + max(0, math.ceil(math.log2(edge / max_edge))) if edge > max_edge else 1


def _norm_axes(v, axes):
    norm = []
    for a in axes:
        if not -v.ndim <= a < v.ndim:
            raise ValueError(f"axis {a} is out of bounds for a view of {v.ndim} dimensions")
        norm.append(a % v.ndim)
    if len(set(norm)) != len(norm):
        raise ValueError("repeated axis in axes")
    return tuple(norm)


def _mean_dtype(dt):
    return np.dtype("float64") if dt.itemsize > 4 else np.dtype("float32")


def _mean_level(v, factors, chunks):
    shape = tuple(-(-n // f) for n, f in zip(v.shape, factors))
    out_dtype = _mean_dtype(v.dtype)
    chunks = _lazy.chunks_for(shape, chunks, out_dtype)

    def block(lo, hi):
        return v._block_mean(factors, lo, hi).astype(out_dtype, copy=False)

    return _portable.lazy_array(shape, out_dtype, chunks, block,
                                name=f"lazyview-mean-{id(v):x}-{_lazy._count()}")


def multiscale(v, *, axes=(-2, -1), method="stride", chunks="auto",
               max_edge=MAX_LEVEL_EDGE):
    """Levels of `v` halved along `axes`, largest first, for napari.

    Sizes strictly decrease; the last level is at most `max_edge` along each
    of `axes`.  method='stride' picks every 2**k-th element; 'mean' averages
    2**k x 2**k windows (float32, float64 for 8-byte inputs).
    """
    if not isinstance(v, _core.View):
        raise TypeError(f"multiscale needs a lazyview.View, not {type(v).__name__}")
    if method not in ("stride", "mean"):
        raise ValueError("method must be 'stride' or 'mean'")
    axes = _norm_axes(v, axes)
    if not axes:
        raise ValueError("multiscale needs at least one axis to halve")
    if method == "mean" and v.dtype.kind not in "biuf":
        raise TypeError(f"method='mean' needs numeric elements, not {v.dtype}; "
                        "use method='stride'")
    levels = []
    for k in range(level_count(v.shape, axes, max_edge)):
        f = 2 ** k
        if k == 0:
            levels.append(asarray(v, chunks=chunks))
        elif method == "stride":
            key = tuple(slice(None, None, f) if a in axes else slice(None)
                        for a in range(v.ndim))
            levels.append(asarray(v[key], chunks=chunks))
        else:
            factors = tuple(f if a in axes else 1 for a in range(v.ndim))
            levels.append(_mean_level(v, factors, chunks))
    return levels
