"""lazyview's index maps and range rules, evaluated with NumPy and dask alone.

Portable scripts (``lazyview emit --portable``) carry this file verbatim, so
they run where lazyview is not installed.  It lives with the code generator
(codegen/templates/), which embeds it in the library with the templates.

A view's index map is a list of stages (see lazyview.h, "plans"): stage 0
maps the index to ``x = offset + sum_e map_e(i_e)``; each later stage
unravels ``x`` into C-order digits of its extents and maps them the same
way; the last value is a byte offset in a file or a position in a range.
A map is ``{"n": extent, "stride": s}`` or ``{"n": extent, "table": [...]}``.
"""
import itertools
import uuid

import numpy as np


def dtype_of(spec):
    """A NumPy dtype from a type string, or a record written as data:
    {"names": [...], "formats": [spec, ...], "offsets": [...], "shapes":
    [[...], ...], "itemsize": n} (a field's shape [] when it is a scalar)."""
    if isinstance(spec, str):
        return np.dtype(spec)
    formats = [dtype_of(f) if not shape else np.dtype((dtype_of(f), tuple(shape)))
               for f, shape in zip(spec["formats"], spec["shapes"])]
    return np.dtype({"names": spec["names"], "formats": formats,
                     "offsets": spec["offsets"], "itemsize": spec["itemsize"]})


def _axis_map(axis, idx):
    if "table" in axis:
        return np.asarray(axis["table"], dtype=np.int64)[idx]
    return idx * np.int64(axis["stride"])


def positions(stages, lo, hi):
    """Positions (byte offsets, or places in a range) of elements lo <= i < hi."""
    shape = tuple(h - lw for lw, h in zip(lo, hi))
    x = np.full(shape, stages[0]["offset"], dtype=np.int64)
    for e, axis in enumerate(stages[0]["axes"]):
        idx = np.arange(lo[e], hi[e], dtype=np.int64)
        x += _axis_map(axis, idx).reshape((-1,) + (1,) * (len(shape) - 1 - e))
    for stage in stages[1:]:
        radices = [axis["n"] for axis in stage["axes"]]
        digits = np.unravel_index(x, radices) if radices else ()
        y = np.full(shape, stage["offset"], dtype=np.int64)
        for axis, d in zip(stage["axes"], digits):
            y += _axis_map(axis, d)
        x = y
    return x


def read_file(path, file_offset, nbytes, dtype, stages, lo, hi):
    """Elements lo <= i < hi of a view of a raw file, which is mapped per
    call (so dask workers open it themselves) and read only where needed."""
    pos = positions(stages, lo, hi)
    if pos.size == 0:
        return np.empty(pos.shape, dtype)
    raw = np.memmap(path, dtype=np.uint8, mode="r", offset=file_offset,
                    shape=(nbytes,))
    picked = raw[pos[..., None] + np.arange(dtype.itemsize)]
    return np.ascontiguousarray(picked).view(dtype).reshape(pos.shape)


def range_values(rule, dtype, pos):
    """NumPy's arange or linspace value at each position."""
    if rule["linspace"]:
        p = pos.astype(np.float64)
        if rule["div"] > 0 and rule["step"] != 0:
            y = p * rule["step"]
        elif rule["div"] > 0:
            y = (p / rule["div"]) * (rule["stop"] - rule["start"])
        else:
            y = p * (rule["stop"] - rule["start"])
        y = y + rule["start"]
        if rule["endpoint"] and rule["n"] > 1:
            y = np.where(pos == rule["n"] - 1, rule["stop"], y)
        return (np.floor(y) if dtype.kind in "iu" else y).astype(dtype)
    if dtype.kind in "iu":   # int64 arithmetic wraps like the C core's
        with np.errstate(over="ignore"):
            v = np.int64(rule["ifirst"]) + pos * np.int64(rule["idelta"])
        return v.astype(dtype)
    first, delta = dtype.type(rule["ffirst"]), dtype.type(rule["fdelta"])
    v = first + pos.astype(dtype) * delta
    v = np.where(pos == 1, dtype.type(rule["fsecond"]), v)
    return np.where(pos == 0, first, v).astype(dtype)


def chunk_starts(chunks):
    """Per axis, where each chunk starts."""
    return [list(itertools.accumulate((0,) + tuple(c[:-1]))) for c in chunks]


def lazy_array(shape, dtype, chunks, block, name=None):
    """A dask array whose chunk lo <= i < hi is block(lo, hi), on demand."""
    import dask.array as da
    from dask.array.core import normalize_chunks
    chunks = normalize_chunks(chunks, tuple(shape), dtype=dtype)
    starts = chunk_starts(chunks)

    def fill(block_id=None):
        lo = tuple(s[i] for s, i in zip(starts, block_id))
        hi = tuple(a + c[i] for a, c, i in zip(lo, chunks, block_id))
        return block(lo, hi)

    return da.map_blocks(fill, chunks=chunks, dtype=dtype,
                         meta=np.empty((0,) * len(shape), dtype),
                         name=name or f"lazyview-{uuid.uuid4().hex}")
