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

from . import _args, _core, _lazy, _portable

MAX_LEVEL_EDGE = 2048  # the coarsest level fits a screen tile along each axis


def level_count(shape, axes, max_edge=MAX_LEVEL_EDGE):
    """How many levels halving `axes` of `shape` until each is <= max_edge."""
    edge = max((shape[a] for a in axes), default=0)
    return 1 + max(0, math.ceil(math.log2(edge / max_edge))) if edge > max_edge else 1



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
    method = _args.choice(method, "method", ("stride", "mean"))
    max_edge = _args.positive(max_edge, "max_edge")
    axes = _args.axes(axes, v.ndim)
    if not axes:
        raise ValueError("multiscale needs at least one axis to halve")
    if method == "mean" and v.dtype.kind not in "biuf":
        raise TypeError(f"method='mean' needs numeric elements, not {v.dtype}; "
                        "use method='stride'")
    levels = []
    for k in range(level_count(v.shape, axes, max_edge)):
        f = 2 ** k
        if k == 0:
            levels.append(_core.asarray(v, chunks=chunks))
        elif method == "stride":
            key = tuple(slice(None, None, f) if a in axes else slice(None)
                        for a in range(v.ndim))
            levels.append(_core.asarray(v[key], chunks=chunks))
        else:
            factors = tuple(f if a in axes else 1 for a in range(v.ndim))
            levels.append(_mean_level(v, factors, chunks))
    return levels
