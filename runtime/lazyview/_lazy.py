"""The lazy path: any view as a dask array whose blocks come from C.

``to_dask`` wraps a view in ``dask.array.map_blocks`` with no input arrays:
each block is one call of the core's block accessor (``View._block``),
which copies or computes exactly that block with the GIL released.  The
block function receives ``block_id`` (dask builds no per-block dicts for
it) and ``meta`` is given, so dask never probes the function.

Chunks: ``'auto'`` aligns chunks with what napari asks for, tiles of the last
two axes, at most 512 x 512, while keeping about 256 Ki elements per chunk
when an axis is short (so a full reduction is not drowned in tasks); leading
axes get chunks of 1.  Any dask chunk spec is accepted too.
"""
import functools
import itertools

import numpy as np

from . import _core

TILE = 512                  # napari's tile edge; chunk edges are multiples
TARGET = TILE * TILE        # elements per chunk when an axis is short


def auto_chunks(shape):
    """Per-axis chunk sizes for ``shape`` (see the module docstring)."""
    shape = tuple(int(n) for n in shape)
    if not shape:
        return ()
    if len(shape) == 1:
        return (min(shape[0], TARGET) or 1,)
    *lead, rows, cols = shape
    crow, ccol = min(rows, TILE) or 1, min(cols, TILE) or 1
    if crow < TILE and cols > TILE:            # short rows: widen the tile
        ccol = min(cols, max(TILE, TARGET // crow // TILE * TILE))
    elif ccol < TILE and rows > TILE:
        crow = min(rows, max(TILE, TARGET // ccol // TILE * TILE))
    chunks, plane = [], crow * ccol
    for n in reversed(lead):                   # grow leading axes if small
        c = max(1, min(n, TARGET // plane))
        chunks.append(c)
        plane *= c
    return tuple(reversed(chunks)) + (crow, ccol)


def normalize_shape(shape, chunks, dtype):
    """A dask chunks tuple for `shape` from 'auto', None or a dask spec."""
    from dask.array.core import normalize_chunks
    if chunks is None or (isinstance(chunks, str) and chunks == "auto"):
        chunks = auto_chunks(shape)
    return normalize_chunks(chunks, tuple(shape), dtype=dtype)


def normalize(v, chunks):
    """A dask chunks tuple for view ``v`` from 'auto', None or a dask spec."""
    return normalize_shape(v.shape, chunks, v.dtype)


class BlockReader:
    """Callable for map_blocks: block_id -> the block's elements.

    Holds the view and each axis's chunk boundaries.  Pickles as the view's
    spec (file and range sources), so dask.distributed workers rebuild the
    view instead of receiving pointers.
    """

    def __init__(self, view, chunks):
        self.view = view
        self.chunks = chunks
        self.starts = tuple(tuple(itertools.accumulate((0,) + c[:-1]))
                            for c in chunks)

    def __call__(self, block_id=None):
        lo = tuple(s[i] for s, i in zip(self.starts, block_id))
        hi = tuple(a + c[i] for a, c, i in zip(lo, self.chunks, block_id))
        return self.view._block(lo, hi)

    def __reduce__(self):
        return (BlockReader, (self.view, self.chunks))

    def __dask_tokenize__(self):
        return ("lazyview.BlockReader", id(self.view), self.chunks)


def to_dask(v, chunks="auto", *, name=None):
    """A dask array with ``v``'s elements, blocks filled on demand in C."""
    import dask.array as da
    chunks = normalize(v, chunks)
    reader = BlockReader(v, chunks)
    meta = np.empty((0,) * v.ndim, dtype=v.dtype)
    if name is None:
        name = f"lazyview-{id(v):x}-{_count()}"
    return da.map_blocks(reader, chunks=chunks, dtype=v.dtype, meta=meta,
                         name=name)


_counter = itertools.count()


def _count():
    return next(_counter)


def asarray_lazy(v, chunks=None):
    """What ``lazyview.asarray`` returns for a view that is not strided."""
    return to_dask(v, "auto" if chunks is None else chunks)


def view_reduce(self):
    """Pickle a view as its spec (file and range sources only)."""
    if self.source_kind == "memory":
        raise TypeError(
            "a lazyview.View over in-process memory cannot be pickled or "
            "shipped to another process (e.g. a dask.distributed worker); "
            "use open_raw or a range source, or compute on local threads")
    return (from_spec, (self.to_spec(),))


@functools.lru_cache(maxsize=64)
def from_spec(spec):
    """The view for a spec, rebuilt once per process (workers reuse it)."""
    return _core.parse(spec)


@functools.wraps(to_dask)
def view_to_dask(self, chunks="auto", *, name=None):
    return to_dask(self, chunks, name=name)
