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

from . import _args, _core, _portable


def auto_chunks(shape):
    """Default chunk sizes for `shape` (computed in C, src/chunks.c)."""
    return _core.auto_chunks(tuple(int(n) for n in shape))


def chunks_for(shape, chunks, dtype):
    """Dask chunks for an array of `shape` from 'auto', None or a dask spec
    (checked: a bad spec raises ValueError or TypeError naming chunks)."""
    return _args.chunks(shape, chunks, dtype)


_counter = itertools.count()


def _count():
    return next(_counter)


def to_dask(v, chunks="auto", *, name=None):
    """A dask array with ``v``'s elements, chunks filled on demand in C."""
    chunks = chunks_for(v.shape, chunks, v.dtype)
    return _portable.lazy_array(v.shape, v.dtype, chunks, v._block,
                                name=name or f"lazyview-{id(v):x}-{_count()}")


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


def view_to_dask(self, chunks="auto", *, portable=False, name=None):
    """A dask array for any view: chunks filled by the C accessor, or, with
    portable=True, built by the portable script's numpy/dask code (only
    for file and range sources)."""
    if portable:
        from .codegen import portable_array
        return portable_array(self, chunks)
    return to_dask(self, chunks, name=name)
