"""The lazy path: any view as a dask array whose blocks come from C.

``to_dask`` wraps a view in ``dask.array.map_blocks`` with no input arrays
(``_portable.lazy_array``): each chunk is one call of the core's block
accessor (``View._block``), which copies or computes exactly that chunk
with the GIL released.  The chunk function receives ``block_id`` (dask
builds no per-block dicts for it) and ``meta`` is given, so dask never
probes it.  Views pickle as their spec (file and range sources), so
dask.distributed workers rebuild the view instead of receiving pointers.

Chunks: ``'auto'`` aligns chunks with what napari asks for (``auto_chunks``,
computed in C so that generated scripts use the same): tiles of the last two
axes, at most 512 x 512, keeping about 256 Ki elements per chunk when an
axis is short; leading axes get chunks of 1.  Any dask chunk spec is
accepted too.
"""
import functools
import itertools

from . import _core, _portable


def auto_chunks(shape):
    """Default chunk sizes for `shape` (computed in C, src/chunks.c)."""
    return _core.auto_chunks(tuple(int(n) for n in shape))


def chunks_for(shape, chunks, dtype):
    """Dask chunks for an array of `shape` from 'auto', None or a dask spec."""
    from dask.array.core import normalize_chunks
    if chunks is None or (isinstance(chunks, str) and chunks == "auto"):
        chunks = auto_chunks(shape)
    return normalize_chunks(chunks, tuple(shape), dtype=dtype)


_counter = itertools.count()


def _count():
    return next(_counter)


def to_dask(v, chunks="auto", *, name=None):
    """A dask array with ``v``'s elements, chunks filled on demand in C."""
    chunks = chunks_for(v.shape, chunks, v.dtype)
    return _portable.lazy_array(v.shape, v.dtype, chunks, v._block,
                                name=name or f"lazyview-{id(v):x}-{_count()}")
