"""The napari path: array-likes whose tiles the C accessor fills directly.

napari reads a multiscale level as ``np.asarray(level[slices])`` for the
tiles on screen, and (since 0.9) widens each request to whole chunks of the
level's ``.chunks``.  A ``TileArray`` answers such a read with one call of
the block accessor (GIL released), no dask task and no scheduler in
between; its ``.chunks`` are napari's tiles (512 x 512 of the image plane),
so the widened requests are tile-aligned.  It never materialises itself
behind napari's back: ``np.asarray`` of a whole level bigger than
``MATERIALIZE_LIMIT`` bytes raises, telling what to do instead.
``to_dask()`` gives the same level as a dask array on request.
"""
import numpy as np

from . import _core

MATERIALIZE_LIMIT = 256 << 20  # bytes np.asarray(level) may fill at once


class TileArray:
    """A read-only array-like over a View (or a block function) for napari.

    ``shape``, ``dtype``, ``ndim``, ``size``, ``nbytes``, ``chunks`` (the tile
    shape, one int per axis, as zarr gives it) and ``__getitem__``, which
    returns an ndarray filled in C.
    """

    def __init__(self, view=None, *, block=None, shape=None, dtype=None,
                 chunks=None, name=None):
        if view is not None:
            shape, dtype, block = view.shape, view.dtype, view._block
        self.view = view
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self._block = block
        self.chunks = _core.auto_chunks(self.shape) if chunks is None \
            else _tile_shape(chunks, self.shape)
        self.name = name

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))
    nbytes = property(lambda self: self.size * self.dtype.itemsize)
    itemsize = property(lambda self: self.dtype.itemsize)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __repr__(self):
        return (f"<lazyview.TileArray shape={self.shape} dtype={self.dtype} "
                f"chunks={self.chunks}>")

    def __getitem__(self, key):
        box = _box(key, self.shape)
        if box is not None:             # ints and slices of step 1: one fill
            lo, hi, drop = box
            out = self._block(lo, hi)
            return out.reshape(tuple(h - lw for d, (lw, h) in
                                     enumerate(zip(lo, hi)) if d not in drop))
        if self.view is not None:       # anything else: the view's own slice
            return self.view[key].compute(threads=1)
        lo, hi, rel = _bounding_box(key, self.shape)
        return self._block(lo, hi)[rel]

    def __array__(self, dtype=None, copy=None):
        if self.nbytes > MATERIALIZE_LIMIT:
            raise MemoryError(
                f"refusing to fill this whole {self.shape} {self.dtype} level "
                f"({self.nbytes / 2**30:.1f} GiB) at once: index a region "
                f"(level[...]) or use level.to_dask() for bulk work")
        out = self[tuple(slice(None) for _ in self.shape)]
        return out if dtype is None else out.astype(dtype, copy=False)

    def to_dask(self, chunks=None):
        """The same elements as a dask array (tile chunks unless given)."""
        if self.view is not None:
            from . import _lazy
            return _lazy.to_dask(self.view, chunks or self.chunks)
        import dask.array as da
        from . import _lazy
        chunks = da.core.normalize_chunks(chunks or self.chunks, self.shape,
                                          dtype=self.dtype)
        starts = _lazy._starts(chunks)

        def fill(block_id=None):
            return self._block(*_lazy._bounds(starts, chunks, block_id))

        return da.map_blocks(fill, chunks=chunks, dtype=self.dtype,
                             meta=np.empty((0,) * self.ndim, self.dtype))


def _tile_shape(chunks, shape):
    """One positive tile edge per axis from an int or a tuple of ints."""
    if isinstance(chunks, (int, np.integer)) and not isinstance(chunks, bool):
        chunks = (chunks,) * len(shape)
    if not isinstance(chunks, (tuple, list)):
        raise TypeError(f"chunks must be an int or one tile edge per axis, not "
                        f"{type(chunks).__name__}")
    chunks = tuple(chunks)
    if len(chunks) != len(shape) or not all(
            isinstance(c, (int, np.integer)) and not isinstance(c, bool)
            and c >= 1 for c in chunks):
        raise ValueError(f"chunks {chunks!r}: give one positive tile edge per "
                         f"axis of {shape}")
    return tuple(min(int(c), max(n, 1)) for c, n in zip(chunks, shape))


def _box(key, shape):
    """(lo, hi, axes dropped) when key is ints and slices of step 1 (plus
    Ellipsis) within shape; None otherwise."""
    items = key if isinstance(key, tuple) else (key,)
    if sum(it is Ellipsis for it in items) > 1 or any(it is None for it in items):
        return None
    n = sum(it is not Ellipsis for it in items)
    if n > len(shape):
        return None
    lo, hi, drop, axis = [], [], set(), 0
    for it in items:
        if it is Ellipsis:
            for _ in range(len(shape) - n):
                lo.append(0)
                hi.append(shape[axis])
                axis += 1
            continue
        if isinstance(it, (int, np.integer)) and not isinstance(it, bool):
            i = int(it) + (shape[axis] if it < 0 else 0)
            if not 0 <= i < shape[axis]:
                return None             # let the general path raise
            lo.append(i)
            hi.append(i + 1)
            drop.add(axis)
        elif isinstance(it, slice):
            start, stop, step = it.indices(shape[axis])
            if step != 1:
                return None
            lo.append(start)
            hi.append(max(start, stop))
        else:
            return None
        axis += 1
    for a in range(axis, len(shape)):
        lo.append(0)
        hi.append(shape[a])
    return tuple(lo), tuple(hi), drop


def _bounding_box(key, shape):
    """For a key of ints and slices of any step (no None or Ellipsis): the
    box of elements it touches and the key relative to that box."""
    items = key if isinstance(key, tuple) else (key,)
    if len(items) > len(shape) or not all(
            isinstance(it, (slice, int, np.integer)) for it in items):
        raise IndexError("a level computed by block means takes ints and "
                         "slices only")
    lo, hi, rel = [], [], []
    for axis, it in enumerate(items):
        n = shape[axis]
        if isinstance(it, slice):
            idx = range(*it.indices(n))
            a = min(idx) if len(idx) else 0
            lo.append(a)
            hi.append(max(idx) + 1 if len(idx) else 0)
            rel.append(slice(idx.start - a, None if idx.stop - a < 0
                             else idx.stop - a, idx.step) if len(idx)
                       else slice(0, 0))
            continue
        i = int(it) + (n if it < 0 else 0)
        if not 0 <= i < n:
            raise IndexError(f"index {it} is out of bounds for axis {axis} "
                             f"with size {n}")
        lo.append(i)
        hi.append(i + 1)
        rel.append(0)
    for a in range(len(items), len(shape)):
        lo.append(0)
        hi.append(shape[a])
        rel.append(slice(None))
    return tuple(lo), tuple(hi), tuple(rel)
