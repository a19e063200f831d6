"""lazyview against NumPy doing the same ops by copying (hypothesis).

Random chains (depth <= 8, ndim <= 6, every op, negative steps, size-0/1
axes, padded and F-order sources, structured dtypes) are applied to a View
and to its NumPy oracle (chains.Pair).  After every op: same shape, dtype
and bytes; ``is_strided`` exactly when the oracle's addresses are affine;
a strided view's ndarray shares the source memory with the same strides
and offset; errors have the type NumPy raises.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lazyview as lv
from chains import (DTYPES, affine, index_keys, random_shape_like,
                    range_sources, sources)


def as_bytes(a):
    return np.ascontiguousarray(a).tobytes()


def check(pair):
    v, values, addr = pair.view, pair.values, pair.addr
    where = " | ".join(pair.log)
    assert v.shape == values.shape, where
    assert v.dtype == values.dtype, where
    lay = affine(addr) if pair.base is not None else None
    assert v.is_strided == (lay is not None), where + "\n" + v.explain()
    full = v._block((0,) * v.ndim, v.shape)
    assert full.shape == values.shape
    assert as_bytes(full) == as_bytes(values), where
    if lay is None:
        with pytest.raises(lv.NotStridedError):
            v.to_numpy()
        lazy = lv.asarray(v)
        assert not isinstance(lazy, np.ndarray), where
        got = lazy.compute(scheduler="sync")
        assert got.shape == values.shape and as_bytes(got) == as_bytes(values), where
        return
    a = lv.asarray(v)
    assert isinstance(a, np.ndarray), where
    assert as_bytes(a) == as_bytes(values), where
    if a.size:
        assert np.shares_memory(a, pair.base), where
        ptr = a.__array_interface__["data"][0] - pair.base.__array_interface__["data"][0]
        assert ptr == lay[0], where
        for n, got, want in zip(a.shape, a.strides, lay[1]):
            assert n <= 1 or got == want, where


def expect_same_error(np_fn, lv_fn):
    """Runs the NumPy op; if it fails, lazyview must fail the same way."""
    try:
        result = np_fn()
    except (IndexError, ValueError, TypeError) as e:
        with pytest.raises(type(e)):
            lv_fn()
        return None
    return result


def op_transpose(draw, pair):
    perm = tuple(draw(st.permutations(range(pair.view.ndim))))
    pair.log.append(f"transpose{perm}")
    pair.view = pair.view.transpose(*perm) if perm else pair.view.T
    pair.values, pair.addr = pair.values.transpose(perm), pair.addr.transpose(perm)


def op_index(draw, pair):
    key = draw(index_keys(pair.view.shape))
    pair.log.append(f"[{key}]")
    # a trailing ... keeps NumPy from returning scalars (which normalise bools)
    np_key = key if any(k is Ellipsis for k in key) else key + (Ellipsis,)
    res = expect_same_error(lambda: (pair.values[np_key], pair.addr[np_key]),
                            lambda: pair.view[key])
    if res is None:
        return False
    pair.view = pair.view[key]
    pair.values, pair.addr = res
    return True


def op_reshape(draw, pair):
    shape = random_shape_like(draw, pair.view.size)
    order = draw(st.sampled_from("CF"))
    arg = list(shape)
    if pair.view.size and draw(st.booleans()):
        arg[draw(st.integers(0, len(arg) - 1))] = -1
    pair.log.append(f"reshape({arg}, order={order})")
    pair.view = pair.view.reshape(tuple(arg), order=order)
    pair.values = pair.values.reshape(shape, order=order)
    pair.addr = pair.addr.reshape(shape, order=order)


def op_flip(draw, pair):
    if pair.view.ndim == 0:
        return
    axis = draw(st.integers(-pair.view.ndim, pair.view.ndim - 1))
    pair.log.append(f"flip({axis})")
    pair.view = pair.view.flip(axis)
    pair.values, pair.addr = np.flip(pair.values, axis), np.flip(pair.addr, axis)


def op_broadcast(draw, pair):
    shape = pair.view.shape
    if pair.view.size > 200 or len(shape) >= 6:
        return
    lead = tuple(draw(st.lists(st.integers(1, 3), max_size=1)))
    new = lead + tuple(draw(st.integers(1, 3)) if n == 1 else n for n in shape)
    pair.log.append(f"broadcast_to({new})")
    pair.view = pair.view.broadcast_to(new)
    pair.values = np.broadcast_to(pair.values, new)
    pair.addr = np.broadcast_to(pair.addr, new)


def _split_np(values, addr, dt, k):
    r = values.dtype.itemsize // dt.itemsize
    vals = np.array(values, order="C")[..., None].view(dt)
    ad = addr[..., None] + np.arange(r, dtype=np.int64) * dt.itemsize
    return np.moveaxis(vals, -1, k), np.moveaxis(ad, -1, k)


def op_reinterpret(draw, pair):
    old = pair.view.dtype
    if pair.base is None:   # a range has no bytes to reinterpret
        pair.log.append("reinterpret (range)")
        with pytest.raises(TypeError, match="needs memory"):
            pair.view.reinterpret(draw(st.sampled_from(DTYPES)), axis=0)
        return
    sizes = [d for d in DTYPES if d.itemsize != 0]
    dt = draw(st.sampled_from(sizes))
    form = draw(st.sampled_from(["same", "none", "axis", "axis"]))
    if form == "same":
        same = [d for d in DTYPES if d.itemsize == old.itemsize]
        dt = draw(st.sampled_from(same + [np.dtype(f"V{old.itemsize}")]))
        pair.log.append(f"reinterpret({dt})")
        pair.view = pair.view.reinterpret(dt)
        pair.values = pair.values.view(dt)
        return
    if form == "none":
        return reinterpret_none(pair, dt)
    if dt.itemsize < old.itemsize and old.itemsize % dt.itemsize == 0 \
            and pair.view.ndim < 6:
        k = draw(st.integers(-pair.view.ndim - 1, pair.view.ndim))
        pair.log.append(f"reinterpret({dt}, axis={k})")
        pair.view = pair.view.reinterpret(dt, axis=k)
        kk = k if k >= 0 else k + pair.values.ndim + 1
        pair.values, pair.addr = _split_np(pair.values, pair.addr, dt, kk)
        return
    merge_axis(draw, pair)


def reinterpret_none(pair, dt):
    v = pair.view
    pair.log.append(f"reinterpret({dt}) [axis=None]")
    if dt.itemsize == v.dtype.itemsize:
        pair.view, pair.values = v.reinterpret(dt), pair.values.view(dt)
        return
    old, new = v.dtype.itemsize, dt.itemsize
    if not v.is_strided:    # NumPy's rule on the addresses, a copy's values
        if not reinterpret_none_lazy(pair, dt):
            return
    else:
        arr = v.to_numpy()
        try:
            want = arr.view(dt)
        except ValueError:
            with pytest.raises(ValueError):
                v.reinterpret(dt)
            return
        pair.view = v.reinterpret(dt)
        pair.values = want.copy()
    if new < old:
        r = old // new
        ad = pair.addr[..., None] + np.arange(r, dtype=np.int64) * new
        pair.addr = ad.reshape(pair.addr.shape[:-1] + (pair.addr.shape[-1] * r,))
    else:   # the last axis is contiguous: element j starts j*new bytes on
        count = pair.addr.shape[-1] * old // new
        pair.addr = pair.addr[..., :1] + np.arange(count, dtype=np.int64) * new
        pair.addr = pair.addr[..., :count]


def reinterpret_none_lazy(pair, dt):
    """axis=None on a view that is not strided: accepted exactly when
    NumPy's rule holds for its addresses (the last axis contiguous, sizes
    dividing), except the documented limit: a larger dtype over several
    stages.  Returns True when pair.view was replaced."""
    v, addr = pair.view, pair.addr
    old, new = v.dtype.itemsize, dt.itemsize
    n = v.shape[-1] if v.ndim else 0
    steps = np.diff(addr, axis=-1) if v.ndim else None
    ok = (v.ndim > 0 and (v.size == 0 or bool(np.all(steps == old)))
          and (new > old or old % new == 0) and (n * old) % new == 0)
    if not ok:
        with pytest.raises(ValueError):
            v.reinterpret(dt)
        return False
    try:
        nv = v.reinterpret(dt)
    except ValueError as e:
        assert new > old and "larger dtype" in str(e), "refused: " + " | ".join(pair.log)
        return False
    pair.view = nv
    pair.values = np.ascontiguousarray(pair.values).view(dt)
    return True


def merge_axis(draw, pair):
    v = pair.view
    cands = [k for k, n in enumerate(v.shape) if n >= 2 and n * v.dtype.itemsize <= 16]
    if not cands:
        return
    k = draw(st.sampled_from(cands))
    r = v.shape[k]
    new = np.dtype(f"V{r * v.dtype.itemsize}")
    pair.log.append(f"reinterpret({new}, axis={k}) [merge]")
    ad = np.moveaxis(pair.addr, k, -1)
    contiguous = bool(np.all(ad == ad[..., :1] + np.arange(r) * v.dtype.itemsize))
    lay = affine(pair.addr)
    try:
        nv = v.reinterpret(new, axis=k)
    except ValueError:
        assert not (contiguous and lay is not None), "merge refused: " + " | ".join(pair.log)
        pair.log.pop()
        return
    assert contiguous, "merge of a non-contiguous axis accepted: " + " | ".join(pair.log)
    pair.view = nv
    vals = np.array(np.moveaxis(pair.values, k, -1), order="C").view(new)
    pair.values = vals[..., 0]
    pair.addr = ad[..., 0]


OPS = [op_transpose, op_index, op_index, op_reshape, op_reshape, op_flip,
       op_broadcast, op_reinterpret, op_reinterpret]


def run_chain(data, source, max_ops):
    """Draws a source and up to max_ops ops, checking after each one."""
    pair = data.draw(source)
    check(pair)
    for _ in range(data.draw(st.integers(1, max_ops))):
        data.draw(st.sampled_from(OPS))(data.draw, pair)
        check(pair)


@given(st.data())
def test_random_chains_match_numpy(data):
    run_chain(data, sources(), 8)


@given(st.data())
def test_random_range_chains_match_numpy(data):
    run_chain(data, range_sources(), 6)
