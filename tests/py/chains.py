"""Random view chains applied side by side to lazyview and to NumPy.

A ``Pair`` holds a lazyview View and its oracle: ``values`` (a NumPy array
holding what the view should read, obtained by NumPy doing the same ops by
copying) and ``addr`` (a NumPy int64 array with the byte offset of every
element, transformed by the same ops).  ``addr`` decides independently of
lazyview whether the view is strided: it is exactly when ``addr`` is an
affine function of the index.
"""
import os
import tempfile

import numpy as np
from hypothesis import strategies as st

import lazyview as lv

DTYPES = [np.dtype(t) for t in ("u1", "<i2", ">u2", "<f4", ">i4", "<f8", "<c16",
                                 "?", "<u8")] + [
    np.dtype([("r", "u1"), ("g", "u1"), ("b", "u1")]),
    np.dtype([("x", "<f4"), ("y", "<i2"), ("", "V2")]),
]


class Pair:
    def __init__(self, view, values, addr, base):
        self.view, self.values, self.addr, self.base = view, values, addr, base
        self.log = []

    def apply(self, name, lv_op, np_op):
        self.log.append(name)
        self.view = lv_op(self.view)
        self.values, self.addr = np_op(self.values, self.addr)


def affine(addr):
    """(offset, strides) when addr is affine in the index, else None."""
    if addr.size == 0:
        return 0, (0,) * addr.ndim
    zero = (0,) * addr.ndim
    off = int(addr[zero])
    if addr.ndim == 0:
        return off, ()
    strides = []
    for k in range(addr.ndim):
        if addr.shape[k] > 1:
            idx = list(zero)
            idx[k] = 1
            strides.append(int(addr[tuple(idx)]) - off)
        else:
            strides.append(0)
    grid = np.indices(addr.shape).reshape(addr.ndim, -1)
    model = off + (np.array(strides, dtype=np.int64)[:, None] * grid).sum(axis=0)
    return (off, tuple(strides)) if np.array_equal(model, addr.reshape(-1)) else None


@st.composite
def sources(draw):
    """A View over fresh random memory, with its oracle."""
    dt = draw(st.sampled_from(DTYPES))
    ndim = draw(st.integers(0, 4))
    shape = tuple(draw(st.lists(st.sampled_from([0, 1, 2, 3, 4, 5]), min_size=ndim,
                                max_size=ndim)))
    order = draw(st.sampled_from("CF"))
    pad = draw(st.sampled_from([1, 1, 2]))  # every pad-th element is used
    size = int(np.prod(shape, dtype=np.int64))
    nbytes = max(size * pad, 1) * dt.itemsize
    seed = draw(st.integers(0, 2**32 - 1))
    buf = bytearray(np.random.default_rng(seed).integers(0, 256, nbytes, dtype=np.uint8))
    base = np.frombuffer(buf, dtype=np.uint8)
    # strides: contiguous in `order`, each axis scaled by pad on the fastest
    strides, step = [0] * ndim, dt.itemsize * pad
    for k in (range(ndim - 1, -1, -1) if order == "C" else range(ndim)):
        strides[k] = step
        step *= max(shape[k], 1)
    view = lv.from_buffer(buf, dt, shape, strides=strides if ndim else None, order=order)
    full = np.ndarray(shape, dtype=dt, buffer=buf, strides=strides if ndim else None)
    grid = np.indices(shape, dtype=np.int64) if ndim else np.zeros((0,), np.int64)
    addr = (np.tensordot(np.array(strides, dtype=np.int64), grid, axes=1)
            if ndim else np.zeros((), np.int64))
    pair = Pair(view, full.copy(), np.asarray(addr, dtype=np.int64), base)
    pair.buf = buf
    pair.log.append(f"from_buffer({dt}, {shape}, strides={strides}, order={order})")
    return pair


def _full_slice_key(ndim, axis, item):
    return (slice(None),) * axis + (item,)


