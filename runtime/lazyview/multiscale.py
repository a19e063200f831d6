"""Multiscale pyramids for napari: a list of arrays, largest first.

Each level is what napari reads best, decided by the level's plan: a
strided level is an ndarray that *is* the memory (napari slices it for
free); any other level is a ``TileArray``, whose tiles the C accessor fills
directly when napari asks, with no dask scheduler in between.

``stride`` levels are views ``v[..., ::f, ::f]``; a coarse tile reads only
the elements it shows.  ``mean`` levels average f x f windows in C straight
from the source (``View._block_mean``), one pass over each tile's window.
An axis stops being halved once it fits a tile (LV_TILE = 512), so a
100-row axis stays 100 rows while a 10^5-column axis shrinks.
"""
import math

import numpy as np

from . import _args, _core
from ._tiles import TileArray

MAX_LEVEL_EDGE = 2048  # the coarsest level fits a screen tile along each axis
TILE = 512             # an axis this short is never halved


def level_count(shape, axes, max_edge=MAX_LEVEL_EDGE):
    """How many levels halving `axes` of `shape` until each is <= max_edge."""
    _check_edge(max_edge)
    edge = max((shape[a] for a in axes), default=0)
    return 1 + max(0, math.ceil(math.log2(edge / max_edge))) if edge > max_edge else 1


def _check_edge(max_edge):
    if isinstance(max_edge, bool) or not isinstance(max_edge, (int, np.integer)):
        raise TypeError(f"max_edge must be an int, not {type(max_edge).__name__}")
    if max_edge < 1:
        raise ValueError(f"max_edge must be at least 1, not {max_edge}")


def factors(shape, axes, level):
    """The downsampling factor of each axis at `level`: 2**level on the
    halved axes, but never past the point where the axis fits a tile."""
    out = []
    for a, n in enumerate(shape):
        if a not in axes:
            out.append(1)
            continue
        fits = 1 if n <= TILE else 2 ** math.ceil(math.log2(n / TILE))
        out.append(min(2 ** level, fits))
    return tuple(out)


def _mean_dtype(dt):
    return np.dtype("float64") if dt.itemsize > 4 else np.dtype("float32")


def _mean_level(v, f, chunks):
    shape = tuple(-(-n // k) for n, k in zip(v.shape, f))
    out = _mean_dtype(v.dtype)

    def block(lo, hi):
        return v._block_mean(f, lo, hi).astype(out, copy=False)

    return TileArray(block=block, shape=shape, dtype=out, chunks=chunks)


def _stride_level(v, f, chunks):
    level = v[tuple(slice(None, None, k) for k in f)] if any(k > 1 for k in f) else v
    if level.is_strided:
        return level.to_numpy()
    return TileArray(level, chunks=chunks)


def multiscale(v, *, axes=(-2, -1), method="stride", max_edge=MAX_LEVEL_EDGE,
               chunks=None):
    """Levels of `v` halved along `axes`, largest first, for napari.

    Sizes strictly decrease; the last level is at most `max_edge` along each
    of `axes` (or no longer halved: an axis that fits a 512 tile stays
    whole).  method='stride' picks every f-th element; 'mean' averages
    f x f windows (float32, float64 for 8-byte inputs).  A strided level
    is an ndarray sharing the memory, any other a TileArray that napari
    reads tile by tile (``.to_dask()`` on request); `chunks` sets its tile
    shape (default: 512 x 512 tiles of the last two axes).

    >>> import lazyview as lv
    >>> [a.shape for a in lv.multiscale(lv.arange(10**8).reshape(10**4, 10**4))]
    [(10000, 10000), (5000, 5000), (2500, 2500), (1250, 1250)]
    """
    if not isinstance(v, _core.View):
        raise TypeError(f"multiscale needs a lazyview.View, not {type(v).__name__}")
    method = _args.choice(method, "method", ("stride", "mean"))
    if isinstance(axes, (int, np.integer)):
        axes = (axes,)
    axes = _args.axes(axes, v.ndim)
    if not axes:
        raise ValueError("multiscale needs at least one axis to halve")
    if method == "mean" and v.dtype.kind not in "biuf":
        raise TypeError(f"method='mean' needs numeric elements, not {v.dtype}; "
                        "use method='stride'")
    levels, last = [], None
    for k in range(level_count(v.shape, axes, max_edge)):
        f = factors(v.shape, axes, k)
        if f == last:
            break                       # every halved axis fits a tile
        last = f
        if k > 0 and method == "mean":
            levels.append(_mean_level(v, f, chunks))
        else:
            levels.append(_stride_level(v, f, chunks))
    return levels