@st.composite
def index_keys(draw, shape):
    """A NumPy index key for shape: ints, slices, None, ..., int lists, masks."""
    ndim = len(shape)
    key, axis = [], 0
    use_ell = draw(st.booleans()) and ndim > 0
    n_consume = draw(st.integers(0, ndim))
    ell_at = draw(st.integers(0, n_consume)) if use_ell else -1
    consumed_shape = shape[:n_consume] if not use_ell else (
        shape[:ell_at] + shape[ndim - (n_consume - ell_at):])
    for i, n in enumerate(consumed_shape):
        if i == ell_at:
            key.append(Ellipsis)
        if draw(st.integers(0, 5)) == 0:
            key.append(None)
        kind = draw(st.sampled_from(["int", "slice", "slice", "list", "mask"]))
        if kind == "int" and n > 0:
            key.append(draw(st.integers(-n, n - 1)))
        elif kind == "list" and n > 0:
            key.append(draw(st.lists(st.integers(-n, n - 1), min_size=0, max_size=4)))
        elif kind == "mask":
            key.append(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)),
                                dtype=bool))
        else:
            start = draw(st.one_of(st.none(), st.integers(-n - 2, n + 2)))
            stop = draw(st.one_of(st.none(), st.integers(-n - 2, n + 2)))
            step = draw(st.one_of(st.none(), st.sampled_from([1, 2, 3, -1, -2])))
            key.append(slice(start, stop, step))
    if use_ell and ell_at == len(consumed_shape):
        key.append(Ellipsis)
    if draw(st.integers(0, 4)) == 0:
        key.append(None)
    # NumPy rejects several arrays that cannot broadcast; keep lists equal
    lists = [k for k in key if isinstance(k, list) or isinstance(k, np.ndarray)]
    if len(lists) > 1:
        lengths = {len(k) if isinstance(k, list) else int(k.sum()) for k in lists}
        if len(lengths - {1}) > 1:
            key = [k[:0] if isinstance(k, list) else k for k in key]
            key = [slice(None) if isinstance(k, np.ndarray) else k for k in key]
    return tuple(key)


def random_shape_like(draw, size):
    ndim = draw(st.integers(1, 4))
    shape = [1] * ndim
    if size == 0:
        shape[draw(st.integers(0, ndim - 1))] = 0
        return tuple(shape)
    p, s = 2, size
    while s > 1:
        while s % p == 0:
            shape[draw(st.integers(0, ndim - 1))] *= p
            s //= p
        p += 1
    return tuple(shape)


RANGE_DTYPES = [None, "<i8", "<i4", "<i2", "<u4", "<u8", "<f8", "<f4"]


@st.composite
def range_sources(draw):
    """A lazy arange or linspace with its NumPy oracle (addresses are the
    positions in the range)."""
    dt = draw(st.sampled_from(RANGE_DTYPES))
    if draw(st.booleans()):
        start = draw(st.integers(-50, 50))
        step = draw(st.sampled_from([1, 2, 3, -1, -2, 7]))
        stop = start + step * draw(st.integers(0, 40)) + draw(st.integers(-1, 1))
        if draw(st.booleans()):
            start, stop, step = start / 4, stop / 4, step / 4
        if dt is not None and np.dtype(dt).kind == "u":
            start, stop, step = abs(int(start)), abs(int(stop)) + 60, abs(int(step)) or 1
        values = np.arange(start, stop, step, dtype=dt)
        view = lv.arange(start, stop, step, dtype=dt)
        desc = f"arange({start}, {stop}, {step}, dtype={dt})"
    else:
        start = draw(st.integers(-20, 20)) / 3
        stop = draw(st.integers(-20, 20)) / 3
        num = draw(st.integers(0, 40))
        endpoint = draw(st.booleans())
        if dt is not None and np.dtype(dt).kind == "u":
            start, stop = abs(start), abs(stop)
        values = np.linspace(start, stop, num, endpoint=endpoint, dtype=dt)
        view = lv.linspace(start, stop, num, endpoint=endpoint, dtype=dt)
        desc = f"linspace({start}, {stop}, {num}, endpoint={endpoint}, dtype={dt})"
    pair = Pair(view, values, np.arange(values.size, dtype=np.int64), None)
    pair.log.append(desc)
    return pair


@st.composite
def file_sources(draw, directory):
    """A View of a raw file (open_raw, C or F order, maybe an offset)."""
    dt = draw(st.sampled_from(DTYPES))
    ndim = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.sampled_from([1, 2, 3, 4, 5]), min_size=ndim,
                                max_size=ndim)))
    order = draw(st.sampled_from("CF"))
    offset = draw(st.sampled_from([0, 0, 7]))
    seed = draw(st.integers(0, 2**32 - 1))
    size = int(np.prod(shape)) * dt.itemsize
    data = np.random.default_rng(seed).integers(0, 256, offset + size, dtype=np.uint8)
    fd, path = tempfile.mkstemp(suffix=".raw", dir=directory)
    os.close(fd)
    data.tofile(path)
    view = lv.open_raw(path, dt, shape, order=order, offset=offset)
    values = np.ndarray(shape, dtype=dt, buffer=data.tobytes(), offset=offset,
                        order=order).copy()
    grid = np.indices(shape, dtype=np.int64)
    strides = np.ndarray(shape, dtype=dt, buffer=bytes(size), order=order).strides
    addr = np.tensordot(np.array(strides, dtype=np.int64), grid, axes=1)
    pair = Pair(view, values, np.asarray(addr, dtype=np.int64), data[offset:])
    pair.log.append(f"open_raw({dt}, {shape}, order={order}, offset={offset})")
    return pair
